"""Refuse URLs that would make Scribe reach into its own network (SSRF defence).

A URL given by a customer (a lesson to download, a webhook to call) must not point at the
machine itself, the private network around it or the cloud metadata service. :func:`check_url`
parses the URL with the same parser the HTTP client uses (``httpx.URL``), resolves the host with
``getaddrinfo`` and refuses it when *any* of the resolved addresses is not a public unicast
address. Numeric tricks (``2130706433``, ``0x7f.1``) need no special handling: they are checked
after the resolver has turned them into the address a connection would use.

Checking alone is not enough against DNS rebinding (a name that resolves to a public address for
the check and to 127.0.0.1 a moment later); :mod:`scribe.net.transport` therefore connects to
exactly the addresses returned here.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Sequence

import httpx

from scribe.errors import UnresolvableHostError, UnsafeUrlError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

__all__ = [
    "IPAddress",
    "UnresolvableHostError",
    "UnsafeUrlError",
    "check_url",
    "describe_address",
    "parse_url",
]


_LOOPBACK = "a loopback address"
_PRIVATE = "a private address"
_LINK_LOCAL = "a link-local address"
_METADATA = "the cloud metadata service address"
_UNSPECIFIED = "an unspecified address"
_MULTICAST = "a multicast address"
_RESERVED = "a reserved address"

_BLOCKED: list[tuple[IPNetwork, str]] = [
    (ipaddress.ip_network(net), label)
    for net, label in [
        ("0.0.0.0/32", _UNSPECIFIED),
        ("0.0.0.0/8", "a 'this network' address"),
        ("127.0.0.0/8", _LOOPBACK),
        ("10.0.0.0/8", _PRIVATE),
        ("172.16.0.0/12", _PRIVATE),
        ("192.168.0.0/16", _PRIVATE),
        ("169.254.169.254/32", _METADATA),
        ("169.254.0.0/16", _LINK_LOCAL),
        ("100.64.0.0/10", "a carrier-grade NAT (shared) address"),
        ("192.0.0.0/24", "an IETF protocol address"),
        ("192.0.2.0/24", "a documentation address"),
        ("198.51.100.0/24", "a documentation address"),
        ("203.0.113.0/24", "a documentation address"),
        ("198.18.0.0/15", "a benchmarking address"),
        ("224.0.0.0/4", _MULTICAST),
        ("255.255.255.255/32", "the broadcast address"),
        ("240.0.0.0/4", _RESERVED),
        ("::/128", _UNSPECIFIED),
        ("::1/128", _LOOPBACK),
        ("fd00:ec2::254/128", _METADATA),
        ("fe80::/10", _LINK_LOCAL),
        ("fc00::/7", "a unique-local (private) address"),
        ("fec0::/10", "a site-local (private) address"),
        ("ff00::/8", _MULTICAST),
        ("2001:db8::/32", "a documentation address"),
        ("100::/64", "a discard-only address"),
        ("::/8", _RESERVED),
    ]
]

_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")


def describe_address(address: IPAddress) -> str | None:
    """Why ``address`` must not be contacted (``"a loopback address"``), or None when it is public.

    IPv6 forms that carry an IPv4 address (IPv4-mapped ``::ffff:a.b.c.d``, NAT64 ``64:ff9b::/96``
    and 6to4 ``2002::/16``) are judged by the IPv4 address they carry.
    """
    if isinstance(address, ipaddress.IPv6Address):
        embedded: ipaddress.IPv4Address | None = None
        form = ""
        if address.ipv4_mapped is not None:
            embedded, form = address.ipv4_mapped, "an IPv4-mapped form of"
        elif address in _NAT64:
            embedded, form = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF), "a NAT64 form of"
        elif address.sixtofour is not None:
            embedded, form = address.sixtofour, "a 6to4 form of"
        if embedded is not None:
            inner = describe_address(embedded)
            return None if inner is None else f"{form} {embedded}, {inner}"
        address = ipaddress.IPv6Address(address.compressed.split("%", 1)[0])
    for network, label in _BLOCKED:
        if address.version == network.version and address in network:
            return label
    if not address.is_global:
        return "not a public address"
    return None


def parse_url(
    url: str | httpx.URL, allowed_schemes: Sequence[str] = ("http", "https")
) -> httpx.URL:
    """Parse ``url`` as the HTTP client will, refusing other schemes, credentials or no host."""
    try:
        parsed = url if isinstance(url, httpx.URL) else httpx.URL(url)
    except (httpx.InvalidURL, TypeError, ValueError) as exc:
        raise UnsafeUrlError(f"not a valid URL: {exc}") from None
    schemes = {scheme.lower() for scheme in allowed_schemes}
    if parsed.scheme.lower() not in schemes:
        shown = parsed.scheme or "(none)"
        raise UnsafeUrlError(
            f"the URL scheme {shown!r} is not allowed; use {' or '.join(sorted(schemes))}"
        )
    if not parsed.raw_host:
        raise UnsafeUrlError("the URL has no host name")
    if parsed.userinfo:
        raise UnsafeUrlError("the URL carries a user name or password, which is not allowed")
    if parsed.port == 0:
        raise UnsafeUrlError("the URL names port 0")
    return parsed


def _split_allow_list(allow_hosts: Sequence[str]) -> tuple[set[str], list[IPNetwork]]:
    """Sort the allow-list into host names and networks."""
    names: set[str] = set()
    networks: list[IPNetwork] = []
    for entry in allow_hosts:
        text = entry.strip()
        try:
            networks.append(ipaddress.ip_network(text.strip("[]"), strict=False))
        except ValueError:
            if "/" in text:
                raise ValueError(
                    f"allow_hosts entry {entry!r} is not a host name or CIDR"
                ) from None
            names.add(text.lower().rstrip("."))
    return names, networks


def _allowed_by_network(address: IPAddress, networks: Sequence[IPNetwork]) -> bool:
    """Whether ``address`` (or the IPv4 address it maps) lies in one of ``networks``."""
    candidates: list[IPAddress] = [address]
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        candidates.append(address.ipv4_mapped)
    return any(c.version == n.version and c in n for c in candidates for n in networks)


def resolve(host: str, port: int) -> list[IPAddress]:
    """Every address ``host`` resolves to for a TCP connection, in the resolver's order."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        temporary = exc.errno in (socket.EAI_AGAIN, getattr(socket, "EAI_SYSTEM", None))
        reason = "is temporarily unresolvable" if temporary else "does not resolve"
        raise UnresolvableHostError(
            f"the host name {host!r} {reason} ({exc.strerror})", temporary=temporary
        ) from None
    except UnicodeError:
        raise UnsafeUrlError(f"the host name {host!r} is not valid") from None
    addresses: list[IPAddress] = []
    for family, _type, _proto, _name, sockaddr in infos:
        if family not in (socket.AF_INET, socket.AF_INET6):
            continue
        address = ipaddress.ip_address(str(sockaddr[0]))
        if address not in addresses:
            addresses.append(address)
    if not addresses:
        raise UnresolvableHostError(f"the host name {host!r} has no IP address")
    return addresses


