"""Which model and options a job's preset (``fast``, ``balanced``, ``accurate``) decodes with.

``accurate`` is the bundled Whisper base (:mod:`scribe.stages.transcribe.bundled`) when it is
installed and no other model is configured: ``presets.accurate.model`` empty and
``whisper.model`` left at the bundled tiny.en (someone who set a model of their own chose it
for every preset). Base is multilingual, so it decodes English unless the preset or the job
names a language. Its beam and thresholds stay the settings' own (beam 5): measured on the
LibriVox clips, base at beam 5 gives a WER no worse than tiny.en's (docs/quality.md, "The
accurate preset").
"""

from __future__ import annotations

from dataclasses import dataclass

from scribe.config import Settings
from scribe.stages.transcribe import bundled
from scribe.stages.transcribe.model import BUNDLED_MODEL


@dataclass(frozen=True)
class PresetChoice:
    """A preset resolved: the model to load (None: ``whisper.model``) and option defaults."""

    model: str | None
    beam_size: int | None = None
    language: str | None = None


def resolve_preset(settings: Settings, name: str | None) -> PresetChoice:
    """The model and defaults of preset ``name`` (None: ``balanced``)."""
    preset_name = name or "balanced"
    preset = settings.presets.named(preset_name)
    model = preset.model
    if (
        preset_name == "accurate"
        and not model
        and settings.whisper.model == BUNDLED_MODEL
        and bundled.base_installed()
    ):
        model = bundled.BASE_MODEL
    language = preset.language
    if model and bundled.is_base(model) and not language:
        language = "en"
    return PresetChoice(model=model, beam_size=preset.beam_size, language=language)
