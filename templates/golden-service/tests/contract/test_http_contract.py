"""The contract the platform relies on: probes, the metrics endpoint the ServiceMonitor scrapes, JSON errors."""

from __future__ import annotations

import json

from tests._server import ServerCase


class HttpContractTest(ServerCase):
    def test_health_is_json(self) -> None:
        status, kind, body = self.get("/healthz")
        self.assertEqual((status, kind), (200, "application/json"))
        self.assertEqual(json.loads(body), {"status": "ok", "service": "example"})

    def test_metrics_are_prometheus_text(self) -> None:
        status, kind, body = self.get("/metrics")
        self.assertEqual(status, 200)
        self.assertTrue(kind.startswith("text/plain"))
        self.assertIn("# TYPE http_server_request_duration_seconds histogram", body)

    def test_unknown_paths_are_json_404(self) -> None:
        status, kind, body = self.get("/missing")
        self.assertEqual((status, kind), (404, "application/json"))
        self.assertEqual(json.loads(body)["path"], "/missing")
