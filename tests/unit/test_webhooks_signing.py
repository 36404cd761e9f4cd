"""Webhook signing, verification, backoff and one delivery against a real loopback server."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from scribe.net.webhooks import (
    DELIVERY_HEADER,
    EVENT_HEADER,
    SIGNATURE_HEADER,
    backoff_schedule,
    deliver,
    encode_payload,
    sign,
    verify,
)

SECRET = "whsec_test"
TS = 1_700_000_000
BODY = b'{"event":"job.completed","job_id":"3f2a"}'
# printf '%s' '1700000000.{"event":"job.completed","job_id":"3f2a"}' \
#   | openssl dgst -sha256 -hmac whsec_test
KNOWN = "0180b0cf053b9e43577629a85e042326f5e237600a26310b7232e2dc75e4167a"

# --- signing ---------------------------------------------------------------------------------


def test_known_answer() -> None:
    assert sign(SECRET, TS, BODY) == f"t={TS},v1={KNOWN}"


def test_round_trip() -> None:
    header = sign(SECRET, TS, BODY)
    assert verify(SECRET, header, BODY, now=TS)
    assert verify(SECRET, header, BODY, now=TS + 299)
    assert verify(SECRET, header, BODY, now=TS - 299)  # receiver's clock behind


def test_tampered_body_timestamp_or_secret_is_refused() -> None:
    header = sign(SECRET, TS, BODY)
    assert not verify(SECRET, header, BODY.replace(b"3f2a", b"3f2b"), now=TS)
    assert not verify(SECRET, header, BODY + b" ", now=TS)
    moved = header.replace(f"t={TS}", f"t={TS + 1}")
    assert not verify(SECRET, moved, BODY, now=TS)
    assert not verify("whsec_other", header, BODY, now=TS)


def test_tolerance() -> None:
    header = sign(SECRET, TS, BODY)
    assert not verify(SECRET, header, BODY, now=TS + 301)
    assert not verify(SECRET, header, BODY, now=TS - 301)
    assert verify(SECRET, header, BODY, now=TS + 3000, tolerance=3600)
    assert not verify(SECRET, header, BODY, now=TS + 2, tolerance=1)
    fresh = sign(SECRET, int(time.time()), BODY)
    assert verify(SECRET, fresh, BODY)  # default now: the current time


def test_rotated_secrets_any_v1_entry_may_match() -> None:
    old = sign("whsec_old", TS, BODY).split(",")[1]
    header = f"{sign(SECRET, TS, BODY)},{old}"
    assert verify(SECRET, header, BODY, now=TS)
    assert verify("whsec_old", header, BODY, now=TS)
    assert not verify("whsec_third", header, BODY, now=TS)


@pytest.mark.parametrize(
    "header",
    [
        "",
        "garbage",
        f"v1={KNOWN}",
        f"t={TS}",
        f"t=abc,v1={KNOWN}",
        f"t={TS},t={TS},v1={KNOWN}",
        f"t=-{TS},v1={KNOWN}",
        f"t={TS},v1={KNOWN[:-1]}",
        f"t={TS},v0={KNOWN}",
        f"t={TS},v1={KNOWN.upper()}",
        f"t={TS},v1=ü{KNOWN[1:]}",
    ],
)
def test_malformed_headers_are_not_valid(header: str) -> None:
    assert not verify(SECRET, header, BODY, now=TS)


def test_empty_secret() -> None:
    with pytest.raises(ValueError):
        sign("", TS, BODY)
    assert not verify("", f"t={TS},v1={KNOWN}", BODY, now=TS)


def test_payload_encoding_is_compact_and_sorted() -> None:
    assert encode_payload({"job_id": "3f2a", "event": "job.completed"}) == BODY
    assert encode_payload({"b": [1, {"d": 2, "c": "é"}], "a": None}) == (
        b'{"a":null,"b":[1,{"c":"\\u00e9","d":2}]}'
    )


# --- backoff ---------------------------------------------------------------------------------


def test_backoff_schedule() -> None:
    assert [backoff_schedule(n) for n in range(1, 6)] == [10.0, 20.0, 40.0, 80.0, 160.0]
    assert backoff_schedule(9) == 2560.0
    assert backoff_schedule(10) == 3600.0
    assert backoff_schedule(100_000) == 3600.0
    assert backoff_schedule(3, base=1.0, factor=3.0, maximum=5.0) == 5.0
    assert backoff_schedule(2, base=1.0, factor=3.0) == 3.0
    with pytest.raises(ValueError):
        backoff_schedule(0)


# --- delivery --------------------------------------------------------------------------------


class _Receiver(BaseHTTPRequestHandler):
    """Records each POST; the path chooses the answer."""

    def log_message(self, format: str, *args: object) -> None:
        """Keep the test output quiet."""

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length)
        self.server.received.append((self.path, dict(self.headers), body))  # type: ignore[attr-defined]
        if self.path == "/slow":
            time.sleep(3.0)
        status = {"/fail": 500, "/moved": 302, "/gone": 410}.get(self.path, 204)
        self.send_response(status)
        if status == 302:
            self.send_header("Location", "/hook")
        self.send_header("Content-Length", "0")
        self.end_headers()


@pytest.fixture
def receiver() -> Iterator[Any]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    httpd.daemon_threads = True
    httpd.received = []  # type: ignore[attr-defined]
    thread = threading.Thread(
        target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    httpd.base = f"http://127.0.0.1:{httpd.server_address[1]}"  # type: ignore[attr-defined]
    yield httpd
    httpd.shutdown()
    httpd.server_close()


PAYLOAD = {"event": "job.completed", "job_id": "3f2a", "terms": 12}


def _deliver(url: str, **kwargs: Any) -> Any:
    options: dict[str, Any] = {
        "secret": SECRET,
        "event": "job.completed",
        "delivery_id": "dlv_1",
        "timeout": 5.0,
        "allow_hosts": ["127.0.0.1"],
    }
    options.update(kwargs)
    return deliver(url, PAYLOAD, **options)


def test_delivery_is_signed_and_verifiable(receiver: Any) -> None:
    attempt = _deliver(receiver.base + "/hook")
    assert attempt.ok and attempt.status_code == 204 and attempt.error is None
    assert attempt.duration_ms > 0
    [(path, headers, body)] = receiver.received
    assert path == "/hook"
    assert body == encode_payload(PAYLOAD)
    assert json.loads(body) == PAYLOAD
    assert headers["Content-Type"] == "application/json"
    assert headers[EVENT_HEADER] == "job.completed"
    assert headers[DELIVERY_HEADER] == "dlv_1"
    assert verify(SECRET, headers[SIGNATURE_HEADER], body)


def test_signature_timestamp_can_be_fixed(receiver: Any) -> None:
    _deliver(receiver.base + "/hook", now=TS)
    [(_, headers, body)] = receiver.received
    assert headers[SIGNATURE_HEADER] == sign(SECRET, TS, body)


@pytest.mark.parametrize(("path", "status"), [("/fail", 500), ("/gone", 410)])
def test_non_2xx_is_not_ok(receiver: Any, path: str, status: int) -> None:
    attempt = _deliver(receiver.base + path)
    assert not attempt.ok
    assert attempt.status_code == status
    assert attempt.error == f"HTTP {status}"


def test_redirects_are_not_followed(receiver: Any) -> None:
    attempt = _deliver(receiver.base + "/moved")
    assert not attempt.ok and attempt.status_code == 302
    assert "not followed" in attempt.error
    assert [r[0] for r in receiver.received] == ["/moved"]


def test_unsafe_urls_are_refused_without_a_request(receiver: Any) -> None:
    attempt = _deliver(receiver.base + "/hook", allow_hosts=())
    assert not attempt.ok and attempt.status_code is None
    assert "loopback" in attempt.error
    metadata = _deliver("http://169.254.169.254/latest/meta-data/")
    assert metadata.status_code is None and "metadata" in metadata.error
    assert _deliver("file:///etc/passwd").error.startswith("refused URL")
    assert receiver.received == []


def test_connection_refused_is_reported_not_raised() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    attempt = _deliver(f"http://127.0.0.1:{port}/hook")
    assert not attempt.ok and attempt.status_code is None
    assert "ConnectError" in attempt.error


def test_timeout_is_reported_not_raised(receiver: Any) -> None:
    started = time.monotonic()
    attempt = _deliver(receiver.base + "/slow", timeout=0.5)
    assert time.monotonic() - started < 1.5
    assert not attempt.ok and attempt.status_code is None
    assert attempt.error == "timed out after 0.5 s"
    assert 400 <= attempt.duration_ms < 1500
