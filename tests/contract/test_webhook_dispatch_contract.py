"""Webhook dispatchers of several api processes on one database, on SQLite and PostgreSQL: a
delivery is claimed right before it is sent, and only an attempt made under a claim still held
is recorded, so a slow receiver never gets a delivery twice."""

from __future__ import annotations

import threading
import time
from collections import Counter
from datetime import datetime, timedelta

from pydantic import SecretStr
from sqlalchemy import Connection, Engine, func, select

from scribe.config import WebhookSettings
from scribe.db import deliveries
from scribe.db.tables import utcnow, webhook_deliveries
from scribe.orchestrator.dispatcher import WebhookDispatcher
from tests.api.servers import webhook_receiver


def _record(engine: Engine, count: int, url: str) -> list[str]:
    with engine.begin() as conn:
        return [
            deliveries.record_delivery(
                conn, job_id=None, url=url, event="job.completed", payload={"n": n}
            )
            for n in range(count)
        ]


def _settle(
    conn: Connection, delivery: str, *, claimed_until: datetime, error: str | None
) -> str | None:
    """Record a first attempt: delivered without ``error``, else to be retried."""
    return deliveries.settle_delivery(
        conn,
        delivery_id=delivery,
        claimed_until=claimed_until,
        ok=error is None,
        status_code=200 if error is None else None,
        error=error,
        attempts=1,
        max_attempts=8,
        retry_in=10.0,
    )


def test_an_attempt_under_a_lapsed_claim_is_not_recorded(engine: Engine) -> None:
    (delivery,) = _record(engine, 1, "http://127.0.0.1:9/hook")
    lapsed = utcnow()
    with engine.begin() as conn:
        assert deliveries.claim_delivery(conn, delivery_id=delivery, until=lapsed) == 0
    held = utcnow() + timedelta(seconds=60)
    with engine.begin() as conn:  # the first sender is slow; its claim lapses and moves on
        assert deliveries.claim_delivery(conn, delivery_id=delivery, until=held) == 0
    with engine.begin() as conn:  # the first sender's timeout comes in while the row is pending
        late = _settle(conn, delivery, claimed_until=lapsed, error="timed out")
        delivered = _settle(conn, delivery, claimed_until=held, error=None)
    assert (late, delivered) == (None, "delivered")
    with engine.connect() as conn:
        row = conn.execute(select(webhook_deliveries)).mappings().one()
    assert (row["status"], row["attempts"], row["last_error"]) == ("delivered", 1, None)


def test_two_dispatchers_and_a_slow_receiver_send_each_delivery_once(engine: Engine) -> None:
    with webhook_receiver() as receiver:
        # One request takes 0.3 s and a claim lasts 3 s (three 1 s timeouts). A dispatcher
        # that claimed all 12 at once and sent them one by one would still be sending after
        # its claims had lapsed, and the other dispatcher would send those again.
        receiver.delay = 0.3
        ids = _record(engine, 12, receiver.url)
        settings = WebhookSettings(
            secret=SecretStr("s"), timeout=1.0, retry_base_delay=600.0, allow_hosts=["127.0.0.1"]
        )
        slow = WebhookDispatcher(engine, settings, workers=1)
        other = WebhookDispatcher(engine, settings, workers=4)
        threads = [threading.Thread(target=d.run, kwargs={"interval": 0.05}) for d in (slow, other)]
        threads[0].start()
        time.sleep(0.1)
        threads[1].start()
        pending = (
            select(func.count())
            .select_from(webhook_deliveries)
            .where(webhook_deliveries.c.status == "pending")
        )
        deadline = time.monotonic() + 60
        try:
            while time.monotonic() < deadline:
                with engine.connect() as conn:
                    if conn.execute(pending).scalar_one() == 0:
                        break
                time.sleep(0.1)
        finally:
            for dispatcher in (slow, other):
                dispatcher.stop()
            for thread in threads:
                thread.join(timeout=10)
        received = Counter(r.headers["scribe-delivery"] for r in receiver.received)
    assert received == dict.fromkeys(ids, 1)
    with engine.connect() as conn:
        rows = conn.execute(select(webhook_deliveries.c.status, webhook_deliveries.c.attempts))
        assert Counter(tuple(row) for row in rows) == {("delivered", 1): 12}
