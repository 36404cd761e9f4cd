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
from scribe.services import open_backends

log = logging.getLogger(__name__)


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
        thread = None
        if run_orchestrator:
            thread = threading.Thread(target=orchestrator.run, name="orchestrator", daemon=True)
            thread.start()
        try:
            yield
        finally:
            orchestrator.stop()
            if thread is not None:
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
