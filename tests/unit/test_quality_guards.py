"""Hallucination guards and quality figures, with the real model on generated non-speech."""

from __future__ import annotations

import json
import wave
from pathlib import Path

import numpy as np
import pytest

from scribe.config import Settings
from scribe.domain.terms import TermsResult
from scribe.domain.transcript import Segment, Transcript, Word
from scribe.local_run import LocalPipeline
from scribe.stages.terms.quality import grade, quality_figures
from scribe.stages.transcribe.segments import guard_segment

RATE = 16000


def _wav(path: Path, samples: np.ndarray) -> Path:
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(RATE)
        out.writeframes((np.clip(samples, -1, 1) * 32767).astype(np.int16).tobytes())
    return path


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory: pytest.TempPathFactory) -> LocalPipeline:
    from scribe.config import load_settings

    made = LocalPipeline(load_settings(data_dir=tmp_path_factory.mktemp("q")))
    made.load()
    return made


def _non_speech(tmp_path: Path) -> dict[str, Path]:
    rng = np.random.default_rng(7)
    notes = [220, 247, 262, 294, 330, 349, 392, 440, 494, 523] * 2
    tones = np.concatenate([0.3 * np.sin(2 * np.pi * f * np.arange(RATE) / RATE) for f in notes])
    return {
        "silence": _wav(tmp_path / "silence.wav", np.zeros(RATE * 20)),
        "tones": _wav(tmp_path / "tones.wav", tones),
        "noise": _wav(tmp_path / "noise.wav", 0.1 * rng.standard_normal(RATE * 20)),
    }


def test_non_speech_gives_an_empty_transcript_flagged_no_speech(
    pipeline: LocalPipeline, tmp_path: Path
) -> None:
    for name, path in _non_speech(tmp_path).items():
        result = pipeline.run(path, tmp_path / "out")
        transcript = Transcript.model_validate_json((result.folder / "transcript.json").read_text())
        metrics = json.loads((result.folder / "metrics.json").read_text())
        assert transcript.text == "", (name, transcript.text)
        assert transcript.flags == ["no_speech"], name
        assert metrics["grade"] == "no_speech" and metrics["no_speech"] is True, name
        terms = json.loads((result.folder / "terms.json").read_text())
        assert terms["occurrences"] == [], name


def test_real_speech_gets_figures_and_terms_never_change_probabilities(
    pipeline: LocalPipeline, tmp_path: Path
) -> None:
    from tests.helpers import LESSON_MP4

    result = pipeline.run(LESSON_MP4, tmp_path / "out")
    metrics = json.loads((result.folder / "metrics.json").read_text())
    transcript = Transcript.model_validate_json((result.folder / "transcript.json").read_text())
    assert metrics["words"] == len(transcript.words) > 20
    assert 0.5 < metrics["mean_word_probability"] <= 1
    assert metrics["grade"] in ("A", "B", "C")
    assert 100 < metrics["words_per_minute"] < 250
    assert 0.5 < metrics["speech_ratio"] <= 1
    assert metrics["term_density_per_100_words"] > 0
    before = [(w.text, w.probability) for w in transcript.words]
    from scribe.lexicon import load_lexicon
    from scribe.stages.terms.recognizer import TermRecognizer

    TermRecognizer(load_lexicon()).recognize(transcript)
    assert [(w.text, w.probability) for w in transcript.words] == before


def test_repeated_words_at_the_same_moment_are_kept_once() -> None:
    looped = Segment(
        index=0,
        start=58.0,
        end=60.0,
        text=" modes aeolian aeolian aeolian",
        words=[
            Word(text=" modes", start=58.0, end=58.5, probability=0.9),
            Word(text=" aeolian", start=59.96, end=59.96, probability=0.2),
            Word(text=" aeolian", start=59.96, end=59.96, probability=0.2),
            Word(text=" aeolian", start=59.96, end=59.96, probability=0.2),
        ],
    )
    guarded = guard_segment(looped)
    assert guarded is not None
    assert [w.text for w in guarded.words] == [" modes", " aeolian"]
    said_twice = Segment(
        index=1,
        start=0,
        end=2,
        text=" no no",
        words=[
            Word(text=" no", start=0.0, end=0.5, probability=0.9),
            Word(text=" no", start=0.6, end=1.0, probability=0.9),
        ],
    )
    assert len(guard_segment(said_twice).words) == 2  # type: ignore[union-attr]
    assert guard_segment(Segment(index=2, start=0, end=1, text="  ")) is None


@pytest.mark.parametrize(
    ("mean", "low", "expected"),
    [(None, 0.0, "no_speech"), (0.9, 0.02, "A"), (0.9, 0.1, "B"), (0.8, 0.3, "C"), (0.5, 0.5, "D")],
)
def test_grade_thresholds(mean: float | None, low: float, expected: str) -> None:
    assert grade(mean, low) == expected


def test_figures_of_an_empty_transcript(settings: Settings) -> None:
    empty = Transcript(
        language="en", language_probability=1.0, duration=10.0, model="t", flags=["no_speech"]
    )
    figures = quality_figures(empty, TermsResult(lexicon_version="v"), {"duration": 10.0})
    assert figures["grade"] == "no_speech" and figures["words_per_minute"] == 0.0


def test_a_word_the_alignment_stranded_is_settled_after_the_word_before_it() -> None:
    said = Segment(
        index=0,
        start=18.5,
        end=25.84,
        text=" with the pick.",
        words=[
            Word(text=" with", start=20.52, end=20.86, probability=0.9),
            Word(text=" the", start=20.86, end=21.52, probability=0.7),
            Word(text=" pick.", start=25.84, end=25.84, probability=0.6),
        ],
    )
    settled = guard_segment(said)
    assert settled is not None
    assert [(w.start, w.end) for w in settled.words][-1] == (21.52, 21.82)
    assert settled.end == 21.82 and settled.text == " with the pick."
    # a word after a real pause keeps its time: it has a duration
    paused = Segment(
        index=1,
        start=0.0,
        end=3.5,
        text=" slow. Now",
        words=[
            Word(text=" slow.", start=0.0, end=0.4, probability=0.9),
            Word(text=" Now", start=3.0, end=3.5, probability=0.9),
        ],
    )
    assert guard_segment(paused).words[1].start == 3.0  # type: ignore[union-attr]


def test_a_short_word_right_before_the_next_is_an_onset_not_stranded() -> None:
    onset = Segment(
        index=0,
        start=52.0,
        end=59.0,
        text=" chord. The last chord",
        words=[
            Word(text=" chord.", start=52.0, end=52.38, probability=0.9),
            Word(text=" The", start=58.0, end=58.0, probability=0.5),
            Word(text=" last", start=58.29, end=58.61, probability=0.9),
            Word(text=" chord", start=58.61, end=58.81, probability=0.9),
        ],
    )
    kept = guard_segment(onset)
    assert kept is not None and kept.words[1].start == 58.0
