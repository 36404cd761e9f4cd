"""The plain strategy: one message at a time, the stage's handler run on each."""

from __future__ import annotations

import logging
import time

from scribe.stages.base import StageHandler
from scribe.worker.core import WorkerCore
from scribe.worker.delivery import Delivery

log = logging.getLogger(__name__)


class OneAtATime:
    """Take a message, run the handler on it with the core's hooks, settle it; repeat."""

    def run(self, core: WorkerCore, handler: StageHandler) -> None:
        """Load the handler, then take messages until the core is stopped."""
        handler.load()
        core.status.ready = True
        log.info("worker %s ready", core.name)
        last_status = 0.0
        with core.heartbeating():
            while not core.stopping:
                core.status.last_heartbeat = time.time()
                if time.monotonic() - last_status >= core.settings.worker.status_interval:
                    last_status = time.monotonic()
                    core.send_status()
                delivery = core.take(wait_seconds=min(core.settings.queue.wait_seconds, 1.0))
                if delivery is None:
                    continue
                try:
                    self.process(core, handler, delivery)
                except Exception:
                    # Not settled: the message comes back after its visibility timeout.
                    log.exception("could not settle message %s", delivery.message.message_id)
        log.info("worker %s stopped", core.name)

    def run_once(self, core: WorkerCore, handler: StageHandler, *, wait_seconds: float) -> bool:
        """Process at most one message; returns whether there was one."""
        handler.load()
        with core.heartbeating():
            delivery = core.take(wait_seconds=wait_seconds)
            if delivery is not None:
                self.process(core, handler, delivery)
        return delivery is not None

    def process(self, core: WorkerCore, handler: StageHandler, delivery: Delivery) -> None:
        """Run the handler on one held message and settle it."""
        started = time.monotonic()
        with delivery.log_context():
            try:
                outcome = handler.handle(delivery.task, core.context(delivery))
            except Exception as exc:
                core.fail(delivery, exc)
            else:
                core.complete(delivery, outcome)
            finally:
                core.status.busy_seconds += time.monotonic() - started
