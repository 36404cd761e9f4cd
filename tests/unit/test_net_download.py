"""download(): real sockets against a threaded HTTP server on 127.0.0.1.

The server is on loopback, so positive cases pass ``allow_hosts=["127.0.0.1"]``; the same URLs
without the allow-list must be refused.
"""

from __future__ import annotations

import datetime
import ipaddress
import socket
import ssl
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

from scribe.errors import DownloadError, DownloadTransientError, PermanentError
from scribe.net.download import DownloadResult, download
from scribe.net.transport import PinnedBackend, pinned_client

PAYLOAD = bytes(range(256)) * 400  # 100 KiB
ALLOW = ["127.0.0.1"]
MiB = 1024 * 1024


class _Handler(BaseHTTPRequestHandler):
    """Routes for every download case; HTTP/1.0, so a body without length ends at close."""

    def log_message(self, format: str, *args: object) -> None:
        """Keep the test output quiet."""

    def _send(self, status: int, body: bytes = b"", **headers: str) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name.replace("_", "-"), value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _trickle(self, chunk: bytes, every: float, limit: float) -> None:
        """Write ``chunk`` every ``every`` seconds until the client leaves or ``limit`` passes."""
        end = time.monotonic() + limit
        try:
            while time.monotonic() < end:
                self.wfile.write(chunk)
                self.wfile.flush()
                time.sleep(every)
        except OSError:
            pass

    def do_GET(self) -> None:
        url = urllib.parse.urlsplit(self.path)
        query = dict(urllib.parse.parse_qsl(url.query))
        path = url.path
        if path in STATIC:
            status, body, headers = STATIC[path]
            self._send(status, body, **headers)
        elif path.startswith("/media/"):
            self._send(200, PAYLOAD, Content_Type="video/webm; codecs=vp9")
        elif path == "/host":
            self._send(200, self.headers["Host"].encode())
        elif path in ("/slow", "/huge-length", "/big-stream"):
            self.send_response(200)
            if path != "/big-stream":  # no length: the body ends when the connection closes
                self.send_header("Content-Length", str(10**12 if path == "/huge-length" else MiB))
            self.end_headers()
            if path == "/huge-length":
                self.wfile.write(b"x" * 1024)
            else:  # a byte every 50 ms, or 64 KiB as fast as possible
                self._trickle(*((b"x", 0.05) if path == "/slow" else (b"y" * 65536, 0.0)), 5.0)
        elif path == "/slow-headers":
            time.sleep(3.0)
            self._send(200, b"late")
        elif path == "/redirect":
            self._send(int(query.get("status", "302")), Location=query["to"])
        elif path.startswith("/chain/"):
            n = int(path.rsplit("/", 1)[1])
            self._send(307, Location=f"/chain/{n - 1}" if n > 0 else "/file.mp4")
        else:
            self._send(404, b"not here")


_CD = "Content_Disposition"
STATIC: dict[str, tuple[int, bytes, dict[str, str]]] = {
    "/file.mp4": (
        200,
        PAYLOAD,
        {"Content_Type": "video/mp4", _CD: 'attachment; filename="a b.mp4"'},
    ),
    "/utf8": (200, b"x", {_CD: "attachment; filename*=UTF-8''%C3%BCbung.mp4; filename=\"f.mp4\""}),
    "/evil-name": (200, b"x", {_CD: 'attachment; filename="../../etc/passwd"'}),
    "/relative": (301, b"", {"Location": "file.mp4"}),
    "/loop": (302, b"", {"Location": "/loop"}),
    "/no-location": (302, b"", {}),
    "/busy": (503, b"try later", {}),
    "/limited": (429, b"slow down", {}),
}


class Server:
    """A running test server and its base URL."""

    def __init__(self, ssl_context: ssl.SSLContext | None = None) -> None:
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.httpd.daemon_threads = True
        if ssl_context is not None:
            self.httpd.socket = ssl_context.wrap_socket(self.httpd.socket, server_side=True)
        self.port = self.httpd.server_address[1]
        scheme = "https" if ssl_context else "http"
        self.base = f"{scheme}://127.0.0.1:{self.port}"
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.thread.start()

    def url(self, path: str) -> str:
        return self.base + path

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server() -> Iterator[Server]:
    srv = Server()
    yield srv
    srv.close()


Fetch = Callable[..., tuple[Path, DownloadResult]]


@pytest.fixture
def fetch(tmp_path: Path) -> Fetch:
    """download() into tmp_path/out.bin with test-friendly defaults."""

    def run(url: str, **options: Any) -> tuple[Path, DownloadResult]:
        options = {"max_bytes": MiB, "timeout": 10.0, "allow_hosts": ALLOW, **options}
        return tmp_path / "out.bin", download(url, tmp_path / "out.bin", **options)

    return run


