"""Amazon SQS behind the queue protocol (boto3; moto or ElasticMQ through ``endpoint_url``).

Each logical queue ``<prefix>-<name>`` has a dead-letter queue ``<prefix>-<name>-dlq``; SQS
itself moves a message there after ``maxReceiveCount`` deliveries (its RedrivePolicy).
Terraform creates the queues in production; ``create_queues`` lets development create them.
"""

from __future__ import annotations

import json
import math
import threading
from typing import Any

from botocore.exceptions import ClientError

from scribe.errors import ConfigError
from scribe.queues.base import QueueCounts, ReceivedMessage

_MAX_BATCH = 10
_MAX_WAIT = 20
_MAX_DELAY = 900
_DEAD_PEEK_TIMEOUT = 30


def _seconds(value: float, upper: int) -> int:
    """SQS takes whole seconds; round partial seconds up so nothing is shortened."""
    return max(0, min(upper, math.ceil(value)))


class SqsQueueBroker:
    """Resolves (and in development creates) queue URLs, and hands out :class:`SqsQueue`."""

    def __init__(
        self,
        *,
        prefix: str,
        region: str,
        endpoint_url: str | None = None,
        max_receives: int = 5,
        visibility_timeout: float = 60.0,
        create_queues: bool = False,
        client: Any = None,
    ) -> None:
        import boto3

        self.client = client or boto3.client("sqs", region_name=region, endpoint_url=endpoint_url)
        self.prefix = prefix
        self.max_receives = max_receives
        self.visibility_timeout = visibility_timeout
        self.create_queues = create_queues
        self._queues: dict[str, SqsQueue] = {}
        self._lock = threading.Lock()

    def queue(self, name: str) -> SqsQueue:
        """The queue of that logical name (URLs resolved once)."""
        with self._lock:
            if name not in self._queues:
                full = f"{self.prefix}-{name}"
                dead_url = self._url(f"{full}-dlq", redrive_to=None)
                url = self._url(full, redrive_to=dead_url)
                self._queues[name] = SqsQueue(self, full, url, dead_url)
            return self._queues[name]

    def _url(self, name: str, *, redrive_to: str | None) -> str:
        try:
            return str(self.client.get_queue_url(QueueName=name)["QueueUrl"])
        except ClientError as exc:
            if not self.create_queues or not _is_missing_queue(exc):
                raise ConfigError(f"SQS queue {name!r} is not available: {exc}") from exc
        attributes = {
            "VisibilityTimeout": str(_seconds(self.visibility_timeout, 43_200)),
            "MessageRetentionPeriod": str(14 * 24 * 3600),
        }
        if redrive_to is not None:
            dead_arn = self.client.get_queue_attributes(
                QueueUrl=redrive_to, AttributeNames=["QueueArn"]
            )["Attributes"]["QueueArn"]
            attributes["RedrivePolicy"] = json.dumps(
                {"deadLetterTargetArn": dead_arn, "maxReceiveCount": str(self.max_receives)}
            )
        return str(self.client.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"])

    def close(self) -> None:
        """Nothing to release: boto3 clients close with the process."""


def _is_missing_queue(exc: ClientError) -> bool:
    code = str(exc.response.get("Error", {}).get("Code", ""))
    return "NonExistentQueue" in code or code == "QueueDoesNotExist"


class SqsQueue:
    """One SQS queue and its dead-letter queue."""

    polling_is_cheap = False  # every receive is a billed request

    def __init__(self, broker: SqsQueueBroker, name: str, url: str, dead_url: str) -> None:
        self._broker = broker
        self._client = broker.client
        self.name = name
        self.url = url
        self.dead_url = dead_url

    def send(self, body: dict[str, Any], *, delay_seconds: float = 0) -> str:
        """Send a message (bodies carry references, never media)."""
        response = self._client.send_message(
            QueueUrl=self.url,
            MessageBody=json.dumps(body),
            DelaySeconds=_seconds(delay_seconds, _MAX_DELAY),
        )
        return str(response["MessageId"])

    def receive(
        self,
        *,
        max_messages: int = 1,
        wait_seconds: float = 0,
        visibility_timeout: float | None = None,
    ) -> list[ReceivedMessage]:
        """Long-poll for up to ten messages."""
        timeout = (
            self._broker.visibility_timeout if visibility_timeout is None else visibility_timeout
        )
        return self._receive(
            self.url, max_messages, _seconds(wait_seconds, _MAX_WAIT), _seconds(timeout, 43_200)
        )

    def _receive(
        self, url: str, max_messages: int, wait: int, timeout: int
    ) -> list[ReceivedMessage]:
        response = self._client.receive_message(
            QueueUrl=url,
            MaxNumberOfMessages=max(1, min(_MAX_BATCH, max_messages)),
            WaitTimeSeconds=wait,
            VisibilityTimeout=timeout,
            MessageSystemAttributeNames=["ApproximateReceiveCount", "SentTimestamp"],
        )
        messages = []
        for raw in response.get("Messages", []):
            attributes = raw.get("Attributes", {})
            messages.append(
                ReceivedMessage(
                    message_id=raw["MessageId"],
                    receipt=raw["ReceiptHandle"],
                    body=json.loads(raw["Body"]),
                    receive_count=int(attributes.get("ApproximateReceiveCount", 1)),
                    sent_at=int(attributes.get("SentTimestamp", 0)) / 1000,
                )
            )
        return messages

    def delete(self, receipt: str) -> bool:
        """Acknowledge a delivery. SQS ignores stale receipts; an invalid one returns False."""
        return self._call("delete_message", QueueUrl=self.url, ReceiptHandle=receipt)

    def change_visibility(self, receipt: str, timeout: float) -> bool:
        """The heartbeat: hide a held message for ``timeout`` more seconds."""
        return self._call(
            "change_message_visibility",
            QueueUrl=self.url,
            ReceiptHandle=receipt,
            VisibilityTimeout=_seconds(timeout, 43_200),
        )

    def _call(self, operation: str, **kwargs: Any) -> bool:
        try:
            getattr(self._client, operation)(**kwargs)
        except ClientError as exc:
            code = str(exc.response.get("Error", {}).get("Code", ""))
            if "ReceiptHandle" in code or "MessageNotInflight" in code:
                return False
            raise
        return True

    def counts(self) -> QueueCounts:
        """Approximate counts, as SQS reports them."""
        names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
        main = self._client.get_queue_attributes(QueueUrl=self.url, AttributeNames=names)
        dead = self._client.get_queue_attributes(QueueUrl=self.dead_url, AttributeNames=names)
        dead_attrs = dead["Attributes"]
        return QueueCounts(
            visible=int(main["Attributes"]["ApproximateNumberOfMessages"]),
            in_flight=int(main["Attributes"]["ApproximateNumberOfMessagesNotVisible"]),
            dead=int(dead_attrs["ApproximateNumberOfMessages"])
            + int(dead_attrs["ApproximateNumberOfMessagesNotVisible"]),
        )

    def receive_dead(
        self, *, max_messages: int = 10, visibility_timeout: float = _DEAD_PEEK_TIMEOUT
    ) -> list[ReceivedMessage]:
        """Take dead letters (hidden for a while so two watchers do not take the same)."""
        return self._receive(self.dead_url, max_messages, 0, _seconds(visibility_timeout, 43_200))

    def delete_dead(self, receipt: str) -> bool:
        """Remove a dead letter."""
        return self._call("delete_message", QueueUrl=self.dead_url, ReceiptHandle=receipt)

    def redrive(self, *, limit: int | None = None) -> int:
        """Move dead letters back to the queue (send a copy, then delete the dead one)."""
        moved = 0
        while limit is None or moved < limit:
            batch = self._receive(self.dead_url, _MAX_BATCH, 0, _DEAD_PEEK_TIMEOUT)
            if not batch:
                break
            for message in batch:
                if limit is not None and moved >= limit:
                    self._call(
                        "change_message_visibility",
                        QueueUrl=self.dead_url,
                        ReceiptHandle=message.receipt,
                        VisibilityTimeout=0,
                    )
                    continue
                self.send(message.body)
                self.delete_dead(message.receipt)
                moved += 1
        return moved

    def purge(self) -> None:
        """Delete every message of the queue and its dead-letter queue."""
        for url in (self.url, self.dead_url):
            self._client.purge_queue(QueueUrl=url)
