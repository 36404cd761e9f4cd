"""The queries behind editing and search on each database (SQLite and PostgreSQL): a revision
number taken twice, term search by name or spelling, and the no-speech job filter."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine

from scribe.db import library
from scribe.db import repository as repo
from scribe.domain.terms import TermOccurrence, TermsResult
from scribe.domain.transcript import Segment, Transcript, Word
from scribe.errors import EditConflictError
from scribe.lexicon import load_lexicon
from scribe.revisions import current_number, store_revision
from scribe.storage.local import LocalBlobStore
from scribe.term_search import said_in, term_hits, term_names


def _transcript(text: str) -> Transcript:
    words = [
        Word(text=" " + w, start=i * 0.5, end=i * 0.5 + 0.4, probability=0.9)
        for i, w in enumerate(text.split())
    ]
    segment = Segment(index=0, start=0.0, end=len(words) * 0.5, text=" " + text, words=words)
    return Transcript(
        language="en", language_probability=1.0, duration=5.0, model="tiny.en", segments=[segment]
    )


def _job(engine: Engine, job_id: str, **facts: object) -> None:
    with engine.begin() as conn:
        repo.insert_job(
            conn,
            job_id=job_id,
            filename=f"{job_id}.mp4",
            source_key=f"uploads/{job_id}",
            size_bytes=1,
            options={},
        )
        if facts:
            repo.merge_facts(conn, job_id=job_id, facts=dict(facts))


def test_a_revision_number_is_taken_once(engine: Engine, tmp_path: Path) -> None:
    store = LocalBlobStore(tmp_path / "blobs")
    _job(engine, "j1")
    before, after = _transcript("play it slow"), _transcript("play it slower")
    with engine.begin() as conn:
        store_revision(
            conn,
            store,
            job_id="j1",
            author="a",
            number=1,
            previous=before,
            transcript=after,
            record=[],
        )
    with engine.begin() as conn, pytest.raises(EditConflictError) as caught:
        store_revision(
            conn,
            store,
            job_id="j1",
            author="b",
            number=1,
            previous=before,
            transcript=before,
            record=[],
        )
    assert caught.value.current == 1
    with engine.connect() as conn:
        assert current_number(conn, job_id="j1") == 1


def test_a_term_is_found_by_name_or_by_what_was_said(engine: Engine) -> None:
    _job(engine, "j2")
    result = TermsResult(
        lexicon_version="1",
        occurrences=[
            TermOccurrence(
                term="C#m7",
                category="chord_name",
                text="C sharp minor seven",
                start=1.0,
                end=2.5,
                segment=0,
                context="",
            )
        ],
    )
    with engine.begin() as conn:
        library.replace_segments(
            conn, job_id="j2", transcript=_transcript("now C sharp minor seven here")
        )
        library.replace_terms(conn, job_id="j2", result=result)
    lexicon = load_lexicon()
    with engine.connect() as conn:
        for query in ("C#m7", "c#m7", "C sharp  minor seven.", "c sharp minor seven"):
            assert term_names(conn, lexicon, query) == {"C#m7"}, query
        assert term_names(conn, lexicon, "nothing like it") == set()
        [hit] = term_hits(conn, {"C#m7"})
        assert (hit.job_id, hit.segment, hit.start) == ("j2", 0, 1.0)
        assert "<mark>C sharp minor seven</mark>" in hit.snippet
        assert said_in(conn, {"c#m7"}) == {("j2", 0)}


def test_no_speech_jobs_filter(engine: Engine) -> None:
    _job(engine, "quiet", quality={"no_speech": True, "grade": "no_speech"})
    _job(engine, "talk", quality={"no_speech": False})
    _job(engine, "new")
    with engine.connect() as conn:
        assert [j.id for j in repo.list_jobs(conn, no_speech=True)] == ["quiet"]
        assert sorted(j.id for j in repo.list_jobs(conn, no_speech=False)) == ["new", "talk"]