def check_url(
    url: str,
    *,
    allow_hosts: Sequence[str] = (),
    allowed_schemes: Sequence[str] = ("http", "https"),
) -> list[IPAddress]:
    """Check that ``url`` may be fetched and return the addresses its host resolves to.

    Refuses (with :class:`UnsafeUrlError`, whose message says why in words) a scheme outside
    ``allowed_schemes``, a URL without a host or with ``user:pass@``, and a host of which any
    resolved address is loopback, private, link-local (169.254.169.254, ``fd00:ec2::254``),
    carrier-grade NAT, multicast, reserved, unspecified or otherwise not public, including the
    IPv4-mapped/NAT64/6to4 IPv6 forms of those. A host that does not resolve raises
    :class:`UnresolvableHostError`.

    ``allow_hosts`` lists host names (matched exactly, case-insensitively) and IP networks in CIDR
    form (``10.1.2.0/24``, ``127.0.0.1``) that skip the address check: a named host is trusted
    whatever it resolves to, an address inside a listed network is trusted. Connect only to the
    returned addresses (see :mod:`scribe.net.transport`) so that a second DNS answer cannot
    differ from the checked one.
    """
    parsed = parse_url(url, allowed_schemes)
    return check_parsed(parsed, allow_hosts=allow_hosts)


def check_parsed(parsed: httpx.URL, *, allow_hosts: Sequence[str] = ()) -> list[IPAddress]:
    """:func:`check_url` for a URL already accepted by :func:`parse_url`."""
    host = parsed.raw_host.decode("ascii")
    port = parsed.port or (443 if parsed.scheme == "https" else 80)
    names, networks = _split_allow_list(allow_hosts)
    addresses = resolve(host, port)
    if host.lower().rstrip(".") in names:
        return addresses
    for address in addresses:
        reason = describe_address(address)
        if reason is None or _allowed_by_network(address, networks):
            continue
        if _same_host(host, address):
            raise UnsafeUrlError(f"the URL points at {address}, {reason}, which is not allowed")
        raise UnsafeUrlError(
            f"the URL's host {host} resolves to {address}, {reason}, which is not allowed"
        )
    return addresses


def _same_host(host: str, address: IPAddress) -> bool:
    """Whether ``host`` is the literal form of ``address``."""
    try:
        return ipaddress.ip_address(host) == address
    except ValueError:
        return False


def is_loopback(host: str) -> bool:
    """Whether the api binds only the loopback interface."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
