"""Publishable captions: every guideline checked on real transcripts of real speech.

The lesson video and the LibriVox clips go through the real pipeline (Whisper tiny.en, spaCy
and the lexicon) once; the captions of each are then checked against every rule under several
profiles.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from scribe.captions import build_cues, render_captions, resolve_profile
from scribe.captions.layout import (
    ARTICLES,
    LEAD_IN,
    Cue,
    _bare,
    is_good_break,
    protected_breaks,
    units_of,
)
from scribe.captions.profiles import CaptionProfile
from scribe.domain.terms import TermOccurrence, TermsResult
from scribe.domain.transcript import Segment, Transcript, Word
from scribe.errors import CaptionError
from tests.helpers import LESSON_MP4, LIBRIVOX, LIBRIVOX_EXTRA

Real = tuple[Transcript, list[TermOccurrence]]


@pytest.fixture(scope="module")
def real(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Real]:
    """Each fixture's transcript and terms, from the real pipeline."""
    from scribe.config import load_settings
    from scribe.local_run import LocalPipeline

    pipeline = LocalPipeline(load_settings(data_dir=tmp_path_factory.mktemp("captions")))
    pipeline.load()
    out = tmp_path_factory.mktemp("out")
    sources = [LESSON_MP4, *sorted(LIBRIVOX.glob("*.wav")), *sorted(LIBRIVOX_EXTRA.glob("*.wav"))]
    made: dict[str, Real] = {}
    for source in sources:
        folder = pipeline.run(source, out).folder
        transcript = Transcript.model_validate_json((folder / "transcript.json").read_text())
        terms = TermsResult.model_validate_json((folder / "terms.json").read_text())
        made[source.stem] = (transcript, terms.occurrences)
        FOLDERS[source.stem] = folder
    return made


FOLDERS: dict[str, Path] = {}


PROFILES = [
    resolve_profile(),
    resolve_profile("strict"),
    resolve_profile("mobile"),
    resolve_profile(max_chars=32, max_lines=1),
    resolve_profile(max_chars=28, max_lines=2),
]


def check_rules(
    transcript: Transcript, terms: list[TermOccurrence], cues: list[Cue], p: CaptionProfile
) -> None:
    """Assert every guideline on one rendering."""
    units = units_of(transcript)
    assert cues, "no cues"
    shown = " ".join(line for cue in cues for line in cue.lines)
    assert shown == " ".join(u.text for u in units)  # every word, once, in order
    protected = protected_breaks(units, terms)
    for n, cue in enumerate(cues):
        label = f"cue {n} {cue.lines}"
        assert 1 <= len(cue.lines) <= p.max_lines, label
        assert all(len(line) <= p.max_chars for line in cue.lines), label
        assert p.min_duration - 1e-9 <= cue.duration <= p.max_duration + 1e-9, label
        assert cue.chars / cue.duration <= p.max_cps + 1e-9, label
        first, last = units[cue.first_word], units[cue.last_word]
        assert first.start - LEAD_IN - 1e-9 <= cue.start <= first.start + 1e-3, label
        assert cue.end >= first.end - 1e-3, label
        if n + 1 < len(cues):
            assert cues[n + 1].start - cue.end >= p.min_gap - 1e-9, label
            assert cues[n + 1].first_word == cue.last_word + 1
        for line in cue.lines:
            assert _bare(line.split()[-1]) not in ARTICLES, label  # never "the | chord"
        assert last.text == cue.lines[-1].split()[-1]
        # a line break goes where the guidelines prefer whenever such a place fits
        edges, at = [], cue.first_word
        for line in cue.lines[:-1]:
            at += len(line.split())
            edges.append(at)
        if len(edges) == 1:
            chosen = edges[0]
            end = cue.last_word + 1

            def width(a: int, b: int) -> int:
                return sum(len(u.text) for u in units[a:b]) + (b - a - 1)

            fitting = [
                k
                for k in range(cue.first_word + 1, end)
                if width(cue.first_word, k) <= p.max_chars
                and width(k, end) <= p.max_chars
                and k not in protected
                and _bare(units[k - 1].text) not in ARTICLES
            ]
            if any(is_good_break(units, k) for k in fitting):
                assert is_good_break(units, chosen), label
    for term in terms:
        words = [u.text for i, u in enumerate(units) if term.start - 0.02 <= u.start < term.end]
        if len(" ".join(words)) <= p.max_chars:
            joined = " ".join(words)
            assert any(joined in line for c in cues for line in c.lines), (term.text, p)


