"""Webhook deliveries: recorded when an event happens, sent and retried by the dispatcher."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, insert, select, update

from scribe.db.tables import utcnow, webhook_deliveries


def record_delivery(
    conn: Connection, *, job_id: str | None, url: str, event: str, payload: dict[str, Any]
) -> str:
    """Queue one delivery (in the caller's transaction, with the state change it reports)."""
    delivery_id = uuid.uuid4().hex
    now = utcnow()
    conn.execute(
        insert(webhook_deliveries).values(
            id=delivery_id,
            job_id=job_id,
            url=url,
            event=event,
            payload=payload,
            status="pending",
            attempts=0,
            next_attempt_at=now,
            created_at=now,
        )
    )
    return delivery_id


def due_deliveries(conn: Connection, *, now: datetime, limit: int = 20) -> list[dict[str, Any]]:
    """Pending deliveries whose time has come, oldest first."""
    rows = conn.execute(
        select(webhook_deliveries)
        .where(webhook_deliveries.c.status == "pending")
        .where(webhook_deliveries.c.next_attempt_at <= now)
        .order_by(webhook_deliveries.c.next_attempt_at)
        .limit(limit)
    ).mappings()
    return [dict(row) for row in rows]


def claim_delivery(conn: Connection, *, delivery_id: str, until: datetime) -> int | None:
    """Push a due delivery's next attempt out while it is being sent (one sender at a time);
    returns the attempts recorded so far, or None when it was not claimed (not due, or
    another sender has it)."""
    claimed = conn.execute(
        update(webhook_deliveries)
        .where(webhook_deliveries.c.id == delivery_id, webhook_deliveries.c.status == "pending")
        .where(webhook_deliveries.c.next_attempt_at <= utcnow())
        .values(next_attempt_at=until)
        .returning(webhook_deliveries.c.attempts)
    ).scalar_one_or_none()
    return None if claimed is None else int(claimed)


def settle_delivery(
    conn: Connection,
    *,
    delivery_id: str,
    claimed_until: datetime,
    ok: bool,
    status_code: int | None,
    error: str | None,
    attempts: int,
    max_attempts: int,
    retry_in: float,
) -> str | None:
    """Record one attempt made under the claim that ends at ``claimed_until``; returns the new
    status (delivered, pending or failed), or None when that claim was lost (it lapsed and
    another sender claimed the delivery, whose attempt is the one to record)."""
    now = utcnow()
    status = "delivered" if ok else ("failed" if attempts >= max_attempts else "pending")
    result = conn.execute(
        update(webhook_deliveries)
        .where(webhook_deliveries.c.id == delivery_id, webhook_deliveries.c.status == "pending")
        .where(webhook_deliveries.c.next_attempt_at == claimed_until)
        .values(
            status=status,
            attempts=attempts,
            last_status_code=status_code,
            last_error=error,
            delivered_at=now if ok else None,
            next_attempt_at=now + timedelta(seconds=retry_in),
        )
    )
    return status if result.rowcount > 0 else None


def deliveries_of(conn: Connection, *, job_id: str) -> list[dict[str, Any]]:
    """Every delivery of one job, oldest first."""
    rows = conn.execute(
        select(webhook_deliveries)
        .where(webhook_deliveries.c.job_id == job_id)
        .order_by(webhook_deliveries.c.created_at)
    ).mappings()
    return [dict(row) for row in rows]
