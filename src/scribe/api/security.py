"""Browser-facing defences: security headers on every answer and a cross-site write check.

- Every response gets ``X-Content-Type-Options: nosniff`` and a referrer policy; one that set
  no Content-Security-Policy of its own (everything but the UI pages and the API docs) gets
  ``default-src 'none'; frame-ancestors 'none'; sandbox``, so nothing the api serves, user
  media included, can run script in our origin even when opened directly.
- An unsafe request (POST, PUT, PATCH, DELETE) that carries no key in a header, so one that
  a browser sent with the session cookie or to a keyless loopback api, is refused with a 403
  when the browser says it came from another site (``Sec-Fetch-Site`` or a foreign
  ``Origin``). Header keys cannot be attached by another site without CORS, which is off.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from urllib.parse import urlsplit

from fastapi import FastAPI, Request, Response

from scribe.api.problems import problem_response

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
API_CSP = "default-src 'none'; frame-ancestors 'none'; sandbox"
MEDIA_CSP = API_CSP
DOCS_CSP = (
    "default-src 'none'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; worker-src 'self' blob:; font-src 'self' data:; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)
DOCS_PATHS = frozenset({"/docs", "/redoc", "/docs/oauth2-redirect"})


def is_cross_site(request: Request) -> bool:
    """Whether a browser marked this request as coming from another site or origin."""
    fetch_site = request.headers.get("sec-fetch-site", "").lower()
    if fetch_site in ("cross-site", "same-site"):
        return True
    origin = request.headers.get("origin")
    if origin is None:
        return False
    if origin == "null":
        return True
    host = request.headers.get("host", "")
    return urlsplit(origin).netloc.lower() != host.lower()


def _has_header_key(request: Request) -> bool:
    return bool(request.headers.get("authorization") or request.headers.get("x-api-key"))


def install(app: FastAPI) -> None:
    """Add the header and cross-site checks to ``app`` (outermost, so errors get them too)."""

    @app.middleware("http")
    async def secure(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        if (
            request.method in UNSAFE_METHODS
            and not _has_header_key(request)
            and is_cross_site(request)
        ):
            response: Response = problem_response(
                request,
                403,
                "cross-site request refused: a browser from another site may not change "
                "anything here; call the API with `Authorization: Bearer <key>` instead",
                kind="cross-site-request",
            )
        else:
            response = await call_next(request)
        headers = response.headers
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "same-origin")
        if request.url.path in DOCS_PATHS:
            headers.setdefault("Content-Security-Policy", DOCS_CSP)
        else:
            headers.setdefault("Content-Security-Policy", API_CSP)
        headers.setdefault("X-Frame-Options", "DENY")
        return response