def _no_files(tmp_path: Path) -> bool:
    return not any(tmp_path.iterdir())


def _resolves_localhost_to_loopback() -> bool:
    try:
        infos = socket.getaddrinfo("localhost", 80, type=socket.SOCK_STREAM)
    except OSError:
        return False
    return any(info[4][0] == "127.0.0.1" for info in infos)


def test_downloads_a_file(server: Server, fetch: Fetch) -> None:
    target, result = fetch(server.url("/file.mp4"))
    assert target.read_bytes() == PAYLOAD
    assert result.size == len(PAYLOAD)
    assert result.content_type == "video/mp4"
    assert result.filename_hint == "a b.mp4"
    assert result.final_url == server.url("/file.mp4")
    assert [p.name for p in target.parent.iterdir()] == ["out.bin"]


def test_same_url_is_refused_without_the_allow_list(
    server: Server, fetch: Fetch, tmp_path: Path
) -> None:
    with pytest.raises(DownloadError, match=r"127.0.0.1, a loopback address, which is not allowed"):
        fetch(server.url("/file.mp4"), allow_hosts=())
    assert _no_files(tmp_path)


@pytest.mark.parametrize(
    ("path", "hint", "media"),
    [
        ("/media/clip%20two.webm", "clip two.webm", "video/webm"),
        ("/utf8", "übung.mp4", None),
        ("/evil-name", "passwd", None),
        ("/media/", None, "video/webm"),
    ],
)
def test_filename_hint_and_content_type(
    server: Server,
    fetch: Fetch,
    path: str,
    hint: str | None,
    media: str | None,
) -> None:
    _, result = fetch(server.url(path))
    assert result.filename_hint == hint
    assert result.content_type == media


def test_redirects_to_allowed_hosts_are_followed(server: Server, fetch: Fetch) -> None:
    target, result = fetch(server.url("/relative"))
    assert target.read_bytes() == PAYLOAD and result.final_url == server.url("/file.mp4")
    other = Server()
    try:
        to = urllib.parse.quote(other.url("/file.mp4"), safe="")
        target, result = fetch(server.url(f"/redirect?to={to}&status=308"))
        assert target.read_bytes() == PAYLOAD and result.final_url == other.url("/file.mp4")
    finally:
        other.close()


@pytest.mark.skipif(not _resolves_localhost_to_loopback(), reason="localhost is not 127.0.0.1")
def test_redirect_to_a_host_outside_the_allow_list_is_refused(
    server: Server, fetch: Fetch, tmp_path: Path
) -> None:
    start = f"http://localhost:{server.port}"
    _, result = fetch(start + "/file.mp4", allow_hosts=["localhost"])
    assert result.size == len(PAYLOAD)
    (tmp_path / "out.bin").unlink()
    to = urllib.parse.quote(server.url("/file.mp4"), safe="")
    with pytest.raises(DownloadError, match=r"redirect went to a refused URL.*127.0.0.1"):
        fetch(f"{start}/redirect?to={to}", allow_hosts=["localhost"])
    assert _no_files(tmp_path)


@pytest.mark.parametrize(
    ("to", "words"),
    [
        ("http://169.254.169.254/latest/meta-data/", "cloud metadata"),
        ("http://[fd00:ec2::254]/latest/", "cloud metadata"),
        ("http://[::ffff:127.0.0.2]/", "IPv4-mapped form of 127.0.0.2"),
        ("http://10.0.0.1/", "private"),
        ("ftp://93.184.216.34/file", "scheme 'ftp'"),
        ("http://user:pw@127.0.0.1/", "user name or password"),
    ],
)
def test_redirect_to_a_blocked_target_is_refused(
    server: Server, fetch: Fetch, to: str, words: str
) -> None:
    with pytest.raises(DownloadError, match="redirect went to a refused URL") as caught:
        fetch(server.url(f"/redirect?to={urllib.parse.quote(to, safe='')}"))
    assert words in str(caught.value)


def test_redirect_limit_allows_exactly_max_redirects(server: Server, fetch: Fetch) -> None:
    _, result = fetch(server.url("/chain/4"), max_redirects=5)  # five hops
    assert result.size == len(PAYLOAD)