@pytest.mark.parametrize("profile", PROFILES, ids=lambda p: f"{p.name}-{p.max_chars}x{p.max_lines}")
def test_every_rule_holds_on_every_real_transcript(
    real: dict[str, Real], profile: CaptionProfile
) -> None:
    for name, (transcript, terms) in real.items():
        cues = build_cues(transcript, profile, terms)
        check_rules(transcript, terms, cues, profile)
        assert name  # each fixture checked


def test_the_lessons_long_segment_splits_at_its_commas(real: dict[str, Real]) -> None:
    transcript, terms = real["lesson"]
    longest = max(len(s.text.strip()) for s in transcript.segments)
    one_line = resolve_profile(max_lines=1)  # 42 characters, one line a cue
    assert longest > one_line.max_chars  # the Whisper segment cannot be one cue
    cues = build_cues(transcript, one_line, terms)
    assert len(cues) > len(transcript.segments)
    breaks = [line[-1] for cue in cues for line in cue.lines[:-1]] + [c.lines[-1][-1] for c in cues]
    assert all(mark in ",." for mark in breaks), [c.lines for c in cues]


def test_a_long_librivox_sentence_splits_into_several_cues(real: dict[str, Real]) -> None:
    transcript, terms = real["sense_and_sensibility_01_austen_64kb-0870"]
    assert len(transcript.text) > 100 and transcript.text.count(".") <= 2
    for profile in (resolve_profile(), resolve_profile(max_chars=32, max_lines=1)):
        cues = build_cues(transcript, profile, terms)
        assert len(cues) >= (2 if profile.max_lines == 2 else 4)
        check_rules(transcript, terms, cues, profile)


def _greedy_lines(texts: list[str], width: int) -> list[list[int]]:
    lines: list[list[int]] = [[]]
    length = 0
    for i, text in enumerate(texts):
        if lines[-1] and length + 1 + len(text) > width:
            lines.append([])
            length = -1
        lines[-1].append(i)
        length += len(text) + (1 if len(lines[-1]) > 1 else 0)
    return lines


def test_music_terms_that_would_straddle_a_break_stay_on_one_line(real: dict[str, Real]) -> None:
    transcript, terms = real["lesson"]
    units = units_of(transcript)
    texts = [u.text for u in units]
    spans = []
    for term in terms:
        inside = [i for i, u in enumerate(units) if term.start - 0.02 <= u.start < term.end]
        if len(inside) > 1:
            spans.append((term.text, inside[0], inside[-1]))
    assert any(text == "minor pentatonic scale" for text, _, _ in spans)
    straddled = 0
    for width in range(27, 43):  # from the widest term with its article, 27 characters
        greedy = {i: n for n, line in enumerate(_greedy_lines(texts, width)) for i in line}
        if any(greedy[a] != greedy[b] for _, a, b in spans):
            straddled += 1  # filling lines word by word would cut a term here
            profile = resolve_profile(max_chars=width, max_lines=1)
            cues = build_cues(transcript, profile, terms)
            check_rules(transcript, terms, cues, profile)
    assert straddled >= 3


def _chord_transcript() -> Transcript:
    spoken = "Now we strum the C sharp minor seven chord and let every string ring out"
    said = spoken.split(" ")
    words = [Word(text=" " + w, start=i * 0.3, end=i * 0.3 + 0.28, probability=0.9)
             for i, w in enumerate(said)]  # fmt: skip
    segment = Segment(index=0, start=0.0, end=words[-1].end, text="".join(w.text for w in words),
                      words=words)  # fmt: skip
    return Transcript(language="en", language_probability=1.0, duration=5.0, model="test",
                      segments=[segment])  # fmt: skip


