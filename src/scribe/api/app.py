"""The FastAPI application factory and its lifespan.

The lifespan opens the backends (waiting for the database and upgrading it), decides whether
API keys are required, and runs the background loops of the api service: the orchestrator,
the webhook dispatcher and the retention policy.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI

from scribe import __version__
from scribe.api import docs, problems, security, ui
from scribe.api import observability as api_observability
from scribe.api.auth import auth_required
from scribe.api.bootstrap import bootstrap_admin_key
from scribe.api.observability import library_collector
from scribe.api.routes import (
    artifacts,
    editing,
    health,
    insights,
    jobs,
    lessons,
    lexicon,
    library,
    revisions,
)
from scribe.api.startup import check_secrets
from scribe.config import Settings, load_settings
from scribe.db import keys
from scribe.observability.metrics import register, unregister
from scribe.orchestrator.dispatcher import WebhookDispatcher
from scribe.orchestrator.loop import Orchestrator
from scribe.services import Backends, open_backends

log = logging.getLogger(__name__)

# How often each api process looks whether the retention policy's turn has come.
RETENTION_LOOK_SECONDS = 300.0


def _retention_enabled(settings: Settings) -> bool:
    policy = settings.retention
    days = (policy.originals_days, policy.audio_days, policy.transcripts_days)
    return policy.interval_hours > 0 and any(days)


def _retention_loop(settings: Settings, backends: Backends, stopping: threading.Event) -> None:
    """Apply the retention policy once every ``interval_hours`` across all api processes:
    each process looks now and then, and the one that takes the ``retention`` lease's turn
    (free or lapsed) runs it; the lease lasts the interval."""
    from scribe.db.leases import Lease
    from scribe.retention import apply_retention

    period = settings.retention.interval_hours * 3600
    turn = Lease(backends.engine, "retention", ttl=period)
    while not stopping.is_set():
        try:
            if turn.take_turn():
                apply_retention(backends.engine, backends.store, settings.retention)
        except Exception:
            log.exception("retention run failed; next try at the next interval")
        stopping.wait(min(period, RETENTION_LOOK_SECONDS))


SWEEP_INTERVAL_SECONDS = 600.0


def _sweep_loop(backends: Backends, stopping: threading.Event) -> None:
    """Remove what deleted jobs' workers wrote late, and aged tombstones, every few minutes."""
    from scribe.tombstone_sweep import sweep

    while not stopping.is_set():
        try:
            sweep(backends.engine, backends.store)
        except Exception:
            log.exception("tombstone sweep failed; next try at the next interval")
        stopping.wait(SWEEP_INTERVAL_SECONDS)


def create_app(settings: Settings | None = None, *, run_background: bool = True) -> FastAPI:
    """Build the api service."""
    settings = settings or load_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        check_secrets(settings)
        backends = open_backends(settings)
        bootstrap_admin_key(backends.engine, settings)
        from scribe.config import DEFAULT_WEBHOOK_SECRET

        if settings.webhooks.secret.get_secret_value() == DEFAULT_WEBHOOK_SECRET:
            log.warning(
                "webhooks are signed with the placeholder secret %r: set "
                "SCRIBE_WEBHOOKS__SECRET (off loopback, jobs with a callback_url are refused)",
                DEFAULT_WEBHOOK_SECRET,
            )
        with backends.engine.begin() as conn:
            auth_required(settings, keys.live_key_count(conn))  # refuses a bad start-up
        app.state.settings = settings
        app.state.backends = backends
        orchestrator = Orchestrator(
            backends.engine,
            backends.broker,
            backends.store,
            webhooks=settings.webhooks,
            emf=settings.metrics.emf,
            watchdog=settings.watchdog,
            outbox_claim_seconds=settings.queue.visibility_timeout,
        )
        collector = register(library_collector(backends))
        dispatcher = WebhookDispatcher(backends.engine, settings.webhooks)
        app.state.orchestrator = orchestrator
        stopping = threading.Event()
        loops: list[tuple[str, Callable[[], None]]] = []
        if run_background:
            loops += [("orchestrator", orchestrator.run), ("webhooks", dispatcher.run)]
            loops.append(("sweeper", lambda: _sweep_loop(backends, stopping)))
            if _retention_enabled(settings):
                loops.append(("retention", lambda: _retention_loop(settings, backends, stopping)))
        threads = [threading.Thread(target=fn, name=name, daemon=True) for name, fn in loops]
        for thread in threads:
            thread.start()
        try:
            yield
        finally:
            stopping.set()
            orchestrator.stop()
            dispatcher.stop()
            for thread in threads:
                thread.join(timeout=10)
            unregister(collector)
            backends.close()

    app = FastAPI(
        title="Scribe",
        version=__version__,
        description=(
            "Word-timed transcripts and time-stamped music terms for lesson videos. "
            "Authenticate with `Authorization: Bearer <API key>` (keys: `scribe keys create`)."
        ),
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    problems.install(app)
    api_observability.install(app)
    security.install(app)
    app.include_router(health.router)
    for router in (
        jobs.router,
        artifacts.router,
        library.router,
        editing.router,
        revisions.router,
        lexicon.router,
        insights.router,
        lessons.router,
    ):
        app.include_router(router, prefix="/api/v1", responses=problems.COMMON_PROBLEMS)
    ui.install(app, settings)
    docs.install(app)
    return app
