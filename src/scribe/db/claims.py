"""Claims on shared rows, so that any number of api processes can share one database.

Two pieces, the same on SQLite and PostgreSQL:

- **Outbox claims.** A process claims a batch of unsent outbox rows (``claimed_by`` and
  ``claimed_until``) in one ``UPDATE``; on PostgreSQL the rows are picked with
  ``FOR UPDATE SKIP LOCKED``, so two processes never wait on, nor take, the same row; on SQLite
  the ``UPDATE`` runs under the database's single write lock, which gives the same guarantee.
  The claimer sends the rows, then deletes each one it still holds. A process that dies
  after claiming leaves its rows to the next claimer once ``claimed_until`` has passed.
- **Row locks on jobs.** :func:`lock_job` makes the rest of a transaction the only one working
  on a job: ``SELECT … FOR UPDATE`` on PostgreSQL; on SQLite a no-op ``UPDATE`` of the row,
  which begins the write transaction at once (the effect of ``BEGIN IMMEDIATE``) so that what
  the transaction reads next cannot change under it.
"""

from __future__ import annotations

import os
import socket
import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, delete, or_, select, update

from scribe.db.tables import jobs, outbox, utcnow


def process_identity() -> str:
    """A name for this process, unique across machines and restarts: host, pid, random."""
    return f"{socket.gethostname()[:64]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def claim_outbox(
    conn: Connection,
    *,
    holder: str,
    limit: int = 100,
    claim_seconds: float = 60.0,
    now: datetime | None = None,
) -> list[tuple[int, str, dict[str, Any]]]:
    """Claim up to ``limit`` outbox rows nobody holds (or whose claim lapsed), oldest first;
    returns (id, queue, body) of each row claimed. Commit before sending them."""
    now = now or utcnow()
    free = (
        select(outbox.c.id)
        .where(or_(outbox.c.claimed_until.is_(None), outbox.c.claimed_until < now))
        .order_by(outbox.c.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
        .scalar_subquery()
    )
    rows = conn.execute(
        update(outbox)
        .where(outbox.c.id.in_(free))
        .values(claimed_by=holder, claimed_until=now + timedelta(seconds=claim_seconds))
        .returning(outbox.c.id, outbox.c.queue, outbox.c.body)
    ).all()
    return sorted((int(row[0]), str(row[1]), dict(row[2])) for row in rows)


def finish_claimed(conn: Connection, *, message_id: int, holder: str) -> bool:
    """Delete a sent row if ``holder`` still holds it; False when its claim had passed on."""
    result = conn.execute(
        delete(outbox).where(outbox.c.id == message_id, outbox.c.claimed_by == holder)
    )
    return result.rowcount > 0


def release_claimed(conn: Connection, *, message_ids: list[int], holder: str) -> int:
    """Give back rows ``holder`` claimed but did not send (another process may take them now)."""
    if not message_ids:
        return 0
    result = conn.execute(
        update(outbox)
        .where(outbox.c.id.in_(message_ids), outbox.c.claimed_by == holder)
        .values(claimed_by=None, claimed_until=None)
    )
    return int(result.rowcount)


def lock_job(conn: Connection, *, job_id: str) -> bool:
    """Hold the job's row until the transaction ends; False when there is no such job."""
    if conn.dialect.name == "postgresql":
        found = conn.execute(select(jobs.c.id).where(jobs.c.id == job_id).with_for_update()).first()
        return found is not None
    result = conn.execute(update(jobs).where(jobs.c.id == job_id).values(progress=jobs.c.progress))
    return result.rowcount > 0


def jobs_in_outbox(conn: Connection) -> set[str]:
    """Ids of the jobs with a message still in the outbox (claimed or not): such a job's
    next message is on its way, not lost."""
    rows = conn.execute(select(outbox.c.body)).scalars()
    return {str(body.get("job_id")) for body in rows if isinstance(body, dict)}
