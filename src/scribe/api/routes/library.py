"""Collections (courses) and the library-wide search."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, Field
from sqlalchemy.exc import IntegrityError

from scribe.api.auth import ReadAccess, WriteAccess
from scribe.api.deps import BackendsDep
from scribe.api.problems import Problem
from scribe.api.schemas import JobList, JobView
from scribe.db import library
from scribe.db import repository as repo
from scribe.services import Backends

router = APIRouter(tags=["library"])


class CollectionIn(BaseModel):
    """A new collection."""

    name: str = Field(min_length=1, max_length=255)
    description: str = Field(default="", max_length=5000)
    bias_terms: list[str] | None = Field(
        default=None, max_length=200, description="The collection's own biasing terms."
    )


class CollectionPatch(BaseModel):
    """Fields to change."""

    name: str | None = Field(default=None, min_length=1, max_length=255)
    description: str | None = Field(default=None, max_length=5000)
    bias_terms: list[str] | None = Field(default=None, max_length=200)


class CollectionView(BaseModel):
    """A collection."""

    id: str
    name: str
    description: str
    bias_terms: list[str] | None
    created_at: datetime
    updated_at: datetime
    lessons: int = 0


class CollectionFigures(BaseModel):
    """A collection's totals."""

    lessons: int
    hours: float
    mean_confidence: float | None
    top_terms: list[dict[str, Any]]


class LessonOrder(BaseModel):
    """Job ids in lesson order."""

    job_ids: list[str] = Field(min_length=1, max_length=10_000)


class SearchHitView(BaseModel):
    """A time-coded hit: open the job's player at ``start``."""

    job_id: str
    job_title: str
    segment: int
    start: float
    end: float
    snippet: str = Field(description="The segment's text, HTML-escaped, the match in <mark>.")


class SearchResults(BaseModel):
    """Hits, newest lessons first."""

    query: str
    hits: list[SearchHitView]


def _collection(backends: Backends, collection_id: str) -> dict[str, Any]:
    with backends.engine.connect() as conn:
        row = library.get_collection(conn, collection_id=collection_id)
    if row is None:
        raise Problem(404, f"no collection {collection_id}")
    return row


@router.post("/collections", status_code=201, response_model=CollectionView)
def create_collection(body: CollectionIn, backends: BackendsDep, _s: WriteAccess) -> CollectionView:
    """Create a collection (a course)."""
    try:
        with backends.engine.begin() as conn:
            collection_id = library.create_collection(
                conn, name=body.name, description=body.description
            )
            if body.bias_terms is not None:
                library.update_collection(
                    conn, collection_id=collection_id, bias_terms=body.bias_terms
                )
    except IntegrityError:
        raise Problem(409, f"a collection named {body.name!r} exists") from None
    return CollectionView(**_collection(backends, collection_id))


@router.get("/collections", response_model=list[CollectionView])
def list_collections(backends: BackendsDep, _s: ReadAccess) -> list[CollectionView]:
    """Every collection with its lesson count."""
    with backends.engine.connect() as conn:
        return [CollectionView(**row) for row in library.list_collections(conn)]


@router.get("/collections/{collection_id}", response_model=CollectionView)
def get_collection(collection_id: str, backends: BackendsDep, _s: ReadAccess) -> CollectionView:
    """One collection."""
    return CollectionView(**_collection(backends, collection_id))


@router.patch("/collections/{collection_id}", response_model=CollectionView)
def update_collection(
    collection_id: str, body: CollectionPatch, backends: BackendsDep, _s: WriteAccess
) -> CollectionView:
    """Rename a collection, change its description or biasing terms."""
    _collection(backends, collection_id)
    changes = body.model_dump(exclude_unset=True)
    if changes.get("name") is None:
        changes.pop("name", None)
    try:
        with backends.engine.begin() as conn:
            library.update_collection(conn, collection_id=collection_id, **changes)
    except IntegrityError:
        raise Problem(409, f"a collection named {body.name!r} exists") from None
    return CollectionView(**_collection(backends, collection_id))


