"""Caption profiles: the limits a cue must keep, with the common broadcast defaults."""

from __future__ import annotations

from dataclasses import dataclass, replace

from scribe.errors import CaptionError


@dataclass(frozen=True)
class CaptionProfile:
    """Limits for one caption rendering.

    The defaults follow the common broadcast and streaming guidelines: 42 characters a line,
    2 lines a cue, 5/6 s to 7 s on screen, 20 characters a second, 2 frames between cues.
    """

    name: str = "default"
    max_chars: int = 42
    """Characters a line at most."""
    max_lines: int = 2
    """Lines a cue at most."""
    min_duration: float = 5 / 6
    """Seconds a cue stays on screen at least."""
    max_duration: float = 7.0
    """Seconds a cue stays on screen at most."""
    max_cps: float = 20.0
    """Reading speed: characters (spaces included, line breaks not) a second at most."""
    min_gap_frames: int = 2
    """Frames between one cue's end and the next one's start at least."""
    frame_rate: float = 25.0
    """Frames a second the gap is counted in."""

    @property
    def min_gap(self) -> float:
        """The smallest gap between cues, in seconds."""
        return self.min_gap_frames / self.frame_rate


PROFILES: dict[str, CaptionProfile] = {
    "default": CaptionProfile(),
    "strict": CaptionProfile(name="strict", max_cps=17.0),
    "mobile": CaptionProfile(name="mobile", max_chars=32, max_lines=2),
}
"""Named profiles: ``default`` (20 cps), ``strict`` (17 cps), ``mobile`` (32 a line)."""

LIMITS = {"max_chars": (12, 80), "max_lines": (1, 3), "max_cps": (5.0, 40.0)}


def resolve_profile(
    name: str | None = None,
    *,
    max_chars: int | None = None,
    max_lines: int | None = None,
    max_cps: float | None = None,
) -> CaptionProfile:
    """A named profile (``default`` when None) with any of its limits overridden."""
    key = (name or "default").strip().lower()
    base = PROFILES.get(key)
    if base is None:
        raise CaptionError(
            f"unknown caption profile {name!r}; known: {', '.join(sorted(PROFILES))}"
        )
    changes: dict[str, float | int] = {}
    for field, value in (("max_chars", max_chars), ("max_lines", max_lines), ("max_cps", max_cps)):
        if value is None:
            continue
        low, high = LIMITS[field]
        if not low <= value <= high:
            raise CaptionError(f"{field} must be between {low} and {high}, not {value}")
        changes[field] = value
    return replace(base, **changes) if changes else base  # type: ignore[arg-type]
