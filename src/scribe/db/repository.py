"""Reads and writes of job state. Every function takes a connection and keyword arguments.

Callers own the transaction (``with engine.begin() as conn``), so a state change and the
outbox message it causes commit together.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Connection, Text, bindparam, cast, delete, func, insert, select, update
from sqlalchemy.dialects.postgresql import JSONB

from scribe.db.tables import jobs, outbox, stage_runs, utcnow
from scribe.domain.jobs import Job, JobState, Stage, StageRun


def insert_job(
    conn: Connection,
    *,
    job_id: str,
    filename: str,
    source_key: str,
    size_bytes: int,
    options: dict[str, Any],
    request_id: str = "",
    **details: Any,
) -> None:
    """Insert a new job in state ``queued``; ``details`` sets title, collection_id,
    lesson_number, metadata, priority, source_url and callback_url."""
    now = utcnow()
    conn.execute(
        insert(jobs).values(
            id=job_id,
            state=JobState.QUEUED.value,
            filename=filename,
            source_key=source_key,
            size_bytes=size_bytes,
            options=options,
            progress=0.0,
            request_id=request_id,
            created_at=now,
            updated_at=now,
            facts={},
            metadata=details.pop("metadata", None) or {},
            priority=options.get("priority", "normal"),
            **details,
        )
    )


def get_job(conn: Connection, *, job_id: str) -> Job | None:
    """One job with its stage runs, or None."""
    row = conn.execute(select(jobs).where(jobs.c.id == job_id)).mappings().first()
    if row is None:
        return None
    runs = stage_runs_of(conn, job_ids=[job_id]).get(job_id, [])
    return _job_from_row(row, runs)


def list_jobs(
    conn: Connection,
    *,
    state: JobState | None = None,
    limit: int = 50,
    created_before: datetime | None = None,
    created_after: datetime | None = None,
    collection_id: str | None = None,
    text_query: str | None = None,
    after: tuple[datetime, str] | None = None,
    states: Sequence[JobState] | None = None,
    updated_before: datetime | None = None,
    review_status: str | None = None,
    tag: str | None = None,
    no_speech: bool | None = None,
) -> list[Job]:
    """Newest jobs first, filtered; ``after`` is the (created_at, id) of the previous page's
    last job (cursor pagination); ``no_speech`` keeps jobs whose quality figures say nothing
    was said (True) or something was (False)."""
    query = select(jobs).order_by(jobs.c.created_at.desc(), jobs.c.id.desc()).limit(limit)
    if no_speech is not None:
        flag = jobs.c.facts[("quality", "no_speech")].as_boolean()
        query = query.where(flag.is_(True) if no_speech else (flag.is_(None) | flag.is_(False)))
    if state is not None:
        query = query.where(jobs.c.state == state.value)
    if states:
        query = query.where(jobs.c.state.in_([s.value for s in states]))
    if created_before is not None:
        query = query.where(jobs.c.created_at < created_before)
    if created_after is not None:
        query = query.where(jobs.c.created_at >= created_after)
    if updated_before is not None:
        query = query.where(jobs.c.updated_at < updated_before)
    if collection_id is not None:
        query = query.where(jobs.c.collection_id == collection_id)
    if text_query:
        pattern = f"%{text_query.lower()}%"
        query = query.where(
            func.lower(jobs.c.filename).like(pattern) | func.lower(jobs.c.title).like(pattern)
        )
    if review_status is not None:
        query = query.where(jobs.c.review_status == review_status)
    if tag is not None:
        # JSON arrays are stored as text on both SQLite and PostgreSQL's JSON type
        query = query.where(func.lower(cast(jobs.c.tags, Text)).like(f'%"{tag.lower()}"%'))
    if after is not None:
        created, last_id = after
        query = query.where(
            (jobs.c.created_at < created) | ((jobs.c.created_at == created) & (jobs.c.id < last_id))
        )
    rows = conn.execute(query).mappings().all()
    runs = stage_runs_of(conn, job_ids=[row["id"] for row in rows])
    return [_job_from_row(row, runs.get(row["id"], [])) for row in rows]


def count_jobs_by_state(conn: Connection) -> dict[str, int]:
    """How many jobs are in each state."""
    rows = conn.execute(select(jobs.c.state, func.count()).group_by(jobs.c.state)).all()
    return {state: int(count) for state, count in rows}


def stage_runs_of(conn: Connection, *, job_ids: Sequence[str]) -> dict[str, list[StageRun]]:
    """Stage runs per job, in pipeline order."""
    if not job_ids:
        return {}
    order = {stage.value: i for i, stage in enumerate(Stage)}
    result: dict[str, list[StageRun]] = {}
    rows = conn.execute(select(stage_runs).where(stage_runs.c.job_id.in_(job_ids))).mappings()
    for row in rows:
        result.setdefault(row["job_id"], []).append(
            StageRun(
                stage=Stage(row["stage"]),
                state=row["state"],
                attempts=row["attempts"],
                started_at=row["started_at"],
                finished_at=row["finished_at"],
                progress=row["progress"],
                error=row["error"],
            )
        )
    for runs in result.values():
        runs.sort(key=lambda run: order[run.stage.value])
    return result


def transition(
    conn: Connection,
    *,
    job_id: str,
    from_states: Iterable[JobState],
    to_state: JobState,
    **fields: Any,
) -> bool:
    """Move a job to ``to_state`` only if it is in one of ``from_states`` (compare-and-set)."""
    result = conn.execute(
        update(jobs)
        .where(jobs.c.id == job_id, jobs.c.state.in_([s.value for s in from_states]))
        .values(state=to_state.value, updated_at=utcnow(), **fields)
    )
    return result.rowcount > 0


def update_job(conn: Connection, *, job_id: str, **fields: Any) -> None:
    """Set fields of a job."""
    conn.execute(update(jobs).where(jobs.c.id == job_id).values(updated_at=utcnow(), **fields))


def merge_facts(conn: Connection, *, job_id: str, facts: dict[str, Any]) -> None:
    """Add figures to a job's ``facts`` (top-level keys replaced), atomically.

    PostgreSQL merges in one ``UPDATE`` (``jsonb ||``), so two processes merging different
    keys at once both keep theirs; SQLite takes the write lock first (see
    :func:`scribe.db.claims.lock_job`), then reads and writes.
    """
    if conn.dialect.name == "postgresql":
        merged = cast(
            cast(jobs.c.facts, JSONB).op("||")(bindparam("new_facts", facts, type_=JSONB)), JSON
        )
        conn.execute(
            update(jobs).where(jobs.c.id == job_id).values(facts=merged, updated_at=utcnow())
        )
        return
    from scribe.db.claims import lock_job

    if not lock_job(conn, job_id=job_id):
        return
    current = conn.execute(select(jobs.c.facts).where(jobs.c.id == job_id)).scalar_one_or_none()
    update_job(conn, job_id=job_id, facts={**(current or {}), **facts})


def upsert_stage_run(conn: Connection, *, job_id: str, stage: Stage, **fields: Any) -> None:
    """Create or update the run of one stage of one job."""
    where = (stage_runs.c.job_id == job_id, stage_runs.c.stage == stage.value)
    exists = conn.execute(select(stage_runs.c.id).where(*where)).first()
    if exists is None:
        values = {"state": "running", "attempts": 0, "progress": 0.0, **fields}
        conn.execute(insert(stage_runs).values(job_id=job_id, stage=stage.value, **values))
    elif fields:
        conn.execute(update(stage_runs).where(*where).values(**fields))


def enqueue(conn: Connection, *, queue: str, body: dict[str, Any]) -> None:
    """Record a message to send in the outbox, inside the caller's transaction."""
    conn.execute(insert(outbox).values(queue=queue, body=body, created_at=utcnow()))