@pytest.mark.parametrize(
    ("path", "options", "error", "pattern"),
    [
        ("/missing?token=secret", {}, DownloadError, r"/missing\?… answered HTTP 404 Not Found$"),
        ("/loop", {}, DownloadError, "redirect loop"),
        ("/chain/5", {}, DownloadError, "more than 5 redirects"),
        ("/relative", {"max_redirects": 0}, DownloadError, "more than 0 redirects"),
        ("/no-location", {}, DownloadError, "HTTP 302 with no Location"),
        ("/huge-length", {}, DownloadError, r"is 1 TB, over the 1\.05 MB limit"),
        ("/big-stream", {}, DownloadError, r"larger than the 1\.05 MB limit"),
        ("/busy", {}, DownloadTransientError, "HTTP 503 Service Unavailable"),
        ("/limited", {}, DownloadTransientError, "HTTP 429 Too Many Requests"),
    ],
)
def test_failures_are_sorted_and_leave_no_file(
    server: Server,
    fetch: Fetch,
    tmp_path: Path,
    path: str,
    options: dict[str, Any],
    error: type[Exception],
    pattern: str,
) -> None:
    started = time.monotonic()
    with pytest.raises(error, match=pattern) as caught:
        fetch(server.url(path), **options)
    permanent = error is DownloadError
    assert isinstance(caught.value, PermanentError if permanent else DownloadTransientError)
    assert isinstance(caught.value, PermanentError) is permanent
    assert time.monotonic() - started < 4.0  # refused early, not read to the end
    assert _no_files(tmp_path)


def test_overall_timeout_stops_a_trickling_server(
    server: Server, fetch: Fetch, tmp_path: Path
) -> None:
    # A byte every 50 ms never trips a per-read timeout; the wall-clock limit must.
    started = time.monotonic()
    with pytest.raises(DownloadTransientError, match="did not finish within 1 s"):
        fetch(server.url("/slow"), timeout=1.0)
    elapsed = time.monotonic() - started
    assert 0.9 <= elapsed < 2.0
    assert _no_files(tmp_path)


def test_timeout_while_waiting_for_headers(server: Server, fetch: Fetch) -> None:
    started = time.monotonic()
    with pytest.raises(DownloadTransientError, match="did not finish"):
        fetch(server.url("/slow-headers"), timeout=0.5)
    assert time.monotonic() - started < 1.5


def test_connection_refused_is_transient(fetch: Fetch) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(DownloadTransientError, match="connection failed"):
        fetch(f"http://127.0.0.1:{port}/file.mp4")


def test_unresolvable_host_is_permanent(fetch: Fetch) -> None:
    with pytest.raises(DownloadError, match="does not resolve"):
        fetch("http://no-such-host.invalid/x.mp4")


# --- the pinned transport (DNS-rebinding defence) -------------------------------------------


def test_pinned_host_connects_to_the_checked_address_without_dns(server: Server) -> None:
    """``media.invalid`` cannot resolve; it is reached only through its pinned address."""
    backend = PinnedBackend()
    backend.pin("media.invalid", [ipaddress.ip_address("127.0.0.1")])
    with pinned_client(backend, timeout=5.0) as client:
        response = client.get(f"http://media.invalid:{server.port}/host")
        assert response.text == f"media.invalid:{server.port}"  # Host header kept
        with pytest.raises(httpx.ConnectError, match="unchecked"):  # never pinned: refused
            client.get(server.url("/file.mp4"))


def _tls_material(tmp_path: Path) -> tuple[ssl.SSLContext, ssl.SSLContext]:
    """A self-signed certificate for media.test and 127.0.0.1: server and client."""
    pytest.importorskip("cryptography")
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    names = [x509.DNSName("media.test"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "media.test")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_pem = cert.public_bytes(serialization.Encoding.PEM)
    tmp_path.mkdir(parents=True, exist_ok=True)
    (tmp_path / "cert.pem").write_bytes(cert_pem)
    (tmp_path / "key.pem").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    server_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_ctx.load_cert_chain(tmp_path / "cert.pem", tmp_path / "key.pem")
    client_ctx = ssl.create_default_context(cadata=cert_pem.decode())
    return server_ctx, client_ctx


def test_https_is_pinned_with_sni_and_verification_on_the_host_name(
    tmp_path: Path, fetch: Fetch
) -> None:
    server_ctx, client_ctx = _tls_material(tmp_path / "tls")
    srv = Server(server_ctx)
    loopback = ipaddress.ip_address("127.0.0.1")
    try:
        backend = PinnedBackend()
        backend.pin("media.test", [loopback])
        backend.pin("other.test", [loopback])
        with pinned_client(backend, timeout=5.0, verify=client_ctx) as client:
            response = client.get(f"https://media.test:{srv.port}/host")
            assert response.text == f"media.test:{srv.port}"
            # same address, but the certificate does not name other.test: refused
            with pytest.raises(httpx.ConnectError, match=r"(?i)certificate|hostname"):
                client.get(f"https://other.test:{srv.port}/host")
        target, result = fetch(srv.url("/file.mp4"), verify=client_ctx)
        assert result.size == len(PAYLOAD) and target.read_bytes() == PAYLOAD
        with pytest.raises(DownloadError, match=r"TLS certificate .*not valid"):
            fetch(srv.url("/file.mp4"))  # the system trust store does not know our CA
    finally:
        srv.close()
