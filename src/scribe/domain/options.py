"""What a job may ask for: language, model preset, prompts, biasing, loudness, priority."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Priority = Literal["high", "normal", "low"]
Preset = Literal["fast", "balanced", "accurate"]
PRIORITIES: tuple[Priority, ...] = ("high", "normal", "low")


class JobOptions(BaseModel):
    """Per-job options; stored with the job and carried by every stage message."""

    model_config = ConfigDict(extra="forbid")

    language: str | None = Field(
        default=None,
        max_length=8,
        pattern=r"^(auto|[a-z]{2,3})$",
        description="Spoken language code, `auto` to detect; empty uses the server default.",
    )
    preset: Preset = Field(default="balanced", description="Model preset.")
    initial_prompt: str | None = Field(
        default=None, max_length=1000, description="Text the decoder starts from."
    )
    hotwords: str | None = Field(
        default=None, max_length=500, description="Words the decoder should favour."
    )
    lexicon_bias: bool = Field(
        default=True, description="Feed music terms from the lexicon to the decoder."
    )
    normalize_loudness: bool = Field(
        default=False, description="Bring quiet recordings up to a standard level first."
    )
    priority: Priority = Field(default="normal", description="Queue lane: high, normal, low.")


def lane(stage: str, priority: str) -> str:
    """The queue of a stage for a priority: `extract-high`, `extract`, `extract-low`."""
    return stage if priority == "normal" else f"{stage}-{priority}"


def lanes(stage: str) -> list[str]:
    """A stage's queues, most urgent first."""
    return [lane(stage, priority) for priority in PRIORITIES]
