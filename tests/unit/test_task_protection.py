"""ECS task scale-in protection, against a real HTTP server standing in for the ECS agent."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar

import pytest

from scribe.config import load_settings
from scribe.worker.protection import PROTECTION_PATH, TaskProtection


class _Agent(BaseHTTPRequestHandler):
    calls: ClassVar[list[tuple[str, dict[str, Any]]]] = []
    status = 200

    def do_PUT(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["content-length"])))
        type(self).calls.append((self.path, body))
        self.send_response(type(self).status)
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def agent() -> Iterator[tuple[str, type[_Agent]]]:
    _Agent.calls, _Agent.status = [], 200
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Agent)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v4/abc", _Agent
    server.shutdown()


def test_protection_follows_holding_and_asks_only_on_changes(
    agent: tuple[str, type[_Agent]],
) -> None:
    uri, handler = agent
    protection = TaskProtection(uri, expires_minutes=7)
    for holding in (False, True, True, True, False, False, True):
        protection.update(holding)
    assert [body for _, body in handler.calls] == [
        {"ProtectionEnabled": True, "ExpiresInMinutes": 7},
        {"ProtectionEnabled": False},
        {"ProtectionEnabled": True, "ExpiresInMinutes": 7},
    ]
    assert {path for path, _ in handler.calls} == {"/v4/abc" + PROTECTION_PATH}
    assert protection.protected


def test_an_agent_error_is_logged_not_raised_and_retried(
    agent: tuple[str, type[_Agent]], caplog: pytest.LogCaptureFixture
) -> None:
    uri, handler = agent
    handler.status = 500
    protection = TaskProtection(uri)
    protection.update(True)
    assert not protection.protected and "could not set scale-in protection" in caplog.text
    handler.status = 200
    protection.update(True)
    assert protection.protected and len(handler.calls) == 2


def test_only_in_ecs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ECS_AGENT_URI", raising=False)
    assert TaskProtection.for_worker(load_settings()) is None
    monkeypatch.setenv("ECS_AGENT_URI", "http://169.254.170.2/v4/x")
    assert TaskProtection.for_worker(load_settings()) is not None
    monkeypatch.setenv("SCRIBE_WORKER__SCALE_IN_PROTECTION", "false")
    assert TaskProtection.for_worker(load_settings()) is None
