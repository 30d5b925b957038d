"""Gate 2's smoke test (#26): what must answer after a sync, against a running service.

    python -m service.smoke http://payments-api.payments.svc:8080

Checks the probes' endpoint (``/healthz``: status ok) and the metrics endpoint Prometheus scrapes
(``/metrics``: the request-duration histogram the SLO alerts read). Exit 0 when both answer, 1 with
one line per failure. Argo CD runs it after each sync (``deploy/base/smoke-test.yaml``, a PostSync
hook): a failure fails the sync, and the promotion stops. Standard library only, inside the image.
"""

from __future__ import annotations

import json
import sys
import urllib.error
import urllib.request

HISTOGRAM = "# TYPE http_server_request_duration_seconds histogram"


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 (the service's own http URL)
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def failures(base_url: str) -> list[str]:
    """What does not answer as the platform needs (empty: the service passes)."""
    found = []
    try:
        status, body = _get(f"{base_url.rstrip('/')}/healthz")
        if status != 200 or json.loads(body).get("status") != "ok":
            found.append(f"/healthz answered {status} {body[:80]!r}, not 200 with status ok")
        status, body = _get(f"{base_url.rstrip('/')}/metrics")
        if status != 200 or HISTOGRAM not in body:
            found.append(f"/metrics answered {status} without the request-duration histogram the SLO alerts read")
    except (OSError, ValueError) as error:
        found.append(f"{base_url}: {error}")
    return found


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1 or not args[0].startswith(("http://", "https://")):
        print("usage: python -m service.smoke BASE_URL (http://host:port)", file=sys.stderr)
        return 2
    found = failures(args[0])
    for failure in found:
        print(f"smoke: {failure}", file=sys.stderr)
    if not found:
        print(f"smoke: {args[0]} passes")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
