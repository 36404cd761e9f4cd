"""The FastAPI application factory and its lifespan."""

from __future__ import annotations

import logging
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from scribe import __version__
from scribe.api.routes import health, jobs
from scribe.config import Settings, load_settings
from scribe.errors import NotFoundError, ScribeError
from scribe.orchestrator.machine import Orchestrator
from scribe.services import Backends, open_backends

log = logging.getLogger(__name__)


def _retention_enabled(settings: Settings) -> bool:
    policy = settings.retention
    days = (policy.originals_days, policy.audio_days, policy.transcripts_days)
    return policy.interval_hours > 0 and any(days)


def _retention_loop(settings: Settings, backends: Backends, stopping: threading.Event) -> None:
    """Apply the retention policy now and then every ``interval_hours``."""
    from scribe.retention import apply_retention

    while not stopping.is_set():
        try:
            apply_retention(backends.engine, backends.store, settings.retention)
        except Exception:
            log.exception("retention run failed; next try at the next interval")
        stopping.wait(settings.retention.interval_hours * 3600)


def create_app(settings: Settings | None = None, *, run_orchestrator: bool = True) -> FastAPI:
    """Build the api; its lifespan opens the backends and starts the orchestrator thread."""
    settings = settings or load_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        backends = open_backends(settings)
        app.state.settings = settings
        app.state.backends = backends
        orchestrator = Orchestrator(backends.engine, backends.broker)
        app.state.orchestrator = orchestrator
        stopping = threading.Event()
        threads: list[threading.Thread] = []
        if run_orchestrator:
            threads.append(threading.Thread(target=orchestrator.run, name="orchestrator"))
        if _retention_enabled(settings):
            threads.append(
                threading.Thread(
                    target=_retention_loop, args=(settings, backends, stopping), name="retention"
                )
            )
        for thread in threads:
            thread.daemon = True
            thread.start()
        try:
            yield
        finally:
            stopping.set()
            orchestrator.stop()
            for thread in threads:
                thread.join(timeout=10)
            backends.close()

    app = FastAPI(
        title="Scribe",
        version=__version__,
        description="Word-timed transcripts and time-stamped music terms for lesson videos.",
        lifespan=lifespan,
    )
    app.include_router(health.router)
    app.include_router(jobs.router, prefix="/api/v1")

    @app.exception_handler(NotFoundError)
    async def not_found(_request: Request, exc: NotFoundError) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=404)

    @app.exception_handler(ScribeError)
    async def bad_request(_request: Request, exc: ScribeError) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=400)

    return app
