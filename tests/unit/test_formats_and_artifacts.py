"""Transcript renderings and the artifact layout."""

from __future__ import annotations

import pytest

from scribe import artifacts
from scribe.domain.transcript import Segment, Transcript, Word
from scribe.errors import ScribeError
from scribe.formats import to_srt, to_txt, to_vtt


def _transcript() -> Transcript:
    return Transcript(
        language="en",
        language_probability=1.0,
        duration=3725.5,
        model="tiny.en",
        segments=[
            Segment(
                index=0,
                start=0.0,
                end=2.5,
                text=" Play the G chord.",
                words=[Word(text=" Play", start=0.0, end=0.4, probability=0.9)],
            ),
            Segment(index=1, start=3723.004, end=3725.5, text=" Now slower."),
            Segment(index=2, start=3725.5, end=3725.5, text="  "),
        ],
    )


def test_srt_numbering_and_timestamps() -> None:
    srt = to_srt(_transcript())
    assert srt.startswith("1\n00:00:00,000 --> 00:00:02,500\nPlay the G chord.\n")
    assert "2\n01:02:03,004 --> 01:02:05,500\nNow slower.\n" in srt
    assert "3\n" not in srt  # blank segments are skipped


def test_vtt_header_and_dot_separator() -> None:
    vtt = to_vtt(_transcript())
    assert vtt.startswith("WEBVTT\n")
    assert "01:02:03.004 --> 01:02:05.500" in vtt


def test_txt_is_one_segment_a_line() -> None:
    assert to_txt(_transcript()).splitlines()[:2] == ["Play the G chord.", "Now slower."]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("lesson 1.mp4", "lesson_1.mp4"),
        ("../../etc/passwd", "passwd"),
        ("C:\\videos\\a.mov", "a.mov"),
        ("..", "upload"),
        ("", "upload"),
    ],
)
def test_safe_filename(name: str, expected: str) -> None:
    assert artifacts.safe_filename(name) == expected


def test_keys_are_functions_of_job_and_artifact() -> None:
    assert artifacts.transcript_key("abc", "srt") == "jobs/abc/transcript.srt"
    assert artifacts.source_key("abc", "../x.mp4") == "jobs/abc/source/x.mp4"
    with pytest.raises(ScribeError):
        artifacts.job_prefix("../other")
    with pytest.raises(ScribeError):
        artifacts.transcript_key("abc", "docx")
