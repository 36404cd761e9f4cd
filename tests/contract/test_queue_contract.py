"""The queue protocol's semantics, run against every backend."""

from __future__ import annotations

import threading
import time

from scribe.queues.base import QueueBroker, receive_first

from .conftest import MAX_RECEIVES


def test_send_receive_delete_round_trip(broker: QueueBroker) -> None:
    queue = broker.queue("roundtrip")
    message_id = queue.send({"job_id": "a", "n": 1})
    [message] = queue.receive(max_messages=5, wait_seconds=1)
    assert message.message_id == message_id
    assert message.body == {"job_id": "a", "n": 1}
    assert message.receive_count == 1
    assert queue.delete(message.receipt)
    assert queue.receive(wait_seconds=0) == []
    assert queue.counts().visible == 0 and queue.counts().in_flight == 0


def test_received_message_is_invisible_until_its_timeout(broker: QueueBroker) -> None:
    queue = broker.queue("visibility")
    queue.send({"n": 1})
    [first] = queue.receive(visibility_timeout=1)
    assert queue.receive(wait_seconds=0) == []
    counts = queue.counts()
    assert (counts.visible, counts.in_flight) == (0, 1)
    time.sleep(1.5)
    [again] = queue.receive(wait_seconds=1)
    assert again.message_id == first.message_id
    assert again.receive_count == 2
    assert again.receipt != first.receipt


def test_heartbeat_keeps_a_message_hidden(broker: QueueBroker) -> None:
    queue = broker.queue("heartbeat")
    queue.send({"n": 1})
    [held] = queue.receive(visibility_timeout=1)
    for _ in range(3):
        time.sleep(0.6)
        assert queue.change_visibility(held.receipt, 1)
    assert queue.receive(wait_seconds=0) == []
    assert queue.delete(held.receipt)


def test_change_visibility_zero_releases_at_once(broker: QueueBroker) -> None:
    queue = broker.queue("release")
    queue.send({"n": 1})
    [held] = queue.receive(visibility_timeout=30)
    assert queue.change_visibility(held.receipt, 0)
    [again] = queue.receive(wait_seconds=1)
    assert again.message_id == held.message_id


def test_every_delivery_gets_a_new_receipt(broker: QueueBroker) -> None:
    queue = broker.queue("receipts")
    queue.send({"n": 1})
    [first] = queue.receive(visibility_timeout=30)
    queue.change_visibility(first.receipt, 0)
    [second] = queue.receive(visibility_timeout=30)
    assert second.receipt != first.receipt
    assert second.receive_count == 2
    assert queue.delete(second.receipt)
    assert queue.counts().in_flight == 0


def test_dead_letter_after_max_receives_and_redrive(broker: QueueBroker) -> None:
    queue = broker.queue("dead")
    queue.send({"job_id": "poison"})
    for attempt in range(1, MAX_RECEIVES + 1):
        [message] = queue.receive(wait_seconds=1, visibility_timeout=30)
        assert message.receive_count == attempt
        queue.change_visibility(message.receipt, 0)
    assert queue.receive(wait_seconds=0) == []
    assert queue.counts().dead == 1
    [dead] = queue.receive_dead(visibility_timeout=0)
    assert dead.body == {"job_id": "poison"}
    assert queue.redrive() == 1
    counts = queue.counts()
    assert (counts.visible, counts.dead) == (1, 0)
    [back] = queue.receive(wait_seconds=1)
    assert back.receive_count == 1


def test_delete_dead_removes_a_dead_letter(broker: QueueBroker) -> None:
    queue = broker.queue("dead-delete")
    queue.send({"n": 1})
    for _ in range(MAX_RECEIVES):
        [message] = queue.receive(wait_seconds=1)
        queue.change_visibility(message.receipt, 0)
    queue.receive(wait_seconds=0)
    [dead] = queue.receive_dead()
    assert queue.delete_dead(dead.receipt)
    assert queue.counts().dead == 0


def test_long_poll_returns_a_message_sent_while_waiting(broker: QueueBroker) -> None:
    queue = broker.queue("longpoll")
    timer = threading.Timer(0.5, lambda: queue.send({"late": True}))
    timer.start()
    messages = queue.receive(wait_seconds=5)
    timer.join()
    assert [m.body for m in messages] == [{"late": True}]


def test_waiting_on_lanes_takes_a_normal_job_sent_while_waiting(broker: QueueBroker) -> None:
    high, normal, low = (broker.queue(f"lane-{name}") for name in ("high", "normal", "low"))
    timer = threading.Timer(0.5, lambda: normal.send({"lane": "normal"}))
    timer.start()
    taken = receive_first([high, normal, low], wait_seconds=5, waiting_lane=normal)
    timer.join()
    assert taken is not None and taken[0] is normal and taken[1].body == {"lane": "normal"}


def test_lanes_give_the_most_urgent_message_first(broker: QueueBroker) -> None:
    high, normal, low = (broker.queue(f"order-{name}") for name in ("high", "normal", "low"))
    low.send({"lane": "low"})
    normal.send({"lane": "normal"})
    high.send({"lane": "high"})
    order = []
    while (taken := receive_first([high, normal, low], wait_seconds=0)) is not None:
        order.append(taken[1].body["lane"])
        taken[0].delete(taken[1].receipt)
    assert order == ["high", "normal", "low"]


def test_receive_batches_up_to_max_messages_in_order(broker: QueueBroker) -> None:
    queue = broker.queue("batch")
    for n in range(7):
        queue.send({"n": n})
    first = queue.receive(max_messages=5, wait_seconds=1)
    second = queue.receive(max_messages=5, wait_seconds=1)
    assert len(first) == 5 and len(second) == 2
    assert sorted(m.body["n"] for m in first + second) == list(range(7))


def test_delayed_message_waits_for_its_delay(broker: QueueBroker) -> None:
    queue = broker.queue("delay")
    queue.send({"n": 1}, delay_seconds=1)
    assert queue.receive(wait_seconds=0) == []
    assert len(queue.receive(wait_seconds=3)) == 1


def test_queues_are_independent(broker: QueueBroker) -> None:
    broker.queue("one").send({"q": 1})
    assert broker.queue("two").receive(wait_seconds=0) == []
    assert broker.queue("one").counts().visible == 1
