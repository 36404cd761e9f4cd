"""Publishable exports of a job: captions and chapters from its stored transcript and terms,
and download names made from the lesson's title."""

from __future__ import annotations

import re
import unicodedata

from scribe import artifacts
from scribe.captions import (
    CaptionProfile,
    build_cues,
    find_chapters,
    render_captions,
    to_vtt_chapters,
    to_youtube,
)
from scribe.domain.jobs import Job
from scribe.domain.terms import TermOccurrence, TermsResult
from scribe.domain.transcript import Transcript
from scribe.errors import NotFoundError
from scribe.storage.base import BlobStore

CHAPTER_FORMATS = ("json", "vtt", "youtube")


def slug(text: str) -> str:
    """Lower-case ASCII words joined by hyphens: ``Warm-up, part 2!`` → ``warm-up-part-2``."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", plain.lower()).strip("-")[:120]


def download_name(job: Job, extension: str) -> str:
    """A download's file name after the lesson: ``lesson-1-pentatonic-warm-up.srt``.

    The title (else the uploaded file's name without its extension) as a slug, led by
    ``lesson-<n>-`` when the job has a lesson number the title does not already start with.
    """
    stem = slug(job.title) if job.title else ""
    if not stem:
        stem = slug(job.filename.rsplit(".", 1)[0]) or "transcript"
    if job.lesson_number is not None and not stem.startswith("lesson"):
        stem = f"lesson-{job.lesson_number}-{stem}"
    return f"{stem}.{extension}"


def load_terms(store: BlobStore, job_id: str) -> list[TermOccurrence]:
    """The job's recognised terms, or none when the terms stage has not written them."""
    try:
        data = store.get_bytes(artifacts.artifact_key(job_id, artifacts.TERMS_JSON))
    except NotFoundError:
        return []
    return TermsResult.model_validate_json(data).occurrences


def captions(
    transcript: Transcript, terms: list[TermOccurrence], fmt: str, profile: CaptionProfile
) -> str:
    """The transcript as publishable captions (``srt``, ``vtt`` or ``ttml``)."""
    cues = build_cues(transcript, profile, terms)
    return render_captions(cues, fmt, transcript.language or "en")


def chapters(
    transcript: Transcript, terms: list[TermOccurrence], fmt: str, min_length: float = 10.0
) -> str | list[dict[str, object]]:
    """The lesson's chapters: a JSON list, WebVTT chapters or a YouTube-style list."""
    found = find_chapters(transcript, terms, min_length=min_length)
    if fmt == "vtt":
        return to_vtt_chapters(found)
    if fmt == "youtube":
        return to_youtube(found)
    return [
        {"start": c.start, "end": c.end, "title": c.title, "term": c.term, "mentions": c.mentions}
        for c in found
    ]
