"""Jobs: checking what a new job names, creating a manifest's jobs, cancel, retry, delete."""

from __future__ import annotations

import uuid

from sqlalchemy import Connection

from scribe import artifacts, tombstones
from scribe.api.problems import Problem
from scribe.api.schemas import JobDetails
from scribe.config import Settings
from scribe.db import library
from scribe.db import repository as repo
from scribe.domain.jobs import Job, JobState
from scribe.domain.options import JobOptions
from scribe.ingest import ManifestLine, check_source
from scribe.library.metadata import collection_named
from scribe.orchestrator.machine import cancel_job, create_job, retry_job
from scribe.services import Backends


def check_details(backends: Backends, details: JobDetails, settings: Settings) -> None:
    """Refuse a job that names a missing collection or a callback URL it may not call."""
    if details.collection_id is not None:
        with backends.engine.connect() as conn:
            if library.get_collection(conn, collection_id=details.collection_id) is None:
                raise Problem(422, f"no collection {details.collection_id}")
    if details.callback_url:
        refuse_placeholder_secret(settings)
        from scribe.errors import UnsafeUrlError
        from scribe.net.safety import check_url

        try:
            check_url(details.callback_url, allow_hosts=settings.webhooks.allow_hosts)
        except UnsafeUrlError as exc:
            raise Problem(422, f"callback_url refused: {exc}", kind="unsafe-url") from exc


def refuse_placeholder_secret(settings: Settings) -> None:
    """Off loopback, callbacks signed with the placeholder secret would be forgeable."""
    from scribe.config import DEFAULT_WEBHOOK_SECRET
    from scribe.net.safety import is_loopback

    placeholder = settings.webhooks.secret.get_secret_value() == DEFAULT_WEBHOOK_SECRET
    if placeholder and not is_loopback(settings.api.host):
        raise Problem(
            422,
            "callbacks are off: webhooks would be signed with the placeholder secret; "
            "the operator must set SCRIBE_WEBHOOKS__SECRET",
            kind="webhook-secret-unset",
        )


def create_from_manifest(
    conn: Connection, good: list[ManifestLine], *, settings: Settings, request_id: str
) -> list[str]:
    """Create a job for each good manifest line (collections made by name); their ids."""
    created: list[str] = []
    collection_ids: dict[str, str] = {}
    for line in good:
        collection_id = None
        if line.collection:
            if line.collection not in collection_ids:
                collection_ids[line.collection] = collection_named(conn, line.collection)
            collection_id = collection_ids[line.collection]
        job_id = uuid.uuid4().hex
        filename = check_source(line.source, settings)
        create_job(
            conn,
            job_id=job_id,
            filename=filename,
            source_key=artifacts.source_key(job_id, filename),
            size_bytes=0,
            options=JobOptions.model_validate(line.options).model_dump(exclude_none=True),
            request_id=request_id,
            title=line.title,
            collection_id=collection_id,
            lesson_number=line.lesson_number,
            metadata=line.metadata,
            callback_url=line.callback_url,
            source_url=line.source,
            description=line.description,
            tags=line.tags,
        )
        created.append(job_id)
    return created


def cancel(backends: Backends, job_id: str) -> Job:
    """Cancel a job (a missing job is a 404, a finished one a 409) and leave its tombstone,
    so a running stage stops at its next checkpoint."""
    with backends.engine.begin() as conn:
        job = cancel_job(conn, job_id=job_id)
    tombstones.mark(backends.store, job_id, "cancelled")
    return job


def retry(backends: Backends, job_id: str) -> Job:
    """Run a failed or cancelled job again (a missing job is a 404, a running one a 409)."""
    tombstones.clear(backends.store, job_id)
    with backends.engine.begin() as conn:
        return retry_job(conn, job_id=job_id)


def delete(backends: Backends, job_id: str) -> None:
    """Delete a job's rows and every artifact; a running job is cancelled first. Deleting a
    missing job is not an error."""
    with backends.engine.begin() as conn:
        job: Job | None = repo.get_job(conn, job_id=job_id)
        if job is not None and job.state not in (
            JobState.COMPLETED,
            JobState.FAILED,
            JobState.CANCELLED,
        ):
            cancel_job(conn, job_id=job_id)
    if job is None:
        return
    # The tombstone first: a worker that still holds this job then removes what it writes
    # after this point (see scribe.tombstones); the sweep removes it in time.
    tombstones.mark(backends.store, job_id, "deleted")
    with backends.engine.begin() as conn:
        repo.delete_job_rows(conn, job_id=job_id)
    backends.store.delete_prefix(artifacts.job_prefix(job_id))
