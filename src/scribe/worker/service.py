"""Running one stage worker as a process: signals, health listener, the loop."""

from __future__ import annotations

import json
import logging
import os
import signal
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import FrameType

from prometheus_client import CONTENT_TYPE_LATEST

from scribe.config import Settings
from scribe.domain.jobs import Stage
from scribe.domain.options import lanes
from scribe.observability.gpu import GpuProbe
from scribe.observability.metrics import CallbackCollector, exposition, register
from scribe.queues import EVENTS_QUEUE, open_broker
from scribe.stages.registry import make_handler
from scribe.stages.transcribe.model import decodes_in_batches
from scribe.storage import open_store
from scribe.worker.batching import SharedBatches
from scribe.worker.runner import Strategy, Worker

log = logging.getLogger(__name__)


def build_worker(stage: Stage, settings: Settings) -> Worker:
    """A worker of ``stage`` on the backends the settings choose; the transcribe stage's
    decodes many files in shared batches when its batch size is above 1."""
    broker = open_broker(settings)
    strategy: Strategy | None = None
    if stage == Stage.TRANSCRIBE and decodes_in_batches(settings.whisper):
        strategy = SharedBatches(
            max_files=settings.whisper.max_files_per_batch,
            prefetch=settings.whisper.prefetch_files,
        )
    return Worker(
        handler=make_handler(stage, settings),
        queue=[broker.queue(name) for name in lanes(stage.value)],
        events=broker.queue(EVENTS_QUEUE),
        store=open_store(settings),
        settings=settings,
        strategy=strategy,
    )


def run_worker(stage: Stage, settings: Settings) -> None:
    """Run a worker until SIGTERM or SIGINT; the message in hand is finished or released."""
    worker = build_worker(stage, settings)

    def force_stop() -> None:
        if worker.release_held():
            log.warning("stop timeout reached inside a stage: message released, exiting now")
        os._exit(0)

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        log.info("signal %d: finishing the current message, then stopping", signum)
        if not worker.stopping:
            timer = threading.Timer(settings.worker.stop_timeout + 0.5, force_stop)
            timer.daemon = True
            timer.start()
        worker.request_stop()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    server = None
    if settings.metrics.port:
        register(CallbackCollector(lambda: worker_families(worker)))
        if stage == Stage.TRANSCRIBE:
            register(CallbackCollector(GpuProbe().families))
        server = _start_health_server(worker, settings)
    try:
        worker.run()
    finally:
        if server is not None:
            server.shutdown()


def worker_families(
    worker: Worker,
) -> list[tuple[str, str, list[str], list[tuple[list[str], float]]]]:
    """The worker's own gauges: busy share, readiness and seconds since its loop last beat."""
    stage = worker.handler.stage.value
    status = worker.status
    return [
        (
            "scribe_worker_busy_ratio",
            "Share of the worker's life spent on messages.",
            ["stage"],
            [([stage], status.busy_ratio)],
        ),
        (
            "scribe_worker_ready",
            "1 when the model is loaded and the loop runs.",
            ["stage"],
            [([stage], 1.0 if status.ready and not worker.stopping else 0.0)],
        ),
        (
            "scribe_worker_heartbeat_age_seconds",
            "Seconds since the consume loop last turned.",
            ["stage"],
            [([stage], time.time() - status.last_heartbeat)],
        ),
    ]


def _start_health_server(worker: Worker, settings: Settings) -> ThreadingHTTPServer:
    """Serve ``/healthz`` (alive) and ``/readyz`` (model loaded, loop beating)."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            status = worker.status
            beat_age = time.time() - status.last_heartbeat
            body = {
                "stage": worker.handler.stage.value,
                "ready": status.ready,
                "current_job": status.current_job,
                "last_heartbeat_age": round(beat_age, 1),
                "processed": status.processed,
                "failed": status.failed,
            }
            if status.reason:
                body["reason"] = status.reason
            content_type = "application/json"
            if self.path == "/healthz":
                code, payload = 200, json.dumps(body).encode()
            elif self.path == "/readyz":
                code = 200 if status.ready and not worker.stopping else 503
                payload = json.dumps(body).encode()
            elif self.path == "/metrics":
                code, payload = 200, exposition()
                content_type = CONTENT_TYPE_LATEST
            else:
                code, payload = 404, json.dumps({"detail": "not found"}).encode()
            self.send_response(code)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: object) -> None:
            return

    server = ThreadingHTTPServer((settings.metrics.host, settings.metrics.port), Handler)
    threading.Thread(target=server.serve_forever, name="health", daemon=True).start()
    return server
