"""Jobs: create from an upload, list, read, and fetch the transcript and terms."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Annotated, Any, BinaryIO, Literal

from fastapi import APIRouter, File, Form, HTTPException, Query, Request, UploadFile
from fastapi.responses import JSONResponse, PlainTextResponse, Response

from scribe import artifacts
from scribe.api.deps import BackendsDep, SettingsDep
from scribe.api.schemas import JobList, JobView
from scribe.db import repository as repo
from scribe.domain.jobs import JobState
from scribe.errors import NotFoundError
from scribe.orchestrator.machine import create_job

router = APIRouter(tags=["jobs"])

_MEDIA_TYPES = {
    "json": "application/json",
    "txt": "text/plain; charset=utf-8",
    "srt": "application/x-subrip; charset=utf-8",
    "vtt": "text/vtt; charset=utf-8",
}


class UploadTooLarge(Exception):
    """The upload passed the size limit while streaming."""


def _chunks(stream: BinaryIO, *, chunk_size: int, limit: int) -> Iterator[bytes]:
    total = 0
    while chunk := stream.read(chunk_size):
        total += len(chunk)
        if total > limit:
            raise UploadTooLarge()
        yield chunk


@router.post("/jobs", status_code=201, response_model=JobView)
def create_job_from_upload(
    request: Request,
    backends: BackendsDep,
    settings: SettingsDep,
    file: Annotated[UploadFile, File(description="The lesson video or audio file.")],
    language: Annotated[str | None, Form(description="Spoken language, or `auto`.")] = None,
    initial_prompt: Annotated[str | None, Form(description="Prompt for the decoder.")] = None,
    hotwords: Annotated[str | None, Form(description="Words to bias the decoder to.")] = None,
) -> JobView:
    """Upload a media file (streamed to the blob store in chunks) and start its job."""
    limit = settings.api.max_upload_bytes
    declared = int(request.headers.get("content-length") or 0)
    if declared > limit + 1024 * 1024:
        raise HTTPException(413, f"upload larger than the {limit} byte limit")
    job_id = uuid.uuid4().hex
    filename = artifacts.safe_filename(file.filename or "upload")
    key = artifacts.source_key(job_id, filename)
    try:
        size = backends.store.put_stream(
            key,
            _chunks(file.file, chunk_size=settings.api.upload_chunk_bytes, limit=limit),
            content_type=file.content_type,
        )
    except UploadTooLarge:
        backends.store.delete(key)
        raise HTTPException(413, f"upload larger than the {limit} byte limit") from None
    if size == 0:
        backends.store.delete(key)
        raise HTTPException(422, "the uploaded file is empty")
    options: dict[str, Any] = {
        name: value
        for name, value in (
            ("language", language),
            ("initial_prompt", initial_prompt),
            ("hotwords", hotwords),
        )
        if value
    }
    request_id = request.headers.get("x-request-id") or uuid.uuid4().hex
    with backends.engine.begin() as conn:
        create_job(
            conn,
            job_id=job_id,
            filename=filename,
            source_key=key,
            size_bytes=size,
            options=options,
            request_id=request_id,
        )
        job = repo.get_job(conn, job_id=job_id)
    assert job is not None
    request.app.state.orchestrator.flush_outbox()  # start at once, not at the loop's next turn
    return JobView.of(job)


@router.get("/jobs", response_model=JobList)
def list_jobs(
    backends: BackendsDep,
    state: Annotated[JobState | None, Query(description="Only jobs in this state.")] = None,
    limit: Annotated[int, Query(ge=1, le=500, description="Most jobs to return.")] = 50,
) -> JobList:
    """Newest jobs first."""
    with backends.engine.connect() as conn:
        jobs = repo.list_jobs(conn, state=state, limit=limit)
    return JobList(jobs=[JobView.of(job) for job in jobs])


@router.get("/jobs/{job_id}", response_model=JobView)
def get_job(job_id: str, backends: BackendsDep) -> JobView:
    """One job: state, progress, stage timings, error."""
    with backends.engine.connect() as conn:
        job = repo.get_job(conn, job_id=job_id)
    if job is None:
        raise NotFoundError(f"no job {job_id}")
    return JobView.of(job)


def _completed_artifact(backends: BackendsDep, job_id: str, key_of: str) -> bytes:
    with backends.engine.connect() as conn:
        job = repo.get_job(conn, job_id=job_id)
    if job is None:
        raise NotFoundError(f"no job {job_id}")
    try:
        return backends.store.get_bytes(key_of)
    except NotFoundError:
        raise HTTPException(
            409, f"job {job_id} has no such artifact yet (state: {job.state.value})"
        ) from None


@router.get("/jobs/{job_id}/transcript", response_model=None)
def get_transcript(
    job_id: str,
    backends: BackendsDep,
    format: Annotated[
        Literal["json", "txt", "srt", "vtt"], Query(description="Transcript format.")
    ] = "json",
) -> Response:
    """The transcript as JSON (words with times), plain text, SRT or WebVTT."""
    data = _completed_artifact(backends, job_id, artifacts.transcript_key(job_id, format))
    if format == "json":
        return Response(data, media_type=_MEDIA_TYPES["json"])
    return PlainTextResponse(data.decode(), media_type=_MEDIA_TYPES[format])


@router.get("/jobs/{job_id}/terms", response_model=None)
def get_terms(job_id: str, backends: BackendsDep) -> JSONResponse | Response:
    """Every music-term occurrence with its times, and counts per category and term."""
    data = _completed_artifact(
        backends, job_id, artifacts.artifact_key(job_id, artifacts.TERMS_JSON)
    )
    return Response(data, media_type="application/json")
