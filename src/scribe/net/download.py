"""Download a customer's media URL safely: checked hops, pinned addresses, size and time limits.

:func:`download` streams one URL to a file. Every redirect is followed by hand and its target is
checked again with :func:`scribe.net.safety.check_url`; each connection goes to an address that
check returned (see :mod:`scribe.net.transport`). Failures are sorted for the worker:
:class:`DownloadError` (a :class:`~scribe.errors.PermanentError`: 404, too large, unsafe URL,
too many redirects) fails the job at once, :class:`DownloadTransientError` (not
permanent: timeouts, broken connections, 5xx, 429) is retried.
"""

from __future__ import annotations

import contextlib
import email.message
import os
import posixpath
import re
import ssl
import time
import urllib.parse
from collections.abc import Sequence
from dataclasses import dataclass
from http import HTTPStatus
from pathlib import Path
from typing import TypeVar

import httpx

from scribe.errors import (
    DownloadError,
    DownloadTransientError,
    UnresolvableHostError,
    UnsafeUrlError,
)
from scribe.net.safety import check_parsed, parse_url
from scribe.net.transport import PinnedBackend, pinned_client

__all__ = [
    "DEFAULT_USER_AGENT",
    "DownloadError",
    "DownloadResult",
    "DownloadTransientError",
    "download",
]

DEFAULT_USER_AGENT = "Scribe/0.1 (+self-hosted lesson transcription)"
_CHUNK = 64 * 1024
_E = TypeVar("_E", bound=BaseException)
_REDIRECTS = (301, 302, 303, 307, 308)
_RETRYABLE_4XX = (408, 425, 429)
_EXTENDED_FILENAME = re.compile(r"filename\*\s*=\s*([^;]+)", re.IGNORECASE)


@dataclass(frozen=True)
class DownloadResult:
    """What :func:`download` fetched.

    ``final_url`` is the URL after redirects, ``size`` the bytes written, ``content_type`` the
    media type without parameters (``video/mp4``) or None, ``filename_hint`` a bare file name
    from Content-Disposition or the URL path (never a path), or None.
    """

    final_url: str
    size: int
    content_type: str | None
    filename_hint: str | None


def download(
    url: str,
    target: Path,
    *,
    max_bytes: int,
    timeout: float,
    allow_hosts: Sequence[str] = (),
    max_redirects: int = 5,
    user_agent: str = DEFAULT_USER_AGENT,
    verify: ssl.SSLContext | bool = True,
) -> DownloadResult:
    """Stream ``url`` into ``target`` and describe what was fetched.

    The body is written to ``target.name + ".part"`` beside ``target`` and renamed on success;
    on any failure the partial file is deleted. ``max_bytes`` is enforced on the Content-Length
    (refused before reading) and while streaming; ``timeout`` is the wall-clock limit of the
    whole download, redirects included (the DNS lookups are not interruptible and come on top).
    ``allow_hosts`` is passed to :func:`~scribe.net.safety.check_url` for every hop; ``verify``
    is the TLS verification (an :class:`ssl.SSLContext` for a private CA).

    Raises :class:`DownloadError` for permanent failures and :class:`DownloadTransientError`
    for ones worth retrying.
    """
    if max_bytes <= 0 or timeout <= 0 or max_redirects < 0:
        raise ValueError("max_bytes and timeout must be positive, max_redirects not negative")
    deadline = time.monotonic() + timeout
    backend = PinnedBackend(deadline=deadline)
    part = target.with_name(target.name + ".part")
    headers = {"User-Agent": user_agent, "Accept-Encoding": "identity", "Accept": "*/*"}
    try:
        with pinned_client(backend, timeout=timeout, verify=verify, headers=headers) as client:
            return _fetch(client, backend, url, target, part, max_bytes, allow_hosts, max_redirects)
    except httpx.TimeoutException:
        _remove(part)
        raise DownloadTransientError(
            f"the download of {_shown(url)} did not finish within {timeout:g} s"
        ) from None
    except httpx.DecodingError as exc:
        _remove(part)
        raise DownloadError(f"the answer of {_shown(url)} could not be decoded: {exc}") from None
    except httpx.TransportError as exc:
        _remove(part)
        bad_certificate = _cause(exc, ssl.SSLCertVerificationError)
        if bad_certificate is not None:
            raise DownloadError(
                f"the TLS certificate of {_shown(url)} is not valid: "
                f"{bad_certificate.verify_message or bad_certificate}"
            ) from None
        raise DownloadTransientError(
            f"the connection failed while downloading {_shown(url)}: {exc or type(exc).__name__}"
        ) from None
    except BaseException:
        _remove(part)
        raise


def _fetch(
    client: httpx.Client,
    backend: PinnedBackend,
    url: str,
    target: Path,
    part: Path,
    max_bytes: int,
    allow_hosts: Sequence[str],
    max_redirects: int,
) -> DownloadResult:
    """Follow redirects by hand, checking and pinning each hop, and stream the final body."""
    current = _checked(backend, url, allow_hosts)
    seen = {str(current)}
    redirects = 0
    while True:
        with client.stream("GET", current) as response:
            if response.status_code in _REDIRECTS:
                location = response.headers.get("location")
                if not location:
                    raise DownloadError(
                        f"{_shown(current)} answered HTTP {response.status_code} with no Location"
                    )
                try:
                    following = current.join(location)
                except httpx.InvalidURL as exc:
                    raise DownloadError(
                        f"{_shown(current)} redirects to a bad URL: {exc}"
                    ) from None
                redirects += 1
                if str(following) in seen:
                    raise DownloadError(f"redirect loop: {_shown(following)} was visited already")
                if redirects > max_redirects:
                    raise DownloadError(f"more than {max_redirects} redirects from {_shown(url)}")
                seen.add(str(following))
                current = _checked(backend, following, allow_hosts, redirected=True)
                continue
            _raise_for_status(response, current)
            size = _stream_body(response, backend, part, max_bytes, current)
            os.replace(part, target)
            return DownloadResult(
                final_url=str(current),
                size=size,
                content_type=_media_type(response.headers.get("content-type")),
                filename_hint=filename_hint(response.headers.get("content-disposition"), current),
            )


