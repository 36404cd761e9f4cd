"""Transcription quality through the whole pipeline, as users record lessons: a natural voice,
guitar between and under the speech, lexicon biasing on and off, tiny.en and Whisper base.

- Lessons (``bench/lesson_audio.py``): lesson sentences from ``bench/data/term_sentences.jsonl``
  spoken by Piper (the joe voice; ``bench/setup_piper.sh`` installs it in its own environment)
  and by espeak-ng (a second, harder voice), ``--per-lesson`` sentences a lesson in groups of
  three. With guitar (the default): a 12 s music-only intro, a 5 s plucked passage between
  groups (its last notes ringing 1.5 s into the next sentence) and a picked bed 6 dB under the
  voice (``--bed-db``); ``--clean`` also runs the same
  lessons in silence. Generated under ``bench/out/`` (gitignored), never committed.
- Models: tiny.en through the ``balanced`` preset, Whisper base through ``accurate`` (as a
  job asks for them), each run through extract → transcribe → terms (``scribe process``'s code).
- Term recall: the expected terms of a lesson are what the recogniser finds in the written
  text of its sentences, as (category, canonical term) pairs; each is recalled when the
  pipeline finds the same pair in the lesson's audio.
- Invented words: words the transcript puts inside a music-only stretch (more than 0.5 s from
  its ends, as word times are approximate). Must be 0.
- Kept after music: the share of the words of each sentence that follows a guitar passage (the
  intro included) that the transcript holds near it, right or misheard (jiwer alignment: not
  deleted), which is what a VAD cutting the onset loses; "right after" counts only the words
  written right; "kept else" is "kept" for the other sentences, the ASR's own level.
- WER: the five LibriVox clips (real recorded speech, 71 words), through each preset.

Usage: ``.venv/bin/python bench/eval_asr.py [--sentences 60] [--voices piper,espeak]
[--models tiny.en,base] [--clean] [--details]``
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import sys
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jiwer
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from tests.helpers import (  # noqa: E402
    LIBRIVOX_EXTRA,
    _references,
    librivox_references,
    normalise,
    word_error_rate,
)

import lesson_audio  # noqa: E402
from scribe.config import load_settings  # noqa: E402
from scribe.domain.jobs import Stage  # noqa: E402
from scribe.local_run import LocalPipeline  # noqa: E402

SENTENCES = ROOT / "bench" / "data" / "term_sentences.jsonl"
OUT = ROOT / "bench" / "out"
PRESETS = {"tiny.en": "balanced", "base": "accurate"}
MUSIC_MARGIN = 0.5


@dataclass
class Score:
    """The figures of one (voice, model, biasing) run over every lesson."""

    found: int = 0
    expected: int = 0
    invented: list[str] = field(default_factory=list)
    after_hits: int = 0
    after_heard: int = 0
    after_words: int = 0
    other_heard: int = 0
    other_words: int = 0
    seconds: float = 0.0
    audio_seconds: float = 0.0
    missed: list[str] = field(default_factory=list)

    def row(self) -> str:
        """The table row."""
        recall = self.found / self.expected if self.expected else 0.0
        after = self.after_heard / self.after_words if self.after_words else 0.0
        right = self.after_hits / self.after_words if self.after_words else 0.0
        other = self.other_heard / self.other_words if self.other_words else 0.0
        rtf = self.seconds / self.audio_seconds if self.audio_seconds else 0.0
        return (
            f"{recall:7.3f} ({self.found}/{self.expected}) {len(self.invented):9d} "
            f"{after:10.3f} {right:10.3f} {other:10.3f} {self.seconds:9.1f} {rtf:7.3f}"
        )


def pick(count: int, seed: int) -> list[dict[str, Any]]:
    """``count`` sentences that expect at least one term, spread over categories."""
    rows = [json.loads(line) for line in SENTENCES.read_text().splitlines() if line.strip()]
    rows = [r for r in rows if r["expected"]]
    random.Random(seed).shuffle(rows)
    return rows[:count]


def spoken(voice: str, text: str) -> np.ndarray:
    """``text`` spoken by ``voice``, cached under ``bench/out/speech/``."""
    cache = OUT / "speech" / voice / f"{hashlib.sha1(text.encode()).hexdigest()[:16]}.npy"
    if cache.is_file():
        return np.load(cache)
    samples = lesson_audio.speak(voice, text)
    cache.parent.mkdir(parents=True, exist_ok=True)
    np.save(cache, samples)
    return samples


def build(
    rows: list[dict[str, Any]], voice: str, guitar: bool, per_lesson: int, bed_db: float
) -> list[tuple[Path, lesson_audio.Lesson]]:
    """The lessons of one voice, written as WAVs under ``bench/out/lessons/``."""
    folder = OUT / "lessons" / f"{voice}-{'guitar' if guitar else 'clean'}"
    lessons = []
    for n, first in enumerate(range(0, len(rows), per_lesson)):
        speech = [spoken(voice, row["text"]) for row in rows[first : first + per_lesson]]
        lesson = lesson_audio.build_lesson(
            speech, first_index=first, guitar=guitar, seed=n, bed_db=bed_db
        )
        lessons.append((lesson_audio.write_wav(lesson.samples, folder / f"lesson{n}.wav"), lesson))
    return lessons


def words_of(transcript: dict[str, Any]) -> list[tuple[float, float, str]]:
    """(start, end, text) of every word of a transcript."""
    return [(w["start"], w["end"], w["text"]) for s in transcript["segments"] for w in s["words"]]


def near(words: Iterable[tuple[float, float, str]], start: float, end: float) -> str:
    """The words whose middle lies in [start, end]."""
    return " ".join(text for a, b, text in words if start <= (a + b) / 2 <= end)


def hits(reference: str, hypothesis: str) -> tuple[int, int, int]:
    """Words of ``reference`` found right in ``hypothesis`` (aligned in order), those heard
    at all (right or misheard: not deleted), and its word count."""
    ref = normalise(reference)
    if not ref:
        return 0, 0, 0
    hyp = normalise(hypothesis)
    if not hyp:
        return 0, 0, len(ref.split())
    out = jiwer.process_words(ref, hyp)
    return out.hits, out.hits + out.substitutions, len(ref.split())


def score_lesson(
    score: Score,
    lesson: lesson_audio.Lesson,
    rows: list[dict[str, Any]],
    wanted: list[list[tuple[str, str]]],
    result_folder: Path,
    details: bool,
) -> None:
    """Add one transcribed lesson's figures to ``score``."""
    transcript = json.loads((result_folder / "transcript.json").read_text())
    terms = json.loads((result_folder / "terms.json").read_text())["occurrences"]
    words = words_of(transcript)
    score.seconds += transcript["timings"].get("transcribe_seconds", 0.0)
    score.audio_seconds += lesson.duration
    said = [(t["category"], t["term"]) for t in terms]
    for stretch in lesson.stretches:
        if stretch.kind == "music":
            inside = near(words, stretch.start + MUSIC_MARGIN, stretch.end - MUSIC_MARGIN)
            score.invented += inside.split()
            if details and inside:
                print(f"    invented in music {stretch.start:.1f}-{stretch.end:.1f}: {inside!r}")
            continue
        text = rows[stretch.index]["text"]
        heard = near(words, stretch.start - 0.5, stretch.end + 0.3)
        right, kept, total = hits(text, heard)
        if stretch.after_music:
            score.after_hits += right
            score.after_heard += kept
            score.after_words += total
            if details and right < total:
                print(f"    after music: {text!r} → {heard!r}")
        else:
            score.other_heard += kept
            score.other_words += total
        for key in wanted[stretch.index]:
            score.expected += 1
            if key in said:
                said.remove(key)
                score.found += 1
            else:
                score.missed.append(f"{key[0]}:{key[1]}")
                if details:
                    print(f"    missed {key}: {text!r} → {heard!r}")


