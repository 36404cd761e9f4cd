"""The batching strategy of the transcribe worker: many messages, their speech in shared batches.

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
- the core's **heartbeat** thread extends the visibility of every held message.

Each message is settled on its own by the :class:`~scribe.worker.core.WorkerCore` (this module
never settles a message itself): a file that fails (unreadable audio, a decode error, a write
error) is retried or failed by itself, and a batch that fails is decoded again file by file so
the others go on. On SIGTERM intake stops, files not yet decoding are released at once, files
being decoded finish or are released when ``stop_timeout`` passes. A model that does not fit in
memory leaves the worker up but not ready (``/readyz`` says why), retrying the load, instead of
a restart loop.
"""

from __future__ import annotations

import logging
import queue as queue_module
import threading
import time
from dataclasses import replace

from scribe.errors import JobCancelled, WorkerStopping
from scribe.stages.base import StageHandler
from scribe.stages.transcribe.batched.assembly import FileDecode
from scribe.stages.transcribe.batched.preparation import prepare_audio
from scribe.stages.transcribe.handler import TranscribeHandler
from scribe.stages.transcribe.model import is_out_of_memory
from scribe.worker.core import TICK_SECONDS, WorkerCore
from scribe.worker.delivery import Delivery
from scribe.worker.held_file import HeldFile, as_pairs, gives_up, report_progress

log = logging.getLogger(__name__)


