"""check_url: every blocked address class is refused, public literals and allow-lists pass.

Only literal addresses and ``localhost`` are used: there is no DNS in the test environment.
"""

from __future__ import annotations

import ipaddress
import socket

import pytest

from scribe.errors import ScribeError
from scribe.net.safety import (
    UnresolvableHostError,
    UnsafeUrlError,
    check_url,
    describe_address,
)

BLOCKED = [
    # (url, words the message must contain)
    ("http://127.0.0.1/", "loopback"),
    ("http://127.8.9.10:8080/x", "loopback"),
    ("http://localhost/", "loopback"),
    ("http://[::1]/", "loopback"),
    ("http://10.0.0.1/", "private"),
    ("http://10.255.255.254/", "private"),
    ("http://172.16.0.1/", "private"),
    ("http://172.31.255.1/", "private"),
    ("http://192.168.1.1/", "private"),
    ("http://[fc00::1]/", "private"),
    ("http://[fd12:3456::1]/", "private"),
    ("http://169.254.169.254/latest/meta-data/", "metadata"),
    ("http://169.254.1.1/", "link-local"),
    ("http://[fe80::1]/", "link-local"),
    ("http://[fd00:ec2::254]/", "metadata"),
    ("http://100.64.0.1/", "carrier-grade NAT"),
    ("http://100.127.255.254/", "carrier-grade NAT"),
    ("http://224.0.0.1/", "multicast"),
    ("http://239.255.255.250/", "multicast"),
    ("http://[ff02::1]/", "multicast"),
    ("http://240.0.0.1/", "reserved"),
    ("http://255.255.255.255/", "broadcast"),
    ("http://0.0.0.0/", "unspecified"),
    ("http://[::]/", "unspecified"),
    ("http://[::ffff:127.0.0.1]/", "IPv4-mapped form of 127.0.0.1, a loopback"),
    ("http://[::ffff:169.254.169.254]/", "IPv4-mapped form of 169.254.169.254"),
    ("http://[::ffff:10.0.0.1]/", "IPv4-mapped form of 10.0.0.1, a private"),
    ("http://[64:ff9b::a00:1]/", "NAT64 form of 10.0.0.1"),
    ("http://[2002:7f00:1::]/", "6to4 form of 127.0.0.1"),
    ("http://[::7f00:1]/", "reserved"),
    ("http://192.0.2.1/", "documentation"),
    ("http://198.18.0.1/", "benchmarking"),
    # numeric tricks: the resolver turns them into 127.0.0.1, which is what gets checked
    ("http://2130706433/", "resolves to 127.0.0.1, a loopback"),
    ("http://0x7f000001/", "resolves to 127.0.0.1, a loopback"),
    ("http://0x7f.1/", "resolves to 127.0.0.1, a loopback"),
    ("http://127.1/", "resolves to 127.0.0.1, a loopback"),
    ("http://017700000001/", "resolves to 127.0.0.1, a loopback"),
    ("http://0/", "resolves to 0.0.0.0"),
    # refused by the URL parser the client uses: never reaches a connection either
    ("http://0177.0.0.1/", "not a valid URL"),
]


@pytest.mark.parametrize(("url", "words"), BLOCKED)
def test_blocked_addresses_are_refused_with_a_reason(url: str, words: str) -> None:
    with pytest.raises(UnsafeUrlError) as caught:
        check_url(url)
    message = str(caught.value)
    assert words in message
    if "not a valid URL" not in words:
        assert message.endswith("which is not allowed")


