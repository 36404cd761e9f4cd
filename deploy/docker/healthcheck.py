"""Container health probe: GET one URL, exit 0 on an HTTP 2xx answer and 1 otherwise.

The images run it from HEALTHCHECK and the ECS task definitions from their healthCheck, so
no curl or wget is needed in the images. Usage: python healthcheck.py URL
"""

from __future__ import annotations

import sys
import urllib.error
import urllib.request

DEFAULT_URL = "http://127.0.0.1:8000/healthz"
TIMEOUT_SECONDS = 4.0


def main(argv: list[str]) -> int:
    """Probe the URL given as the first argument (default: the api's liveness endpoint)."""
    url = argv[1] if len(argv) > 1 else DEFAULT_URL
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT_SECONDS) as response:
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
