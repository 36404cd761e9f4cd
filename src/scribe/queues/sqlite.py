"""A durable queue in one SQLite file, with the delivery semantics of SQS.

Several processes may share the file: every state change is one ``BEGIN IMMEDIATE``
transaction, and the file runs in WAL mode so readers never block the writer.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from scribe.queues.base import QueueCounts, ReceivedMessage

_SCHEMA = """
CREATE TABLE IF NOT EXISTS messages (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    queue TEXT NOT NULL,
    body TEXT NOT NULL,
    sent_at REAL NOT NULL,
    visible_at REAL NOT NULL,
    receive_count INTEGER NOT NULL DEFAULT 0,
    receipt TEXT,
    dead INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS messages_ready ON messages (queue, dead, visible_at, seq);
CREATE UNIQUE INDEX IF NOT EXISTS messages_receipt ON messages (receipt);
"""

_POLL_INTERVAL = 0.02


class SqliteQueueBroker:
    """Opens one SQLite file and hands out :class:`SqliteQueue` objects on it."""

    def __init__(
        self,
        path: Path,
        *,
        prefix: str = "scribe",
        max_receives: int = 5,
        visibility_timeout: float = 60.0,
    ) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.prefix = prefix
        self.max_receives = max_receives
        self.visibility_timeout = visibility_timeout
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        self._connect().executescript(_SCHEMA)

    def _connect(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(
                self.path, timeout=30, isolation_level=None, check_same_thread=False
            )
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA busy_timeout=30000")
            self._local.conn = conn
            with self._lock:
                self._connections.append(conn)
        return conn

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction, taken at once so concurrent receivers never race."""
        conn = self._connect()
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    def read(self) -> sqlite3.Connection:
        """A connection for reads outside a transaction."""
        return self._connect()

    def queue(self, name: str) -> SqliteQueue:
        """The queue of that logical name."""
        return SqliteQueue(self, f"{self.prefix}-{name}")

    def close(self) -> None:
        """Close every connection this broker opened."""
        with self._lock:
            for conn in self._connections:
                conn.close()
            self._connections.clear()
        self._local = threading.local()


class SqliteQueue:
    """One queue in a :class:`SqliteQueueBroker`'s file."""

    polling_is_cheap = True

    def __init__(self, broker: SqliteQueueBroker, name: str) -> None:
        self._broker = broker
        self.name = name

    def send(self, body: dict[str, Any], *, delay_seconds: float = 0) -> str:
        """Enqueue a body; it becomes visible after ``delay_seconds``."""
        message_id = uuid.uuid4().hex
        now = time.time()
        with self._broker.transaction() as conn:
            conn.execute(
                "INSERT INTO messages (id, queue, body, sent_at, visible_at)"
                " VALUES (?, ?, ?, ?, ?)",
                (message_id, self.name, json.dumps(body), now, now + delay_seconds),
            )
        return message_id

    def receive(
        self,
        *,
        max_messages: int = 1,
        wait_seconds: float = 0,
        visibility_timeout: float | None = None,
    ) -> list[ReceivedMessage]:
        """Take up to ``max_messages`` visible messages, long-polling up to ``wait_seconds``."""
        timeout = (
            self._broker.visibility_timeout if visibility_timeout is None else visibility_timeout
        )
        deadline = time.monotonic() + wait_seconds
        while True:
            messages = self._receive_now(max_messages, timeout)
            if messages or time.monotonic() >= deadline:
                return messages
            time.sleep(min(_POLL_INTERVAL, max(0.0, deadline - time.monotonic())))

    def _receive_now(self, max_messages: int, timeout: float) -> list[ReceivedMessage]:
        now = time.time()
        taken: list[ReceivedMessage] = []
        # An idle poll only reads: the write lock is taken when there is something to take.
        ready = (
            self._broker.read()
            .execute(
                "SELECT 1 FROM messages WHERE queue = ? AND dead = 0 AND visible_at <= ? LIMIT 1",
                (self.name, now),
            )
            .fetchone()
        )
        if ready is None:
            return taken
        with self._broker.transaction() as conn:
            rows = conn.execute(
                "SELECT id, body, receive_count, sent_at FROM messages"
                " WHERE queue = ? AND dead = 0 AND visible_at <= ? ORDER BY seq LIMIT ?",
                (self.name, now, max_messages * 2 + 10),
            ).fetchall()
            for message_id, body, receive_count, sent_at in rows:
                if len(taken) >= max_messages:
                    break
                if receive_count >= self._broker.max_receives:
                    conn.execute(
                        "UPDATE messages SET dead = 1, receipt = NULL, visible_at = ? WHERE id = ?",
                        (now, message_id),
                    )
                    continue
                receipt = uuid.uuid4().hex
                conn.execute(
                    "UPDATE messages SET receive_count = receive_count + 1, receipt = ?,"
                    " visible_at = ? WHERE id = ?",
                    (receipt, now + timeout, message_id),
                )
                taken.append(
                    ReceivedMessage(
                        message_id=message_id,
                        receipt=receipt,
                        body=json.loads(body),
                        receive_count=receive_count + 1,
                        sent_at=sent_at,
                    )
                )
        return taken

    def delete(self, receipt: str) -> bool:
        """Acknowledge a delivery; a stale receipt deletes nothing."""
        with self._broker.transaction() as conn:
            cursor = conn.execute(
                "DELETE FROM messages WHERE receipt = ? AND queue = ? AND dead = 0",
                (receipt, self.name),
            )
            return cursor.rowcount > 0

    def change_visibility(self, receipt: str, timeout: float) -> bool:
        """Keep a held message hidden for ``timeout`` seconds from now."""
        with self._broker.transaction() as conn:
            cursor = conn.execute(
                "UPDATE messages SET visible_at = ? WHERE receipt = ? AND queue = ? AND dead = 0",
                (time.time() + timeout, receipt, self.name),
            )
            return cursor.rowcount > 0

    def counts(self) -> QueueCounts:
        """Visible, in-flight and dead counts."""
        now = time.time()
        row = (
            self._broker.read()
            .execute(
                "SELECT"
                " COALESCE(SUM(dead = 0 AND visible_at <= ?), 0),"
                " COALESCE(SUM(dead = 0 AND visible_at > ?), 0),"
                " COALESCE(SUM(dead = 1), 0)"
                " FROM messages WHERE queue = ?",
                (now, now, self.name),
            )
            .fetchone()
        )
        return QueueCounts(visible=int(row[0]), in_flight=int(row[1]), dead=int(row[2]))

    def receive_dead(
        self, *, max_messages: int = 10, visibility_timeout: float = 30
    ) -> list[ReceivedMessage]:
        """Dead letters, oldest first, each with a fresh receipt for :meth:`delete_dead`."""
        taken: list[ReceivedMessage] = []
        now = time.time()
        with self._broker.transaction() as conn:
            rows = conn.execute(
                "SELECT id, body, receive_count, sent_at FROM messages"
                " WHERE queue = ? AND dead = 1 AND visible_at <= ? ORDER BY seq LIMIT ?",
                (self.name, now, max_messages),
            ).fetchall()
            for message_id, body, receive_count, sent_at in rows:
                receipt = uuid.uuid4().hex
                conn.execute(
                    "UPDATE messages SET receipt = ?, visible_at = ? WHERE id = ?",
                    (receipt, now + visibility_timeout, message_id),
                )
                taken.append(
                    ReceivedMessage(message_id, receipt, json.loads(body), receive_count, sent_at)
                )
        return taken

    def delete_dead(self, receipt: str) -> bool:
        """Remove one dead letter."""
        with self._broker.transaction() as conn:
            cursor = conn.execute(
                "DELETE FROM messages WHERE receipt = ? AND queue = ? AND dead = 1",
                (receipt, self.name),
            )
            return cursor.rowcount > 0

    def redrive(self, *, limit: int | None = None) -> int:
        """Return dead letters to the queue with a fresh receive count."""
        now = time.time()
        with self._broker.transaction() as conn:
            ids = [
                row[0]
                for row in conn.execute(
                    "SELECT id FROM messages WHERE queue = ? AND dead = 1 AND visible_at <= ?"
                    " ORDER BY seq LIMIT ?",
                    (self.name, now, -1 if limit is None else limit),
                )
            ]
            for message_id in ids:
                conn.execute(
                    "UPDATE messages SET dead = 0, receive_count = 0, receipt = NULL,"
                    " visible_at = ? WHERE id = ?",
                    (now, message_id),
                )
        return len(ids)

    def purge(self) -> None:
        """Delete every message of this queue."""
        with self._broker.transaction() as conn:
            conn.execute("DELETE FROM messages WHERE queue = ?", (self.name,))