def test_message_names_the_address_and_its_class() -> None:
    with pytest.raises(UnsafeUrlError) as caught:
        check_url("http://127.0.0.1:9000/video.mp4")
    assert (
        str(caught.value) == "the URL points at 127.0.0.1, a loopback address, which is not allowed"
    )
    assert isinstance(caught.value, ScribeError)


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("ftp://93.184.216.34/file", "scheme 'ftp' is not allowed"),
        ("file:///etc/passwd", "scheme 'file' is not allowed"),
        ("gopher://93.184.216.34/", "scheme 'gopher'"),
        ("//93.184.216.34/x", "scheme"),
        ("http:///path", "no host"),
        ("http://user:secret@93.184.216.34/", "user name or password"),
        ("http://user@93.184.216.34/", "user name or password"),
        ("http://93.184.216.34\\@127.0.0.1/", "user name or password"),
        ("http://93.184.216.34:0/", "port 0"),
        ("http://[::1/", "not a valid URL"),
    ],
)
def test_malformed_or_disallowed_urls_are_refused(url: str, words: str) -> None:
    with pytest.raises(UnsafeUrlError) as caught:
        check_url(url)
    assert words in str(caught.value)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://93.184.216.34/", "93.184.216.34"),
        ("https://93.184.216.34:8443/lesson.mp4?x=1", "93.184.216.34"),
        ("HTTP://8.8.8.8/", "8.8.8.8"),
        ("https://[2606:2800:220:1:248:1893:25c8:1946]/", "2606:2800:220:1:248:1893:25c8:1946"),
        ("http://[::ffff:93.184.216.34]/", "::ffff:93.184.216.34"),
    ],
)
def test_public_literals_pass_and_return_the_address(url: str, expected: str) -> None:
    assert check_url(url) == [ipaddress.ip_address(expected)]


def test_allowed_schemes_can_be_narrowed() -> None:
    with pytest.raises(UnsafeUrlError, match="'http' is not allowed"):
        check_url("http://93.184.216.34/", allowed_schemes=("https",))
    assert check_url("https://93.184.216.34/", allowed_schemes=("https",))


def test_allow_list_by_address_and_cidr() -> None:
    assert check_url("http://127.0.0.1:8000/", allow_hosts=["127.0.0.1"]) == [
        ipaddress.ip_address("127.0.0.1")
    ]
    assert check_url("http://10.1.2.3/", allow_hosts=["10.1.2.0/24"])
    with pytest.raises(UnsafeUrlError, match=r"10\.1\.3\.3"):
        check_url("http://10.1.3.3/", allow_hosts=["10.1.2.0/24"])
    with pytest.raises(UnsafeUrlError, match="loopback"):
        check_url("http://127.0.0.2/", allow_hosts=["127.0.0.1"])
    # an IPv4 network also covers the IPv4-mapped IPv6 form of its addresses
    assert check_url("http://[::ffff:10.1.2.3]/", allow_hosts=["10.1.2.0/24"])
    assert check_url("http://[::1]/", allow_hosts=["::1"])
    # the allow-list only widens what is allowed; other rules still apply
    with pytest.raises(UnsafeUrlError, match="user name"):
        check_url("http://u:p@127.0.0.1/", allow_hosts=["127.0.0.1"])


def test_allow_list_by_host_name() -> None:
    try:
        socket.getaddrinfo("localhost", 80, type=socket.SOCK_STREAM)
    except OSError:
        pytest.skip("localhost does not resolve here")
    addresses = check_url("http://LOCALHOST:8000/", allow_hosts=["localhost"])
    assert addresses and all(a.is_loopback for a in addresses)
    with pytest.raises(UnsafeUrlError, match="loopback"):
        check_url("http://localhost/", allow_hosts=["media.example.com"])


def test_allow_list_rejects_a_bad_network() -> None:
    with pytest.raises(ValueError, match="not a host name or CIDR"):
        check_url("http://93.184.216.34/", allow_hosts=["10.0.0.0/33"])


def test_unresolvable_host_has_a_clear_error() -> None:
    with pytest.raises(UnresolvableHostError) as caught:
        check_url("http://no-such-host.invalid/lesson.mp4")
    assert "no-such-host.invalid" in str(caught.value)
    assert "resolv" in str(caught.value)
    assert isinstance(caught.value, UnsafeUrlError)


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("93.184.216.34", True),
        ("1.1.1.1", True),
        ("2606:4700:4700::1111", True),
        ("::ffff:1.1.1.1", True),
        ("64:ff9b::101:101", True),
        ("127.0.0.1", False),
        ("::ffff:192.168.0.1", False),
        ("2001:db8::1", False),
        ("2001::1", False),  # Teredo: the real client address is hidden
    ],
)
def test_describe_address(address: str, public: bool) -> None:
    assert (describe_address(ipaddress.ip_address(address)) is None) is public
