from __future__ import annotations

import json

from tests._server import ServerCase


class AppTest(ServerCase):
    def test_health_names_the_service(self) -> None:
        status, _, body = self.get("/healthz")
        self.assertEqual(status, 200)
        self.assertEqual(json.loads(body)["service"], "example")

    def test_requests_are_counted_by_route_and_status(self) -> None:
        self.get("/healthz")
        self.get("/nowhere")
        _, _, metrics = self.get("/metrics")
        unmatched = 'http_server_request_duration_seconds_count{http_route="unmatched",http_response_status_code="404"} 1'
        self.assertIn(unmatched, metrics)
        self.assertIn('http_route="/healthz",http_response_status_code="200",le="+Inf"', metrics)
