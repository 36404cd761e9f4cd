"""The orchestrator's outbox in front of a slow queue (an SQS endpoint answering slowly), with
another api process flushing the same outbox: rows are sent only while their claim holds, so
the other process never sends them too."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from scribe.config import Settings
from scribe.db import repository as repo
from scribe.db.tables import outbox
from scribe.orchestrator.loop import Orchestrator
from scribe.queues.base import Queue, QueueBroker
from scribe.services import open_backends

SEND_SECONDS = 0.25
CLAIM_SECONDS = 2.0  # ten rows take 2.5 s to send: longer than one claim


class SlowQueue:
    """A real queue whose sends each take ``SEND_SECONDS`` more."""

    def __init__(self, inner: Queue) -> None:
        self.inner = inner

    def send(self, body: dict[str, Any], *, delay_seconds: float = 0) -> str:
        time.sleep(SEND_SECONDS)
        return self.inner.send(body, delay_seconds=delay_seconds)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


class SlowBroker:
    """The real broker, its queues slowed."""

    def __init__(self, inner: QueueBroker) -> None:
        self.inner = inner

    def queue(self, name: str) -> Queue:
        return SlowQueue(self.inner.queue(name))

    def close(self) -> None:
        self.inner.close()


def test_a_slow_queue_never_sends_a_row_past_its_claim(tmp_path: Path) -> None:
    backends = open_backends(Settings(data_dir=tmp_path / "var"))
    try:
        slow = Orchestrator(
            backends.engine,
            SlowBroker(backends.broker),
            backends.store,
            outbox_claim_seconds=CLAIM_SECONDS,
        )
        # Another api process, with a fast queue, flushing all the while.
        other = Orchestrator(
            backends.engine, backends.broker, backends.store, outbox_claim_seconds=CLAIM_SECONDS
        )
        other.identity = "other-api:1"
        done = threading.Event()

        def flush_meanwhile() -> None:
            while not done.is_set():
                other.flush_outbox()
                time.sleep(0.05)

        with backends.engine.begin() as conn:  # the slow one claims the whole batch first
            for n in range(10):
                repo.enqueue(conn, queue="extract", body={"n": n})
        meanwhile = threading.Thread(target=flush_meanwhile)
        started = threading.Timer(0.1, meanwhile.start)
        started.start()
        try:
            slow.flush_outbox()
            time.sleep(CLAIM_SECONDS)  # long enough for a lapsed claim to be taken and sent
        finally:
            done.set()
            started.join()
            meanwhile.join(timeout=10)
        with backends.engine.connect() as conn:
            assert conn.execute(select(func.count()).select_from(outbox)).scalar_one() == 0
        queue = backends.broker.queue("extract")
        bodies = []
        while batch := queue.receive(max_messages=10):
            bodies += [message.body["n"] for message in batch]
        # Sending all ten under one claim, the slow one would have sent the last ones after the
        # claim lapsed, when the other had already claimed and sent them.
        assert sorted(bodies) == list(range(10))
    finally:
        backends.close()
