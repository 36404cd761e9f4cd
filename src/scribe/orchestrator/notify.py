"""Turning job events into webhook deliveries (recorded now, sent by the dispatcher)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from scribe.config import WebhookSettings
from scribe.db.deliveries import record_delivery
from scribe.db.tables import utcnow
from scribe.domain.jobs import Job


def job_payload(job: Job, event: str, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """The JSON body a receiver gets: the event and the job's essentials."""
    return {
        "event": event,
        "sent_at": utcnow().isoformat(),
        "job": {
            "id": job.id,
            "state": job.state.value,
            "filename": job.filename,
            "title": job.title,
            "collection_id": job.collection_id,
            "progress": job.progress,
            "error": job.error,
            "failed_stage": job.failed_stage.value if job.failed_stage else None,
            "audio_duration": job.audio_duration,
            "metadata": job.metadata,
        },
        **(extra or {}),
    }


def notify(
    conn: Connection,
    job: Job,
    event: str,
    webhooks: WebhookSettings,
    *,
    extra: dict[str, Any] | None = None,
) -> int:
    """Record a delivery to the job's callback URL and to the global one; returns how many."""
    urls = [url for url in (job.callback_url, webhooks.url) if url]
    payload = job_payload(job, event, extra)
    for url in dict.fromkeys(urls):
        record_delivery(conn, job_id=job.id, url=url, event=event, payload=payload)
    return len(set(urls))
