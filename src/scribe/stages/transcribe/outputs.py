"""The transcribe stage's outputs: the transcript stored in every format."""

from __future__ import annotations

from scribe import artifacts
from scribe.domain.transcript import Transcript
from scribe.formats import RENDERERS
from scribe.storage.base import BlobStore


def write_transcript(store: BlobStore, job_id: str, transcript: Transcript) -> dict[str, str]:
    """Store the transcript as JSON, TXT, SRT and VTT; returns the keys by format."""
    keys = {"json": artifacts.transcript_key(job_id, "json")}
    store.put_bytes(
        keys["json"], transcript.model_dump_json(indent=2).encode(), content_type="application/json"
    )
    content_types = {
        "txt": "text/plain",
        "srt": "application/x-subrip",
        "vtt": "text/vtt",
        "tsv": "text/tab-separated-values",
    }
    for fmt, render in RENDERERS.items():
        keys[fmt] = artifacts.transcript_key(job_id, fmt)
        store.put_bytes(keys[fmt], render(transcript).encode(), content_type=content_types[fmt])
    return keys
