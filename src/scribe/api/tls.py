"""HTTPS on the api's own port, so traffic from a load balancer to the api is encrypted too.

An AWS Application Load Balancer sending to an HTTPS target group encrypts the hop to each
task but does not check the task's certificate, so each api task can make its own at start-up
(``SCRIBE_API__TLS=self-signed``): an EC P-256 key and a certificate for ``scribe-api``, made
by the ``openssl`` command (Debian's ``openssl`` package, which ``ca-certificates`` brings into
every image) into a private temporary folder; no key is stored anywhere else. A certificate of
your own is served with ``SCRIBE_API__TLS=files``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from scribe.config import Settings
from scribe.errors import ConfigError

# Days a self-signed certificate is valid for (a task is replaced long before).
SELF_SIGNED_DAYS = 825
COMMON_NAME = "scribe-api"


@dataclass(frozen=True)
class ServerCertificate:
    """The PEM files uvicorn serves HTTPS with."""

    certfile: Path
    keyfile: Path


def server_certificate(settings: Settings) -> ServerCertificate | None:
    """The certificate the api serves, or None for plain HTTP; a :class:`ConfigError` with a
    one-line reason when it cannot be had."""
    mode = settings.api.tls
    if mode == "off":
        return None
    if mode == "files":
        cert, key = settings.api.tls_certfile, settings.api.tls_keyfile
        if cert is None or key is None:
            raise ConfigError(
                "SCRIBE_API__TLS is files: set SCRIBE_API__TLS_CERTFILE and SCRIBE_API__TLS_KEYFILE"
            )
        for path in (cert, key):
            if not path.is_file():
                raise ConfigError(f"SCRIBE_API__TLS is files but {path} is not a file")
        return ServerCertificate(cert, key)
    return self_signed(Path(tempfile.mkdtemp(prefix="scribe-tls-")))


def self_signed(folder: Path) -> ServerCertificate:
    """Make a key and a self-signed certificate in ``folder`` (readable by this user only)."""
    openssl = shutil.which("openssl")
    if openssl is None:
        raise ConfigError(
            "SCRIBE_API__TLS is self-signed but the openssl command is not installed "
            "(Debian: apt-get install openssl)"
        )
    os.chmod(folder, 0o700)
    cert, key = folder / "cert.pem", folder / "key.pem"
    command = [
        openssl,
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
        "-days",
        str(SELF_SIGNED_DAYS),
        "-subj",
        f"/CN={COMMON_NAME}",
        "-addext",
        f"subjectAltName=DNS:{COMMON_NAME},DNS:localhost,IP:127.0.0.1",
        "-keyout",
        str(key),
        "-out",
        str(cert),
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
    if done.returncode != 0 or not cert.is_file() or not key.is_file():
        reason = (done.stderr.strip().splitlines() or ["no output"])[-1]
        raise ConfigError(f"could not make a self-signed certificate with openssl: {reason}")
    os.chmod(key, 0o600)
    return ServerCertificate(cert, key)
