"""Gate 2's verdict in one environment (#26): did Argo CD sync the promotion commit, did the
PostSync smoke test pass, is the service healthy, and (with ``--rollout``) did the platform's canary
of the new digest complete under the service's SLO? On a failure the promotion commit is reverted, so
Argo CD returns to the last healthy digest, and the promotion stops (exit 1). An aborted canary has
already sent every request back to the stable digest; the revert makes that the desired state too.

    python deploy/gate2.py dev --application payments-payments-api --revision SHA --rollout payments/payments-api

Reads the Argo CD Application with ``kubectl`` (the job's kubeconfig: the environment's cluster),
every ``--interval`` seconds until a verdict or ``--timeout``. Standard library only.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from typing import Any

PASS, WAIT = "pass", "wait"


def verdict(application: dict[str, Any], revision: str) -> str:
    """``pass``, ``wait``, or ``fail: <why>`` for an Application's status and the promoted revision."""
    status = application.get("status", {})
    operation = status.get("operationState", {})
    synced = operation.get("syncResult", {}).get("revision") or status.get("sync", {}).get("revision")
    if synced != revision:
        return WAIT  # Argo CD has not picked the commit up yet
    phase = operation.get("phase")
    if phase in ("Failed", "Error"):
        failed = [r for r in operation.get("syncResult", {}).get("resources", []) if r.get("hookPhase") in ("Failed", "Error")]
        hooks = ", ".join(f"{r.get('kind')}/{r.get('name')}" for r in failed) or "the sync"
        return f"fail: {hooks} failed at {revision[:12]}: {operation.get('message', '')}".rstrip(": ")
    health = status.get("health", {}).get("status")
    if health == "Degraded":
        return f"fail: the application is Degraded at {revision[:12]}"
    if phase == "Succeeded" and health == "Healthy":
        return PASS
    return WAIT


def canary_verdict(rollout: dict[str, Any], deployment: dict[str, Any]) -> str:
    """``pass``, ``wait``, or ``fail: <why>`` for the platform's Rollout of the service and the
    Deployment it drives (``workloadRef``): the canary of the Deployment's current pod template."""
    status = rollout.get("status", {})
    if str(status.get("workloadObservedGeneration", "")) != str(deployment.get("metadata", {}).get("generation", "")):
        return WAIT  # the Rollout has not seen the promoted pod template yet
    if status.get("abort"):
        why = status.get("message") or "its analysis failed"
        return f"fail: the canary was aborted ({why}); every request is back on the stable digest"
    phase = status.get("phase")
    if phase == "Degraded":
        return f"fail: the canary is Degraded: {status.get('message', '')}".rstrip(": ")
    if phase == "Healthy" and status.get("stableRS") and status.get("stableRS") == status.get("currentPodHash"):
        return PASS
    return WAIT  # Progressing, or Paused between steps (or for a person's promotion)


def get_object(kind: str, name: str, namespace: str) -> dict[str, Any]:
    done = subprocess.run(  # noqa: S603 (a fixed command)
        ["kubectl", "get", kind, name, "--namespace", namespace, "--output", "json"],  # noqa: S607
        capture_output=True,
        text=True,
        check=True,
    )
    loaded: dict[str, Any] = json.loads(done.stdout)
    return loaded


def application(name: str, namespace: str) -> dict[str, Any]:
    return get_object("applications.argoproj.io", name, namespace)


def overall(args: argparse.Namespace) -> str:
    result = verdict(application(args.application, args.namespace), args.revision)
    if result != PASS or not args.rollout:
        return result
    namespace, name = args.rollout
    rollout = get_object("rollouts.argoproj.io", name, namespace)
    workload = rollout.get("spec", {}).get("workloadRef", {}).get("name", name)
    return canary_verdict(rollout, get_object("deployments.apps", workload, namespace))


def _rollout(value: str) -> tuple[str, str]:
    namespace, _, name = value.partition("/")
    if not namespace or not name or "/" in name:
        raise argparse.ArgumentTypeError(f"--rollout {value!r}: expected NAMESPACE/NAME, e.g. payments/payments-api")
    return namespace, name


def revert(revision: str) -> None:
    """The overlay goes back to the digest before this promotion; Argo CD syncs it."""
    for command in (["git", "revert", "--no-edit", revision], ["git", "push", "origin", "HEAD:main"]):
        subprocess.run(command, check=True)  # noqa: S603


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="gate2", description=__doc__.split("\n\n")[0])
    parser.add_argument("environment")
    parser.add_argument("--application", required=True, help="the Argo CD Application (<tenant>-<service>)")
    parser.add_argument("--revision", required=True, help="the promotion commit")
    parser.add_argument("--namespace", default="argocd")
    parser.add_argument(
        "--rollout",
        type=_rollout,
        help="NAMESPACE/NAME of the platform's Rollout of the service: wait for its canary to complete",
    )
    parser.add_argument("--timeout", type=int, default=900)
    parser.add_argument("--interval", type=int, default=15)
    args = parser.parse_args(argv)
    deadline = time.monotonic() + args.timeout
    result = WAIT
    while result == WAIT and time.monotonic() < deadline:
        result = overall(args)
        if result == WAIT:
            time.sleep(args.interval)  # polling the API server: the condition is Argo CD's, not ours
    if result == PASS:
        canary = ", canary completed under its SLO" if args.rollout else ""
        print(f"gate 2 ({args.environment}): {args.application} synced {args.revision[:12]}, smoke test passed, Healthy{canary}")
        return 0
    why = result.removeprefix("fail: ") if result != WAIT else f"no verdict in {args.timeout} s"
    print(f"gate 2 ({args.environment}): {why}; reverting the promotion", file=sys.stderr)
    revert(args.revision)
    return 1


if __name__ == "__main__":
    sys.exit(main())
