"""Transcript edits (as revisions) and re-running term recognition."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Header, Request, Response
from pydantic import BaseModel, Field

from scribe.api.auth import ReadAccess, WriteAccess
from scribe.api.deps import BackendsDep
from scribe.api.problems import Problem
from scribe.api.routes.revisions import base_of, conflict, etag, terms_are_current
from scribe.api.schemas import JobView
from scribe.db import repository as repo
from scribe.domain.jobs import Stage
from scribe.errors import EditConflictError, EditError, NotFoundError, TransitionError
from scribe.orchestrator.machine import rerun_terms
from scribe.revisions import Edit, list_revisions, save_revision
from scribe.stages.transcribe import align

router = APIRouter(tags=["editing"])


class EditRequest(BaseModel):
    """Changes to save as one new revision."""

    author: str = Field(min_length=1, max_length=255)
    edits: list[Edit] = Field(min_length=1, max_length=1000)
    base_revision: int | None = Field(
        default=None,
        ge=0,
        description="The revision the edits were made on (or send its ETag as If-Match); an "
        "edit on an older revision is refused with 409 and the latest text.",
    )


class RevisionView(BaseModel):
    """A saved revision (0, the model's original, is always there)."""

    number: int
    author: str
    created_at: datetime | None
    edits: int
    action: str = Field(default="edit", description="`original`, `edit`, `restore` or `undo`.")
    restored: int | None = Field(default=None, description="The revision a restore brought back.")


class RerunRequest(BaseModel):
    """Jobs whose terms to recognise again with the current lexicon."""

    job_ids: list[str] = Field(min_length=1, max_length=1000)


class RerunResult(BaseModel):
    """What was started, and what could not be."""

    jobs: list[JobView]
    errors: dict[str, str]


@router.post("/jobs/{job_id}/transcript/edits", status_code=201, response_model=RevisionView)
def edit_transcript(
    job_id: str,
    body: EditRequest,
    request: Request,
    response: Response,
    backends: BackendsDep,
    _s: WriteAccess,
    if_match: Annotated[str | None, Header()] = None,
) -> RevisionView:
    """Fix words or segments; saved as a new revision (the original is kept). Downloads and
    search use the latest revision, and the job's terms are recognised again. Words whose times
    the edit changed are re-aligned against the audio; unchanged words keep their times."""
    base = base_of(if_match, body.base_revision)
    try:
        with backends.engine.begin() as conn:
            job = repo.get_job(conn, job_id=job_id)
            if job is None:
                raise Problem(404, f"no job {job_id}")
            info = save_revision(
                conn,
                backends.store,
                job_id=job_id,
                author=body.author,
                edits=body.edits,
                base_revision=base,
                aligner=align.for_job(backends.store, job_id),
                terms_current=terms_are_current(job),
            )
            rerun_terms(conn, job_id=job_id)
    except EditConflictError as exc:
        raise conflict(backends, job_id, exc) from None
    except (EditError, TransitionError) as exc:
        raise Problem(409 if isinstance(exc, TransitionError) else 422, str(exc)) from None
    request.app.state.orchestrator.flush_outbox()
    response.headers["ETag"] = etag(info.number)
    return RevisionView(**info.__dict__)


@router.get("/jobs/{job_id}/revisions", response_model=list[RevisionView])
def revisions(job_id: str, backends: BackendsDep, _s: ReadAccess) -> list[RevisionView]:
    """The original (0) and every saved revision."""
    with backends.engine.connect() as conn:
        job = repo.get_job(conn, job_id=job_id)
        if job is None:
            raise Problem(404, f"no job {job_id}")
        saved = list_revisions(conn, job_id=job_id)
    transcribed = job.stage_run(Stage.TRANSCRIBE)
    made = transcribed.finished_at if transcribed and transcribed.finished_at else None
    original = RevisionView(
        number=0, author="model", created_at=made or job.completed_at, edits=0, action="original"
    )
    return [original, *(RevisionView(**{**r.__dict__, **_action(r.record)}) for r in saved)]


def _action(record: list[dict[str, Any]]) -> dict[str, Any]:
    first = record[0] if record else {}
    for action in ("restore", "undo"):
        if action in first:
            return {"action": action, "restored": int(first[action]), "edits": 0}
    return {}


@router.post("/jobs/rerun-terms", response_model=RerunResult)
def rerun(
    body: RerunRequest, request: Request, backends: BackendsDep, _s: WriteAccess
) -> RerunResult:
    """Recognise terms again (for example after a lexicon change) on completed jobs."""
    started: list[JobView] = []
    errors: dict[str, str] = {}
    for job_id in dict.fromkeys(body.job_ids):
        try:
            with backends.engine.begin() as conn:
                started.append(JobView.of(rerun_terms(conn, job_id=job_id)))
        except (NotFoundError, TransitionError) as exc:
            errors[job_id] = str(exc)
    request.app.state.orchestrator.flush_outbox()
    return RerunResult(jobs=started, errors=errors)
