"""The platform's own repositories, as the seed lists them (one place: GitHub layer, registry, CI).

Not among them: the repository that runs this program (``github.infraRepository``). It exists before
the first ``pulumi up`` (the workflow runs from it) and is an input: trusted, never created.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PlatformRepository:
    name: str
    description: str
    ships_image: bool


PLATFORM_REPOSITORIES: tuple[PlatformRepository, ...] = (
    PlatformRepository("platform-libs", "Shared libraries: auth, observability, idempotency, outbox", False),
    PlatformRepository("contracts", "OpenAPI/AsyncAPI contracts and schemas", False),
    PlatformRepository("concierge", "Resource Concierge: short-lived credentials and audited access (ADR-1)", True),
    PlatformRepository("db-manager", "DB Manager: pooled, quota-bound database access (ADR-2)", True),
    PlatformRepository("api-gateway", "Single entry point: WAF, rate limits, routing", True),
    PlatformRepository("catalog", "Service and resource catalog", True),
    PlatformRepository("design-system", "Shared UI components and visual tests", False),
    PlatformRepository("example-service", "The golden service, cloned to start a new service", True),
)
