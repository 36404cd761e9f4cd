"""Health: liveness without dependencies, readiness with them."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy import text

from scribe import __version__
from scribe.api.deps import BackendsDep
from scribe.queues import ALL_QUEUES

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz() -> dict[str, str]:
    """The process is up (touches nothing else: what a liveness probe should call)."""
    return {"status": "ok", "version": __version__}


@router.get("/readyz", response_model=None)
def readyz(backends: BackendsDep) -> JSONResponse:
    """Database, queues and blob store each answer; 503 naming what does not."""
    checks: dict[str, str] = {}
    try:
        with backends.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception as exc:
        checks["database"] = f"error: {type(exc).__name__}"
    try:
        for name in ALL_QUEUES:
            backends.broker.queue(name).counts()
        checks["queues"] = "ok"
    except Exception as exc:
        checks["queues"] = f"error: {type(exc).__name__}"
    try:
        backends.store.check()
        checks["blob_store"] = "ok"
    except Exception as exc:
        checks["blob_store"] = f"error: {type(exc).__name__}"
    ready = all(value == "ok" for value in checks.values())
    return JSONResponse(
        {"status": "ready" if ready else "unavailable", "checks": checks},
        status_code=200 if ready else 503,
    )
