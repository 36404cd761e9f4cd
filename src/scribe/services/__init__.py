"""Wiring: build the engine, queues and store a process needs from the settings."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from sqlalchemy import Engine, text

from scribe.config import Settings
from scribe.db.engine import engine_from_settings
from scribe.db.migrate import upgrade
from scribe.queues import QueueBroker, open_broker
from scribe.storage import BlobStore, open_store

log = logging.getLogger(__name__)


@dataclass
class Backends:
    """The shared backends of one process."""

    engine: Engine
    broker: QueueBroker
    store: BlobStore

    def close(self) -> None:
        """Release connections."""
        self.broker.close()
        self.engine.dispose()


def wait_for_database(engine: Engine, *, timeout: float = 60.0) -> None:
    """Block until the database answers, or raise after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with engine.connect() as conn:
                conn.execute(text("SELECT 1"))
            return
        except Exception as exc:
            if time.monotonic() > deadline:
                raise
            log.warning("database not ready (%s); waiting", exc)
            time.sleep(1.0)


def open_database(settings: Settings) -> Engine:
    """The engine, after waiting for the database and upgrading it when configured to."""
    engine = engine_from_settings(settings)
    wait_for_database(engine)
    if settings.database.auto_upgrade:
        upgrade(engine)
    return engine


def open_backends(settings: Settings) -> Backends:
    """Database (upgraded), queues and blob store."""
    return Backends(
        engine=open_database(settings), broker=open_broker(settings), store=open_store(settings)
    )
