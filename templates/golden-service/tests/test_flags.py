from __future__ import annotations

import json
import tempfile
import threading
import time
import unittest
import urllib.request
from pathlib import Path

from service.app import serve
from service.flags import Flags

OVERLAYS = Path(__file__).resolve().parent.parent / "deploy" / "overlays"


def flag_file(directory: str, default_variant: str) -> Path:
    path = Path(directory) / "flags.flagd.json"
    flag = {"state": "ENABLED", "variants": {"on": True, "off": False}, "defaultVariant": default_variant}
    document = {"flags": {"new-greeting": flag}}
    path.write_text(json.dumps(document))
    return path


class FlagTest(unittest.TestCase):
    """The example flag through the OpenFeature SDK and flagd's evaluator: the service follows its
    flag file as it changes, without a restart (the kill switch)."""

    def setUp(self) -> None:
        self.directory = tempfile.TemporaryDirectory()
        self.addCleanup(self.directory.cleanup)
        self.path = flag_file(self.directory.name, "on")
        self.server = serve(0, "example", flags_file=str(self.path))
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.addCleanup(self.server.server_close)
        self.addCleanup(self.server.shutdown)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"

    def get(self, path: str) -> str:
        with urllib.request.urlopen(self.base + path, timeout=5) as response:
            return response.read().decode()

    def greeting(self) -> str:
        return str(json.loads(self.get("/hello"))["greeting"])

    def test_turning_the_flag_off_takes_effect_without_a_restart(self) -> None:
        self.assertEqual(self.greeting(), "Hello from the new greeting")
        flag_file(self.directory.name, "off")
        deadline = time.monotonic() + 10
        while self.greeting() != "Hello" and time.monotonic() < deadline:
            time.sleep(0.05)  # polls a condition: the provider's file watcher reloads the flags
        self.assertEqual(self.greeting(), "Hello")
        metrics = self.get("/metrics")
        self.assertIn('feature_flag_evaluation_total{feature_flag_key="new-greeting",feature_flag_variant="on"}', metrics)
        self.assertIn('feature_flag_evaluation_total{feature_flag_key="new-greeting",feature_flag_variant="off"} ', metrics)

    def test_without_a_flag_file_the_code_default_holds(self) -> None:
        server = serve(0, "example", flags_file=str(Path(self.directory.name) / "absent.json"))
        self.addCleanup(server.server_close)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        self.addCleanup(server.shutdown)
        with urllib.request.urlopen(f"http://127.0.0.1:{server.server_address[1]}/hello", timeout=5) as response:
            self.assertEqual(json.loads(response.read())["greeting"], "Hello")


class OverlayFlagsTest(unittest.TestCase):
    def test_every_environment_has_a_flag_file_flagd_evaluates(self) -> None:
        for overlay in sorted(p for p in OVERLAYS.iterdir() if p.is_dir()):
            flags = Flags(str(overlay / "flags.flagd.json"), f"overlay-{overlay.name}")
            self.addCleanup(flags.close)
            flags.enabled("new-greeting")
            # Evaluated by flagd's evaluator from the file (a variant of it), not the code's default.
            self.assertRegex(flags.exposition(), r'feature_flag_variant="(on|off)"', overlay.name)
            self.assertIn("flags.flagd.json", (overlay / "kustomization.yaml").read_text(), overlay.name)
