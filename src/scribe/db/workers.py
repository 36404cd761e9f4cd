"""Workers the orchestrator has heard from, for the operations page."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update

from scribe.db.tables import utcnow, workers


def record_worker(conn: Connection, body: dict[str, Any]) -> None:
    """Upsert one worker's heartbeat."""
    name = str(body.get("worker") or "")[:255]
    if not name:
        return
    values = {
        "stage": str(body.get("stage") or "")[:32],
        "last_seen": utcnow(),
        "current_job": (str(body["current_job"])[:36] if body.get("current_job") else None),
        "processed": int(body.get("processed") or 0),
        "failed": int(body.get("failed") or 0),
    }
    if conn.execute(update(workers).where(workers.c.name == name).values(**values)).rowcount == 0:
        conn.execute(insert(workers).values(name=name, **values))


def list_workers(conn: Connection, *, since: datetime | None = None) -> list[dict[str, Any]]:
    """Workers seen (since a time), most recently seen first."""
    query = select(workers).order_by(workers.c.last_seen.desc())
    if since is not None:
        query = query.where(workers.c.last_seen >= since)
    return [dict(row) for row in conn.execute(query).mappings()]
