"""Where each artifact of a job lives in the blob store.

Every key is a function of (job, artifact), so a redelivered stage rewrites the same objects.
"""

from __future__ import annotations

import re

from scribe.errors import ScribeError

AUDIO_WAV = "audio.wav"
AUDIO_SAMPLE_RATE = 16_000
"""The extracted WAV's rate (mono, 16-bit): what Whisper hears."""
AUDIO_FACTS = "audio.json"
TRANSCRIPT_JSON = "transcript.json"
TRANSCRIPT_FORMATS = ("json", "txt", "srt", "vtt", "tsv")
TERMS_JSON = "terms.json"
METRICS_JSON = "metrics.json"


def job_prefix(job_id: str) -> str:
    """The folder of every artifact of one job."""
    if not re.fullmatch(r"[A-Za-z0-9-]{1,64}", job_id):
        raise ScribeError(f"invalid job id {job_id!r}")
    return f"jobs/{job_id}/"


MAX_NAME_BYTES = 180  # under every file system's 255-byte limit, with room for a suffix


def safe_filename(name: str) -> str:
    """A file name reduced to safe characters, never a path (no `..`, no `/`).

    Letters, digits and marks of every script are kept (``日本語レッスン.mp4``,
    ``Leçon_3_–_accords_ü.mp4``), as are ``.``, ``-``, ``_`` and dashes; anything else
    (spaces, quotes, slashes, control characters) becomes one ``_``. The result is NFC and at
    most :data:`MAX_NAME_BYTES` bytes of UTF-8, its extension kept."""
    import unicodedata

    base = unicodedata.normalize("NFC", name.replace("\\", "/").rsplit("/", 1)[-1])
    kept = "".join(
        c
        if c in "._-" or unicodedata.category(c)[0] in "LMN" or unicodedata.category(c) == "Pd"
        else "_"
        for c in base
    )
    cleaned = re.sub(r"_+", "_", kept).strip("._") or "upload"
    if len(cleaned.encode()) <= MAX_NAME_BYTES:
        return cleaned
    stem, dot, ext = cleaned.rpartition(".")
    if not dot or len(ext.encode()) > 16:
        stem, ext = cleaned, ""
    room = MAX_NAME_BYTES - len(ext.encode()) - (1 if ext else 0)
    short = stem.encode()[:room].decode("utf-8", "ignore").rstrip("._") or "upload"
    return f"{short}.{ext}" if ext else short


def cancel_marker(job_id: str) -> str:
    """The blob a cancelled (or deleted) job leaves so workers stop at their next checkpoint:
    its tombstone (:mod:`scribe.tombstones`), outside the job's folder so that deleting the
    folder leaves nothing behind."""
    job_prefix(job_id)  # the id is checked like any job id
    return f"tombstones/{job_id}"


def source_key(job_id: str, filename: str) -> str:
    """The uploaded original media."""
    return f"{job_prefix(job_id)}source/{safe_filename(filename)}"


def artifact_key(job_id: str, name: str) -> str:
    """A named artifact of a job, e.g. ``artifact_key(id, TRANSCRIPT_JSON)``."""
    return f"{job_prefix(job_id)}{name}"


def transcript_key(job_id: str, fmt: str) -> str:
    """The transcript in one of :data:`TRANSCRIPT_FORMATS`."""
    if fmt not in TRANSCRIPT_FORMATS:
        raise ScribeError(f"unknown transcript format {fmt!r}")
    return artifact_key(job_id, f"transcript.{fmt}")
