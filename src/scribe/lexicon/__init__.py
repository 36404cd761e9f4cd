"""The music lexicon: canonical terms with their spoken and written variants, by category.

Data lives in versioned JSON files, one per category (see ``data/README.md``).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from scribe.errors import ConfigError

BUNDLED_DIR = Path(__file__).resolve().parent / "data"


@dataclass(frozen=True)
class LexiconTerm:
    """One term: its canonical form, category and every variant it is said or written as."""

    canonical: str
    category: str
    variants: tuple[str, ...]

    @property
    def forms(self) -> tuple[str, ...]:
        """The canonical form and the variants, without repeats."""
        return tuple(dict.fromkeys((self.canonical, *self.variants)))


@dataclass(frozen=True)
class Lexicon:
    """All terms, with category labels and a version that changes with any file."""

    version: str
    labels: dict[str, str]
    terms: tuple[LexiconTerm, ...]

    def by_category(self) -> dict[str, list[LexiconTerm]]:
        """Terms grouped by category."""
        grouped: dict[str, list[LexiconTerm]] = {}
        for term in self.terms:
            grouped.setdefault(term.category, []).append(term)
        return grouped


def load_lexicon(folder: Path | None = None) -> Lexicon:
    """Read every ``*.json`` category file of ``folder`` (default: the bundled lexicon)."""
    folder = folder or BUNDLED_DIR
    files = sorted(folder.glob("*.json"))
    if not files:
        raise ConfigError(f"no lexicon files (*.json) in {folder}")
    digest = hashlib.sha256()
    labels: dict[str, str] = {}
    terms: list[LexiconTerm] = []
    for path in files:
        raw = path.read_bytes()
        digest.update(path.name.encode() + b"\0" + raw)
        try:
            data = json.loads(raw)
            category = str(data["category"])
            labels[category] = str(data.get("label", category))
            for entry in data["terms"]:
                variants = tuple(str(v) for v in entry.get("variants", []))
                terms.append(LexiconTerm(str(entry["canonical"]), category, variants))
        except (ValueError, KeyError, TypeError) as exc:
            raise ConfigError(f"lexicon file {path.name} is malformed: {exc}") from exc
    return Lexicon(version=digest.hexdigest()[:12], labels=labels, terms=tuple(terms))
