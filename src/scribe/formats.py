"""Transcript renderings: plain text, SubRip (SRT), WebVTT and TSV."""

from __future__ import annotations

from scribe.domain.transcript import Segment, Transcript


def _timestamp(seconds: float, separator: str) -> str:
    millis = max(0, round(seconds * 1000))
    hours, millis = divmod(millis, 3_600_000)
    minutes, millis = divmod(millis, 60_000)
    secs, millis = divmod(millis, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}{separator}{millis:03d}"


def to_txt(transcript: Transcript) -> str:
    """One segment a line."""
    text = transcript.text
    return f"{text}\n" if text else ""


def to_srt(transcript: Transcript) -> str:
    """SubRip cues, numbered from 1."""
    cues = []
    for number, segment in enumerate(_spoken(transcript), start=1):
        start = _timestamp(segment.start, ",")
        end = _timestamp(segment.end, ",")
        cues.append(f"{number}\n{start} --> {end}\n{segment.text.strip()}\n")
    return "\n".join(cues)


def to_vtt(transcript: Transcript) -> str:
    """WebVTT cues."""
    cues = ["WEBVTT\n"]
    for segment in _spoken(transcript):
        start = _timestamp(segment.start, ".")
        end = _timestamp(segment.end, ".")
        cues.append(f"{start} --> {end}\n{segment.text.strip()}\n")
    return "\n".join(cues)


def _spoken(transcript: Transcript) -> list[Segment]:
    return [segment for segment in transcript.segments if segment.text.strip()]


def to_tsv(transcript: Transcript) -> str:
    """Tab-separated start and end in milliseconds and the text, with a header row."""
    rows = ["start\tend\ttext"]
    for segment in _spoken(transcript):
        text = " ".join(segment.text.split())
        rows.append(f"{round(segment.start * 1000)}\t{round(segment.end * 1000)}\t{text}")
    return "\n".join(rows) + "\n"


RENDERERS = {"txt": to_txt, "srt": to_srt, "vtt": to_vtt, "tsv": to_tsv}
