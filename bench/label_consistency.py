"""How consistently the labelled term sets are labelled, from the labels alone (no recogniser).

A labelled set says, sentence by sentence, which words are music terms. When its writer
labelled "guitar" in some sentences and left it unlabelled in others with nothing in the
context to tell them apart, a recogniser loses recall or precision on that set whatever its
rules; when two sets file "reverb" under different categories, category-level figures measure
the convention, not the recogniser. This script counts both:

- **labelled here, not there**: surface forms (case-insensitive, whole words) labelled in
  some sentences of a set and present but unlabelled, and not inside a longer label, in
  others; with the share of the set's labels they account for and the unlabelled occurrences.
  Many are real context (the letter "a" against the chord A, the verb "pick" against the
  plectrum), so this is not a ceiling; the list shows which forms to read.
- **filed under two categories**: forms whose most frequent category differs between sets
  (some are two senses, like "bridge" the part and the song section).

Usage: ``.venv/bin/python bench/label_consistency.py [--set NAME ...] [--show 15]``.
It always exits 0: it is a benchmark of the data.
"""

from __future__ import annotations

import argparse
import json
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"
SETS = {
    "tuning": "term_sentences.jsonl",
    "dev": "term_dev.jsonl",
    "heldout": "term_heldout.jsonl",
    "dev3": "term_dev3.jsonl",
    "heldout2": "term_heldout2.jsonl",
    "heldout3": "term_heldout3.jsonl",
}


@dataclass
class FormCounts:
    """One surface form in one set."""

    labelled: int = 0
    unlabelled: int = 0
    categories: Counter[str] = field(default_factory=Counter)


def _occurrences(form: str, text: str) -> list[tuple[int, int]]:
    """Character ranges of ``form`` as whole words in ``text`` (both lower case)."""
    pattern = r"(?<![\w-])" + re.escape(form) + r"(?![\w-])"
    return [(m.start(), m.end()) for m in re.finditer(pattern, text)]


def count_forms(rows: list[dict[str, object]]) -> dict[str, FormCounts]:
    """Labelled and unlabelled occurrences of every labelled form across ``rows``."""
    forms: dict[str, FormCounts] = defaultdict(FormCounts)
    for row in rows:
        for label in row["expected"]:  # type: ignore[attr-defined]
            counts = forms[str(label["text"]).lower()]
            counts.labelled += 1
            counts.categories[str(label["category"])] += 1
    for row in rows:
        text = str(row["text"]).lower()
        covered: list[tuple[int, int]] = []
        for label in row["expected"]:  # type: ignore[attr-defined]
            taken = [r for r in _occurrences(str(label["text"]).lower(), text) if r not in covered]
            covered += taken[:1]
        for form, counts in forms.items():
            if form not in text:
                continue
            for start, end in _occurrences(form, text):
                if not any(lo <= start and end <= hi for lo, hi in covered):
                    counts.unlabelled += 1
    return forms


def main() -> None:
    """Print both counts for each chosen set."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--set", dest="sets", action="append", choices=sorted(SETS))
    parser.add_argument("--show", type=int, default=12, help="forms to list per set")
    args = parser.parse_args()
    names = args.sets or list(SETS)
    by_set = {}
    for name in names:
        rows = [json.loads(line) for line in (DATA / SETS[name]).open(encoding="utf-8")]
        forms = count_forms(rows)
        by_set[name] = forms
        labels = sum(c.labelled for c in forms.values())
        mixed = {f: c for f, c in forms.items() if c.unlabelled > 0}
        share = sum(c.labelled for c in mixed.values()) / max(labels, 1)
        print(
            f"== {name}: {len(rows)} sentences, {labels} labels, {len(forms)} forms; "
            f"{len(mixed)} forms also left unlabelled ({share:.1%} of the labels, "
            f"{sum(c.unlabelled for c in mixed.values())} unlabelled occurrences)"
        )
        ranked = sorted(mixed.items(), key=lambda item: -min(item[1].labelled, item[1].unlabelled))
        for form, counts in ranked[: args.show]:
            print(f"   {form!r:28} labelled {counts.labelled:3}  unlabelled {counts.unlabelled:3}")
    categories: dict[str, dict[str, str]] = defaultdict(dict)
    for name, forms in by_set.items():
        for form, counts in forms.items():
            categories[form][name] = counts.categories.most_common(1)[0][0]
    split = {f: c for f, c in categories.items() if len(set(c.values())) > 1}
    print(f"== filed under two categories across sets: {len(split)} forms")
    for form, per_set in sorted(split.items())[: args.show * 2]:
        print(f"   {form!r:28} " + ", ".join(f"{s} {c}" for s, c in per_set.items()))


if __name__ == "__main__":
    main()
