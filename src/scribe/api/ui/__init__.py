"""The web UI: server-rendered page shells, their static files, and the login session.

Every page is a small Jinja2 shell; its script calls the REST API under ``/api/v1`` with the
browser's session cookie. When API keys are required, pages redirect to ``/login``, which
keeps the key in a signed, http-only session cookie that :mod:`scribe.api.auth` reads.
"""

from __future__ import annotations

import hmac
import secrets
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, FastAPI, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.middleware.sessions import SessionMiddleware

from scribe import __version__
from scribe.api.auth import SESSION_COOKIE, keys_required
from scribe.config import Settings
from scribe.db import keys
from scribe.domain.jobs import JobState
from scribe.net.safety import is_loopback

HERE = Path(__file__).resolve().parent
SESSION_MAX_AGE = 12 * 3600
# The job states as the filters show them: the domain's own list, never a copy in the page.
JOB_STATE_LABELS: tuple[tuple[str, str], ...] = tuple(
    (state.value, {"recognizing_terms": "Finding terms"}.get(state.value, state.value.title()))
    for state in JobState
)
# No inline script or style, nothing from elsewhere; media may come from a presigned S3 URL.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "media-src 'self' https: http:; connect-src 'self'; object-src 'none'; "
    "base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)

templates = Jinja2Templates(directory=HERE / "templates")


class _StaticFiles(StaticFiles):
    """Static files that browsers revalidate (cheap 304s), so an upgrade is seen at once."""

    def file_response(self, *args: Any, **kwargs: Any) -> Response:
        response = super().file_response(*args, **kwargs)
        response.headers["Cache-Control"] = "no-cache"
        response.headers["X-Content-Type-Options"] = "nosniff"
        return response


router = APIRouter(include_in_schema=False)


def _session(request: Request) -> dict[str, Any]:
    session = request.scope.get("session")
    return session if isinstance(session, dict) else {}


def _csrf(request: Request) -> str:
    session = _session(request)
    token = session.get("csrf")
    if not isinstance(token, str):
        token = secrets.token_urlsafe(24)
        session["csrf"] = token
    return token


def _csrf_ok(request: Request, token: str) -> bool:
    expected = _session(request).get("csrf")
    return isinstance(expected, str) and hmac.compare_digest(expected, token)


def _who(request: Request) -> keys.ApiKey | None:
    """The key of the session, or None; clears a session whose key stopped working."""
    session = _session(request)
    token = session.get("api_key")
    if not isinstance(token, str):
        return None
    with request.app.state.backends.engine.begin() as conn:
        key = keys.authenticate(conn, token=token)
    if key is None:
        session.pop("api_key", None)
    return key


def signed_in(request: Request) -> bool:
    """Whether the session holds a key that still works (or a header key was sent)."""
    from scribe.api.auth import request_token

    if _who(request) is not None:
        return True
    token = request_token(request)
    if not token:
        return False
    with request.app.state.backends.engine.begin() as conn:
        return keys.authenticate(conn, token=token) is not None


