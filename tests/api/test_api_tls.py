"""HTTPS on the api's own port (SCRIBE_API__TLS): the certificate the api makes or is given,
and the real ``scribe api`` command serving HTTPS, probed as the ECS health check does."""

from __future__ import annotations

import importlib.util
import os
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from scribe.api.tls import server_certificate
from scribe.config import load_settings
from scribe.errors import ConfigError
from tests.helpers import free_port

REPO = Path(__file__).resolve().parents[2]


def _healthcheck() -> object:
    spec = importlib.util.spec_from_file_location(
        "healthcheck", REPO / "deploy/docker/healthcheck.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_off_is_plain_http(tmp_path: Path) -> None:
    assert server_certificate(load_settings(data_dir=tmp_path)) is None


def test_a_self_signed_certificate_is_made_and_loads(tmp_path: Path) -> None:
    made = server_certificate(load_settings(data_dir=tmp_path, api={"tls": "self-signed"}))
    assert made is not None
    assert made.keyfile.stat().st_mode & 0o077 == 0  # the key is readable by its owner only
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(made.certfile, made.keyfile)  # a matching, valid pair


def test_files_mode_names_what_is_missing(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="TLS_CERTFILE"):
        server_certificate(load_settings(data_dir=tmp_path, api={"tls": "files"}))
    missing = tmp_path / "cert.pem"
    settings = load_settings(
        data_dir=tmp_path, api={"tls": "files", "tls_certfile": missing, "tls_keyfile": missing}
    )
    with pytest.raises(ConfigError, match="not a file"):
        server_certificate(settings)


def test_no_openssl_is_a_one_line_reason(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # no openssl command on it
    with pytest.raises(ConfigError, match="openssl command is not installed"):
        server_certificate(load_settings(data_dir=tmp_path, api={"tls": "self-signed"}))


def test_scribe_api_serves_https_that_the_container_probe_accepts(tmp_path: Path) -> None:
    port = free_port()
    env = {**os.environ, "SCRIBE_API__TLS": "self-signed", "SCRIBE_API__AUTH": "off"}
    scribe = Path(sys.executable).with_name("scribe")
    command = [str(scribe), "api", "--data-dir", str(tmp_path), "--port", str(port)]
    server = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    probe = _healthcheck()
    https = f"https://127.0.0.1:{port}/healthz"
    try:
        deadline = time.monotonic() + 90
        while probe.main(["healthcheck", https]) != 0:  # type: ignore[attr-defined]
            assert server.poll() is None, server.stderr.read() if server.stderr else ""
            assert time.monotonic() < deadline, "the api did not answer over HTTPS"
            time.sleep(0.5)
        # plain HTTP on that port gets no answer; a client that checks certificates refuses
        assert probe.main(["healthcheck", f"http://127.0.0.1:{port}/healthz"]) == 1  # type: ignore[attr-defined]
        with pytest.raises(urllib.error.URLError, match="CERTIFICATE_VERIFY_FAILED"):
            urllib.request.urlopen(https, timeout=5)
    finally:
        server.terminate()
        server.wait(timeout=30)