class SharedBatches:
    """The transcribe worker's strategy: a pipeline of threads decoding many files together."""

    def __init__(self, *, max_files: int, prefetch: int) -> None:
        self.max_files = max_files
        self.prefetch = prefetch
        self.replicas = 1  # the loaded model's replicas, known once it is loaded
        self._lock = threading.Lock()  # guards _decoding
        self._decoding: list[HeldFile] = []  # files whose chunks are being handed out
        self._ready: queue_module.Queue[HeldFile] = queue_module.Queue(maxsize=max(1, prefetch))
        self._finished: queue_module.Queue[HeldFile | None] | None = None
        self._wake = threading.Event()
        self._intake_done = threading.Event()
        self._core: WorkerCore | None = None
        self._handler: TranscribeHandler | None = None

    @property
    def core(self) -> WorkerCore:
        """The core this strategy runs (set by :meth:`run` / :meth:`run_once`)."""
        assert self._core is not None
        return self._core

    @property
    def handler(self) -> TranscribeHandler:
        """The transcribe handler (its models, decode options and outputs)."""
        assert self._handler is not None
        return self._handler

    def _bind(self, core: WorkerCore, handler: StageHandler) -> None:
        if not isinstance(handler, TranscribeHandler):
            raise TypeError("shared batches need the transcribe stage's handler")
        self._core, self._handler = core, handler

    # --- lifecycle -------------------------------------------------------------------------

    def run(self, core: WorkerCore, handler: StageHandler) -> None:
        """Load the model (staying up but not ready while it does not fit), then run the
        pipeline until the core is stopped."""
        self._bind(core, handler)
        if not self._load():
            log.info("worker %s stopped before its model loaded", core.name)
            return
        transcriber = self.handler.transcriber
        self.replicas = transcriber.replicas
        core.status.ready = True
        core.status.reason = None
        log.info(
            "worker %s ready: batch %d, up to %d files, prefetch %d, %d replica(s)",
            core.name,
            transcriber.batch_decoder.batch_size,
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
        with core.heartbeating():
            for thread in (intake, *decoders, writer):
                thread.start()
            last_status = 0.0
            last_tick = time.monotonic()
            while intake.is_alive() or any(d.is_alive() for d in decoders):
                now = time.monotonic()
                self._tick(now - last_tick)
                last_tick = now
                if now - last_status >= core.settings.worker.status_interval:
                    last_status = now
                    core.send_status()
                time.sleep(TICK_SECONDS)
            self._finished.put(None)
            writer.join()
        self._finished = None
        log.info("worker %s stopped", core.name)

    def run_once(self, core: WorkerCore, handler: StageHandler, *, wait_seconds: float) -> bool:
        """Take up to ``max_files_per_batch`` waiting messages and see them through in this
        thread; returns whether there was one."""
        self._bind(core, handler)
        if not self._load():
            return False
        files: list[HeldFile] = []
        taken_any = False
        with core.heartbeating():
            while len(files) < self.max_files:
                delivery = core.take(wait_seconds=0.0 if taken_any else wait_seconds)
                if delivery is None:
                    break
                taken_any = True
                prepared = self._prepare(delivery)
                if prepared is not None:
                    files.append(prepared)
            for file in files:
                self._start_decoding(file)
            while batch := self._take_batch():
                self._decode(batch)
        return taken_any

    def _load(self) -> bool:
        """Load the default model; when it does not fit, report why and retry until it does
        or the worker is stopped."""
        core = self.core
        delay = core.settings.worker.retry_base_delay
        while not core.stopping:
            try:
                self.handler.load()
                return True
            except Exception as exc:
                if not is_out_of_memory(exc):
                    raise
                core.status.ready = False
                core.status.reason = (
                    f"the model does not fit in memory ({exc}); lower whisper.replicas or "
                    "whisper.batch_size, pick a smaller model or compute type, or free the "
                    f"device. Retrying the load in {delay:.0f} s."
                )
                log.error("not ready: %s", core.status.reason)
            deadline = time.monotonic() + delay
            while not core.stopping and time.monotonic() < deadline:
                core.status.last_heartbeat = time.time()
                time.sleep(TICK_SECONDS)
            delay = min(core.settings.worker.retry_max_delay, delay * 2)
        return False

    def _tick(self, elapsed: float) -> None:
        """Keep the health figures current."""
        status = self.core.status
        status.last_heartbeat = time.time()
        if status.held:
            status.busy_seconds += elapsed

    # --- intake and prefetch ---------------------------------------------------------------

    def _intake_loop(self) -> None:
        core = self.core
        try:
            while not core.stopping:
                if core.held_count >= self.max_files + self.prefetch:
                    time.sleep(TICK_SECONDS / 4)
                    continue
                delivery = core.take(wait_seconds=min(core.settings.queue.wait_seconds, 1.0))
                if delivery is None:
                    continue
                file = self._prepare(delivery)
                if file is None:
                    continue
                while True:
                    if core.stopping:
                        core.fail(delivery, WorkerStopping("the worker is stopping"))
                        break
                    try:
                        self._ready.put(file, timeout=TICK_SECONDS)
                        self._wake.set()
                        break
                    except queue_module.Full:
                        continue
        except Exception:
            log.exception("the intake thread failed; held messages come back after a timeout")
        finally:
            self._intake_done.set()
            self._wake.set()

    def _prepare(self, delivery: Delivery) -> HeldFile | None:
        """Read the audio, VAD-split it and compute its features; None if that failed (the
        message is then settled)."""
        task = delivery.task
        with delivery.log_context():
            try:
                transcriber, options = self.handler.decode_options(task)
                with self.core.store.local_copy(task.input_key) as audio:
                    prepared = prepare_audio(
                        transcriber.model,
                        audio,
                        options=options,
                        chunk_seconds=self.core.settings.whisper.batch_chunk_seconds,
                    )
            except Exception as exc:
                self.core.fail(delivery, exc)
                return None
        bias = self.handler.decoder_bias(task, transcriber)  # torch engine, biasing on
        file = HeldFile(
            delivery,
            self.core.context(delivery),
            FileDecode(prepared, options, bias=bias),
            transcriber,
        )
        file.decode.owner = file
        return file

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
                if idle and self.core.stopping and self._intake_done.is_set():
                    break
                self._wake.wait(TICK_SECONDS)
                self._wake.clear()
        except Exception:
            log.exception("a decoder thread failed; held messages come back after a timeout")
        finally:
            self._release_ready()

    def _start_decoding(self, file: HeldFile) -> None:
        if file.decode.done:  # no speech: nothing to decode
            self._hand_off(file)
            return
        with self._lock:
            self._decoding.append(file)

    def _take_batch(self) -> list[tuple[HeldFile, int]]:
        """The next batch: chunks of the oldest file with chunks left, topped up with chunks of
        other files that share its model and options, up to ``batch_size``. When fewer chunks
        are waiting than would fill a batch for every replica, they are shared out evenly, so
        one short file keeps every replica (and so every CPU core) busy."""
        self._top_up()
        with self._lock:
            self._decoding = [file for file in self._decoding if not file.settled]
            candidates = [file for file in self._decoding if file.decode.pending]
            if not candidates:
                return []
            key = candidates[0].batch_key
            waiting = sum(file.decode.pending for file in candidates if file.batch_key == key)
            size = min(candidates[0].decoder.batch_size, -(-waiting // self.replicas))
            batch: list[tuple[HeldFile, int]] = []
            for file in candidates:
                if file.batch_key != key:
                    continue
                batch += [(file, index) for index in file.decode.take(size - len(batch))]
                if len(batch) >= size:
                    break
            return batch

    def _top_up(self) -> None:
        """Move prepared files into decoding while the batch would not be full."""
        while not self.core.stopping:
            with self._lock:
                decoding = [file for file in self._decoding if not file.settled]
                if len(decoding) >= self.max_files:
                    return
                pending = sum(file.decode.pending for file in decoding)
                size = decoding[0].decoder.batch_size if decoding else 1
                if decoding and pending >= size:
                    return
            try:
                file = self._ready.get_nowait()
            except queue_module.Empty:
                return
            self._start_decoding(file)

    def _decode(self, batch: list[tuple[HeldFile, int]]) -> None:
        """Decode one batch; a failing batch is decoded again file by file so one bad file
        fails alone. Then each file's progress, checkpoint and, when done, hand-off."""
        files = list(dict.fromkeys(file for file, _index in batch))
        decoder = files[0].decoder
        try:
            decoder.decode(as_pairs(batch), stop=gives_up, step=lambda: report_progress(files))
        except Exception as exc:
            if len(files) == 1:
                self.core.fail(files[0].delivery, exc)
                return
            log.warning(
                "a batch of %d files failed (%s); decoding them one by one", len(files), exc
            )
            for file in files:
                try:
                    decoder.decode(
                        as_pairs([item for item in batch if item[0] is file]),
                        stop=gives_up,
                        step=lambda file=file: report_progress([file]),  # type: ignore[misc]
                    )
                except Exception as one:
                    self.core.fail(file.delivery, one)
        for file in files:
            if file.settled:
                continue
            if file.decode.abandoned:  # cancelled, or the worker is stopping: not finished
                reason = file.stopped or JobCancelled("cancelled during transcription")
                self.core.fail(file.delivery, reason)
                continue
            with self._lock:  # with several replicas only one decoder hands a file off
                finished = file.decode.done and file in self._decoding
                if finished:
                    self._decoding.remove(file)
            if finished:
                self._hand_off(file)
            elif not file.decode.done:
                self._checkpoint(file)

    def _checkpoint(self, file: HeldFile) -> None:
        """Report progress and honour a cancel or a stop past its deadline."""
        try:
            file.ctx.progress(min(0.999, file.decode.progress))
            if file.ctx.should_stop():
                raise JobCancelled("cancelled during transcription")
        except Exception as exc:
            self.core.fail(file.delivery, exc)

    def _hand_off(self, file: HeldFile) -> None:
        """A decoded file goes to the writer (or is written here in ``run_once``)."""
        if self._finished is not None:
            self._finished.put(file)
        else:
            self._complete(file)

    def _release_ready(self) -> None:
        """Release files prepared but not yet decoding (the worker is stopping)."""
        while True:
            try:
                file = self._ready.get_nowait()
            except queue_module.Empty:
                return
            self.core.fail(file.delivery, WorkerStopping("the worker is stopping"))

    # --- writing ---------------------------------------------------------------------------

    def _write_loop(self) -> None:
        assert self._finished is not None
        while True:
            file = self._finished.get()
            if file is None:
                return
            try:
                self._complete(file)
            except Exception:
                log.exception("could not settle job %s", file.delivery.task.job_id)

    def _complete(self, file: HeldFile) -> None:
        """Build the transcript and run the handler on it (formats, facts); the core settles."""
        delivery = file.delivery
        with delivery.log_context():
            try:
                transcript = file.decode.transcript(
                    model_name=file.transcriber.model_name,
                    device=file.transcriber.device,
                    compute_type=file.transcriber.compute_type,
                    batch_size=file.decoder.batch_size,
                )
                outcome = self.handler.handle(delivery.task, replace(file.ctx, decoded=transcript))
            except Exception as exc:
                self.core.fail(delivery, exc)
                return
            self.core.complete(delivery, outcome)
