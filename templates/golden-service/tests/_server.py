from __future__ import annotations

import threading
import unittest
import urllib.error
import urllib.request

from service.app import serve


class ServerCase(unittest.TestCase):
    """Starts the service on a free loopback port for each test class."""

    service = "example"

    @classmethod
    def setUpClass(cls) -> None:
        cls.server = serve(0, cls.service)
        threading.Thread(target=cls.server.serve_forever, daemon=True).start()
        cls.base = f"http://127.0.0.1:{cls.server.server_address[1]}"

    @classmethod
    def tearDownClass(cls) -> None:
        cls.server.shutdown()
        cls.server.server_close()

    def get(self, path: str) -> tuple[int, str, str]:
        try:
            with urllib.request.urlopen(self.base + path, timeout=5) as response:
                return response.status, response.headers["Content-Type"], response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.headers["Content-Type"], error.read().decode()
