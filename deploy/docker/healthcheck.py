"""Container health probe: GET one URL, exit 0 on an HTTP 2xx answer and 1 otherwise.

An https URL on the container's own loopback is fetched without checking the certificate:
the api's certificate there is the self-signed one it made at start-up (SCRIBE_API__TLS).

The images run it from HEALTHCHECK and the ECS task definitions from their healthCheck, so
no curl or wget is needed in the images. Usage: python healthcheck.py URL
"""

from __future__ import annotations

import ssl
import sys
import urllib.error
import urllib.parse
import urllib.request

DEFAULT_URL = "http://127.0.0.1:8000/healthz"
TIMEOUT_SECONDS = 4.0


def main(argv: list[str]) -> int:
    """Probe the URL given as the first argument (default: the api's liveness endpoint)."""
    url = argv[1] if len(argv) > 1 else DEFAULT_URL
    context = None
    parsed = urllib.parse.urlsplit(url)
    if parsed.scheme == "https" and parsed.hostname in ("127.0.0.1", "localhost", "::1"):
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT_SECONDS, context=context) as response:
            status = response.status
    except (urllib.error.URLError, OSError) as exc:
        print(f"unhealthy: {url}: {exc}", file=sys.stderr)
        return 1
    if 200 <= status < 300:
        return 0
    print(f"unhealthy: {url}: HTTP {status}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
