from __future__ import annotations

import importlib.util
import unittest
from pathlib import Path

_spec = importlib.util.spec_from_file_location("gate2", Path(__file__).resolve().parents[1] / "deploy" / "gate2.py")
if _spec is None or _spec.loader is None:
    raise ImportError("deploy/gate2.py")
gate2 = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(gate2)

REVISION = "9fceb02d0ae598e95dc970b74767f19372d61af8"


def app(revision: str, phase: str, health: str, resources: list[dict] | None = None) -> dict:
    return {
        "status": {
            "sync": {"revision": revision, "status": "Synced"},
            "health": {"status": health},
            "operationState": {"phase": phase, "message": "", "syncResult": {"revision": revision, "resources": resources or []}},
        }
    }


class VerdictTest(unittest.TestCase):
    def test_synced_succeeded_and_healthy_passes(self) -> None:
        self.assertEqual(gate2.verdict(app(REVISION, "Succeeded", "Healthy"), REVISION), "pass")

    def test_an_older_revision_waits(self) -> None:
        self.assertEqual(gate2.verdict(app("0" * 40, "Succeeded", "Healthy"), REVISION), "wait")

    def test_a_failed_smoke_hook_fails_naming_it(self) -> None:
        hook = {"kind": "Job", "name": "payments-api-smoke", "hookPhase": "Failed"}
        found = gate2.verdict(app(REVISION, "Failed", "Healthy", [hook]), REVISION)
        self.assertTrue(found.startswith("fail: Job/payments-api-smoke failed"), found)

    def test_degraded_fails_and_progressing_waits(self) -> None:
        self.assertTrue(gate2.verdict(app(REVISION, "Succeeded", "Degraded"), REVISION).startswith("fail:"))
        self.assertEqual(gate2.verdict(app(REVISION, "Running", "Progressing"), REVISION), "wait")


def rollout(generation: int, phase: str, *, abort: bool = False, stable: str = "abc", current: str = "abc") -> dict:
    return {
        "spec": {"workloadRef": {"name": "payments-api"}},
        "status": {
            "workloadObservedGeneration": str(generation),
            "phase": phase,
            "abort": abort,
            "stableRS": stable,
            "currentPodHash": current,
            "message": 'RolloutAborted: metric "error-rate" assessed Failed' if abort else "",
        },
    }


DEPLOYMENT = {"metadata": {"generation": 7}}


class CanaryVerdictTest(unittest.TestCase):
    def test_a_completed_canary_of_the_promoted_template_passes(self) -> None:
        self.assertEqual(gate2.canary_verdict(rollout(7, "Healthy"), DEPLOYMENT), "pass")

    def test_a_rollout_that_has_not_seen_the_promotion_waits(self) -> None:
        """Argo CD synced the Deployment, the Rollout still reports the previous template: Healthy is stale."""
        self.assertEqual(gate2.canary_verdict(rollout(6, "Healthy"), DEPLOYMENT), "wait")

    def test_a_canary_between_steps_waits(self) -> None:
        self.assertEqual(gate2.canary_verdict(rollout(7, "Paused", current="def"), DEPLOYMENT), "wait")
        self.assertEqual(gate2.canary_verdict(rollout(7, "Progressing", current="def"), DEPLOYMENT), "wait")

    def test_an_aborted_canary_fails_naming_the_metric(self) -> None:
        found = gate2.canary_verdict(rollout(7, "Degraded", abort=True, current="def"), DEPLOYMENT)
        self.assertTrue(found.startswith("fail: the canary was aborted") and "error-rate" in found, found)

    def test_a_bad_rollout_argument_is_refused(self) -> None:
        with self.assertRaises(SystemExit) as raised:
            gate2.main(["dev", "--application", "a", "--revision", REVISION, "--rollout", "payments-api"])
        self.assertEqual(raised.exception.code, 2)
