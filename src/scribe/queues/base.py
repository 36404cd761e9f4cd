"""The queue protocol: what a stage or event queue offers, whatever the backend.

Semantics follow Amazon SQS: at-least-once delivery, a visibility timeout that hides a received
message, receipt handles that change on every delivery, and dead-lettering after
``max_receives`` deliveries.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable


@dataclass(frozen=True)
class ReceivedMessage:
    """One delivery of a message."""

    message_id: str
    receipt: str
    body: dict[str, Any]
    receive_count: int
    sent_at: float


@dataclass(frozen=True)
class QueueCounts:
    """How many messages wait, are held by workers, or are dead."""

    visible: int
    in_flight: int
    dead: int


@runtime_checkable
class Queue(Protocol):
    """A named queue with its dead-letter queue."""

    name: str
    #: True when a receive that does not wait costs next to nothing (a local database read),
    #: so a worker may poll several lanes together; False for a service billed per request.
    polling_is_cheap: bool

    def send(self, body: dict[str, Any], *, delay_seconds: float = 0) -> str:
        """Enqueue a JSON-serialisable body; returns the message id."""
        ...

    def receive(
        self,
        *,
        max_messages: int = 1,
        wait_seconds: float = 0,
        visibility_timeout: float | None = None,
    ) -> list[ReceivedMessage]:
        """Take up to ``max_messages``, waiting up to ``wait_seconds`` for the first."""
        ...

    def delete(self, receipt: str) -> bool:
        """Acknowledge a delivery. False when the backend knows the receipt is stale
        (redelivered since); SQS cannot always tell and may accept it."""
        ...

    def change_visibility(self, receipt: str, timeout: float) -> bool:
        """Hide a held message for ``timeout`` more seconds (0 releases it now)."""
        ...

    def counts(self) -> QueueCounts:
        """Visible, in-flight and dead-letter counts."""
        ...

    def receive_dead(
        self, *, max_messages: int = 10, visibility_timeout: float = 30
    ) -> list[ReceivedMessage]:
        """Take dead letters, hidden for ``visibility_timeout`` (0 to only peek); they stay
        dead until deleted or redriven."""
        ...

    def delete_dead(self, receipt: str) -> bool:
        """Remove a dead letter."""
        ...

    def redrive(self, *, limit: int | None = None) -> int:
        """Move visible dead letters back to the queue; returns how many moved."""
        ...

    def purge(self) -> None:
        """Delete every message, dead letters included."""
        ...


class QueueBroker(Protocol):
    """Hands out queues by logical name (``extract``, ``transcribe``, ``terms``, ``events``)."""

    def queue(self, name: str) -> Queue:
        """The queue of that logical name."""
        ...

    def close(self) -> None:
        """Release connections."""
        ...


LOCAL_POLL_SECONDS = 0.02


def receive_first(
    lanes: Sequence[Queue], *, wait_seconds: float, waiting_lane: Queue | None = None
) -> tuple[Queue, ReceivedMessage] | None:
    """One message from the most urgent lane that has one, waiting up to ``wait_seconds``.

    Local lanes are polled together every 20 ms, so a message in any lane is taken at once.
    Remote lanes are each asked once without waiting, then ``waiting_lane`` (where most jobs
    arrive; by default the first) long-polls for the rest of the wait; the others are asked
    again on the next call, so an urgent message waits at most one ``wait_seconds``."""
    deadline = time.monotonic() + wait_seconds
    while True:
        for queue in lanes:
            messages = queue.receive(max_messages=1, wait_seconds=0)
            if messages:
                return queue, messages[0]
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return None
        if all(queue.polling_is_cheap for queue in lanes):
            time.sleep(min(LOCAL_POLL_SECONDS, remaining))
            continue
        waiting = waiting_lane or lanes[0]
        messages = waiting.receive(max_messages=1, wait_seconds=remaining)
        return (waiting, messages[0]) if messages else None
