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
