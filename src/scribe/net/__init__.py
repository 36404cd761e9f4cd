"""Outbound HTTP that customer input can steer: media downloads and webhooks, SSRF-safe.

- :mod:`scribe.net.safety` — :func:`check_url` refuses URLs that reach into our own network.
- :mod:`scribe.net.transport` — an httpx client that connects only to checked addresses.
- :mod:`scribe.net.download` — :func:`download` a media URL with size and time limits.
- :mod:`scribe.net.webhooks` — sign, verify and deliver webhooks.
"""

from __future__ import annotations

from scribe.errors import (
    DownloadError,
    DownloadTransientError,
    UnresolvableHostError,
    UnsafeUrlError,
)
from scribe.net.download import DownloadResult, download
from scribe.net.safety import check_url
from scribe.net.webhooks import (
    SIGNATURE_HEADER,
    DeliveryAttempt,
    backoff_schedule,
    deliver,
    sign,
    verify,
)

__all__ = [
    "SIGNATURE_HEADER",
    "DeliveryAttempt",
    "DownloadError",
    "DownloadResult",
    "DownloadTransientError",
    "UnresolvableHostError",
    "UnsafeUrlError",
    "backoff_schedule",
    "check_url",
    "deliver",
    "download",
    "sign",
    "verify",
]
