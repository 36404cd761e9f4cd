"""Queues between the services: a protocol and its backends."""

from __future__ import annotations

from scribe.config import Settings
from scribe.errors import ConfigError
from scribe.queues.base import Queue, QueueBroker, QueueCounts, ReceivedMessage

STAGE_QUEUES = ("extract", "transcribe", "terms")
EVENTS_QUEUE = "events"
LANE_QUEUES = tuple(
    name for stage in STAGE_QUEUES for name in (f"{stage}-high", stage, f"{stage}-low")
)
ALL_QUEUES = (*LANE_QUEUES, EVENTS_QUEUE)


def open_broker(settings: Settings) -> QueueBroker:
    """The queue broker the settings choose."""
    if settings.queue.backend == "sqlite":
        from scribe.queues.sqlite import SqliteQueueBroker

        assert settings.queue.path is not None
        return SqliteQueueBroker(
            settings.queue.path,
            prefix=settings.queue.prefix,
            max_receives=settings.queue.max_receives,
            visibility_timeout=settings.queue.visibility_timeout,
        )
    if settings.queue.backend == "sqs":
        from scribe.queues.sqs import SqsQueueBroker

        return SqsQueueBroker(
            prefix=settings.queue.prefix,
            region=settings.queue.region,
            endpoint_url=settings.queue.endpoint_url,
            max_receives=settings.queue.max_receives,
            visibility_timeout=settings.queue.visibility_timeout,
            create_queues=settings.queue.create_queues,
        )
    raise ConfigError(f"unknown queue backend {settings.queue.backend!r}")


__all__ = [
    "ALL_QUEUES",
    "EVENTS_QUEUE",
    "LANE_QUEUES",
    "STAGE_QUEUES",
    "Queue",
    "QueueBroker",
    "QueueCounts",
    "ReceivedMessage",
    "open_broker",
]
