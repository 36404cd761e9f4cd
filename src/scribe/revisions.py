"""Transcript editing: every save is a new revision; the original is always kept.

Revision 0 is what the model wrote (kept at ``jobs/<id>/revisions/0.json``); revision n is
stored next to it, and the transcript's export keys (json, txt, srt, vtt, tsv) always hold the
latest one, so downloads and search use it. Word timings survive a segment edit when the word
count is unchanged; otherwise the segment's span is shared among the new words by length.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import Connection, func, insert, select

from scribe import artifacts
from scribe.db import library
from scribe.db.tables import transcript_revisions, utcnow
from scribe.domain.transcript import Segment, Transcript, Word
from scribe.errors import EditError, NotFoundError
from scribe.stages.transcribe.outputs import write_transcript
from scribe.storage.base import BlobStore


class Edit(BaseModel):
    """One change: a whole segment's text, or one word of it (``word`` is its index)."""

    segment: int = Field(ge=0)
    word: int | None = Field(default=None, ge=0)
    text: str = Field(max_length=5000)


@dataclass(frozen=True)
class RevisionInfo:
    """A saved revision."""

    number: int
    author: str
    created_at: Any
    edits: int


def revision_key(job_id: str, number: int) -> str:
    """Where a revision's whole transcript is kept."""
    return artifacts.artifact_key(job_id, f"revisions/{number}.json")


def load_transcript(store: BlobStore, job_id: str, revision: int | None = None) -> Transcript:
    """The latest transcript, or a given revision (0: the model's original)."""
    if revision is None:
        key = artifacts.transcript_key(job_id, "json")
    else:
        key = revision_key(job_id, revision)
        if revision == 0 and not store.exists(key):
            key = artifacts.transcript_key(job_id, "json")
    return Transcript.model_validate_json(store.get_bytes(key))


def apply_edits(transcript: Transcript, edits: list[Edit]) -> Transcript:
    """A new transcript with the edits applied (the input is not changed)."""
    result = transcript.model_copy(deep=True)
    by_index = {segment.index: segment for segment in result.segments}
    for edit in edits:
        segment = by_index.get(edit.segment)
        if segment is None:
            raise EditError(f"no segment {edit.segment}")
        if edit.word is None:
            _replace_segment(segment, edit.text)
        else:
            if edit.word >= len(segment.words):
                raise EditError(f"segment {edit.segment} has no word {edit.word}")
            word = segment.words[edit.word]
            lead = word.text[: len(word.text) - len(word.text.lstrip())] or " "
            word.text = lead + edit.text.strip()
            word.probability = 1.0  # a person wrote it
            segment.text = "".join(w.text for w in segment.words)
    return result


def _replace_segment(segment: Segment, text: str) -> None:
    new_words = text.split()
    segment.text = " " + " ".join(new_words)
    old = segment.words
    if len(old) == len(new_words):
        for word, spelled in zip(old, new_words, strict=True):
            if word.text.strip() != spelled:
                word.text = " " + spelled
                word.probability = 1.0  # a person wrote it
        return
    total = sum(len(w) for w in new_words) or 1
    position, span = segment.start, segment.end - segment.start
    words: list[Word] = []
    for spelled in new_words:
        length = span * len(spelled) / total
        words.append(
            Word(
                text=" " + spelled,
                start=round(position, 3),
                end=round(position + length, 3),
                probability=1.0,
            )
        )
        position += length
    segment.words = words


def save_revision(
    conn: Connection, store: BlobStore, *, job_id: str, author: str, edits: list[Edit]
) -> RevisionInfo:
    """Apply edits to the latest transcript and store the result as the next revision."""
    try:
        current = load_transcript(store, job_id)
    except NotFoundError:
        raise EditError(f"job {job_id} has no transcript yet") from None
    edited = apply_edits(current, edits)
    if not store.exists(revision_key(job_id, 0)):
        store.put_bytes(revision_key(job_id, 0), current.model_dump_json(indent=2).encode())
    last = conn.execute(
        select(func.max(transcript_revisions.c.number)).where(
            transcript_revisions.c.job_id == job_id
        )
    ).scalar_one_or_none()
    number = int(last or 0) + 1
    now = utcnow()
    store.put_bytes(revision_key(job_id, number), edited.model_dump_json(indent=2).encode())
    write_transcript(store, job_id, edited)
    conn.execute(
        insert(transcript_revisions).values(
            job_id=job_id,
            number=number,
            author=author,
            edits=[e.model_dump() for e in edits],
            created_at=now,
        )
    )
    library.replace_segments(conn, job_id=job_id, transcript=edited)
    return RevisionInfo(number=number, author=author, created_at=now, edits=len(edits))


def list_revisions(conn: Connection, *, job_id: str) -> list[RevisionInfo]:
    """Every saved revision, oldest first (revision 0, the original, is implicit)."""
    rows = conn.execute(
        select(transcript_revisions)
        .where(transcript_revisions.c.job_id == job_id)
        .order_by(transcript_revisions.c.number)
    ).mappings()
    return [
        RevisionInfo(row["number"], row["author"], row["created_at"], len(row["edits"]))
        for row in rows
    ]
