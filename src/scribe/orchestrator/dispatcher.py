"""Sends recorded webhook deliveries, retrying with backoff; a dead receiver never blocks jobs.

Deliveries are rows written with the state change they report; this loop claims each due one
right before it is sent, POSTs it signed (``Scribe-Signature``, HMAC-SHA256 over timestamp and
body) and records every attempt made under a claim still held. After ``max_attempts`` a
delivery is recorded as failed.
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

from sqlalchemy import Engine

from scribe.config import WebhookSettings
from scribe.db import deliveries
from scribe.db.tables import utcnow

log = logging.getLogger(__name__)


class WebhookDispatcher:
    """A loop (and a small thread pool) that sends due deliveries."""

    def __init__(self, engine: Engine, settings: WebhookSettings, *, workers: int = 4) -> None:
        self.engine = engine
        self.settings = settings
        self._stop = threading.Event()
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="webhook")

    def send_due(self) -> int:
        """Send every due delivery once; returns how many this process claimed and sent.

        Each delivery is claimed by the thread that sends it, right before the POST, so a claim
        (three request timeouts) never lapses while the delivery waits behind others; another
        process could otherwise claim it again and send it twice.
        """
        with self.engine.connect() as conn:
            due = deliveries.due_deliveries(conn, now=utcnow(), limit=50)
        return sum(self._pool.map(self._claim_and_send, due))

    def _claim_and_send(self, row: dict[str, Any]) -> bool:
        from scribe.net.webhooks import backoff_schedule, deliver

        claimed_until = utcnow() + timedelta(seconds=self.settings.timeout * 3)
        with self.engine.begin() as conn:
            recorded = deliveries.claim_delivery(conn, delivery_id=row["id"], until=claimed_until)
        if recorded is None:
            return False  # another process has it, or it was sent meanwhile
        attempts = recorded + 1
        attempt = deliver(
            row["url"],
            row["payload"],
            secret=self.settings.secret.get_secret_value(),
            event=row["event"],
            delivery_id=row["id"],
            timeout=self.settings.timeout,
            allow_hosts=self.settings.allow_hosts,
        )
        with self.engine.begin() as conn:
            status = deliveries.settle_delivery(
                conn,
                delivery_id=row["id"],
                claimed_until=claimed_until,
                ok=attempt.ok,
                status_code=attempt.status_code,
                error=attempt.error,
                attempts=attempts,
                max_attempts=self.settings.max_attempts,
                retry_in=backoff_schedule(attempts, base=self.settings.retry_base_delay),
            )
        if status is None:
            log.warning("webhook %s %s: claim lapsed while sending", row["event"], row["id"])
        elif status == "failed":
            log.warning(
                "webhook %s to %s failed for good after %d attempts: %s",
                row["event"],
                row["url"],
                attempts,
                attempt.error or attempt.status_code,
            )
        return True

    def run(self, *, interval: float = 0.5) -> None:
        """Loop until :meth:`stop`."""
        while not self._stop.is_set():
            try:
                self.send_due()
            except Exception:
                if self._stop.is_set():
                    break  # stopping cancelled the sends still queued: they stay due
                log.exception("webhook dispatch failed; retrying")
            self._stop.wait(interval)

    def stop(self) -> None:
        """Ask :meth:`run` to return."""
        self._stop.set()
        self._pool.shutdown(wait=False, cancel_futures=True)
