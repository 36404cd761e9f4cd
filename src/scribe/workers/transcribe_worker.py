"""The transcribe stage's worker: several messages at once, their speech decoded in shared batches.

A bounded pipeline of threads keeps the model busy:

- **intake** receives messages while fewer than ``max_files_per_batch + prefetch_files`` are
  held, reports ``started``, reads each file's audio, runs the VAD and computes the features
  (the prefetch), and queues the file for the decoders (at most ``prefetch_files`` wait);
- **decoders** (one per model replica) fill batches of up to ``batch_size`` chunks from the
  files being decoded (up to ``max_files_per_batch``, short clips mixed with long lessons),
  decode them, report each file's progress and check its stop/cancel checkpoint;
- the **writer** builds each finished file's transcript and runs the transcribe handler on it
  (lexicon steps, every format, facts) while the next batch decodes, then reports
  ``completed`` and deletes the message;
- one **heartbeat** thread extends the visibility of every held message.

Each message is settled on its own, as :class:`~scribe.workers.runtime.Worker` settles one: a
file that fails (unreadable audio, a decode error, a write error) is retried or failed by
itself, and a batch that fails is decoded again file by file so the others go on. On SIGTERM
intake stops, files not yet decoding are released at once, files being decoded finish or are
released when ``stop_timeout`` passes. A model that does not fit in memory leaves the worker
up but not ready (``/readyz`` says why), retrying the load, instead of a restart loop.
"""

from __future__ import annotations

import logging
import queue as queue_module
import threading
import time
from contextlib import AbstractContextManager
from dataclasses import dataclass, field, replace
from typing import Any

from pydantic import ValidationError

from scribe.config import Settings
from scribe.errors import CancelledError
from scribe.messages import EventType, StageTask
from scribe.observability.context import job_context
from scribe.pipeline.batching import BatchDecoder, is_out_of_memory
from scribe.pipeline.chunking import prepare_audio
from scribe.pipeline.file_decode import FileDecode
from scribe.queues.base import Queue, ReceivedMessage
from scribe.storage.base import BlobStore
from scribe.tombstones import refuse_late_outputs
from scribe.workers.handlers import StageContext, TranscribeHandler
from scribe.workers.runtime import Worker, WorkerStatus, WorkerStopping, cancel_marker

log = logging.getLogger(__name__)

TICK_SECONDS = 0.2


@dataclass
class BatchingWorkerStatus(WorkerStatus):
    """What the health endpoint reports, with why the worker is not ready."""

    reason: str | None = None
    held: int = 0


@dataclass(eq=False)
class _Job:
    """One held message on its way through the pipeline."""

    task: StageTask
    message: ReceivedMessage
    queue: Queue
    attempt: int
    ctx: StageContext
    received: float = field(default_factory=time.monotonic)
    file: FileDecode | None = None
    transcriber: Any = None
    settled: bool = False
    # Why the decoder gave the file up between fallback rounds (a cancel, the worker stopping).
    stopped: Exception | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    def log_context(self) -> AbstractContextManager[None]:
        """Every log line inside carries this job's id, stage, attempt and request id."""
        return job_context(
            job_id=self.task.job_id,
            stage=self.task.stage.value,
            attempt=self.attempt,
            request_id=self.task.request_id,
        )

    @property
    def decoder(self) -> BatchDecoder:
        decoder: BatchDecoder = self.transcriber.batch_decoder
        return decoder

    @property
    def batch_key(self) -> tuple[int, Any]:
        assert self.file is not None
        return (id(self.decoder), self.file.key)