def test_c_sharp_minor_seven_is_never_cut_by_the_real_recogniser() -> None:
    from scribe.lexicon import load_lexicon
    from scribe.stages.terms.recognizer import TermRecognizer

    transcript = _chord_transcript()
    terms = TermRecognizer(load_lexicon()).recognize(transcript).occurrences
    assert any(t.text.lower() == "c sharp minor seven" for t in terms), terms
    for width in range(20, 43):
        profile = resolve_profile(max_chars=width, max_lines=2)
        cues = build_cues(transcript, profile, terms)
        lines = [line for cue in cues for line in cue.lines]
        assert any("C sharp minor seven" in line for line in lines), (width, lines)


def test_formats_are_well_formed(real: dict[str, Real]) -> None:
    transcript, terms = real["lesson"]
    cues = build_cues(transcript, resolve_profile(), terms)
    srt = render_captions(cues, "srt")
    assert srt.startswith("1\n00:00:00,000 --> ")
    assert srt.count(" --> ") == len(cues)
    vtt = render_captions(cues, "vtt")
    assert vtt.startswith("WEBVTT\n\n00:00:00.000 --> ")
    root = ET.fromstring(render_captions(cues, "ttml"))
    assert root.tag == "{http://www.w3.org/ns/ttml}tt"
    paragraphs = root.findall(".//{http://www.w3.org/ns/ttml}p")
    assert len(paragraphs) == len(cues)
    assert [len(p.findall("{http://www.w3.org/ns/ttml}br")) + 1 for p in paragraphs] == [
        len(c.lines) for c in cues
    ]


def test_xml_and_vtt_special_characters_are_escaped() -> None:
    segment = Segment(index=0, start=0.0, end=2.0, text=" Rock & roll <loud>",
                      words=[Word(text=" Rock", start=0, end=0.5, probability=1),
                             Word(text=" &", start=0.5, end=0.8, probability=1),
                             Word(text=" roll", start=0.8, end=1.2, probability=1),
                             Word(text=" <loud>", start=1.2, end=2.0, probability=1)])  # fmt: skip
    transcript = Transcript(language="en", language_probability=1, duration=2, model="t",
                            segments=[segment])  # fmt: skip
    cues = build_cues(transcript, resolve_profile())
    assert "Rock &amp; roll &lt;loud&gt;" in render_captions(cues, "vtt")
    ET.fromstring(render_captions(cues, "ttml"))  # parses


def test_unknown_profiles_and_limits_are_clear_errors() -> None:
    with pytest.raises(CaptionError, match="unknown caption profile 'cinema'"):
        resolve_profile("cinema")
    with pytest.raises(CaptionError, match="max_chars must be between"):
        resolve_profile(max_chars=3)
    assert resolve_profile("STRICT").max_cps == 17


def test_an_empty_transcript_has_no_cues(tmp_path: Path) -> None:
    transcript = Transcript(language="en", language_probability=1, duration=3, model="t")
    assert build_cues(transcript, resolve_profile()) == []
    assert render_captions([], "vtt") == "WEBVTT\n"


def test_scribe_process_writes_captions_beside_the_transcript(real: dict[str, Real]) -> None:
    transcript, terms = real["lesson"]
    folder = FOLDERS["lesson"]
    expected = render_captions(build_cues(transcript, resolve_profile(), terms), "srt")
    assert (folder / "captions.srt").read_text() == expected
    assert (folder / "captions.vtt").read_text().startswith("WEBVTT")
    assert (folder / "chapters.txt").exists()
    whisper_style = (folder / "transcript.srt").read_text()
    assert max(len(line) for line in whisper_style.splitlines()) > resolve_profile().max_chars