def _checked(
    backend: PinnedBackend,
    url: str | httpx.URL,
    allow_hosts: Sequence[str],
    *,
    redirected: bool = False,
) -> httpx.URL:
    """Parse and check ``url`` and pin its host to the checked addresses."""
    prefix = "a redirect went to a refused URL: " if redirected else ""
    try:
        parsed = parse_url(url)
        addresses = check_parsed(parsed, allow_hosts=allow_hosts)
    except UnresolvableHostError as exc:
        if exc.temporary:
            raise DownloadTransientError(f"{prefix}{exc}") from None
        raise DownloadError(f"{prefix}{exc}") from None
    except UnsafeUrlError as exc:
        raise DownloadError(f"{prefix}{exc}") from None
    backend.pin(parsed.raw_host.decode("ascii"), addresses)
    return parsed


def _raise_for_status(response: httpx.Response, url: httpx.URL) -> None:
    """Sort a non-2xx answer into a permanent or transient failure."""
    status = response.status_code
    if 200 <= status < 300:
        return
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = ""
    message = f"{_shown(url)} answered HTTP {status} {phrase}".rstrip()
    if status >= 500 or status in _RETRYABLE_4XX:
        raise DownloadTransientError(message)
    raise DownloadError(message)


def _stream_body(
    response: httpx.Response, backend: PinnedBackend, part: Path, max_bytes: int, url: httpx.URL
) -> int:
    """Write the body to ``part``, refusing more than ``max_bytes``; the bytes written."""
    length = response.headers.get("content-length")
    if length is not None and length.strip().isdigit() and int(length) > max_bytes:
        raise DownloadError(
            f"{_shown(url)} is {_size(int(length))}, over the {_size(max_bytes)} limit"
        )
    part.parent.mkdir(parents=True, exist_ok=True)
    written = 0
    with part.open("wb") as out:
        for chunk in response.iter_bytes(_CHUNK):
            written += len(chunk)
            if written > max_bytes:
                raise DownloadError(f"{_shown(url)} is larger than the {_size(max_bytes)} limit")
            out.write(chunk)
            backend.remaining(None, httpx.ReadTimeout)
    return written


def filename_hint(content_disposition: str | None, url: httpx.URL | str) -> str | None:
    """A bare file name from a Content-Disposition header, else from the URL path, or None.

    ``filename*=UTF-8''…`` wins over ``filename=``; directories, control characters and names
    such as ``..`` are dropped so the hint can never be used as a path.
    """
    if content_disposition:
        name = _clean_name(_disposition_name(content_disposition))
        if name:
            return name
    path = httpx.URL(url).path if isinstance(url, str) else url.path
    return _clean_name(urllib.parse.unquote(posixpath.basename(path)))


def _disposition_name(header: str) -> str | None:
    """The file name of a Content-Disposition header, ``filename*`` (RFC 6266) first."""
    extended = _EXTENDED_FILENAME.search(header)
    if extended:
        charset, _, encoded = extended.group(1).strip().strip('"').partition("'")
        _, _, encoded = encoded.partition("'")
        try:
            return urllib.parse.unquote(encoded, encoding=charset or "utf-8", errors="strict")
        except (LookupError, UnicodeDecodeError):
            pass
    message = email.message.Message()
    message["content-disposition"] = header
    try:
        return message.get_filename()
    except (TypeError, ValueError, LookupError):
        return None


def _clean_name(name: str | None) -> str | None:
    """``name`` reduced to a safe bare file name, or None."""
    if not name:
        return None
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if ch.isprintable()).strip().strip(".")
    return name[:255] or None


def _media_type(content_type: str | None) -> str | None:
    """``video/mp4`` from ``video/mp4; charset=…``; None when absent."""
    if not content_type:
        return None
    media = content_type.split(";", 1)[0].strip().lower()
    return media or None


def _shown(url: str | httpx.URL) -> str:
    """The URL for messages, without credentials, query or fragment (they may hold secrets)."""
    try:
        parsed = httpx.URL(url) if isinstance(url, str) else url
        shown = parsed.copy_with(query=None, fragment=None, username=None, password=None)
        return str(shown) + ("?…" if parsed.query else "")
    except (httpx.InvalidURL, TypeError, ValueError):
        return "the URL"


def _size(n: int) -> str:
    """Bytes in words: ``10 MB``."""
    value = float(n)
    for unit in ("bytes", "KB", "MB", "GB", "TB"):
        if value < 1000 or unit == "TB":
            return f"{value:g} {unit}" if unit == "bytes" else f"{value:.3g} {unit}"
        value /= 1000
    return f"{n} bytes"  # pragma: no cover


def _cause(exc: BaseException, kind: type[_E]) -> _E | None:
    """The first exception of type ``kind`` in ``exc``'s chain of causes, or None."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, kind):
            return current
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return None


def _remove(path: Path) -> None:
    """Delete ``path`` if it exists."""
    with contextlib.suppress(FileNotFoundError):
        path.unlink()
