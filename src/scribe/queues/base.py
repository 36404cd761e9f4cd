"""The queue protocol: what a stage or event queue offers, whatever the backend.

Semantics follow Amazon SQS: at-least-once delivery, a visibility timeout that hides a received
message, receipt handles that change on every delivery, and dead-lettering after
``max_receives`` deliveries.
"""

from __future__ import annotations

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
