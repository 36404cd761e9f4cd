"""Running one stage worker as a process: signals, health listener, the loop."""

from __future__ import annotations

import json
import logging
import signal
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import FrameType

from scribe.config import Settings
from scribe.domain.jobs import Stage
from scribe.domain.options import lanes
from scribe.queues import EVENTS_QUEUE, open_broker
from scribe.storage import open_store
from scribe.workers.handlers import make_handler
from scribe.workers.runtime import Worker

log = logging.getLogger(__name__)


def build_worker(stage: Stage, settings: Settings) -> Worker:
    """A worker of ``stage`` on the backends the settings choose."""
    broker = open_broker(settings)
    return Worker(
        handler=make_handler(stage, settings),
        queue=[broker.queue(name) for name in lanes(stage.value)],
        events=broker.queue(EVENTS_QUEUE),
        store=open_store(settings),
        settings=settings,
    )


def run_worker(stage: Stage, settings: Settings) -> None:
    """Run a worker until SIGTERM or SIGINT; the message in hand is finished or released."""
    worker = build_worker(stage, settings)

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        log.info("signal %d: finishing the current message, then stopping", signum)
        worker.request_stop()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    server = _start_health_server(worker, settings) if settings.metrics.port else None
    try:
        worker.run()
    finally:
        if server is not None:
            server.shutdown()


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
            if self.path == "/healthz":
                code = 200
            elif self.path == "/readyz":
                code = 200 if status.ready and not worker.stopping else 503
            else:
                code, body = 404, {"detail": "not found"}
            payload = json.dumps(body).encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: object) -> None:
            return

    server = ThreadingHTTPServer((settings.metrics.host, settings.metrics.port), Handler)
    threading.Thread(target=server.serve_forever, name="health", daemon=True).start()
    return server
