"""Jobs: create (uploads, URLs and S3 keys, manifests), list, read, cancel, retry, delete."""

from __future__ import annotations

import base64
import json
import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, Response
from pydantic import ValidationError

from scribe import artifacts
from scribe.api.auth import ReadAccess, WriteAccess
from scribe.api.deps import BackendsDep, SettingsDep
from scribe.api.observability import request_id_of
from scribe.api.problems import Problem
from scribe.api.schemas import (
    CreatedJobs,
    DeliveryView,
    JobDetails,
    JobList,
    JobView,
    ManifestProblemView,
    ManifestResult,
    SourceJobRequest,
)
from scribe.api.services import jobs as jobs_service
from scribe.api.uploads import stream_multipart
from scribe.db import deliveries
from scribe.db import repository as repo
from scribe.domain.jobs import JobState
from scribe.domain.options import JobOptions
from scribe.errors import ScribeError, SourceError
from scribe.ingest import check_source, parse_manifest
from scribe.library import metadata as lessons_service
from scribe.orchestrator.machine import create_job
from scribe.services import Backends

router = APIRouter(tags=["jobs"])

_UPLOAD_SCHEMA = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {
                        "file": {
                            "type": "array",
                            "minItems": 1,
                            "items": {"type": "string", "format": "binary"},
                            "description": "One or more media files (repeat the part).",
                        },
                        "per_file": {
                            "type": "string",
                            "description": "A JSON array, in file order, of each file's own "
                            "title, lesson_number, description, tags and collection_id or "
                            "collection_name.",
                        },
                        **{
                            name: {"type": "string", "description": str(field.description)}
                            for name, field in {
                                **JobOptions.model_fields,
                                **JobDetails.model_fields,
                            }.items()
                        },
                    },
                }
            }
        },
    }
}


_OWN = {"title", "lesson_number", "description", "tags", "collection_id", "collection_name"}
"""Upload fields a file's own ``per_file`` entry may override."""


def _job_view(backends: Backends, job_id: str) -> JobView:
    with backends.engine.connect() as conn:
        job = repo.get_job(conn, job_id=job_id)
    if job is None:
        raise Problem(404, f"no job {job_id}")
    return JobView.of(job)


def _start(request: Request) -> None:
    request.app.state.orchestrator.flush_outbox()  # start at once, not at the loop's next turn


@router.post(
    "/jobs",
    status_code=201,
    response_model=CreatedJobs,
    openapi_extra=_UPLOAD_SCHEMA,
    summary="Upload media files and start their jobs",
)
async def create_jobs_from_upload(
    request: Request, backends: BackendsDep, settings: SettingsDep, _scope: WriteAccess
) -> CreatedJobs:
    """Upload one or more files (multipart, streamed to the blob store in chunks; memory stays
    flat whatever their size). Option and detail fields apply to every file."""
    ids: dict[str, str] = {}

    def key_for(filename: str) -> str:
        job_id = uuid.uuid4().hex
        key = artifacts.source_key(job_id, filename)
        ids[key] = job_id
        return key

    form = await stream_multipart(
        request,
        store=backends.store,
        key_for=key_for,
        max_file_bytes=settings.api.max_upload_bytes,
    )
    try:
        if not form.files:
            raise Problem(422, "no file part: send the media as a `file` part")
        empty = [f.filename for f in form.files if f.size == 0]
        if empty:
            raise Problem(422, f"empty file(s): {', '.join(empty)}")
        per_file_raw = form.fields.pop("per_file", "")
        options, details = _form_options(form.fields)
        jobs_service.check_details(backends, details, settings)
        try:
            own = lessons_service.per_file_details(per_file_raw or "[]", len(form.files))
        except ScribeError as exc:
            raise Problem(422, str(exc)) from None
        for mine in own:
            if mine.collection_id:
                jobs_service.check_details(
                    backends, JobDetails(collection_id=mine.collection_id), settings
                )
    except BaseException:
        for stored in form.files:
            backends.store.delete(stored.key)
        raise
    request_id = request_id_of(request)
    with backends.engine.begin() as conn:
        for stored, mine in zip(form.files, own, strict=True):
            create_job(
                conn,
                job_id=ids[stored.key],
                filename=stored.filename,
                source_key=stored.key,
                size_bytes=stored.size,
                options=options.model_dump(exclude_none=True),
                request_id=request_id,
                metadata=details.metadata,
                callback_url=details.callback_url,
                **lessons_service.file_fields(conn, mine, **details.model_dump(include=_OWN)),
            )
    _start(request)
    return CreatedJobs(jobs=[_job_view(backends, ids[f.key]) for f in form.files])


