"""HTTP handlers and the request-duration histogram the platform's SLO alerts read."""

from __future__ import annotations

import json
import os
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from service.flags import FLAGS_FILE, Flags

#: Upper bounds (seconds) of the ``http_server_request_duration_seconds`` histogram (OpenTelemetry's
#: HTTP semantic conventions name it; Prometheus adds ``_bucket``, ``_count`` and ``_sum``).
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)


class Metrics:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._series: dict[tuple[str, str], list[float]] = {}

    def observe(self, route: str, status: int, seconds: float) -> None:
        key = (route, str(status))
        with self._lock:
            counts = self._series.setdefault(key, [0.0] * (len(BUCKETS) + 2))
            for i, bound in enumerate(BUCKETS):
                if seconds <= bound:
                    counts[i] += 1
            counts[-2] += 1  # +Inf bucket, i.e. the count
            counts[-1] += seconds

    def exposition(self) -> str:
        name = "http_server_request_duration_seconds"
        lines = [f"# HELP {name} Duration of HTTP server requests.", f"# TYPE {name} histogram"]
        with self._lock:
            for (route, status), counts in sorted(self._series.items()):
                labels = f'http_route="{route}",http_response_status_code="{status}"'
                for bound, count in zip(BUCKETS, counts, strict=False):
                    lines.append(f'{name}_bucket{{{labels},le="{bound}"}} {count:g}')
                lines.append(f'{name}_bucket{{{labels},le="+Inf"}} {counts[-2]:g}')
                lines.append(f"{name}_count{{{labels}}} {counts[-2]:g}")
                lines.append(f"{name}_sum{{{labels}}} {counts[-1]:g}")
        return "\n".join(lines) + "\n"


def make_handler(service: str, metrics: Metrics, flags: Flags) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            started = time.perf_counter()
            if self.path == "/healthz":
                status, body, kind = 200, json.dumps({"status": "ok", "service": service}), "application/json"
            elif self.path == "/metrics":
                status, body, kind = 200, metrics.exposition() + flags.exposition(), "text/plain; version=0.0.4"
            elif self.path == "/hello":
                # The example flag: a new code path behind ``new-greeting``, off unless its flag file says on.
                greeting = "Hello from the new greeting" if flags.enabled("new-greeting") else "Hello"
                status, body, kind = 200, json.dumps({"greeting": greeting}), "application/json"
            else:
                status, body, kind = 404, json.dumps({"error": "not found", "path": self.path}), "application/json"
            payload = body.encode()
            # Observed before the response is written: once a client has read it, a scrape it sends
            # next (served on another thread) already counts it.
            if self.path != "/metrics":
                metrics.observe(self.path if status != 404 else "unmatched", status, time.perf_counter() - started)
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002 (the standard library's name)
            print(json.dumps({"service": service, "request": format % args}), flush=True)

    return Handler


class Server(ThreadingHTTPServer):
    """The HTTP server and the flags it evaluates (closed with it)."""

    def __init__(self, port: int, service: str, flags: Flags) -> None:
        super().__init__(("0.0.0.0", port), make_handler(service, Metrics(), flags))  # noqa: S104 (a container listens on all interfaces)
        self.flags = flags

    def server_close(self) -> None:
        super().server_close()
        self.flags.close()


def serve(port: int, service: str | None = None, flags_file: str | None = None) -> Server:
    """A server bound to ``port`` (0: any free port), not yet serving; its flags from ``flags_file``
    (default: ``FLAGS_FILE`` from the environment, else the Deployment's mount)."""
    name = service or os.environ.get("OTEL_SERVICE_NAME", "service")
    return Server(port, name, Flags(flags_file or os.environ.get("FLAGS_FILE", FLAGS_FILE), name))
