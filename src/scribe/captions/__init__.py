"""Publishable captions and chapters, rendered from a word-timed transcript.

Pure functions over :class:`~scribe.domain.transcript.Transcript` and the job's recognised
terms: :func:`build_cues` lays words out in cues and lines under a :class:`CaptionProfile`,
:mod:`scribe.captions.render` writes SRT, WebVTT and TTML, :mod:`scribe.captions.chapters`
finds where a lesson's topic changes.
"""

from scribe.captions.chapters import Chapter, find_chapters, to_vtt_chapters, to_youtube
from scribe.captions.layout import Cue, build_cues
from scribe.captions.profiles import PROFILES, CaptionProfile, resolve_profile
from scribe.captions.render import CAPTION_FORMATS, render_captions

__all__ = [
    "CAPTION_FORMATS",
    "PROFILES",
    "CaptionProfile",
    "Chapter",
    "Cue",
    "build_cues",
    "find_chapters",
    "render_captions",
    "resolve_profile",
    "to_vtt_chapters",
    "to_youtube",
]