@router.delete("/collections/{collection_id}", status_code=204)
def delete_collection(collection_id: str, backends: BackendsDep, _s: WriteAccess) -> Response:
    """Delete a collection; its jobs stay, outside any collection."""
    with backends.engine.begin() as conn:
        library.delete_collection(conn, collection_id=collection_id)
    return Response(status_code=204)


@router.put("/collections/{collection_id}/order", response_model=JobList)
def order_lessons(
    collection_id: str, body: LessonOrder, backends: BackendsDep, _s: WriteAccess
) -> JobList:
    """Number the collection's lessons in the order given."""
    _collection(backends, collection_id)
    with backends.engine.begin() as conn:
        members = {j.id for j in repo.list_jobs(conn, collection_id=collection_id, limit=100_000)}
        strangers = [job_id for job_id in body.job_ids if job_id not in members]
        if strangers:
            raise Problem(422, f"not in this collection: {', '.join(strangers[:5])}")
        library.order_lessons(conn, collection_id=collection_id, job_ids=body.job_ids)
    return collection_jobs(collection_id, backends, "read")


@router.get("/collections/{collection_id}/jobs", response_model=JobList)
def collection_jobs(collection_id: str, backends: BackendsDep, _s: ReadAccess) -> JobList:
    """The collection's lessons in lesson order."""
    _collection(backends, collection_id)
    with backends.engine.connect() as conn:
        jobs = repo.list_jobs(conn, collection_id=collection_id, limit=10_000)
    jobs.sort(key=lambda j: (j.lesson_number is None, j.lesson_number or 0, j.created_at))
    return JobList(jobs=[JobView.of(job) for job in jobs])


@router.get("/collections/{collection_id}/figures", response_model=CollectionFigures)
def collection_figures(
    collection_id: str, backends: BackendsDep, _s: ReadAccess
) -> CollectionFigures:
    """Lessons, hours of audio, mean word confidence and the most said terms."""
    _collection(backends, collection_id)
    with backends.engine.connect() as conn:
        return CollectionFigures(**library.collection_figures(conn, collection_id=collection_id))


@router.get("/search", response_model=SearchResults)
def search(
    backends: BackendsDep,
    _s: ReadAccess,
    q: Annotated[
        str | None,
        Query(
            max_length=200,
            description="Words to find; a term's canonical name or any of its spellings also "
            "finds the moments that term was said.",
        ),
    ] = None,
    collection_id: Annotated[str | None, Query(max_length=36)] = None,
    term: Annotated[
        str | None,
        Query(
            max_length=255,
            description="Only where this term (its name or a spelling) was said; alone, every "
            "moment it was said.",
        ),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
) -> SearchResults:
    """Full-text search over every transcript, with time-coded hits."""
    from scribe import term_search

    words = (q or "").strip()
    wanted = (term or "").strip()
    if not words and not wanted:
        raise Problem(422, "type words to find, or a term (q or term)")
    lexicon = term_search.current_lexicon(backends.store)
    with backends.engine.connect() as conn:
        only = term_search.term_names(conn, lexicon, wanted) if wanted else None
        if wanted and not only:
            only = {wanted}
        if words:
            text_hits = library.search_segments(
                conn, query=words, collection_id=collection_id, limit=limit, offset=offset
            )
            named = term_search.term_hits(
                conn,
                term_search.term_names(conn, lexicon, words),
                collection_id=collection_id,
                limit=limit,
                offset=offset,
            )
            hits = term_search.merge_hits(named, text_hits)
            if only is not None:
                places = term_search.said_in(conn, only)
                hits = [h for h in hits if (h.job_id, h.segment) in places]
        else:
            assert only is not None
            hits = term_search.term_hits(
                conn, only, collection_id=collection_id, limit=limit, offset=offset
            )
    return SearchResults(
        query=words or wanted, hits=[SearchHitView(**hit.__dict__) for hit in hits[:limit]]
    )
