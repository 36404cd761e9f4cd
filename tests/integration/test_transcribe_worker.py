"""The batching transcribe worker on the embedded queue and store, with the real model: several
messages at once, shared batches, each message settled on its own, stop, and a model that does
not fit."""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from scribe import artifacts
from scribe.artifacts import cancel_marker
from scribe.config import Settings
from scribe.domain.jobs import Stage
from scribe.domain.transcript import Transcript
from scribe.errors import ModelError
from scribe.messages import EventType, StageTask
from scribe.queues import EVENTS_QUEUE, open_broker
from scribe.queues.base import Queue
from scribe.stages.transcribe.handler import TranscribeHandler
from scribe.storage import open_store
from scribe.storage.base import BlobStore
from scribe.worker.batching import SharedBatches
from scribe.worker.runner import Worker
from scribe.worker.service import _start_health_server, build_worker
from tests.helpers import free_port, librivox_references, said_six_times, word_error_rate


@pytest.fixture
def quick(settings: Settings) -> Settings:
    settings.whisper.cpu_threads = 2
    settings.whisper.max_files_per_batch = 4
    settings.queue.visibility_timeout = 4.0  # heartbeats every 0.3 s, room for a loaded CI
    settings.worker.heartbeat_interval = 0.3
    settings.worker.retry_base_delay = 30.0
    return settings


@pytest.fixture
def backends(quick: Settings) -> Iterator[tuple[Queue, Queue, BlobStore]]:
    broker = open_broker(quick)
    yield broker.queue("transcribe"), broker.queue(EVENTS_QUEUE), open_store(quick)
    broker.close()


def transcribe_worker(settings: Settings) -> Worker:
    """The worker ``scribe worker transcribe`` runs with these settings (shared batches)."""
    worker = build_worker(Stage.TRANSCRIBE, settings)
    assert isinstance(worker.strategy, SharedBatches)
    return worker


def submit(queue: Queue, store: BlobStore, audio: bytes | Path) -> str:
    job_id = uuid.uuid4().hex
    key = artifacts.artifact_key(job_id, artifacts.AUDIO_WAV)
    if isinstance(audio, Path):
        store.put_file(key, audio)
    else:
        store.put_bytes(key, audio)
    task = StageTask(job_id=job_id, stage=Stage.TRANSCRIBE, input_key=key)
    queue.send(task.model_dump(mode="json"))
    return job_id


def drain(events: Queue) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    while True:
        messages = events.receive(max_messages=10)
        if not messages:
            return found
        for message in messages:
            found.append(message.body)
            events.delete(message.receipt)


def by_job(events: list[dict[str, Any]]) -> dict[str, list[str]]:
    kinds: dict[str, list[str]] = {}
    for event in events:
        if event.get("job_id") and event["type"] not in (EventType.PROGRESS, EventType.HEARTBEAT):
            kinds.setdefault(event["job_id"], []).append(event["type"])
    return kinds


def test_files_share_batches_and_a_bad_file_fails_alone(
    quick: Settings, backends: tuple[Queue, Queue, BlobStore]
) -> None:
    queue, events, store = backends
    quick.whisper.max_files_per_batch = 5
    worker = transcribe_worker(quick)
    references = librivox_references()
    good = {submit(queue, store, clip): text for clip, text in references.items()}
    bad = submit(queue, store, b"RIFF-this is not audio")
    cancelled = submit(queue, store, next(iter(references)))
    store.put_bytes(cancel_marker(cancelled), b"")
    handler = worker.handler
    assert isinstance(handler, TranscribeHandler)
    decoder = handler.transcriber.batch_decoder
    files_per_batch: list[int] = []
    real_decode = decoder.decode

    def recording(work: Any, **kwargs: Any) -> None:
        files_per_batch.append(len({id(file) for file, _index in work}))
        real_decode(work, **kwargs)

    decoder.decode = recording  # type: ignore[method-assign]
    assert worker.run_once()

    assert max(files_per_batch) == 3, "the three clips did not share a batch"
    kinds = by_job(drain(events))
    for job_id in good:
        assert kinds[job_id] == [EventType.STARTED, EventType.COMPLETED]
    assert kinds[bad] == [EventType.STARTED, EventType.RETRYING]
    assert cancelled not in kinds
    counts = queue.counts()
    assert (counts.visible, counts.in_flight) == (0, 1)  # only the bad one, backing off
    hypotheses, reference = [], []
    for job_id, text in good.items():
        transcript = Transcript.model_validate_json(
            store.get_bytes(artifacts.transcript_key(job_id, "json"))
        )
        assert transcript.options["batch_size"] == 8
        for fmt in ("txt", "srt", "vtt"):
            assert store.exists(artifacts.transcript_key(job_id, fmt))
        hypotheses.append(transcript.text)
        reference.append(text)
    assert word_error_rate(" ".join(reference), " ".join(hypotheses)) < 0.15


def test_progress_moves_while_a_files_only_batch_decodes(
    quick: Settings, backends: tuple[Queue, Queue, BlobStore]
) -> None:
    """A clip of one chunk is decoded in one batch: its job still reports progress between
    0 and done (the batch's steps), rising, before it completes."""
    queue, events, store = backends
    quick.whisper.progress_interval = 0.001  # every report becomes an event
    worker = transcribe_worker(quick)
    clip = next(iter(librivox_references()))
    job_id = submit(queue, store, clip)
    assert worker.run_once()
    found = [e for e in drain(events) if e.get("job_id") == job_id]
    shares = [e["progress"] for e in found if e["type"] == EventType.PROGRESS]
    assert shares == sorted(shares), shares
    inside = sorted({share for share in shares if 0 < share < 0.99})
    assert len(inside) >= 2, shares  # after the encoder and after the beam search at least
    assert [e["type"] for e in found][-1] == EventType.COMPLETED


