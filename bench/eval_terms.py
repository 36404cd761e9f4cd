"""Music-term recognition quality on the labelled sentences, overall and per category.

Four labelled sets, one ``{"text", "expected": [{"text", "category"}]}`` a line:

- ``bench/data/term_sentences.jsonl``, the tuning set: short sentences the lexicon and the
  recognisers were developed against;
- ``bench/data/term_dev.jsonl``, the development set: long spoken teacher-style sentences
  full of everyday senses of term words ("take a break", "a panic attack", "in action",
  "from G to A"), written for the context rules and developed against;
- ``bench/data/term_heldout.jsonl``, the held-out set: long spoken teacher-style sentences with
  fillers and several terms each, written before the lexicon was deepened; after it had been
  run at many checkpoints it was retired to a second development set (its errors were read and
  tuned on from then on);
- ``bench/data/term_heldout2.jsonl``, the held-out set now: spoken transcripts of other kinds of
  lesson video (song walkthroughs, gear demos, setup, live Q&A, theory, practice, styles, home
  recording), written by someone who had not seen the recogniser's rules, never tuned on;
- ``bench/data/term_dev3.jsonl`` and ``bench/data/term_heldout3.jsonl``: one half each of two
  further writers' sets (beginner courses, private lessons, exam preparation, blues and
  acoustic lessons, lesson recaps; jazz, metal, interviews, songwriting, country and funk,
  shop repairs, whiteboard theory), split at random per writer and committed before any
  change they were used for. The development half is developed against (its errors are
  read); the held-out half is never tuned on, like a customer's sample split in two.

It runs ``TermRecognizer(load_lexicon())`` over every text of each set (batched, as the terms
stage does) and prints, for each set separately, precision, recall and F1 overall and for each
category, then the speed.

Matching rule: a predicted occurrence matches an expected one when the categories are equal
and the span texts are equal, compared case-insensitively. The normalised term is not
compared, only the words as said. Matching is per sentence and counts duplicates: if a
sentence expects "slow practice" twice and the recogniser finds it once, that is one true
positive and one false negative; found three times, two true positives and one false
positive. Per category, the same multiset counts are taken over that category's pairs. A last
line, "spans, any cat.", counts the same way on the span text alone, whatever the category:
the distance between it and OVERALL is how terms are filed, not whether they are found.

It exits 0 whatever the figures (it is a benchmark) unless ``--min-f1`` is given and the
overall F1 is below it. ``--errors`` lists every missed and spurious occurrence.

Usage: ``.venv/bin/python bench/eval_terms.py [--set tuning|dev|heldout|dev3|heldout2|heldout3|all]
[--min-f1 0.95] [--errors] [--data FILE]`` (``--data`` scores one other file instead of the
named sets; ``--min-f1`` applies to the tuning set, or to ``--data``).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scribe.lexicon import load_lexicon
from scribe.stages.terms.recognizer import TermRecognizer

DATA = Path(__file__).resolve().parent / "data" / "term_sentences.jsonl"
DEV = Path(__file__).resolve().parent / "data" / "term_dev.jsonl"
HELDOUT = Path(__file__).resolve().parent / "data" / "term_heldout.jsonl"
HELDOUT2 = Path(__file__).resolve().parent / "data" / "term_heldout2.jsonl"
DEV3 = Path(__file__).resolve().parent / "data" / "term_dev3.jsonl"
HELDOUT3 = Path(__file__).resolve().parent / "data" / "term_heldout3.jsonl"
SETS = {
    "tuning": DATA,
    "dev": DEV,
    "heldout": HELDOUT,
    "dev3": DEV3,
    "heldout2": HELDOUT2,
    "heldout3": HELDOUT3,
}


@dataclass
class Tally:
    """True positives, false positives and false negatives."""

    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        """tp / (tp + fp); 1.0 when nothing was predicted."""
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        """tp / (tp + fn); 1.0 when nothing was expected."""
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        """Harmonic mean of precision and recall."""
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass
class Report:
    """Overall and per-category tallies, the errors, and the timing."""

    overall: Tally = field(default_factory=Tally)
    # The same counts matched on the span alone, any category: how much of the gap is which
    # category a term is filed under (labellers disagree: "reverb" as gear or as tone).
    spans: Tally = field(default_factory=Tally)
    by_category: dict[str, Tally] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    sentences: int = 0
    seconds: float = 0.0


def load(path: Path) -> list[dict[str, Any]]:
    """The labelled sentences."""
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def evaluate(recognizer: TermRecognizer, rows: list[dict[str, Any]]) -> Report:
    """Run the recogniser over every text and score it against the labels."""
    report = Report(sentences=len(rows))
    started = time.perf_counter()
    found = recognizer.find_in_texts([row["text"] for row in rows])
    report.seconds = time.perf_counter() - started
    for row, matches in zip(rows, found, strict=True):
        expected = Counter((e["category"], e["text"].lower()) for e in row["expected"])
        predicted = Counter((m.category, m.text.lower()) for m in matches)
        for key in expected | predicted:
            tp = min(expected[key], predicted[key])
            fp, fn = predicted[key] - tp, expected[key] - tp
            for tally in (report.overall, report.by_category.setdefault(key[0], Tally())):
                tally.tp, tally.fp, tally.fn = tally.tp + tp, tally.fp + fp, tally.fn + fn
            if fp or fn:
                kind = "spurious" if fp else "missed"
                terms = [m.term for m in matches if (m.category, m.text.lower()) == key]
                report.errors.append(f"{kind:8} {key[0]:15} {key[1]!r} {terms} in {row['text']!r}")
        said = Counter(text for _category, text in expected.elements())
        heard = Counter(text for _category, text in predicted.elements())
        for text in said | heard:
            tp = min(said[text], heard[text])
            report.spans.tp += tp
            report.spans.fp += heard[text] - tp
            report.spans.fn += said[text] - tp
    return report


def print_report(report: Report, show_errors: bool) -> None:
    """The table, the speed and, if asked, the errors."""
    print(f"{'category':16} {'P':>6} {'R':>6} {'F1':>6} {'tp':>5} {'fp':>4} {'fn':>4}")
    rows = [*sorted(report.by_category.items()), ("OVERALL", report.overall)]
    for name, t in rows:
        print(
            f"{name:16} {t.precision:6.3f} {t.recall:6.3f} {t.f1:6.3f} "
            f"{t.tp:5d} {t.fp:4d} {t.fn:4d}"
        )
    t = report.spans
    print(
        f"{'spans, any cat.':16} {t.precision:6.3f} {t.recall:6.3f} {t.f1:6.3f} "
        f"{t.tp:5d} {t.fp:4d} {t.fn:4d}"
    )
    rate = report.sentences / report.seconds if report.seconds else float("inf")
    print(f"\n{report.sentences} sentences in {report.seconds:.3f} s: {rate:.0f} sentences/s")
    if show_errors and report.errors:
        print("\n" + "\n".join(report.errors))


def main() -> int:
    """Evaluate; 0 unless ``--min-f1`` is set and not met."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=None, help="score this file only")
    parser.add_argument("--set", choices=[*SETS, "all"], default="all")
    parser.add_argument("--min-f1", type=float, default=None)
    parser.add_argument("--errors", action="store_true", help="list missed and spurious terms")
    args = parser.parse_args()
    if args.data is not None:
        chosen = {str(args.data): args.data}
    else:
        names = list(SETS) if args.set == "all" else [args.set]
        chosen = {name: SETS[name] for name in names}
    recognizer = TermRecognizer(load_lexicon())
    recognizer.find_in_text("warm up")  # load lazily initialised parts before timing
    gated: Report | None = None
    for name, path in chosen.items():
        print(f"== {name} ({path.name})")
        report = evaluate(recognizer, load(path))
        print_report(report, args.errors)
        print()
        if name in ("tuning", str(args.data)):
            gated = report
    if args.min_f1 is not None and gated is not None and gated.overall.f1 < args.min_f1:
        print(f"overall F1 {gated.overall.f1:.3f} is below {args.min_f1}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
