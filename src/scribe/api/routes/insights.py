"""Analytics over the library and the pipeline, and the operations view of queues and workers."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel
from sqlalchemy import select, text

from scribe.api.auth import AdminAccess, ReadAccess
from scribe.api.deps import BackendsDep
from scribe.api.problems import Problem
from scribe.db import library
from scribe.db.tables import jobs, stage_runs, utcnow
from scribe.db.workers import list_workers
from scribe.queues import ALL_QUEUES

router = APIRouter(tags=["insights"])


class Analytics(BaseModel):
    """Daily figures of the last ``days`` days."""

    days: int
    jobs_per_day: list[dict[str, Any]]
    failure_reasons: list[dict[str, Any]]
    processing: list[dict[str, Any]]
    audio_hours: list[dict[str, Any]]
    top_terms: list[dict[str, Any]]


class QueueView(BaseModel):
    """One queue's counts."""

    name: str
    visible: int
    in_flight: int
    dead: int


class WorkerView(BaseModel):
    """A worker the orchestrator heard from."""

    name: str
    stage: str
    last_seen: datetime
    current_job: str | None
    processed: int
    failed: int


class Operations(BaseModel):
    """Queues, workers and the health of the dependencies."""

    queues: list[QueueView]
    workers: list[WorkerView]
    health: dict[str, str]


class Redriven(BaseModel):
    """Dead letters moved back."""

    queue: str
    moved: int


def _reason(error: str | None) -> str:
    """A failure grouped by its kind: the text before the first colon, except dead-letter
    failures ("… gave up after N attempts: <last error>"), whose last error is the kind."""
    error = error or "unknown"
    return (error if "gave up" in error else error.split(":")[0])[:120]


@router.get("/analytics", response_model=Analytics)
def analytics(
    backends: BackendsDep, _s: ReadAccess, days: Annotated[int, Query(ge=1, le=366)] = 30
) -> Analytics:
    """Jobs per day, failures by reason, processing time and real-time factor, audio hours."""
    since = utcnow() - timedelta(days=days)
    with backends.engine.connect() as conn:
        rows = (
            conn.execute(
                select(
                    jobs.c.id,
                    jobs.c.state,
                    jobs.c.error,
                    jobs.c.created_at,
                    jobs.c.completed_at,
                    jobs.c.audio_duration,
                ).where(jobs.c.created_at >= since)
            )
            .mappings()
            .all()
        )
        transcribe = {
            r["job_id"]: (r["finished_at"] - r["started_at"]).total_seconds()
            for r in conn.execute(
                select(stage_runs.c.job_id, stage_runs.c.started_at, stage_runs.c.finished_at)
                .where(stage_runs.c.stage == "transcribe", stage_runs.c.state == "completed")
                .where(stage_runs.c.job_id.in_([r["id"] for r in rows]))
            ).mappings()
            if r["started_at"] and r["finished_at"]
        }
        top = library.top_terms(conn, limit=15)
    per_day: dict[str, Counter[str]] = defaultdict(Counter)
    seconds: dict[str, list[float]] = defaultdict(list)
    rtf: dict[str, list[float]] = defaultdict(list)
    hours: dict[str, float] = defaultdict(float)
    reasons: Counter[str] = Counter()
    for row in rows:
        day = row["created_at"].date().isoformat()
        per_day[day]["created"] += 1
        if row["state"] in ("completed", "failed"):
            per_day[day][row["state"]] += 1
        if row["state"] == "failed":
            reasons[_reason(row["error"])] += 1
        if row["state"] == "completed" and row["completed_at"]:
            seconds[day].append((row["completed_at"] - row["created_at"]).total_seconds())
            if row["audio_duration"]:
                hours[day] += row["audio_duration"] / 3600
                if row["id"] in transcribe:
                    rtf[day].append(transcribe[row["id"]] / row["audio_duration"])
    ordered = sorted(per_day)
    return Analytics(
        days=days,
        jobs_per_day=[
            {
                "day": d,
                "created": per_day[d]["created"],
                "completed": per_day[d]["completed"],
                "failed": per_day[d]["failed"],
            }
            for d in ordered
        ],
        failure_reasons=[{"reason": r, "count": c} for r, c in reasons.most_common(20)],
        processing=[
            {
                "day": d,
                "mean_seconds": round(sum(seconds[d]) / len(seconds[d]), 2) if seconds[d] else None,
                "mean_rtf": round(sum(rtf[d]) / len(rtf[d]), 4) if rtf[d] else None,
            }
            for d in ordered
        ],
        audio_hours=[{"day": d, "hours": round(hours[d], 3)} for d in ordered],
        top_terms=top,
    )


@router.get("/operations", response_model=Operations)
def operations(backends: BackendsDep, _s: ReadAccess) -> Operations:
    """Each queue's waiting, in-flight and dead counts, the workers seen in the last hour, and
    the health of the database, queues and blob store."""
    health: dict[str, str] = {}
    queues: list[QueueView] = []
    try:
        for name in ALL_QUEUES:
            counts = backends.broker.queue(name).counts()
            queues.append(
                QueueView(
                    name=name, visible=counts.visible, in_flight=counts.in_flight, dead=counts.dead
                )
            )
        health["queues"] = "ok"
    except Exception as exc:
        health["queues"] = f"error: {type(exc).__name__}"
    workers: list[WorkerView] = []
    try:
        with backends.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
            seen = list_workers(conn, since=utcnow() - timedelta(hours=1))
        workers = [WorkerView(**row) for row in seen]
        health["database"] = "ok"
    except Exception as exc:
        health["database"] = f"error: {type(exc).__name__}"
    try:
        backends.store.check()
        health["blob_store"] = "ok"
    except Exception as exc:
        health["blob_store"] = f"error: {type(exc).__name__}"
    return Operations(queues=queues, workers=workers, health=health)


@router.post("/operations/queues/{name}/redrive", response_model=Redriven)
def redrive(name: str, backends: BackendsDep, _s: AdminAccess) -> Redriven:
    """Move a queue's dead letters back for another try."""
    if name not in ALL_QUEUES:
        raise Problem(404, f"no queue {name!r}")
    return Redriven(queue=name, moved=backends.broker.queue(name).redrive())