class BatchingTranscribeWorker(Worker):
    """A :class:`Worker` of the transcribe queue that decodes many files in shared batches."""

    handler: TranscribeHandler
    status: BatchingWorkerStatus

    def __init__(
        self,
        *,
        handler: TranscribeHandler,
        queue: Queue | list[Queue],
        events: Queue,
        store: BlobStore,
        settings: Settings,
    ) -> None:
        super().__init__(
            handler=handler, queue=queue, events=events, store=store, settings=settings
        )
        self.status = BatchingWorkerStatus()
        whisper = settings.whisper
        self.max_files = whisper.max_files_per_batch
        self.prefetch = whisper.prefetch_files
        self.replicas = 1  # the loaded model's replicas, known once it is loaded
        self._lock = threading.Lock()  # guards _jobs and _decoding
        self._jobs: list[_Job] = []  # every held message, oldest first
        self._decoding: list[_Job] = []  # files whose chunks are being handed out
        self._ready: queue_module.Queue[_Job] = queue_module.Queue(maxsize=max(1, self.prefetch))
        self._finished: queue_module.Queue[_Job | None] | None = None
        self._wake = threading.Event()
        self._intake_done = threading.Event()

    # --- lifecycle -------------------------------------------------------------------------

    def run(self) -> None:
        """Load the model (staying up but not ready while it does not fit), then run the
        pipeline until asked to stop."""
        if not self._load():
            log.info("worker %s stopped before its model loaded", self.name)
            return
        self.replicas = self.handler.transcriber.replicas
        self.status.ready = True
        self.status.reason = None
        log.info(
            "worker %s ready: batch %d, up to %d files, prefetch %d, %d replica(s)",
            self.name,
            self.handler.transcriber.batch_decoder.batch_size,
            self.max_files,
            self.prefetch,
            self.replicas,
        )
        self._finished = queue_module.Queue()
        self._intake_done.clear()
        intake = threading.Thread(target=self._intake_loop, name="intake", daemon=True)
        decoders = [
            threading.Thread(target=self._decode_loop, name=f"decoder-{n}", daemon=True)
            for n in range(self.replicas)
        ]
        writer = threading.Thread(target=self._write_loop, name="writer", daemon=True)
        stop_beating = threading.Event()
        beat = threading.Thread(
            target=self._heartbeat_loop, args=(stop_beating,), name="heartbeat", daemon=True
        )
        for thread in (intake, *decoders, writer, beat):
            thread.start()
        last_status = 0.0
        last_tick = time.monotonic()
        while intake.is_alive() or any(d.is_alive() for d in decoders):
            now = time.monotonic()
            self._tick(now - last_tick)
            last_tick = now
            if now - last_status >= self.settings.worker.status_interval:
                last_status = now
                self._send_status()
            time.sleep(TICK_SECONDS)
        self._finished.put(None)
        writer.join()
        stop_beating.set()
        beat.join(timeout=5)
        self._finished = None
        log.info("worker %s stopped", self.name)

    def run_once(self, *, wait_seconds: float = 0.0) -> bool:
        """Take up to ``max_files_per_batch`` waiting messages and see them through in this
        thread (for tests and tools); returns whether there was one."""
        if not self._load():
            return False
        jobs: list[_Job] = []
        taken_any = False
        while len(jobs) < self.max_files:
            taken = self._next(wait_seconds=0.0 if taken_any else wait_seconds)
            if taken is None:
                break
            taken_any = True
            job = self._admit(*taken)
            if job is not None:
                jobs.append(job)
        if not jobs:
            return taken_any
        stop_beating = threading.Event()
        beat = threading.Thread(
            target=self._heartbeat_loop, args=(stop_beating,), name="heartbeat", daemon=True
        )
        beat.start()
        try:
            for job in jobs:
                if self._prepare(job):
                    self._start_decoding(job)
            while True:
                batch = self._take_batch()
                if not batch:
                    break
                self._decode(batch)
        finally:
            stop_beating.set()
            beat.join(timeout=5)
        return True

    def release_held(self) -> bool:
        """Hand every held message back to its queue at once (the stop timeout ran out)."""
        with self._lock:
            jobs = list(self._jobs)
        released = False
        for job in jobs:
            with job.lock:
                if job.settled:
                    continue
                job.settled = True
            try:
                released = job.queue.change_visibility(job.message.receipt, 0) or released
            except Exception:
                log.exception("could not release job %s", job.task.job_id)
        return released

    def _load(self) -> bool:
        """Load the default model; when it does not fit, report why and retry until it does
        or the worker is stopped."""
        delay = self.settings.worker.retry_base_delay
        while not self.stopping:
            try:
                self.handler.load()
                return True
            except Exception as exc:
                if not is_out_of_memory(exc):
                    raise
                self.status.ready = False
                self.status.reason = (
                    f"the model does not fit in memory ({exc}); lower whisper.replicas or "
                    "whisper.batch_size, pick a smaller model or compute type, or free the "
                    f"device. Retrying the load in {delay:.0f} s."
                )
                log.error("not ready: %s", self.status.reason)
            deadline = time.monotonic() + delay
            while not self.stopping and time.monotonic() < deadline:
                self.status.last_heartbeat = time.time()
                time.sleep(TICK_SECONDS)
            delay = min(self.settings.worker.retry_max_delay, delay * 2)
        return False

    def _tick(self, elapsed: float) -> None:
        """Keep the health figures current."""
        self.status.last_heartbeat = time.time()
        with self._lock:
            held = len(self._jobs)
            self.status.current_job = self._jobs[0].task.job_id if self._jobs else None
        self.status.held = held
        if held:
            self.status.busy_seconds += elapsed

    # --- intake and prefetch ---------------------------------------------------------------

    def _intake_loop(self) -> None:
        try:
            while not self.stopping:
                with self._lock:
                    full = len(self._jobs) >= self.max_files + self.prefetch
                if full:
                    time.sleep(TICK_SECONDS / 4)
                    continue
                taken = self._next(wait_seconds=min(self.settings.queue.wait_seconds, 1.0))
                if taken is None:
                    continue
                job = self._admit(*taken)
                if job is None or not self._prepare(job):
                    continue
                while True:
                    if self.stopping:
                        self._fail(job, WorkerStopping())
                        break
                    try:
                        self._ready.put(job, timeout=TICK_SECONDS)
                        self._wake.set()
                        break
                    except queue_module.Full:
                        continue
        except Exception:
            log.exception("the intake thread failed; held messages come back after a timeout")
        finally:
            self._intake_done.set()
            self._wake.set()

    def _admit(self, queue: Queue, message: ReceivedMessage) -> _Job | None:
        """Validate a delivery, drop it if malformed or cancelled, else hold it."""
        try:
            task = StageTask.model_validate(message.body)
        except ValidationError as exc:
            log.error("dropping malformed message %s: %s", message.message_id, exc)
            queue.delete(message.receipt)
            return None
        if self.store.exists(cancel_marker(task.job_id)):
            log.info("job %s was cancelled; dropping its %s message", task.job_id, task.stage)
            queue.delete(message.receipt)
            return None
        attempt = message.receive_count
        job = _Job(task, message, queue, attempt, self._context(task, attempt))
        with self._lock:
            self._jobs.append(job)
        self._emit(task, EventType.STARTED, attempt)
        return job

    def _prepare(self, job: _Job) -> bool:
        """Read the audio, VAD-split it and compute its features; False if it failed (the
        message is then settled)."""
        task = job.task
        with job.log_context():
            try:
                transcriber, options = self.handler.decode_options(task)
                with self.store.local_copy(task.input_key) as audio:
                    prepared = prepare_audio(
                        transcriber.model,
                        audio,
                        options=options,
                        chunk_seconds=self.settings.whisper.batch_chunk_seconds,
                    )
            except Exception as exc:
                self._fail(job, exc)
                return False
        job.transcriber = transcriber
        job.file = FileDecode(prepared, options, owner=job)
        return True

    # --- decoding --------------------------------------------------------------------------

    def _decode_loop(self) -> None:
        try:
            while True:
                batch = self._take_batch()
                if batch:
                    self._decode(batch)
                    continue
                with self._lock:
                    idle = not self._decoding
                if idle and self.stopping and self._intake_done.is_set():
                    break
                self._wake.wait(TICK_SECONDS)
                self._wake.clear()
        except Exception:
            log.exception("a decoder thread failed; held messages come back after a timeout")
        finally:
            self._release_ready()

    def _start_decoding(self, job: _Job) -> None:
        assert job.file is not None
        if job.file.done:  # no speech: nothing to decode
            self._hand_off(job)
            return
        with self._lock:
            self._decoding.append(job)

    def _take_batch(self) -> list[tuple[_Job, int]]:
        """The next batch: chunks of the oldest file with chunks left, topped up with chunks of
        other files that share its model and options, up to ``batch_size``. When fewer chunks
        are waiting than would fill a batch for every replica, they are shared out evenly, so
        one short file keeps every replica (and so every CPU core) busy."""
        self._top_up()
        with self._lock:
            candidates = [
                job
                for job in self._decoding
                if not job.settled and job.file is not None and job.file.pending
            ]
            if not candidates:
                return []
            key = candidates[0].batch_key
            waiting = sum(
                job.file.pending for job in candidates if job.batch_key == key and job.file
            )
            size = min(candidates[0].decoder.batch_size, -(-waiting // self.replicas))
            batch: list[tuple[_Job, int]] = []
            for job in candidates:
                if job.batch_key != key:
                    continue
                assert job.file is not None
                batch += [(job, index) for index in job.file.take(size - len(batch))]
                if len(batch) >= size:
                    break
            return batch

    def _top_up(self) -> None:
        """Move prepared files into decoding while the batch would not be full."""
        while not self.stopping:
            with self._lock:
                if len(self._decoding) >= self.max_files:
                    return
                pending = sum(j.file.pending for j in self._decoding if j.file is not None)
                size = self._decoding[0].decoder.batch_size if self._decoding else 1
                if self._decoding and pending >= size:
                    return
            try:
                job = self._ready.get_nowait()
            except queue_module.Empty:
                return
            self._start_decoding(job)

    def _decode(self, batch: list[tuple[_Job, int]]) -> None:
        """Decode one batch; a failing batch is decoded again file by file so one bad file
        fails alone. Then each file's progress, checkpoint and, when done, hand-off."""
        jobs = list(dict.fromkeys(job for job, _index in batch))
        decoder = jobs[0].decoder
        try:
            decoder.decode(_pairs(batch), stop=_gives_up)
        except Exception as exc:
            if len(jobs) == 1:
                self._fail(jobs[0], exc)
                return
            log.warning("a batch of %d files failed (%s); decoding them one by one", len(jobs), exc)
            for job in jobs:
                try:
                    decoder.decode(
                        _pairs([item for item in batch if item[0] is job]), stop=_gives_up
                    )
                except Exception as one:
                    self._fail(job, one)
        for job in jobs:
            if job.settled or job.file is None:
                continue
            if job.file.abandoned:  # cancelled, or the worker is stopping: not finished
                self._fail(job, job.stopped or CancelledError("cancelled during transcription"))
                continue
            with self._lock:  # with several replicas only one decoder hands a file off
                finished = job.file.done and job in self._decoding
                if finished:
                    self._decoding.remove(job)
            if finished:
                self._hand_off(job)
            elif not job.file.done:
                self._checkpoint(job)

    def _checkpoint(self, job: _Job) -> bool:
        """Report progress and honour a cancel or a stop past its deadline; False if the job
        was settled here."""
        assert job.file is not None
        try:
            job.ctx.progress(min(0.999, job.file.progress))
            if job.ctx.should_stop():
                raise CancelledError("cancelled during transcription")
        except Exception as exc:
            self._fail(job, exc)
            return False
        return True

    def _hand_off(self, job: _Job) -> None:
        """A decoded file goes to the writer (or is written here in ``run_once``)."""
        if self._finished is not None:
            self._finished.put(job)
        else:
            self._complete(job)

    def _release_ready(self) -> None:
        """Release files prepared but not yet decoding (the worker is stopping)."""
        while True:
            try:
                job = self._ready.get_nowait()
            except queue_module.Empty:
                return
            self._fail(job, WorkerStopping())

    # --- writing and settling --------------------------------------------------------------

    def _write_loop(self) -> None:
        assert self._finished is not None
        while True:
            job = self._finished.get()
            if job is None:
                return
            try:
                self._complete(job)
            except Exception:
                log.exception("could not settle job %s", job.task.job_id)

    def _complete(self, job: _Job) -> None:
        """Build the transcript, run the handler on it (formats, facts), report, delete."""
        task = job.task
        assert job.file is not None
        with job.log_context():
            try:
                transcript = job.file.transcript(
                    model_name=job.transcriber.model_name,
                    device=job.transcriber.device,
                    compute_type=job.transcriber.compute_type,
                    batch_size=job.decoder.batch_size,
                )
                outcome = self.handler.handle(task, replace(job.ctx, decoded=transcript))
                refuse_late_outputs(self.store, task.job_id, outcome.outputs)
            except Exception as exc:
                self._fail(job, exc)
                return
            if not self._settle(job):
                return
            outputs = dict(outcome.outputs)
            if outcome.next_input is not None:
                outputs["next_input"] = outcome.next_input
            self._emit(task, EventType.COMPLETED, job.attempt, outputs=outputs, facts=outcome.facts)
            job.queue.delete(job.message.receipt)
            self.status.processed += 1
            elapsed = time.monotonic() - job.received
            log.info("%s done in %.2f s", task.stage.value, elapsed)
            self._measure(task, "completed", elapsed, outcome)

    def _settle(self, job: _Job) -> bool:
        """Mark a job settled (no more heartbeats, out of the pipeline); False if it already
        was."""
        with job.lock:
            if job.settled:
                return False
            job.settled = True
        with self._lock:
            if job in self._jobs:
                self._jobs.remove(job)
            if job in self._decoding:
                self._decoding.remove(job)
        return True

    def _fail(self, job: _Job, exc: Exception) -> None:
        """Settle one job's failure (release, cancel, fail or retry) and measure it."""
        if not self._settle(job):
            return
        task = job.task
        with job.log_context():
            try:
                outcome = self._settle_failure(task, job.message, job.queue, job.attempt, exc)
            except Exception:
                log.exception("could not settle job %s", task.job_id)
                return
            self._measure(task, outcome, time.monotonic() - job.received, None)

    def _heartbeat_loop(self, done: threading.Event) -> None:
        """Extend every held message's visibility each ``heartbeat_interval`` seconds."""
        interval = self.settings.worker.heartbeat_interval
        timeout = self.settings.queue.visibility_timeout
        next_beat = time.monotonic() + interval
        while not done.wait(TICK_SECONDS):
            if time.monotonic() < next_beat:
                continue
            next_beat = time.monotonic() + interval
            with self._lock:
                jobs = list(self._jobs)
            for job in jobs:
                with job.lock:
                    if job.settled:
                        continue
                    try:
                        job.queue.change_visibility(job.message.receipt, timeout)
                    except Exception:
                        log.exception("heartbeat failed for job %s", job.task.job_id)
                        continue
                try:
                    self._emit(job.task, EventType.HEARTBEAT, job.attempt)
                except Exception:
                    log.warning("could not report job %s's heartbeat", job.task.job_id)


def _gives_up(file: FileDecode) -> bool:
    """The decoder's stop check between fallback rounds: the file's job was cancelled or the
    worker is stopping past its deadline; the reason is kept on the job for settling it (a
    failing check decides nothing here: the next checkpoint reports it)."""
    job: _Job = file.owner
    try:
        if job.ctx.should_stop():
            job.stopped = CancelledError("cancelled during transcription")
    except WorkerStopping as exc:
        job.stopped = exc
    except Exception:
        return False
    return job.stopped is not None


def _pairs(batch: list[tuple[_Job, int]]) -> list[tuple[FileDecode, int]]:
    """A batch as the decoder takes it."""
    pairs = []
    for job, index in batch:
        assert job.file is not None
        pairs.append((job.file, index))
    return pairs
