"""Where each artifact of a job lives in the blob store.

Every key is a function of (job, artifact), so a redelivered stage rewrites the same objects.
"""

from __future__ import annotations

import re

from scribe.errors import ScribeError

_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")

AUDIO_WAV = "audio.wav"
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


def safe_filename(name: str) -> str:
    """A file name reduced to safe characters, never a path (no `..`, no `/`)."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    cleaned = _SAFE_NAME.sub("_", base).strip("._") or "upload"
    return cleaned[:200]


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
