"""API keys on every route but the health checks; scopes read < write < admin.

A key comes as ``Authorization: Bearer sk_…`` (or ``X-API-Key``), or from the web UI's signed
session cookie. Whether keys are required is decided per request from the key store (see
:func:`keys_required`), so a key made by ``scribe keys create`` in another process applies at
once; bound to loopback with no live key, a single user may go without. Start-up only checks
that the api may start as configured (:func:`auth_required`).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from scribe.api.problems import Problem
from scribe.config import Settings
from scribe.db import keys
from scribe.net.safety import is_loopback

SESSION_COOKIE = "scribe_session"


def auth_required(settings: Settings, live_keys: int) -> bool:
    """Whether requests need a key; raises when the api must not start as configured."""
    from scribe.errors import ConfigError

    mode = settings.api.auth
    loopback = is_loopback(settings.api.host)
    if not loopback and live_keys == 0 and mode != "off":
        raise ConfigError(
            f"the api binds {settings.api.host}, not loopback, and no API key exists: "
            "create one with `scribe keys create NAME --scope admin` first, or set "
            "SCRIBE_API__BOOTSTRAP_KEY_SECRET to have the api create one into Secrets Manager"
        )
    if mode == "off":
        if not loopback:
            raise ConfigError("SCRIBE_API__AUTH=off is only allowed on a loopback address")
        return False
    return mode == "required" or live_keys > 0 or not loopback


def keys_required(request: Request) -> bool:
    """Whether this request needs a key, from the key store as it is now (one small count)."""
    settings: Settings = request.app.state.settings
    mode = settings.api.auth
    if mode == "off":
        return False
    if mode == "required" or not is_loopback(settings.api.host):
        return True
    with request.app.state.backends.engine.connect() as conn:
        return keys.live_key_count(conn) > 0


def request_token(request: Request) -> str | None:
    """The key a request carries: a Bearer or X-API-Key header, else the UI session's."""
    return _token(request)


def _token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip()
    if request.headers.get("x-api-key"):
        return request.headers["x-api-key"].strip()
    session = request.scope.get("session")
    if isinstance(session, dict) and isinstance(session.get("api_key"), str):
        return str(session["api_key"])
    return None


def current_scope(request: Request) -> str:
    """The scope of the caller: ``admin`` when auth is off, else the key's own."""
    token = _token(request)
    if token and request.app.state.settings.api.auth != "off":
        with request.app.state.backends.engine.begin() as conn:
            key = keys.authenticate(conn, token=token)
        if key is not None:
            return key.scope
    if not keys_required(request):
        return "admin"
    if not token:
        raise Problem(401, "an API key is required: send `Authorization: Bearer <key>`")
    raise Problem(401, "the API key is unknown or revoked")


def require(needed: str):  # type: ignore[no-untyped-def]
    """A dependency that lets a request through only with a key of at least ``needed``."""

    def check(scope: Annotated[str, Depends(current_scope)]) -> str:
        if not keys.allows(scope, needed):
            raise Problem(403, f"this needs a key with the {needed!r} scope; yours is {scope!r}")
        return scope

    return check


ReadAccess = Annotated[str, Depends(require("read"))]
WriteAccess = Annotated[str, Depends(require("write"))]
AdminAccess = Annotated[str, Depends(require("admin"))]
