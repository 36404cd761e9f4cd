"""The searchable library: collections, transcript segments, term occurrences and search.

Search is full-text over segments: SQLite FTS5 (porter stemming) on the embedded database,
a generated ``tsvector`` with a GIN index on PostgreSQL; both behind :func:`search_segments`.
"""

from __future__ import annotations

import html
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, delete, func, insert, select, text, update

from scribe.db.tables import collections, jobs, term_occurrences, transcript_segments, utcnow
from scribe.domain.terms import TermsResult
from scribe.domain.transcript import Transcript

_MARK_OPEN, _MARK_CLOSE = "\x02", "\x03"
_WORD = re.compile(r"\w+", re.UNICODE)


@dataclass(frozen=True)
class SearchHit:
    """A segment that matched, with the match marked in ``snippet`` by ``<mark>`` tags."""

    job_id: str
    job_title: str
    segment: int
    start: float
    end: float
    snippet: str


def replace_segments(conn: Connection, *, job_id: str, transcript: Transcript) -> int:
    """Index a transcript's segments for search (replacing any earlier version)."""
    conn.execute(delete(transcript_segments).where(transcript_segments.c.job_id == job_id))
    rows = []
    for segment in transcript.segments:
        words = segment.words
        rows.append(
            {
                "job_id": job_id,
                "idx": segment.index,
                "start": segment.start,
                "end": segment.end,
                "text": segment.text.strip(),
                "mean_probability": (
                    sum(w.probability for w in words) / len(words) if words else None
                ),
            }
        )
    if rows:
        conn.execute(insert(transcript_segments), rows)
    return len(rows)


def replace_terms(
    conn: Connection, *, job_id: str, result: TermsResult, segments: Sequence[int] | None = None
) -> int:
    """Store a job's term occurrences (only those of ``segments`` when given)."""
    query = delete(term_occurrences).where(term_occurrences.c.job_id == job_id)
    if segments is not None:
        query = query.where(term_occurrences.c.segment.in_(list(segments)))
    conn.execute(query)
    rows = [
        {
            "job_id": job_id,
            "term": o.term,
            "category": o.category,
            "text": o.text[:512],
            "start": o.start,
            "end": o.end,
            "segment": o.segment,
        }
        for o in result.occurrences
        if segments is None or o.segment in segments
    ]
    if rows:
        conn.execute(insert(term_occurrences), rows)
    return len(rows)


def top_terms(
    conn: Connection, *, collection_id: str | None = None, limit: int = 20
) -> list[dict[str, Any]]:
    """The most said terms, across the library or one collection."""
    query = (
        select(term_occurrences.c.term, term_occurrences.c.category, func.count().label("count"))
        .group_by(term_occurrences.c.term, term_occurrences.c.category)
        .order_by(func.count().desc(), term_occurrences.c.term)
        .limit(limit)
    )
    if collection_id is not None:
        query = query.join(jobs, jobs.c.id == term_occurrences.c.job_id).where(
            jobs.c.collection_id == collection_id
        )
    return [dict(row) for row in conn.execute(query).mappings()]


def _fts_query(query: str) -> str:
    """User text as a safe FTS5 query: every word must appear (quoted, so no syntax)."""
    return " ".join(f'"{word}"' for word in _WORD.findall(query))


def _marked(snippet: str) -> str:
    escaped = html.escape(snippet)
    return escaped.replace(_MARK_OPEN, "<mark>").replace(_MARK_CLOSE, "</mark>")


