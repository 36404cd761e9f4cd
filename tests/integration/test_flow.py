"""The real workers and orchestrator driven step by step in one process."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import func, select

from scribe import artifacts
from scribe.artifacts import cancel_marker
from scribe.config import Settings
from scribe.db import repository as repo
from scribe.db.tables import outbox
from scribe.domain.jobs import JobState, Stage
from scribe.domain.terms import TermsResult
from scribe.domain.transcript import Transcript
from scribe.messages import EventType, StageEvent, StageTask
from scribe.orchestrator.loop import Orchestrator
from scribe.orchestrator.machine import apply_event, create_job
from scribe.services import Backends, open_backends
from scribe.stages.base import StageContext, StageOutcome
from scribe.worker.runner import Worker
from scribe.worker.service import build_worker
from tests.helpers import LESSON_MP4, LESSON_TEXT, SILENT_VIDEO, word_error_rate


@dataclass
class System:
    settings: Settings
    backends: Backends
    orchestrator: Orchestrator
    workers: dict[Stage, Worker]

    def submit(self, path: Path) -> str:
        job_id = uuid.uuid4().hex
        key = artifacts.source_key(job_id, path.name)
        self.backends.store.put_file(key, path)
        with self.backends.engine.begin() as conn:
            create_job(
                conn,
                job_id=job_id,
                filename=path.name,
                source_key=key,
                size_bytes=path.stat().st_size,
                options={},
            )
        self.orchestrator.flush_outbox()
        return job_id

    def drain(self, job_id: str, rounds: int = 30) -> JobState:
        for _ in range(rounds):
            for worker in self.workers.values():
                worker.run_once()
            self.orchestrator.step()
            state = self.job(job_id).state
            if state in (JobState.COMPLETED, JobState.FAILED, JobState.CANCELLED):
                return state
        return self.job(job_id).state

    def job(self, job_id: str):  # type: ignore[no-untyped-def]
        with self.backends.engine.connect() as conn:
            return repo.get_job(conn, job_id=job_id)


@pytest.fixture
def system(settings: Settings) -> Iterator[System]:
    backends = open_backends(settings)
    workers = {stage: build_worker(stage, settings) for stage in Stage}
    orchestrator = Orchestrator(backends.engine, backends.broker, backends.store)
    yield System(settings, backends, orchestrator, workers)
    backends.close()


def test_a_lesson_video_goes_through_every_stage(system: System) -> None:
    job_id = system.submit(LESSON_MP4)
    assert system.drain(job_id) == JobState.COMPLETED
    job = system.job(job_id)
    assert job.progress == 1.0
    assert [(run.stage, run.state, run.attempts) for run in job.stages] == [
        (Stage.EXTRACT, "completed", 1),
        (Stage.TRANSCRIBE, "completed", 1),
        (Stage.TERMS, "completed", 1),
    ]
    assert all(run.duration_seconds is not None for run in job.stages)
    assert 12 < job.audio_duration < 14.5
    store = system.backends.store
    transcript = Transcript.model_validate_json(
        store.get_bytes(artifacts.transcript_key(job_id, "json"))
    )
    assert word_error_rate(LESSON_TEXT, transcript.text) < 0.25
    for fmt in ("txt", "srt", "vtt"):
        assert store.exists(artifacts.transcript_key(job_id, fmt))
    terms = TermsResult.model_validate_json(
        store.get_bytes(artifacts.artifact_key(job_id, artifacts.TERMS_JSON))
    )
    found = {o.term for o in terms.occurrences}
    assert {"minor pentatonic", "metronome"} <= found
    for occurrence in terms.occurrences:
        assert 0 <= occurrence.start <= occurrence.end <= transcript.duration
    assert job.facts["terms"]["occurrences"] == len(terms.occurrences)


def test_video_without_audio_fails_at_once_with_a_reason(system: System) -> None:
    job_id = system.submit(SILENT_VIDEO)
    assert system.drain(job_id) == JobState.FAILED
    job = system.job(job_id)
    assert job.failed_stage == Stage.EXTRACT
    assert job.error == "no audio stream found"
    assert job.stages[0].attempts == 1
    assert system.workers[Stage.EXTRACT].queue.counts().dead == 0


def test_duplicate_completion_enqueues_the_next_stage_once(system: System) -> None:
    job_id = system.submit(LESSON_MP4)
    system.workers[Stage.EXTRACT].run_once()
    # Replay the extract worker's events a second time, as an at-least-once queue may.
    events = system.orchestrator.events.receive(max_messages=10)
    bodies = [m.body for m in events]
    with system.backends.engine.begin() as conn:
        for body in bodies + bodies:
            apply_event(conn, StageEvent.model_validate(body))
        pending = conn.execute(select(func.count()).select_from(outbox)).scalar_one()
    assert bodies[0]["type"] == EventType.STARTED
    assert bodies[-1]["type"] == EventType.COMPLETED
    assert pending == 1
    assert system.job(job_id).state == JobState.TRANSCRIBING


class FlakyHandler:
    """Stands in for a stage whose dependency keeps timing out."""

    stage = Stage.EXTRACT

    def __init__(self) -> None:
        self.calls = 0

    def load(self) -> None:
        pass

    def handle(self, task: StageTask, ctx: StageContext) -> StageOutcome:
        self.calls += 1
        raise TimeoutError("the media store timed out")


def test_transient_failures_retry_with_backoff_then_dead_letter(system: System) -> None:
    settings = system.settings.model_copy(deep=True)
    settings.worker.retry_base_delay = 0.2
    handler = FlakyHandler()
    worker = Worker(
        handler=handler,
        queue=system.workers[Stage.EXTRACT].queue,
        events=system.orchestrator.events,
        store=system.backends.store,
        settings=settings,
    )
    job_id = system.submit(LESSON_MP4)
    deadline = time.monotonic() + 20
    while system.job(job_id).state != JobState.FAILED and time.monotonic() < deadline:
        worker.run_once(wait_seconds=0.5)
        system.orchestrator.step()
    job = system.job(job_id)
    assert job.state == JobState.FAILED
    assert handler.calls == settings.queue.max_receives
    assert job.failed_stage == Stage.EXTRACT
    assert "gave up after 5 attempts" in (job.error or "")
    assert "TimeoutError: the media store timed out" in (job.error or "")
    assert worker.queue.counts().dead == 0  # the watcher consumed the dead letter


class SlowHandler:
    """A stage that checks for a stop at every step, like the real ones."""

    stage = Stage.EXTRACT

    def __init__(self) -> None:
        self.started = threading.Event()

    def load(self) -> None:
        pass

    def handle(self, task: StageTask, ctx: StageContext) -> StageOutcome:
        self.started.set()
        for _ in range(500):
            ctx.should_stop()
            time.sleep(0.01)
        return StageOutcome(outputs={})


def test_stop_request_releases_an_unfinished_message(system: System) -> None:
    settings = system.settings.model_copy(deep=True)
    settings.worker.stop_timeout = 0.2
    handler = SlowHandler()
    queue = system.workers[Stage.EXTRACT].queue
    worker = Worker(
        handler=handler,
        queue=queue,
        events=system.orchestrator.events,
        store=system.backends.store,
        settings=settings,
    )
    system.submit(LESSON_MP4)
    thread = threading.Thread(target=worker.run)
    thread.start()
    assert handler.started.wait(10)
    worker.request_stop()
    thread.join(timeout=10)
    assert not thread.is_alive()
    assert queue.counts().visible == 1  # released for another worker, not lost


def test_cancel_marker_stops_a_running_stage(system: System) -> None:
    handler = SlowHandler()
    queue = system.workers[Stage.EXTRACT].queue
    worker = Worker(
        handler=handler,
        queue=queue,
        events=system.orchestrator.events,
        store=system.backends.store,
        settings=system.settings,
    )
    job_id = system.submit(LESSON_MP4)
    system.backends.store.put_bytes(cancel_marker(job_id), b"")
    worker.run_once()
    counts = queue.counts()
    assert (counts.visible, counts.in_flight, counts.dead) == (0, 0, 0)
