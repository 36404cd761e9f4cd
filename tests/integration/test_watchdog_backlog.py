"""The watchdog judges a job stalled only once the events that might say otherwise are read."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sqlalchemy import update

from scribe.config import Settings, WatchdogSettings
from scribe.db.tables import jobs, utcnow
from scribe.domain.jobs import Stage
from scribe.messages import EventType, StageEvent
from scribe.orchestrator.loop import Orchestrator
from scribe.orchestrator.machine import apply_event, create_job
from scribe.queues import EVENTS_QUEUE
from scribe.services import open_backends


def test_no_restart_while_events_wait_then_restart_once_caught_up(tmp_path: Path) -> None:
    backends = open_backends(Settings(data_dir=tmp_path))
    try:
        orchestrator = Orchestrator(
            backends.engine,
            backends.broker,
            backends.store,
            batch=10,
            watchdog=WatchdogSettings(stale_after=60, max_restarts=2),
        )
        with backends.engine.begin() as conn:
            job_id = create_job(
                conn, filename="a.wav", source_key="jobs/a/source/a.wav", size_bytes=1, options={}
            )
            apply_event(
                conn, StageEvent(type=EventType.STARTED, job_id=job_id, stage=Stage.EXTRACT)
            )
            long_ago = utcnow() - timedelta(seconds=600)
            conn.execute(update(jobs).where(jobs.c.id == job_id).values(updated_at=long_ago))
        events = backends.broker.queue(EVENTS_QUEUE)
        for _ in range(11):  # more than one batch of unread events
            events.send({"type": "worker.heartbeat", "worker": "w1", "stage": "extract"})
        assert orchestrator.watch() == {}
        while orchestrator.process_events():
            pass
        assert orchestrator.watch() == {job_id: "restarted"}
    finally:
        backends.close()