def search_segments(
    conn: Connection,
    *,
    query: str,
    collection_id: str | None = None,
    term: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> list[SearchHit]:
    """Segments matching ``query`` (every word), newest lessons first, with marked snippets."""
    if not _WORD.search(query):
        return []
    filters = []
    params: dict[str, Any] = {"limit": limit, "offset": offset}
    if collection_id is not None:
        filters.append("j.collection_id = :collection_id")
        params["collection_id"] = collection_id
    if term is not None:
        filters.append(
            "EXISTS (SELECT 1 FROM term_occurrences t WHERE t.job_id = s.job_id "
            "AND t.segment = s.idx AND lower(t.term) = lower(:term))"
        )
        params["term"] = term
    where = "".join(f" AND {f}" for f in filters)
    if conn.dialect.name == "postgresql":
        params["query"] = query
        sql = (
            'SELECT s.job_id, COALESCE(j.title, j.filename) AS title, s.idx, s.start, s."end", '
            "ts_headline('english', s.text, websearch_to_tsquery('english', :query), "
            "'StartSel=\x02, StopSel=\x03, MaxWords=24, MinWords=8') AS snippet "
            "FROM transcript_segments s JOIN jobs j ON j.id = s.job_id "
            "WHERE s.search @@ websearch_to_tsquery('english', :query)"
            f"{where} ORDER BY j.created_at DESC, s.idx LIMIT :limit OFFSET :offset"
        )
    else:
        params["query"] = _fts_query(query)
        sql = (
            'SELECT s.job_id, COALESCE(j.title, j.filename) AS title, s.idx, s.start, s."end", '
            "snippet(segments_fts, 0, '\x02', '\x03', '…', 16) AS snippet "
            "FROM segments_fts JOIN transcript_segments s ON s.id = segments_fts.rowid "
            "JOIN jobs j ON j.id = s.job_id WHERE segments_fts MATCH :query"
            f"{where} ORDER BY j.created_at DESC, s.idx LIMIT :limit OFFSET :offset"
        )
    return [
        SearchHit(
            job_id=row[0],
            job_title=row[1],
            segment=int(row[2]),
            start=float(row[3]),
            end=float(row[4]),
            snippet=_marked(row[5]),
        )
        for row in conn.execute(text(sql), params)
    ]


def create_collection(conn: Connection, *, name: str, description: str = "") -> str:
    """A new collection (course); returns its id."""
    collection_id = uuid.uuid4().hex
    now = utcnow()
    conn.execute(
        insert(collections).values(
            id=collection_id, name=name, description=description, created_at=now, updated_at=now
        )
    )
    return collection_id


def get_collection(conn: Connection, *, collection_id: str) -> dict[str, Any] | None:
    """One collection's row."""
    row = (
        conn.execute(select(collections).where(collections.c.id == collection_id))
        .mappings()
        .first()
    )
    return dict(row) if row else None


def collection_id_by_name(conn: Connection, *, name: str) -> str | None:
    """The id of the collection of that name, or None."""
    found = conn.execute(
        select(collections.c.id).where(collections.c.name == name).limit(1)
    ).scalar()
    return None if found is None else str(found)


def list_collections(conn: Connection) -> list[dict[str, Any]]:
    """Every collection, by name, with its lesson count."""
    counts = (
        select(jobs.c.collection_id, func.count().label("lessons"))
        .group_by(jobs.c.collection_id)
        .subquery()
    )
    query = (
        select(collections, func.coalesce(counts.c.lessons, 0).label("lessons"))
        .outerjoin(counts, counts.c.collection_id == collections.c.id)
        .order_by(collections.c.name)
    )
    return [dict(row) for row in conn.execute(query).mappings()]


def update_collection(conn: Connection, *, collection_id: str, **fields: Any) -> bool:
    """Rename or describe a collection."""
    result = conn.execute(
        update(collections)
        .where(collections.c.id == collection_id)
        .values(updated_at=utcnow(), **fields)
    )
    return result.rowcount > 0


def delete_collection(conn: Connection, *, collection_id: str) -> bool:
    """Delete a collection; its jobs stay, outside any collection."""
    conn.execute(
        update(jobs).where(jobs.c.collection_id == collection_id).values(collection_id=None)
    )
    return conn.execute(delete(collections).where(collections.c.id == collection_id)).rowcount > 0


def order_lessons(conn: Connection, *, collection_id: str, job_ids: Sequence[str]) -> None:
    """Number the collection's lessons 1..n in the given order."""
    for number, job_id in enumerate(job_ids, start=1):
        conn.execute(
            update(jobs)
            .where(jobs.c.id == job_id, jobs.c.collection_id == collection_id)
            .values(lesson_number=number)
        )


def collection_figures(conn: Connection, *, collection_id: str) -> dict[str, Any]:
    """Lessons, hours of audio, mean word confidence and top terms of a collection."""
    lessons, seconds = conn.execute(
        select(func.count(), func.coalesce(func.sum(jobs.c.audio_duration), 0.0)).where(
            jobs.c.collection_id == collection_id
        )
    ).one()
    confidence = conn.execute(
        select(func.avg(transcript_segments.c.mean_probability))
        .join(jobs, jobs.c.id == transcript_segments.c.job_id)
        .where(jobs.c.collection_id == collection_id)
    ).scalar_one_or_none()
    return {
        "lessons": int(lessons),
        "hours": round(float(seconds) / 3600, 3),
        "mean_confidence": round(float(confidence), 4) if confidence is not None else None,
        "top_terms": top_terms(conn, collection_id=collection_id, limit=10),
    }
