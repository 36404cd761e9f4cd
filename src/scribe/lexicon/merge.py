"""Saving a term without losing its spellings: new spellings are merged into the ones it has,
and a spelling goes only when it is named for removal (or the whole list is replaced on
purpose). The result says what changed, so the editor is never told "saved" about a loss."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from scribe.lexicon import store as lexicon_store
from scribe.storage.base import BlobStore


@dataclass(frozen=True)
class TermChange:
    """What one save did to a term."""

    version: str
    created: bool
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)


def save_term(
    store: BlobStore,
    *,
    category: str,
    canonical: str,
    variants: Sequence[str],
    remove: Sequence[str] = (),
    replace: bool = False,
) -> TermChange:
    """Add a term, or merge ``variants`` into the existing one of the same canonical form
    (``remove`` names spellings to drop; ``replace`` makes ``variants`` the whole list)."""
    document = lexicon_store.as_document(store)
    existing: list[str] | None = None
    for group in document["categories"]:
        if group["id"] != category:
            continue
        for term in group["terms"]:
            if term["canonical"].lower() == canonical.strip().lower():
                existing = list(term["variants"])
    gone = {r.strip().lower() for r in remove if r.strip()}
    typed = [" ".join(v.split()) for v in variants if v.strip()]
    before = existing or []
    base = [] if replace else before
    merged = [v for v in dict.fromkeys([*base, *typed]) if v.lower() not in gone]
    seen: set[str] = set()
    unique = []
    for v in merged:
        if v.lower() not in seen:
            seen.add(v.lower())
            unique.append(v)
    version = lexicon_store.upsert_term(
        store, category=category, canonical=canonical, variants=unique
    )
    lowered_before = {v.lower() for v in before}
    lowered_after = {v.lower() for v in unique}
    return TermChange(
        version=version,
        created=existing is None,
        added=[v for v in unique if v.lower() not in lowered_before],
        removed=[v for v in before if v.lower() not in lowered_after],
        kept=[v for v in unique if v.lower() in lowered_before],
    )
