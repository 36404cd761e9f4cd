"""What only the embedded queue must prove: durability and safety across processes."""

from __future__ import annotations

import multiprocessing
import threading
import time
from pathlib import Path

from scribe.queues.base import receive_first
from scribe.queues.sqlite import SqliteQueueBroker


def test_messages_survive_closing_and_reopening(tmp_path: Path) -> None:
    path = tmp_path / "q.sqlite3"
    broker = SqliteQueueBroker(path)
    queue = broker.queue("durable")
    for n in range(3):
        queue.send({"n": n})
    [held] = queue.receive(visibility_timeout=0.2)
    broker.close()

    time.sleep(0.3)
    reopened = SqliteQueueBroker(path).queue("durable")
    bodies = [m.body["n"] for m in reopened.receive(max_messages=10, wait_seconds=1)]
    assert sorted(bodies) == [0, 1, 2]  # the held one came back after its timeout
    assert held.body["n"] in bodies


def _consume(path: str, out: multiprocessing.Queue[list[int]]) -> None:
    queue = SqliteQueueBroker(Path(path)).queue("shared")
    seen = []
    while True:
        messages = queue.receive(max_messages=3, wait_seconds=0.5)
        if not messages:
            break
        for message in messages:
            seen.append(message.body["n"])
            queue.delete(message.receipt)
    out.put(seen)


def test_several_processes_never_receive_the_same_message(tmp_path: Path) -> None:
    path = tmp_path / "q.sqlite3"
    producer = SqliteQueueBroker(path).queue("shared")
    for n in range(300):
        producer.send({"n": n})
    results: multiprocessing.Queue[list[int]] = multiprocessing.Queue()
    workers = [
        multiprocessing.Process(target=_consume, args=(str(path), results)) for _ in range(4)
    ]
    for worker in workers:
        worker.start()
    seen = [n for _ in workers for n in results.get(timeout=60)]
    for worker in workers:
        worker.join(timeout=10)
    assert sorted(seen) == list(range(300))
    assert producer.counts().visible == 0


def test_stale_receipt_cannot_delete_a_redelivered_message(tmp_path: Path) -> None:
    queue = SqliteQueueBroker(tmp_path / "q.sqlite3").queue("stale")
    queue.send({"n": 1})
    [first] = queue.receive(visibility_timeout=30)
    queue.change_visibility(first.receipt, 0)
    [second] = queue.receive(visibility_timeout=30)
    assert not queue.delete(first.receipt)
    assert not queue.change_visibility(first.receipt, 60)
    assert queue.counts().in_flight == 1
    assert queue.delete(second.receipt)


def test_a_wait_on_local_lanes_watches_every_lane(tmp_path: Path) -> None:
    broker = SqliteQueueBroker(tmp_path / "q.sqlite3")
    lanes = [broker.queue(name) for name in ("urgent", "normal", "bulk")]
    timer = threading.Timer(0.3, lambda: lanes[2].send({"lane": "bulk"}))
    timer.start()
    taken = receive_first(lanes, wait_seconds=5)  # no waiting lane named: all are watched
    timer.join()
    assert taken is not None and taken[0] is lanes[2] and taken[1].body == {"lane": "bulk"}
