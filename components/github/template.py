"""Rendering the golden template for one repository (#17 hop 1).

GitHub copies a template repository verbatim; the files that hold a placeholder (``contract.json``
``template.placeholders``) are then committed rendered by the program, before Gate 1 locks the
default branch. Pure functions: the tests and the pack's rule read the same placeholders.
"""

from __future__ import annotations

from dataclasses import dataclass

from policy_pack.policies.contract import TEMPLATE_PLACEHOLDER_PATTERN as _PLACEHOLDER
from policy_pack.policies.contract import TEMPLATE_PLACEHOLDERS


@dataclass(frozen=True)
class TemplateValues:
    """What a generated repository's files name.

    Attributes:
        org: The GitHub organization (CODEOWNERS teams are ``@org/team``).
        tenant: The namespace the service runs in (``platform`` for the platform's repositories).
        service: The workload's name: its Deployment, ServiceAccount, Service and container.
        owner_team / platform_team: Team slugs of the code owners.
        otlp_endpoint: Where the service sends its traces and metrics (the platform collector; logs are stdout).
    """

    org: str
    tenant: str
    service: str
    owner_team: str
    platform_team: str
    otlp_endpoint: str

    def by_placeholder(self) -> dict[str, str]:
        values = (self.org, self.tenant, self.service, self.owner_team, self.platform_team, self.otlp_endpoint)
        return dict(zip(TEMPLATE_PLACEHOLDERS, values, strict=True))


def placeholders_in(content: str) -> list[str]:
    return sorted(set(_PLACEHOLDER.findall(content)))


def render(content: str, values: TemplateValues) -> str:
    table = values.by_placeholder()
    return _PLACEHOLDER.sub(lambda m: table[m.group(0)], content)


def rendered_files(files: dict[str, str], values: TemplateValues) -> dict[str, str]:
    """The files of ``files`` that hold a placeholder, rendered: what a generated repository needs committed."""
    return {path: render(content, values) for path, content in files.items() if placeholders_in(content)}
