"""Errors as RFC 9457 problem details (``application/problem+json``) with stable types.

Bad input is always a 4xx; a dependency that is down is a 503; nothing leaks a traceback.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.exc import DBAPIError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from scribe.errors import ConfigError, ConflictError, NotFoundError, ScribeError

log = logging.getLogger(__name__)

PROBLEM_TYPES: dict[int, str] = {
    400: "bad-request",
    401: "unauthorized",
    403: "forbidden",
    404: "not-found",
    405: "method-not-allowed",
    406: "not-acceptable",
    409: "conflict",
    413: "payload-too-large",
    415: "unsupported-media-type",
    416: "range-not-satisfiable",
    422: "validation-error",
    500: "internal-error",
    503: "unavailable",
    507: "insufficient-storage",
}


class ProblemDocument(BaseModel):
    """RFC 9457 problem details."""

    type: str
    title: str
    status: int
    detail: str
    instance: str


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` entries for the problems a route may answer."""
    schema = {"$ref": "#/components/schemas/ProblemDocument"}
    return {
        status: {
            "description": PROBLEM_TYPES.get(status, "error").replace("-", " ").capitalize(),
            "content": {"application/problem+json": {"schema": schema}},
            "model": ProblemDocument,
        }
        for status in statuses
    }


COMMON_PROBLEMS = problem_responses(400, 401, 403, 404, 409, 413, 415, 416, 422, 503)


class Problem(Exception):
    """Raise to answer with a problem document."""

    def __init__(self, status: int, detail: str, *, kind: str | None = None, **extra: Any) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.kind = kind or PROBLEM_TYPES.get(status, "error")
        self.extra = extra


def problem_response(
    request: Request, status: int, detail: str, *, kind: str | None = None, **extra: Any
) -> JSONResponse:
    """A problem+json response."""
    kind = kind or PROBLEM_TYPES.get(status, "error")
    body = {
        "type": f"urn:scribe:problem:{kind}",
        "title": kind.replace("-", " ").capitalize(),
        "status": status,
        "detail": detail,
        "instance": request.url.path,
        **extra,
    }
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse(
        body, status_code=status, media_type="application/problem+json", headers=headers
    )


def install(app: FastAPI) -> None:
    """Register the handlers that turn every error into a problem document."""

    @app.exception_handler(Problem)
    async def on_problem(request: Request, exc: Problem) -> JSONResponse:
        return problem_response(request, exc.status, exc.detail, kind=exc.kind, **exc.extra)

    @app.exception_handler(StarletteHTTPException)
    async def on_http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return problem_response(request, exc.status_code, str(exc.detail))

    @app.exception_handler(RequestValidationError)
    async def on_validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {"location": ".".join(str(p) for p in err.get("loc", ())), "message": err.get("msg")}
            for err in exc.errors()
        ]
        detail = "; ".join(f"{e['location']}: {e['message']}" for e in errors) or "invalid input"
        return problem_response(request, 422, detail, errors=errors)

    @app.exception_handler(NotFoundError)
    async def on_not_found(request: Request, exc: NotFoundError) -> JSONResponse:
        return problem_response(request, 404, str(exc))

    @app.exception_handler(ConflictError)
    async def on_conflict(request: Request, exc: ConflictError) -> JSONResponse:
        return problem_response(request, 409, str(exc))

    @app.exception_handler(ConfigError)
    async def on_config(request: Request, exc: ConfigError) -> JSONResponse:
        log.error("configuration problem: %s", exc)
        return problem_response(request, 503, str(exc))

    @app.exception_handler(ScribeError)
    async def on_scribe(request: Request, exc: ScribeError) -> JSONResponse:
        return problem_response(request, 400, str(exc))

    @app.exception_handler(OperationalError)
    async def on_database_down(request: Request, exc: OperationalError) -> JSONResponse:
        log.warning("database unavailable: %s", exc.orig)
        return problem_response(request, 503, "the database is unavailable; try again shortly")

    @app.exception_handler(Exception)
    async def on_anything_else(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return problem_response(request, 500, "internal error")

    @app.exception_handler(DBAPIError)
    async def on_database_error(request: Request, exc: DBAPIError) -> JSONResponse:
        if exc.connection_invalidated:
            return problem_response(request, 503, "the database connection was lost; try again")
        log.exception("database error")
        return problem_response(request, 500, "internal error")
