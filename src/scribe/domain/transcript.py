"""Transcript types: words with times and probabilities, grouped in segments."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class Word(BaseModel):
    """One recognised word. ``text`` keeps Whisper's leading space."""

    text: str
    start: float
    end: float
    probability: float


class Segment(BaseModel):
    """A run of speech Whisper decoded as one piece."""

    index: int
    start: float
    end: float
    text: str
    words: list[Word] = Field(default_factory=list)
    avg_logprob: float | None = None
    no_speech_prob: float | None = None
    compression_ratio: float | None = None


class Transcript(BaseModel):
    """A whole transcript with what produced it."""

    language: str
    language_probability: float
    duration: float
    model: str
    options: dict[str, Any] = Field(default_factory=dict)
    timings: dict[str, float] = Field(default_factory=dict)
    segments: list[Segment] = Field(default_factory=list)
    flags: list[str] = Field(default_factory=list, description="`no_speech` when nothing was said.")
    speech_duration: float | None = Field(
        default=None, description="Seconds of speech the VAD kept."
    )

    @property
    def text(self) -> str:
        """The plain text, one segment a line."""
        return "\n".join(segment.text.strip() for segment in self.segments)

    @property
    def words(self) -> list[Word]:
        """Every word in order."""
        return [word for segment in self.segments for word in segment.words]
