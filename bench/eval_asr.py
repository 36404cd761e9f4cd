"""Transcription quality: word error rate on real speech, and music-term recall through the
whole pipeline, with lexicon biasing on and off side by side.

- WER: the LibriVox fixtures (real recorded English speech with reference text).
- Term recall: lesson sentences from ``bench/data/term_sentences.jsonl`` spoken by espeak-ng
  (Debian's package; generated here, never committed), run through extract → transcribe →
  terms (``scribe process``'s code). The expected terms of a sentence are what the recogniser
  finds in its written text (the labelled set, where it scores F1 1.0), as (category,
  canonical term) pairs; each is recalled when the pipeline finds the same pair in the audio.
  So "C sharp minor seven" spoken and written back as "C#m7" counts, as it should.
  Target: recall ≥ 0.85 with biasing on, and higher than with it off.
- With biasing on, the transcribe stage also decodes again the windows whose words sound like
  a term they do not spell (``bias.second_pass``) and corrects words that still sound like one
  (``correction.correct_transcript``); the table counts both. Corrections on LibriVox (plain
  speech) are false ones.

Usage: ``.venv/bin/python bench/eval_asr.py [--sentences 60] [--seed 3] [--details]``
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.helpers import librivox_references, word_error_rate  # noqa: E402

from scribe.config import load_settings  # noqa: E402
from scribe.domain.jobs import Stage  # noqa: E402
from scribe.local_run import LocalPipeline  # noqa: E402

SENTENCES = ROOT / "bench" / "data" / "term_sentences.jsonl"


def pick(count: int, seed: int) -> list[dict[str, Any]]:
    """``count`` sentences that expect at least one term, spread over categories."""
    rows = [json.loads(line) for line in SENTENCES.read_text().splitlines() if line.strip()]
    rows = [r for r in rows if r["expected"]]
    random.Random(seed).shuffle(rows)
    return rows[:count]


def speak(text: str, target: Path) -> None:
    """espeak-ng, US English, a teacher's pace."""
    subprocess.run(
        ["espeak-ng", "-v", "en-us", "-s", "150", "-w", str(target), text],
        check=True,
        capture_output=True,
    )


def expected_terms(
    pipeline: LocalPipeline, rows: list[dict[str, Any]]
) -> list[list[tuple[str, str]]]:
    """Per sentence, the (category, canonical) pairs the recogniser finds in the written text."""
    recognizer = pipeline.handlers[Stage.TERMS].recognizer  # type: ignore[attr-defined]
    return [
        [(m.category, m.term) for m in matches]
        for matches in recognizer.find_in_texts([row["text"] for row in rows])
    ]


def recall(
    pipeline: LocalPipeline,
    rows: list[dict[str, Any]],
    expected: list[list[tuple[str, str]]],
    folder: Path,
    bias: bool,
    details: bool = False,
) -> tuple[float, list[str], dict[str, int]]:
    """Share of expected terms found in the audio, the missed ones, and how much the lexicon
    passes did (windows decoded again and kept, words corrected)."""
    found = total = 0
    missed: list[str] = []
    work = {"redecoded": 0, "replaced": 0, "corrections": 0}
    for n, wanted in enumerate(expected):
        wav = folder / f"s{n}.wav"
        result = pipeline.run(
            wav, folder / ("on" if bias else "off"), options={"lexicon_bias": bias}
        )
        terms = json.loads((result.folder / "terms.json").read_text())["occurrences"]
        options = json.loads((result.folder / "transcript.json").read_text())["options"]
        second = options.get("second_pass") or {}
        work["redecoded"] += second.get("redecoded", 0)
        work["replaced"] += second.get("replaced", 0)
        work["corrections"] += len(options.get("corrections") or [])
        said = [(t["category"], t["term"]) for t in terms]
        lost = []
        for key in wanted:
            total += 1
            if key in said:
                said.remove(key)
                found += 1
            else:
                lost.append(f"{key[0]}:{key[1]}")
        missed.extend(lost)
        if details and lost:
            heard = (result.folder / "transcript.txt").read_text().strip().replace("\n", " ")
            print(f"  [{'on' if bias else 'off'}] {rows[n]['text']!r} → {heard!r} missed {lost}")
    return found / total if total else 0.0, missed, work


def wer(pipeline: LocalPipeline, folder: Path, bias: bool) -> tuple[float, int]:
    """WER over the LibriVox fixtures, and the corrections made in them (plain speech: any
    is a false one)."""
    refs, hyps = [], []
    corrections = 0
    for clip, reference in librivox_references().items():
        result = pipeline.run(clip, folder / f"wer-{bias}", options={"lexicon_bias": bias})
        refs.append(reference)
        hyps.append((result.folder / "transcript.txt").read_text())
        options = json.loads((result.folder / "transcript.json").read_text())["options"]
        corrections += len(options.get("corrections") or [])
    return word_error_rate(" ".join(refs), " ".join(hyps)), corrections


def main() -> None:
    """Run both settings side by side and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sentences", type=int, default=60)
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument(
        "--details",
        action="store_true",
        help="print each sentence with a missed term and what was heard",
    )
    args = parser.parse_args()
    if shutil.which("espeak-ng") is None:
        sys.exit("espeak-ng is needed: apt-get install espeak-ng")
    rows = pick(args.sentences, args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for n, row in enumerate(rows):
            speak(row["text"], folder / f"s{n}.wav")
        pipeline = LocalPipeline(load_settings(data_dir=folder / "var"))
        pipeline.load()
        started = time.perf_counter()
        wanted = expected_terms(pipeline, rows)
        results = {
            bias: recall(pipeline, rows, wanted, folder, bias, args.details)
            for bias in (False, True)
        }
        wers = {bias: wer(pipeline, folder, bias) for bias in (False, True)}
        elapsed = time.perf_counter() - started
    terms = sum(len(w) for w in wanted)
    print(
        f"{len(rows)} synthesised lesson sentences, {terms} expected terms; "
        f"LibriVox WER over {len(librivox_references())} clips; {elapsed:.0f} s"
    )
    print(
        f"{'biasing':8s} {'term recall':>12s} {'LibriVox WER':>13s} "
        f"{'2nd pass kept':>14s} {'corrections':>12s} {'LibriVox corr.':>15s}"
    )
    for bias in (False, True):
        work = results[bias][2]
        print(
            f"{'on' if bias else 'off':8s} {results[bias][0]:12.3f} {wers[bias][0]:13.3f} "
            f"{work['replaced']:>6d} of {work['redecoded']:<5d} {work['corrections']:12d} "
            f"{wers[bias][1]:15d}"
        )
    only_off = sorted(set(results[False][1]) - set(results[True][1]))
    only_on = sorted(set(results[True][1]) - set(results[False][1]))
    print(f"missed only with biasing off: {only_off[:15]}")
    print(f"missed only with biasing on:  {only_on[:15]}")


if __name__ == "__main__":
    main()