def _form_options(fields: dict[str, str]) -> tuple[JobOptions, JobDetails]:
    unknown = set(fields) - set(JobOptions.model_fields) - set(JobDetails.model_fields)
    if unknown:
        raise Problem(422, f"unknown field(s): {', '.join(sorted(unknown))}")
    values: dict[str, Any] = {k: v for k, v in fields.items() if v != ""}
    for flag in ("lexicon_bias", "normalize_loudness"):
        if flag in values:
            values[flag] = values[flag].lower() in ("1", "true", "yes", "on")
    if "metadata" in values:
        try:
            values["metadata"] = json.loads(values["metadata"])
        except json.JSONDecodeError:
            raise Problem(422, "metadata must be a JSON object") from None
    try:
        options = JobOptions.model_validate(
            {k: v for k, v in values.items() if k in JobOptions.model_fields}
        )
        details = JobDetails.model_validate(
            {k: v for k, v in values.items() if k in JobDetails.model_fields}
        )
    except ValidationError as exc:
        detail = "; ".join(f"{e['loc'][0]}: {e['msg']}" for e in exc.errors())
        raise Problem(422, detail) from None
    return options, details


@router.post("/jobs/from-source", status_code=201, response_model=JobView)
def create_job_from_source(
    body: SourceJobRequest,
    request: Request,
    backends: BackendsDep,
    settings: SettingsDep,
    _scope: WriteAccess,
) -> JobView:
    """A job whose media the extract worker downloads: an http(s) URL (refused when it points
    at loopback, private, link-local or metadata addresses) or ``s3://`` in the media bucket."""
    try:
        filename = check_source(body.source, settings)
    except SourceError as exc:
        raise Problem(422, str(exc), kind="unsafe-url") from exc
    jobs_service.check_details(backends, body, settings)
    job_id = uuid.uuid4().hex
    with backends.engine.begin() as conn:
        if body.collection_name and not body.collection_id:
            body.collection_id = lessons_service.collection_named(conn, body.collection_name)
        create_job(
            conn,
            job_id=job_id,
            filename=filename,
            source_key=artifacts.source_key(job_id, filename),
            size_bytes=0,
            options=body.options.model_dump(exclude_none=True),
            request_id=request_id_of(request),
            title=body.title,
            collection_id=body.collection_id,
            lesson_number=body.lesson_number,
            metadata=body.metadata,
            callback_url=body.callback_url,
            source_url=body.source,
            description=body.description or "",
            tags=body.tags or [],
        )
    _start(request)
    return _job_view(backends, job_id)


@router.post(
    "/jobs/manifest",
    status_code=201,
    response_model=ManifestResult,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "text/csv": {"schema": {"type": "string"}},
                "application/x-ndjson": {"schema": {"type": "string"}},
            },
        }
    },
)
async def create_jobs_from_manifest(
    request: Request, backends: BackendsDep, settings: SettingsDep, _scope: WriteAccess
) -> ManifestResult:
    """A batch from a manifest: CSV with a header row (source, title, collection,
    lesson_number, any other column becomes metadata) or JSON lines. Bad lines are listed with
    their reason; the other lines still create their jobs. Collections are made by name."""
    body = await request.body()
    if len(body) > 20 * 1024 * 1024:
        raise Problem(413, "a manifest may hold at most 20 MB")
    ctype = request.headers.get("content-type", "")
    fmt = "jsonl" if "json" in ctype else ("csv" if "csv" in ctype else None)
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise Problem(422, "the manifest is not UTF-8 text", errors=[]) from None
    if not text.strip():
        raise Problem(422, "the manifest is empty", errors=[])
    good, bad = parse_manifest(text, settings=settings, fmt=fmt)
    if not good:
        raise Problem(
            422,
            f"no line of the manifest can become a job ({len(bad)} refused)",
            errors=[{"line": p.line, "reason": p.reason} for p in bad],
        )
    with backends.engine.begin() as conn:
        created = jobs_service.create_from_manifest(
            conn, good, settings=settings, request_id=request_id_of(request)
        )
    if created:
        _start(request)
    return ManifestResult(
        jobs=[_job_view(backends, job_id) for job_id in created],
        errors=[ManifestProblemView(line=p.line, reason=p.reason) for p in bad],
    )


