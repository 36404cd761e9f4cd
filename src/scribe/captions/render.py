"""Cues written as SubRip (SRT), WebVTT and TTML."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from xml.sax.saxutils import escape

from scribe.captions.layout import Cue

CAPTION_FORMATS = ("srt", "vtt", "ttml")


def timestamp(seconds: float, separator: str = ".") -> str:
    """``HH:MM:SS.mmm`` (SRT: a comma before the milliseconds)."""
    millis = max(0, round(seconds * 1000))
    hours, millis = divmod(millis, 3_600_000)
    minutes, millis = divmod(millis, 60_000)
    secs, millis = divmod(millis, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}{separator}{millis:03d}"


def to_srt(cues: Sequence[Cue]) -> str:
    """SubRip: numbered cues, a comma before the milliseconds."""
    blocks = [
        f"{n}\n{timestamp(c.start, ',')} --> {timestamp(c.end, ',')}\n{c.text}\n"
        for n, c in enumerate(cues, start=1)
    ]
    return "\n".join(blocks)


def _vtt_text(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def to_vtt(cues: Sequence[Cue]) -> str:
    """WebVTT: the header, then each cue (``&``, ``<`` and ``>`` escaped)."""
    blocks = ["WEBVTT\n"]
    blocks += [f"{timestamp(c.start)} --> {timestamp(c.end)}\n{_vtt_text(c.text)}\n" for c in cues]
    return "\n".join(blocks)


def to_ttml(cues: Sequence[Cue], language: str = "en") -> str:
    """TTML 1 (W3C Timed Text): one ``<p>`` a cue, ``<br/>`` between its lines."""
    paragraphs = "\n".join(
        f'      <p begin="{timestamp(c.start)}" end="{timestamp(c.end)}">'
        + "<br/>".join(escape(line) for line in c.lines)
        + "</p>"
        for c in cues
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<tt xmlns="http://www.w3.org/ns/ttml" xml:lang="{escape(language)}">\n'
        "  <body>\n    <div>\n"
        f"{paragraphs}\n"
        "    </div>\n  </body>\n</tt>\n"
    )


RENDERERS: dict[str, Callable[[Sequence[Cue]], str]] = {
    "srt": to_srt,
    "vtt": to_vtt,
    "ttml": to_ttml,
}


def render_captions(cues: Sequence[Cue], fmt: str, language: str = "en") -> str:
    """Cues in one of :data:`CAPTION_FORMATS`."""
    if fmt == "ttml":
        return to_ttml(cues, language)
    return RENDERERS[fmt](cues)