def test_running_worker_completes_each_message_once_then_stops(
    quick: Settings, backends: tuple[Queue, Queue, BlobStore]
) -> None:
    queue, events, store = backends
    worker = transcribe_worker(quick)
    thread = threading.Thread(target=worker.run, daemon=True)
    thread.start()
    clips = list(librivox_references())
    jobs = [submit(queue, store, clips[n % len(clips)]) for n in range(6)]
    seen: list[dict[str, Any]] = []
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        seen += drain(events)
        if sum(e["type"] == EventType.COMPLETED for e in seen) >= len(jobs):
            break
        time.sleep(0.2)
    worker.request_stop()
    thread.join(timeout=30)
    assert not thread.is_alive()
    seen += drain(events)
    kinds = by_job(seen)
    for job_id in jobs:  # the heartbeat kept every message hidden: one delivery each
        assert kinds[job_id] == [EventType.STARTED, EventType.COMPLETED], kinds
    assert all(e["attempt"] == 1 for e in seen if e.get("job_id") in jobs)
    assert (queue.counts().visible, queue.counts().in_flight) == (0, 0)
    assert worker.status.processed == len(jobs)
    assert not worker.status.held


def test_stop_releases_what_it_cannot_finish(
    quick: Settings, backends: tuple[Queue, Queue, BlobStore]
) -> None:
    queue, events, store = backends
    quick.worker.stop_timeout = 0.1
    quick.whisper.max_files_per_batch = 1
    quick.whisper.batch_size = 2
    worker = transcribe_worker(quick)
    thread = threading.Thread(target=worker.run, daemon=True)
    thread.start()
    clips = list(librivox_references())
    jobs = [submit(queue, store, clips[n % len(clips)]) for n in range(6)]
    deadline = time.monotonic() + 60
    while not worker.status.held and time.monotonic() < deadline:
        time.sleep(0.01)
    worker.request_stop()
    thread.join(timeout=30)
    assert not thread.is_alive()
    done = [e["job_id"] for e in drain(events) if e["type"] == EventType.COMPLETED]
    counts = queue.counts()
    assert counts.in_flight == 0, "a held message was neither finished nor released"
    assert counts.visible + len(done) == len(jobs)
    assert counts.visible >= 1


def test_a_cancel_during_a_files_last_batch_stops_it_before_the_retries(
    quick: Settings, backends: tuple[Queue, Queue, BlobStore], tmp_path: Path
) -> None:
    queue, events, store = backends
    worker = transcribe_worker(quick)
    job = submit(queue, store, said_six_times(tmp_path / "six.wav"))  # one chunk, retried
    handler = worker.handler
    assert isinstance(handler, TranscribeHandler)
    decoder = handler.transcriber.batch_decoder
    real_decode = decoder.decode

    def cancel_then_decode(work: Any, **kwargs: Any) -> None:
        store.put_bytes(cancel_marker(job), b"")  # the user cancels while the batch decodes
        real_decode(work, **kwargs)

    decoder.decode = cancel_then_decode  # type: ignore[method-assign]
    assert worker.run_once()
    assert EventType.COMPLETED not in by_job(drain(events)).get(job, [])
    assert not store.exists(artifacts.transcript_key(job, "json"))
    counts = queue.counts()
    assert (counts.visible, counts.in_flight) == (0, 0)  # settled as cancelled: not retried


class DoesNotFitOnce(TranscribeHandler):
    """The real handler on a device that is full the first time the model loads."""

    def __init__(self, settings: Settings) -> None:
        super().__init__(settings)
        self.attempts = 0

    def load(self) -> None:
        self.attempts += 1
        if self.attempts == 1:
            raise ModelError("cannot load model 'tiny.en': CUDA failed with error out of memory")
        super().load()


def readyz(port: int) -> tuple[int, dict[str, Any]]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_a_model_that_does_not_fit_leaves_the_worker_up_but_not_ready(
    quick: Settings, backends: tuple[Queue, Queue, BlobStore]
) -> None:
    queue, events, store = backends
    quick.worker.retry_base_delay = 1.0
    quick.metrics.port = free_port()
    handler = DoesNotFitOnce(quick)
    worker = Worker(
        handler=handler,
        queue=queue,
        events=events,
        store=store,
        settings=quick,
        strategy=SharedBatches(
            max_files=quick.whisper.max_files_per_batch, prefetch=quick.whisper.prefetch_files
        ),
    )
    server = _start_health_server(worker, quick)
    thread = threading.Thread(target=worker.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 5
        while handler.attempts == 0 and time.monotonic() < deadline:
            time.sleep(0.01)
        code, body = readyz(quick.metrics.port)
        assert code == 503 and not body["ready"]
        assert "does not fit in memory" in body["reason"]
        assert thread.is_alive()  # no exit, so no restart loop
        deadline = time.monotonic() + 30
        while not worker.status.ready and time.monotonic() < deadline:
            time.sleep(0.05)
        code, body = readyz(quick.metrics.port)
        assert code == 200 and "reason" not in body
    finally:
        worker.request_stop()
        thread.join(timeout=30)
        server.shutdown()
