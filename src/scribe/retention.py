"""The data-retention policy: delete what has expired, artifacts and rows consistently.

Ages count from a job's creation. Only finished jobs (completed, failed, cancelled) are
touched, and a job's transcript is never deleted before ``transcripts_days`` have passed.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, delete, select

from scribe import artifacts
from scribe.config import RetentionSettings
from scribe.db import repository as repo
from scribe.db.tables import jobs, stage_runs, utcnow
from scribe.domain.jobs import FINAL_STATES
from scribe.storage.base import BlobStore

log = logging.getLogger(__name__)


@dataclass
class RetentionReport:
    """What was (or, in a dry run, would be) deleted."""

    dry_run: bool
    originals: list[str] = field(default_factory=list)
    audio: list[str] = field(default_factory=list)
    jobs: list[str] = field(default_factory=list)


def _expired(engine: Engine, days: int, now: datetime) -> list[tuple[str, str, dict[str, Any]]]:
    if days <= 0:
        return []
    cutoff = now - timedelta(days=days)
    with engine.connect() as conn:
        rows = conn.execute(
            select(jobs.c.id, jobs.c.source_key, jobs.c.facts)
            .where(jobs.c.created_at < cutoff)
            .where(jobs.c.state.in_([s.value for s in FINAL_STATES]))
            .order_by(jobs.c.created_at)
        ).all()
    return [(str(r[0]), str(r[1]), dict(r[2] or {})) for r in rows]


def apply_retention(
    engine: Engine,
    store: BlobStore,
    policy: RetentionSettings,
    *,
    now: datetime | None = None,
    dry_run: bool = False,
) -> RetentionReport:
    """Apply the policy once and report what it deleted."""
    now = now or utcnow()
    report = RetentionReport(dry_run=dry_run)
    for job_id, _source, _facts in _expired(engine, policy.transcripts_days, now):
        report.jobs.append(job_id)
        if not dry_run:
            store.delete_prefix(artifacts.job_prefix(job_id))
            with engine.begin() as conn:
                conn.execute(delete(stage_runs).where(stage_runs.c.job_id == job_id))
                conn.execute(delete(jobs).where(jobs.c.id == job_id))
    gone = set(report.jobs)
    for kind, days in (("originals", policy.originals_days), ("audio", policy.audio_days)):
        for job_id, source_key, facts in _expired(engine, days, now):
            marks = facts.get("retention", {})
            if job_id in gone or f"{kind}_deleted_at" in marks:
                continue
            getattr(report, kind).append(job_id)
            if dry_run:
                continue
            key = (
                source_key
                if kind == "originals"
                else artifacts.artifact_key(job_id, artifacts.AUDIO_WAV)
            )
            store.delete(key)
            with engine.begin() as conn:
                repo.merge_facts(
                    conn,
                    job_id=job_id,
                    facts={"retention": {**marks, f"{kind}_deleted_at": now.isoformat()}},
                )
    if report.jobs or report.originals or report.audio:
        log.info(
            "retention%s: %d jobs, %d originals, %d audio files",
            " (dry run)" if dry_run else "",
            len(report.jobs),
            len(report.originals),
            len(report.audio),
        )
    return report