def _safe_next(target: str | None) -> str:
    """A local path to go to after signing in; anything else becomes ``/jobs``."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/jobs"
    return target


def _secure_headers(response: Response) -> Response:
    response.headers["Content-Security-Policy"] = CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Cache-Control"] = "no-store"
    return response


def _render(request: Request, name: str, status: int = 200, **context: Any) -> Response:
    auth = keys_required(request)
    response = templates.TemplateResponse(
        request,
        name,
        {
            "pages": PAGES,
            "job_states": JOB_STATE_LABELS,
            "version": __version__,
            "auth_required": auth,
            "csrf": _csrf(request) if auth else "",
            **context,
        },
        status_code=status,
    )
    return _secure_headers(response)


def _page(request: Request, name: str, active: str, **context: Any) -> Response:
    """A page shell, or a redirect to the login page when a key is needed and missing."""
    who = None
    if keys_required(request):
        who = _who(request)
        if who is None:
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)
    return _render(request, name, active=active, who=who, **context)


@router.get("/")
def home() -> Response:
    """The jobs list is the home page."""
    return RedirectResponse("/jobs", status_code=303)


# Each page shell: its path, template, the navigation entry it lights, its label there, and
# what it is for. The navigation (PAGES) is read from this table, in this order.
SHELLS: tuple[tuple[str, str, str, str, str], ...] = (
    ("/upload", "upload.html", "upload", "Upload", "Upload files, URLs or a manifest."),
    ("/jobs", "jobs.html", "jobs", "Jobs", "Every job, updating live."),
    ("/search", "search.html", "search", "Search", "Full-text search over every transcript."),
    ("/collections", "collections.html", "collections", "Collections", "Collections, lessons."),
    ("/replace", "replace.html", "replace", "Replace", "Find and replace across lessons."),
    ("/analytics", "analytics.html", "analytics", "Analytics", "Jobs, failures, speed, terms."),
    ("/lexicon", "lexicon.html", "lexicon", "Lexicon", "The music lexicon: browse, edit."),
    ("/operations", "operations.html", "operations", "Operations", "Queues, workers, health."),
)
PAGES: tuple[tuple[str, str], ...] = tuple((active, label) for _, _, active, label, _ in SHELLS)


def _shell(template: str, active: str, summary: str) -> Any:
    """The handler of one page shell."""

    def page(request: Request) -> Response:
        return _page(request, template, active)

    page.__doc__ = summary
    return page


for _path, _template, _active, _label, _summary in SHELLS:
    router.add_api_route(
        _path, _shell(_template, _active, _summary), methods=["GET"], response_class=HTMLResponse
    )


@router.get("/jobs/{job_id}", response_class=HTMLResponse)
def job_page(request: Request, job_id: str) -> Response:
    """One job: player, transcript, terms, facts and downloads."""
    return _page(request, "job.html", "jobs", job_id=job_id)


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, next: str | None = None) -> Response:
    """The sign-in form (only useful when keys are required)."""
    return _render(request, "login.html", active="login", who=None, next=_safe_next(next))


@router.post("/login", response_class=HTMLResponse)
def login(
    request: Request,
    api_key: Annotated[str, Form(max_length=200)] = "",
    csrf: Annotated[str, Form(max_length=100)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/jobs",
) -> Response:
    """Check the key and keep it in the session cookie."""
    target = _safe_next(next)
    if not keys_required(request):
        return RedirectResponse(target, status_code=303)

    def again(message: str, status: int) -> Response:
        return _render(
            request, "login.html", status, active="login", who=None, next=target, error=message
        )

    if not _csrf_ok(request, csrf):
        return again("Your sign-in form expired. Please try again.", 400)
    token = api_key.strip()
    if not token:
        return again("Enter your API key.", 422)
    with request.app.state.backends.engine.begin() as conn:
        key = keys.authenticate(conn, token=token)
    if key is None:
        return again("That API key is unknown or has been revoked.", 401)
    session = _session(request)
    session.clear()
    session["api_key"] = token
    session["csrf"] = secrets.token_urlsafe(24)
    return _secure_headers(RedirectResponse(target, status_code=303))


@router.post("/logout")
def logout(request: Request, csrf: Annotated[str, Form(max_length=100)] = "") -> Response:
    """End the session."""
    if _csrf_ok(request, csrf):
        _session(request).clear()
    return RedirectResponse("/login", status_code=303)


def install(app: FastAPI, settings: Settings) -> None:
    """Add the session cookie, the static files and the page routes to ``app``."""
    secret = settings.api.session_secret
    app.add_middleware(
        SessionMiddleware,
        secret_key=secret.get_secret_value() if secret else secrets.token_urlsafe(32),
        session_cookie=SESSION_COOKIE,
        max_age=SESSION_MAX_AGE,
        same_site="strict",
        https_only=not is_loopback(settings.api.host),
    )
    app.mount("/static", _StaticFiles(directory=HERE / "static"), name="ui-static")
    app.include_router(router)