def pending_outbox(conn: Connection, *, limit: int = 100) -> list[tuple[int, str, dict[str, Any]]]:
    """Outbox messages not yet sent, oldest first."""
    rows = conn.execute(
        select(outbox.c.id, outbox.c.queue, outbox.c.body).order_by(outbox.c.id).limit(limit)
    ).all()
    return [(int(row[0]), str(row[1]), dict(row[2])) for row in rows]


def delete_outbox(conn: Connection, *, message_id: int) -> None:
    """Forget a sent outbox message."""
    conn.execute(delete(outbox).where(outbox.c.id == message_id))


def delete_job_rows(conn: Connection, *, job_id: str) -> bool:
    """Delete a job and everything that hangs off it; False when it was not there."""
    from scribe.db.tables import (
        term_occurrences,
        transcript_revisions,
        transcript_segments,
        webhook_deliveries,
    )

    for table in (
        stage_runs,
        transcript_segments,
        term_occurrences,
        webhook_deliveries,
        transcript_revisions,
    ):
        conn.execute(delete(table).where(table.c.job_id == job_id))
    return conn.execute(delete(jobs).where(jobs.c.id == job_id)).rowcount > 0


def _job_from_row(row: Any, runs: list[StageRun]) -> Job:
    return Job(
        id=row["id"],
        state=JobState(row["state"]),
        filename=row["filename"],
        source_key=row["source_key"],
        size_bytes=row["size_bytes"],
        options=row["options"] or {},
        progress=row["progress"],
        error=row["error"],
        failed_stage=Stage(row["failed_stage"]) if row["failed_stage"] else None,
        request_id=row["request_id"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        completed_at=row["completed_at"],
        audio_duration=row["audio_duration"],
        facts=row["facts"] or {},
        stages=runs,
        title=row["title"],
        collection_id=row["collection_id"],
        lesson_number=row["lesson_number"],
        metadata=row["metadata"] or {},
        priority=row["priority"],
        source_url=row["source_url"],
        callback_url=row["callback_url"],
        progress_notified_at=row["progress_notified_at"],
        description=row.get("description") or "",
        tags=row.get("tags") or [],
        review_status=row.get("review_status") or "draft",
        reviewed_by=row.get("reviewed_by"),
        reviewed_at=row.get("reviewed_at"),
        assignee=row.get("assignee"),
    )
