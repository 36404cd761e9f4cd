"""Webhook signing, verification and one delivery attempt.

Every webhook is a JSON ``POST`` with these headers:

``Scribe-Event``
    the event name (``job.completed``).
``Scribe-Delivery``
    the delivery id, the same on every retry of one delivery (receivers de-duplicate on it).
``Scribe-Signature``
    ``t=<unix seconds>,v1=<hex HMAC-SHA256>``; the HMAC key is the endpoint's secret and the
    message is ``f"{t}.".encode() + raw_body``. Several ``v1=`` entries may appear (while a
    secret is rotated); one valid entry is enough.

A receiver verifies a request with :func:`verify` on the *raw* body bytes, before parsing them::

    from scribe.net.webhooks import SIGNATURE_HEADER, verify

    if not verify(secret, request.headers[SIGNATURE_HEADER], raw_body):
        return 400

:func:`verify` also refuses a timestamp more than ``tolerance`` seconds from now, so a captured
request cannot be replayed later. The retry loop and its bookkeeping live elsewhere;
:func:`backoff_schedule` gives it the delay before the next attempt.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import ssl
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import httpx

from scribe.errors import UnsafeUrlError
from scribe.net.safety import check_parsed, parse_url
from scribe.net.transport import PinnedBackend, pinned_client

__all__ = [
    "DELIVERY_HEADER",
    "EVENT_HEADER",
    "SIGNATURE_HEADER",
    "DeliveryAttempt",
    "backoff_schedule",
    "deliver",
    "encode_payload",
    "sign",
    "verify",
]

SIGNATURE_HEADER = "Scribe-Signature"
EVENT_HEADER = "Scribe-Event"
DELIVERY_HEADER = "Scribe-Delivery"
USER_AGENT = "Scribe-Webhooks/0.1"


def _digest(secret: str, timestamp: int, body: bytes) -> str:
    """Hex HMAC-SHA256 of ``f"{timestamp}.".encode() + body`` under ``secret``."""
    message = f"{timestamp}.".encode() + body
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The ``Scribe-Signature`` header value: ``t=<timestamp>,v1=<hex hmac-sha256>``."""
    if not secret:
        raise ValueError("a webhook secret must not be empty")
    return f"t={int(timestamp)},v1={_digest(secret, int(timestamp), body)}"


def verify(
    secret: str,
    header: str,
    body: bytes,
    *,
    tolerance: float = 300,
    now: float | None = None,
) -> bool:
    """Whether ``header`` (a ``Scribe-Signature`` value) signs ``body`` with ``secret``.

    ``body`` must be the raw request body as received. The signature's timestamp must lie
    within ``tolerance`` seconds of ``now`` (default: the current time) in either direction.
    Digests are compared in constant time; a malformed header is simply not valid.
    """
    if not secret or not header:
        return False
    timestamp: int | None = None
    candidates: list[str] = []
    for item in header.split(","):
        key, sep, value = item.strip().partition("=")
        if not sep:
            return False
        if key == "t":
            if timestamp is not None or not value.isascii() or not value.isdigit():
                return False
            timestamp = int(value)
        elif key == "v1":
            candidates.append(value.strip())
    if timestamp is None or not candidates:
        return False
    current = time.time() if now is None else now
    if abs(current - timestamp) > tolerance:
        return False
    expected = _digest(secret, timestamp, body).encode("ascii")
    matched = False
    for candidate in candidates:
        if hmac.compare_digest(expected, candidate.encode("utf-8", "replace")):
            matched = True
    return matched


def encode_payload(payload: Mapping[str, Any]) -> bytes:
    """The exact body bytes sent for ``payload``: compact JSON with sorted keys, ASCII only."""
    return json.dumps(payload, separators=(",", ":"), sort_keys=True).encode("ascii")


@dataclass(frozen=True)
class DeliveryAttempt:
    """The outcome of one delivery attempt.

    ``status_code`` is None when no HTTP answer came (unsafe URL, connection failure, timeout),
    ``error`` says what went wrong in words (None on success), ``ok`` is true for a 2xx answer.
    """

    status_code: int | None
    error: str | None
    duration_ms: float
    ok: bool


def deliver(
    url: str,
    payload: Mapping[str, Any],
    *,
    secret: str,
    event: str,
    delivery_id: str,
    timeout: float,
    allow_hosts: Sequence[str] = (),
    verify_tls: ssl.SSLContext | bool = True,
    now: float | None = None,
) -> DeliveryAttempt:
    """POST ``payload`` to ``url`` once, signed, and report how it went.

    The URL is checked with :func:`scribe.net.safety.check_url` (a webhook must not reach into
    our network) and the connection goes to the checked address. Redirects are not followed
    (a 3xx is a failure). ``timeout`` bounds the whole attempt. Network failures, unsafe URLs
    and non-2xx answers are returned in ``error``, never raised; a payload that is not JSON
    serialisable raises ``TypeError`` (a programming error). ``now`` overrides the signature's
    timestamp (tests).
    """
    started = time.monotonic()
    body = encode_payload(payload)

    def attempt(status: int | None, error: str | None) -> DeliveryAttempt:
        elapsed = (time.monotonic() - started) * 1000.0
        return DeliveryAttempt(status, error, round(elapsed, 3), error is None)

    backend = PinnedBackend(deadline=started + timeout)
    try:
        parsed = parse_url(url)
        backend.pin(parsed.raw_host.decode("ascii"), check_parsed(parsed, allow_hosts=allow_hosts))
    except UnsafeUrlError as exc:
        return attempt(None, f"refused URL: {exc}")
    timestamp = int(time.time() if now is None else now)
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        EVENT_HEADER: event,
        DELIVERY_HEADER: delivery_id,
        SIGNATURE_HEADER: sign(secret, timestamp, body),
    }
    try:
        with (
            pinned_client(backend, timeout=timeout, verify=verify_tls) as client,
            client.stream("POST", parsed, content=body, headers=headers) as response,
        ):
            status = response.status_code
    except httpx.TimeoutException:
        return attempt(None, f"timed out after {timeout:g} s")
    except httpx.HTTPError as exc:
        return attempt(None, f"{type(exc).__name__}: {exc}")
    except OSError as exc:
        return attempt(None, f"{type(exc).__name__}: {exc}")
    if 200 <= status < 300:
        return attempt(status, None)
    if 300 <= status < 400:
        return attempt(status, f"HTTP {status}: redirects are not followed")
    return attempt(status, f"HTTP {status}")


def backoff_schedule(
    attempt: int, *, base: float = 10.0, factor: float = 2.0, maximum: float = 3600.0
) -> float:
    """Seconds to wait after failed attempt number ``attempt`` (1, 2, …) before the next one.

    ``base * factor ** (attempt - 1)``, capped at ``maximum``: 10, 20, 40 … 3600 s with the
    defaults. Deterministic; a dispatcher with many endpoints may add its own jitter.
    """
    if attempt < 1:
        raise ValueError("attempt counts from 1")
    if base < 0 or factor < 1 or maximum < 0:
        raise ValueError("base and maximum must not be negative and factor must be at least 1")
    try:
        delay = base * factor ** (attempt - 1)
    except OverflowError:
        return float(maximum)
    return float(min(delay, maximum))
