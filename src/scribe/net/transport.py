"""An httpx client that connects only to checked addresses and keeps one wall-clock deadline.

DNS-rebinding defence: :func:`scribe.net.safety.check_url` resolves a host once and checks every
address; :class:`PinnedBackend` (an ``httpcore`` network backend) then opens the TCP connection
to exactly those addresses and never asks the resolver again. A host that was not pinned is
refused. Because only the TCP connect is redirected, the URL, the ``Host`` header, the TLS SNI
name and the certificate check all stay on the original host name, so HTTPS is pinned the same
way as HTTP. After connecting, the socket's peer address is compared with the pinned set once
more (belt and braces).

Deadline: every socket operation (connect, TLS handshake, each read and write) gets at most the
time left until the deadline, so a server that trickles one byte a second cannot stretch a
download past its overall timeout.

httpx 0.28 has no public way to give :class:`httpx.HTTPTransport` a network backend (encode/httpx
PR #3749 proposes one), so :class:`PinnedTransport` replaces the transport's connection pool with
one built on the pinned backend. Proxies from the environment are never used (``trust_env`` off):
a proxy would make the connection, and the pinning, pointless.
"""

from __future__ import annotations

import ipaddress
import ssl
import threading
import time
from collections.abc import Iterable, Sequence

import httpcore
import httpx

from scribe.net.safety import IPAddress

__all__ = ["DeadlineStream", "PinnedBackend", "PinnedTransport", "pinned_client"]


class PinnedBackend(httpcore.NetworkBackend):
    """Connects a host name only to the addresses pinned for it, within an optional deadline."""

    def __init__(self, *, deadline: float | None = None) -> None:
        self.deadline = deadline
        self._pins: dict[str, tuple[IPAddress, ...]] = {}
        self._lock = threading.Lock()
        self._inner = httpcore.SyncBackend()

    def pin(self, host: str, addresses: Sequence[IPAddress]) -> None:
        """Let connections to ``host`` go to ``addresses`` (the checked ones), in that order."""
        if not addresses:
            raise ValueError("pin needs at least one address")
        with self._lock:
            self._pins[_key(host)] = tuple(addresses)

    def pinned(self, host: str) -> tuple[IPAddress, ...]:
        """The addresses pinned for ``host`` (empty when none)."""
        with self._lock:
            return self._pins.get(_key(host), ())

    def remaining(self, timeout: float | None, error: type[Exception]) -> float | None:
        """``timeout`` shortened to the time left before the deadline; ``error`` once it passed."""
        if self.deadline is None:
            return timeout
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise error("the overall time limit was reached")
        return left if timeout is None else min(timeout, left)

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        """Connect to the first reachable pinned address of ``host``; never resolve it again."""
        addresses = self.pinned(host)
        if not addresses:
            raise httpcore.ConnectError(f"refusing to connect to {host}: its address is unchecked")
        last_error: Exception | None = None
        for address in addresses:
            wait = self.remaining(timeout, httpcore.ConnectTimeout)
            try:
                # An IP literal: getaddrinfo inside does no DNS lookup.
                stream = self._inner.connect_tcp(
                    str(address), port, wait, local_address, socket_options
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                last_error = exc
                continue
            try:
                _check_peer(stream, addresses)
            except BaseException:
                stream.close()
                raise
            return DeadlineStream(stream, self)
        assert last_error is not None
        raise last_error

    def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        """Unix sockets are never used for customer URLs."""
        raise httpcore.ConnectError("unix sockets are not allowed")

    def sleep(self, seconds: float) -> None:
        """Sleep between connection retries (httpcore calls this)."""
        time.sleep(seconds)


def _key(host: str) -> str:
    """The pin-table key of a host name: lower case, no trailing dot, no IPv6 brackets."""
    return host.strip("[]").lower().rstrip(".")


def _check_peer(stream: httpcore.NetworkStream, addresses: Sequence[IPAddress]) -> None:
    """Fail unless the connected peer is one of the pinned addresses."""
    server = stream.get_extra_info("server_addr")
    if not isinstance(server, tuple) or not server:
        raise httpcore.ConnectError("cannot read the peer address of the connection")
    peer = ipaddress.ip_address(str(server[0]).split("%", 1)[0])
    plain = {ipaddress.ip_address(str(a).split("%", 1)[0]) for a in addresses}
    if peer not in plain:
        raise httpcore.ConnectError(f"connected to {peer}, which is not a checked address")


class DeadlineStream(httpcore.NetworkStream):
    """A network stream whose every operation ends by the backend's deadline."""

    def __init__(self, inner: httpcore.NetworkStream, backend: PinnedBackend) -> None:
        self._inner = inner
        self._backend = backend

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        """Read with the timeout cut to the deadline."""
        return self._inner.read(max_bytes, self._backend.remaining(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        """Write with the timeout cut to the deadline."""
        self._inner.write(buffer, self._backend.remaining(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        """Close the connection."""
        self._inner.close()

    def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        """TLS on the pinned connection; SNI and the certificate check use the URL's host name."""
        wait = self._backend.remaining(timeout, httpcore.ConnectTimeout)
        return DeadlineStream(
            self._inner.start_tls(ssl_context, server_hostname, wait), self._backend
        )

    def get_extra_info(self, info: str) -> object:
        """Pass-through of the socket facts (``server_addr``, ``ssl_object``…)."""
        return self._inner.get_extra_info(info)


class PinnedTransport(httpx.HTTPTransport):
    """:class:`httpx.HTTPTransport` whose connections go through a :class:`PinnedBackend`."""

    def __init__(
        self, backend: PinnedBackend, *, verify: ssl.SSLContext | bool = True, retries: int = 0
    ) -> None:
        super().__init__(verify=verify, trust_env=False, retries=retries)
        self.backend = backend
        self._pool = httpcore.ConnectionPool(
            ssl_context=httpx.create_ssl_context(verify=verify, trust_env=False),
            max_connections=10,
            max_keepalive_connections=10,
            keepalive_expiry=5.0,
            http1=True,
            http2=False,
            retries=retries,
            network_backend=backend,
        )


def pinned_client(
    backend: PinnedBackend,
    *,
    timeout: float,
    verify: ssl.SSLContext | bool = True,
    headers: dict[str, str] | None = None,
) -> httpx.Client:
    """An :class:`httpx.Client` that connects only to ``backend``'s pinned addresses.

    It follows no redirects and ignores proxy settings from the environment; the caller checks
    each URL with :func:`scribe.net.safety.check_url` and pins the result before a request.
    """
    return httpx.Client(
        transport=PinnedTransport(backend, verify=verify),
        timeout=httpx.Timeout(timeout),
        follow_redirects=False,
        trust_env=False,
        headers=headers,
    )
