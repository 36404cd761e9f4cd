"""Finding the moments a music term was said, by its canonical name or any spelling.

The terms panel shows a term's canonical name ("C#m7"); the lesson said one of its spellings
("C sharp minor seven"). A search for either finds the same moments: a query names a term when
it equals (case, spaces and outer punctuation aside) a canonical name or a lexicon spelling, or
the words an occurrence was recognised from.
"""

from __future__ import annotations

import html
import re
from typing import Any

from sqlalchemy import Connection, func, or_, select

from scribe.db.library import SearchHit
from scribe.db.tables import jobs, term_occurrences, transcript_segments
from scribe.lexicon import Lexicon
from scribe.lexicon import store as lexicon_store
from scribe.storage.base import BlobStore

_SPACE = re.compile(r"\s+")
_EDGE = re.compile(r"^[^\w#♯♭]+|[^\w#♯♭]+$")


_cache: dict[str | None, Lexicon] = {}


def current_lexicon(store: BlobStore) -> Lexicon:
    """The lexicon in force, read once per version."""
    version = lexicon_store.stored_version(store)
    if version not in _cache:
        _cache.clear()
        _cache[version] = lexicon_store.read_lexicon(store)
    return _cache[version]


def normal(text: str) -> str:
    """A spelling for comparing: lower case, single spaces, no punctuation at either end."""
    return _EDGE.sub("", _SPACE.sub(" ", text.strip().lower()))


def term_names(conn: Connection, lexicon: Lexicon, query: str) -> set[str]:
    """The canonical names ``query`` stands for (empty when it names no term)."""
    wanted = normal(query)
    if not wanted:
        return set()
    names = {t.canonical for t in lexicon.terms if wanted in {normal(f) for f in t.forms}}
    found = conn.execute(
        select(term_occurrences.c.term)
        .where(
            or_(
                func.lower(term_occurrences.c.term) == wanted,
                func.lower(term_occurrences.c.text) == wanted,
                func.lower(term_occurrences.c.term) == query.strip().lower(),
            )
        )
        .distinct()
        .limit(50)
    ).scalars()
    names.update(found)
    return names


def term_hits(
    conn: Connection,
    names: set[str],
    *,
    collection_id: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> list[SearchHit]:
    """One hit per moment a term of ``names`` was said, newest lessons first."""
    if not names:
        return []
    lowered = [n.lower() for n in names]
    o, s = term_occurrences, transcript_segments
    query = (
        select(
            o.c.job_id,
            func.coalesce(jobs.c.title, jobs.c.filename),
            o.c.segment,
            o.c.start,
            o.c.end,
            o.c.text,
            s.c.text,
        )
        .join(jobs, jobs.c.id == o.c.job_id)
        .outerjoin(s, (s.c.job_id == o.c.job_id) & (s.c.idx == o.c.segment))
        .where(func.lower(o.c.term).in_(lowered))
        .order_by(jobs.c.created_at.desc(), o.c.start)
        .limit(limit)
        .offset(offset)
    )
    if collection_id is not None:
        query = query.where(jobs.c.collection_id == collection_id)
    return [
        SearchHit(
            job_id=row[0],
            job_title=row[1],
            segment=int(row[2]),
            start=float(row[3]),
            end=float(row[4]),
            snippet=_mark(row[6] or row[5], row[5]),
        )
        for row in conn.execute(query)
    ]


def said_in(conn: Connection, names: set[str]) -> set[tuple[str, int]]:
    """(job, segment) pairs where a term of ``names`` was said."""
    if not names:
        return set()
    rows = conn.execute(
        select(term_occurrences.c.job_id, term_occurrences.c.segment)
        .where(func.lower(term_occurrences.c.term).in_([n.lower() for n in names]))
        .distinct()
    )
    return {(row[0], int(row[1])) for row in rows}


def _mark(text: str, said: str) -> str:
    escaped = html.escape(text)
    spoken = html.escape(said)
    at = escaped.lower().find(spoken.lower()) if spoken else -1
    if at < 0:
        return escaped
    end = at + len(spoken)
    return f"{escaped[:at]}<mark>{escaped[at:end]}</mark>{escaped[end:]}"


def merge_hits(*lists: list[SearchHit]) -> list[SearchHit]:
    """Hits of several searches, the first of each (job, segment, start) kept, in order."""
    seen: set[tuple[Any, ...]] = set()
    merged = []
    for hits in lists:
        for hit in hits:
            key = (hit.job_id, hit.segment)
            if key in seen:
                continue
            seen.add(key)
            merged.append(hit)
    return merged