def _encode_cursor(job: JobView) -> str:
    raw = f"{job.created_at.isoformat()}|{job.id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(cursor: str) -> tuple[datetime, str]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        created, job_id = raw.split("|", 1)
        return datetime.fromisoformat(created), job_id
    except (ValueError, UnicodeDecodeError):
        raise Problem(422, "invalid cursor") from None


@router.get("/jobs", response_model=JobList)
def list_jobs(
    backends: BackendsDep,
    _scope: ReadAccess,
    state: Annotated[JobState | None, Query(description="Only jobs in this state.")] = None,
    collection_id: Annotated[str | None, Query(max_length=36)] = None,
    created_after: Annotated[datetime | None, Query(description="ISO 8601.")] = None,
    created_before: Annotated[datetime | None, Query(description="ISO 8601.")] = None,
    q: Annotated[
        str | None, Query(max_length=200, description="Text in file name or title.")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: Annotated[str | None, Query(max_length=200, description="From `next_cursor`.")] = None,
    review_status: Annotated[
        Literal["draft", "in_review", "approved"] | None,
        Query(description="Only lessons at this review step."),
    ] = None,
    tag: Annotated[
        str | None, Query(max_length=40, description="Only lessons with this tag.")
    ] = None,
    speech: Annotated[
        Literal["none", "found"] | None,
        Query(description="`none`: only jobs where no speech was found; `found`: the others."),
    ] = None,
) -> JobList:
    """Newest jobs first, filtered, one page at a time."""
    with backends.engine.connect() as conn:
        jobs = repo.list_jobs(
            conn,
            no_speech=None if speech is None else speech == "none",
            state=state,
            collection_id=collection_id,
            created_after=created_after,
            created_before=created_before,
            text_query=q,
            review_status=review_status,
            tag=(lessons_service.clean_tags([tag]) or [""])[0] if tag else None,
            limit=limit + 1,
            after=_decode_cursor(cursor) if cursor else None,
        )
    views = [JobView.of(job) for job in jobs[:limit]]
    next_cursor = _encode_cursor(views[-1]) if len(jobs) > limit else None
    return JobList(jobs=views, next_cursor=next_cursor)


@router.get("/jobs/{job_id}", response_model=JobView)
def get_job(job_id: str, backends: BackendsDep, _scope: ReadAccess) -> JobView:
    """One job: state, progress, stage timings, attempts, error."""
    return _job_view(backends, job_id)


@router.post("/jobs/{job_id}/cancel", response_model=JobView)
def cancel(job_id: str, backends: BackendsDep, _scope: WriteAccess) -> JobView:
    """Cancel a job; a running stage stops at its next checkpoint."""
    return JobView.of(jobs_service.cancel(backends, job_id))


@router.post("/jobs/{job_id}/retry", response_model=JobView)
def retry(job_id: str, request: Request, backends: BackendsDep, _scope: WriteAccess) -> JobView:
    """Run a failed (or cancelled) job again from the stage that did not finish."""
    job = jobs_service.retry(backends, job_id)
    _start(request)
    return JobView.of(job)


@router.delete("/jobs/{job_id}", status_code=204)
def delete(job_id: str, backends: BackendsDep, _scope: WriteAccess) -> Response:
    """Delete a job's rows and every artifact. Deleting a missing job is not an error."""
    jobs_service.delete(backends, job_id)
    return Response(status_code=204)


@router.get("/jobs/{job_id}/deliveries", response_model=list[DeliveryView])
def list_deliveries(job_id: str, backends: BackendsDep, _scope: ReadAccess) -> list[DeliveryView]:
    """Every webhook delivery of a job, with its attempts and outcome."""
    _job_view(backends, job_id)
    with backends.engine.connect() as conn:
        rows = deliveries.deliveries_of(conn, job_id=job_id)
    return [DeliveryView.model_validate(row) for row in rows]
