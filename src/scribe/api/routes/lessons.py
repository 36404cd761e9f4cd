"""The lesson library: metadata edits, review status, adding lessons to a collection, and
find and replace across transcripts. The logic lives in :mod:`scribe.library`."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from scribe.api.auth import WriteAccess
from scribe.api.deps import BackendsDep
from scribe.api.problems import Problem
from scribe.api.schemas import JobList, JobView
from scribe.db import repository as repo
from scribe.errors import LibraryError, NotFoundError
from scribe.library import metadata, replace

router = APIRouter(tags=["library"])


class ReviewRequest(BaseModel):
    """A review step: who took it, and optionally who reviews next."""

    status: Literal["draft", "in_review", "approved"]
    by: str = Field(min_length=1, max_length=255, description="Who made the change.")
    assignee: str | None = Field(
        default=None, max_length=255, description="Who is to review it (empty clears)."
    )


class AddLessons(BaseModel):
    """Existing lessons to put at the end of a collection."""

    job_ids: list[str] = Field(min_length=1, max_length=10_000)


class ReplaceHitView(BaseModel):
    """One segment a replacement changes."""

    job_id: str
    job_title: str
    segment: int
    start: float
    end: float
    before: str
    after: str
    count: int


class ReplacePreview(BaseModel):
    """Every hit, before anything is changed."""

    hits: list[ReplaceHitView]
    lessons: int
    replacements: int


class ReplaceApply(replace.ReplaceRequest):
    """A replacement to make, and who makes it (the revisions' author)."""

    author: str = Field(min_length=1, max_length=255)


class ReplaceResult(BaseModel):
    """The revisions made, one per lesson, and lessons that could not be changed."""

    revisions: list[dict[str, object]]
    errors: dict[str, str]


def _problem(exc: Exception) -> Problem:
    return Problem(404 if isinstance(exc, NotFoundError) else 409, str(exc))


@router.patch("/jobs/{job_id}", response_model=JobView)
def update_lesson(
    job_id: str, body: metadata.LessonPatch, backends: BackendsDep, _s: WriteAccess
) -> JobView:
    """Change a lesson's title, lesson number, description, collection, tags or assignee; a
    field left out stays as it is, ``null`` clears it."""
    try:
        with backends.engine.begin() as conn:
            return JobView.of(metadata.update_lesson(conn, job_id=job_id, patch=body))
    except LibraryError as exc:
        raise Problem(422, str(exc)) from None
    except NotFoundError as exc:
        raise _problem(exc) from None


@router.post("/jobs/{job_id}/review", response_model=JobView)
def review(job_id: str, body: ReviewRequest, backends: BackendsDep, _s: WriteAccess) -> JobView:
    """Move a lesson's review on: draft → in_review → approved (or back), with who and when."""
    try:
        with backends.engine.begin() as conn:
            job = metadata.set_review(
                conn, job_id=job_id, status=body.status, by=body.by, assignee=body.assignee
            )
    except (LibraryError, NotFoundError) as exc:
        raise _problem(exc) from None
    return JobView.of(job)


@router.post("/collections/{collection_id}/jobs", response_model=JobList)
def add_lessons(
    collection_id: str, body: AddLessons, backends: BackendsDep, _s: WriteAccess
) -> JobList:
    """Add existing lessons to the end of a collection (numbered after its last lesson)."""
    try:
        with backends.engine.begin() as conn:
            metadata.add_lessons(conn, collection_id=collection_id, job_ids=body.job_ids)
    except LibraryError as exc:
        raise Problem(422, str(exc)) from None
    except NotFoundError as exc:
        raise _problem(exc) from None
    with backends.engine.connect() as conn:
        jobs = repo.list_jobs(conn, collection_id=collection_id, limit=10_000)
    jobs.sort(key=lambda j: (j.lesson_number is None, j.lesson_number or 0, j.created_at))
    return JobList(jobs=[JobView.of(job) for job in jobs])


@router.post("/replace/preview", response_model=ReplacePreview)
def replace_preview(
    body: replace.ReplaceRequest, backends: BackendsDep, _s: WriteAccess
) -> ReplacePreview:
    """Find a phrase in one lesson (``job_id``), a collection (``collection_id``) or the whole
    library, and show each segment before and after the replacement; nothing changes yet."""
    try:
        with backends.engine.connect() as conn:
            hits = replace.preview(conn, backends.store, body)
    except (LibraryError, NotFoundError) as exc:
        raise _problem(exc) from None
    return ReplacePreview(
        hits=[ReplaceHitView(**hit.__dict__) for hit in hits],
        lessons=len({hit.job_id for hit in hits}),
        replacements=sum(hit.count for hit in hits),
    )


@router.post("/replace/apply", response_model=ReplaceResult)
def replace_apply(
    body: ReplaceApply, request: Request, backends: BackendsDep, _s: WriteAccess
) -> ReplaceResult:
    """Make the replacement: one new revision per lesson that changes (the original is kept),
    then that lesson's terms are recognised again."""
    try:
        done = replace.apply(backends.engine, backends.store, body, author=body.author)
    except (LibraryError, NotFoundError) as exc:
        raise _problem(exc) from None
    request.app.state.orchestrator.flush_outbox()
    return ReplaceResult(revisions=done.revisions, errors=done.errors)
