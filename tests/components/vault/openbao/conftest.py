"""A real OpenBao dev server on loopback for the ``openbao`` tier, stopped by PID even on failure."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

BAO = Path(sys.executable).parent / "bao"
ROOT_TOKEN = "root-token-for-tests"


@dataclass
class Reply:
    status: int
    body: dict[str, Any]


@dataclass
class Bao:
    address: str

    def request(self, method: str, path: str, token: str = ROOT_TOKEN, body: dict[str, Any] | None = None) -> Reply:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(f"{self.address}/v1/{path}", data=data, method=method, headers={"X-Vault-Token": token})
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                raw = response.read()
                return Reply(response.status, json.loads(raw) if raw else {})
        except urllib.error.HTTPError as error:
            raw = error.read()
            return Reply(error.code, json.loads(raw) if raw else {})

    def ok(self, method: str, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        reply = self.request(method, path, body=body)
        assert reply.status in (200, 204), f"{method} {path}: {reply.status} {reply.body}"
        return reply.body


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def stop_process(process: subprocess.Popen[bytes]) -> None:
    """Terminate a server, killing it if it does not stop in time."""
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=5)


@pytest.fixture(scope="session")
def bao(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Bao]:
    port = free_port()
    log = (tmp_path_factory.mktemp("bao") / "server.log").open("w")
    process = subprocess.Popen(
        [str(BAO), "server", "-dev", f"-dev-root-token-id={ROOT_TOKEN}", f"-dev-listen-address=127.0.0.1:{port}"],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    server = Bao(f"http://127.0.0.1:{port}")
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                if server.request("GET", "sys/health").status == 200:
                    break
            except (urllib.error.URLError, ConnectionError):
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"OpenBao did not become healthy (exit code {process.poll()})")
            time.sleep(0.05)
        yield server
    finally:
        stop_process(process)
        log.close()