def librivox_wer(
    pipeline: LocalPipeline, folder: Path, options: dict[str, object]
) -> tuple[float, list[Path]]:
    """WER over the five LibriVox clips with a job's ``options``, and each clip's result
    folder (for what else a caller reads from the transcripts)."""
    refs, hyps, results = [], [], []
    clips = {**librivox_references(), **_references(LIBRIVOX_EXTRA)}
    for clip, reference in clips.items():
        result = pipeline.run(clip, folder, options=options)
        refs.append(reference)
        hyps.append((result.folder / "transcript.txt").read_text())
        results.append(result.folder)
    return word_error_rate(" ".join(refs), " ".join(hyps)), results


def main() -> None:
    """Build the lessons, run every setting side by side and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sentences", type=int, default=60)
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--per-lesson", type=int, default=12)
    parser.add_argument("--voices", default="piper,espeak")
    parser.add_argument("--models", default="tiny.en,base")
    parser.add_argument("--bias", default="off,on", help="biasing settings to run")
    parser.add_argument("--bed-db", type=float, default=-6.0)
    parser.add_argument("--clean", action="store_true", help="also run the lessons without music")
    parser.add_argument("--no-wer", action="store_true", help="skip the LibriVox WER")
    parser.add_argument("--details", action="store_true", help="print every miss")
    args = parser.parse_args()
    voices = args.voices.split(",")
    models = args.models.split(",")
    biases = [b == "on" for b in args.bias.split(",")]
    if "piper" in voices and lesson_audio.piper_paths() is None:
        sys.exit("piper is not set up: run bench/setup_piper.sh (or drop it: --voices espeak)")
    rows = pick(args.sentences, args.seed)
    conditions = [True, False] if args.clean else [True]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        settings = load_settings(data_dir=folder / "var")
        if "SCRIBE_WHISPER__CACHE_DIR" not in os.environ:
            settings.whisper.cache_dir = OUT / "models"
        pipeline = LocalPipeline(settings)
        pipeline.load()
        recognizer = pipeline.handlers[Stage.TERMS].recognizer  # type: ignore[attr-defined]
        wanted = [
            [(m.category, m.term) for m in matches]
            for matches in recognizer.find_in_texts([row["text"] for row in rows])
        ]
        started = time.perf_counter()
        scores: dict[tuple[str, bool, str, bool], Score] = {}
        for voice in voices:
            for guitar in conditions:
                lessons = build(rows, voice, guitar, args.per_lesson, args.bed_db)
                for model in models:
                    for bias in biases:
                        key = (voice, guitar, model, bias)
                        score = scores[key] = Score()
                        if args.details:
                            print(f"  {key}")
                        for wav, lesson in lessons:
                            result = pipeline.run(
                                wav,
                                folder / "-".join(map(str, key)),
                                options={"lexicon_bias": bias, "preset": PRESETS[model]},
                            )
                            score_lesson(score, lesson, rows, wanted, result.folder, args.details)
                        print(f"{voice:7s} {model:8s} bias {bias!s:5s} {score.row()}", flush=True)
        wers = (
            {}
            if args.no_wer
            else {
                (model, bias): librivox_wer(
                    pipeline,
                    folder / f"wer-{PRESETS[model]}-{bias}",
                    {"lexicon_bias": bias, "preset": PRESETS[model]},
                )[0]
                for model in models
                for bias in biases
            }
        )
        elapsed = time.perf_counter() - started
    report(args, rows, wanted, scores, wers, elapsed)


def report(
    args: argparse.Namespace,
    rows: list[dict[str, Any]],
    wanted: list[list[tuple[str, str]]],
    scores: dict[tuple[str, bool, str, bool], Score],
    wers: dict[tuple[str, bool], float],
    elapsed: float,
) -> None:
    """Print the tables."""
    print(
        f"\n{len(rows)} lesson sentences, {sum(map(len, wanted))} expected terms, "
        f"{args.per_lesson} sentences a lesson; guitar bed {args.bed_db:+.0f} dB; {elapsed:.0f} s"
    )
    print(
        f"{'voice':7s} {'music':6s} {'model':8s} {'bias':4s} {'term recall':>15s} "
        f"{'invented':>9s} {'kept after':>10s} {'right aft.':>10s} {'kept else':>10s} "
        f"{'decode s':>9s} {'RTF':>7s}"
    )
    for (voice, guitar, model, bias), score in scores.items():
        print(
            f"{voice:7s} {'guitar' if guitar else 'none':6s} {model:8s} "
            f"{'on' if bias else 'off':4s} {score.row()}"
        )
    for voice in args.voices.split(","):
        for guitar in (True, False):
            tiny = scores.get((voice, guitar, "tiny.en", True))
            base = scores.get((voice, guitar, "base", True))
            if tiny and base and tiny.seconds:
                print(
                    f"decoding time base ÷ tiny.en ({voice}, {'guitar' if guitar else 'none'}, "
                    f"biasing on): {base.seconds / tiny.seconds:.2f}×"
                )
    for (model, bias), value in wers.items():
        print(f"LibriVox WER {model:8s} bias {'on' if bias else 'off':3s}: {value:.3f}")
    for key, score in scores.items():
        if score.invented:
            print(f"invented words {key}: {score.invented[:20]}")


if __name__ == "__main__":
    main()
