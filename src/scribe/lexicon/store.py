"""The editable lexicon, kept in the blob store so every terms worker sees the same one.

Until someone edits it, the bundled lexicon is used. The first change copies the bundled files
to ``lexicon/<category>.json`` in the store; ``lexicon/VERSION`` holds the version (a hash of
the files), which terms workers compare before each job to pick up changes for new jobs.
"""

from __future__ import annotations

import csv
import io
import json
import re
import tempfile
from pathlib import Path
from typing import Any

from scribe.errors import LexiconError
from scribe.lexicon import BUNDLED_DIR, Lexicon, load_lexicon
from scribe.storage.base import BlobStore

PREFIX = "lexicon/"
VERSION_KEY = "lexicon/VERSION"
_CATEGORY_ID = re.compile(r"^[a-z][a-z0-9_]{1,40}$")


def stored_version(store: BlobStore) -> str | None:
    """The version of the lexicon in the store, or None while the bundled one is in use."""
    return store.get_bytes(VERSION_KEY).decode() if store.exists(VERSION_KEY) else None


def read_lexicon(store: BlobStore) -> Lexicon:
    """The lexicon in force: the store's copy, else the bundled one."""
    keys = [k for k in store.list(PREFIX) if k.endswith(".json")]
    if not keys:
        return load_lexicon()
    with tempfile.TemporaryDirectory() as tmp:
        for key in keys:
            (Path(tmp) / key.rsplit("/", 1)[-1]).write_bytes(store.get_bytes(key))
        return load_lexicon(Path(tmp))


def _documents(store: BlobStore) -> dict[str, dict[str, Any]]:
    keys = [k for k in store.list(PREFIX) if k.endswith(".json")]
    if keys:
        return {k.rsplit("/", 1)[-1][:-5]: json.loads(store.get_bytes(k)) for k in keys}
    return {p.stem: json.loads(p.read_text()) for p in sorted(BUNDLED_DIR.glob("*.json"))}


def _save(store: BlobStore, documents: dict[str, dict[str, Any]]) -> str:
    existing = {k for k in store.list(PREFIX) if k.endswith(".json")}
    for category, document in documents.items():
        document["terms"] = sorted(document["terms"], key=lambda t: t["canonical"].lower())
        store.put_bytes(
            f"{PREFIX}{category}.json",
            json.dumps(document, indent=2, ensure_ascii=False).encode(),
            content_type="application/json",
        )
    for key in existing - {f"{PREFIX}{c}.json" for c in documents}:
        store.delete(key)
    version = read_lexicon(store).version
    store.put_bytes(VERSION_KEY, version.encode())
    return version


def as_document(store: BlobStore) -> dict[str, Any]:
    """The lexicon as the API shows it."""
    lexicon = read_lexicon(store)
    grouped = lexicon.by_category()
    return {
        "version": lexicon.version,
        "categories": [
            {
                "id": category,
                "label": lexicon.labels.get(category, category),
                "terms": [
                    {"canonical": t.canonical, "variants": list(t.variants)}
                    for t in grouped.get(category, [])
                ],
            }
            for category in sorted(lexicon.labels)
        ],
    }


def _clean_forms(canonical: str, variants: list[str]) -> tuple[str, list[str]]:
    canonical = " ".join(canonical.split())
    if not canonical or len(canonical) > 120:
        raise LexiconError("a term needs a canonical form of 1 to 120 characters")
    forms = [" ".join(v.split()) for v in variants if v and v.strip()]
    return canonical, [v for v in dict.fromkeys(forms) if v.lower() != canonical.lower()][:50]


def _taken(documents: dict[str, dict[str, Any]], forms: list[str], skip: str) -> str | None:
    wanted = {f.lower() for f in forms}
    for category, document in documents.items():
        for term in document["terms"]:
            if f"{category}/{term['canonical']}".lower() == skip.lower():
                continue
            used = {term["canonical"].lower(), *(v.lower() for v in term.get("variants", []))}
            clash = wanted & used
            if clash:
                return f"{sorted(clash)[0]!r} already belongs to {term['canonical']!r} ({category})"
    return None


def upsert_term(store: BlobStore, *, category: str, canonical: str, variants: list[str]) -> str:
    """Add or replace a term; returns the new lexicon version."""
    documents = _documents(store)
    if category not in documents:
        raise LexiconError(f"no category {category!r}")
    canonical, variants = _clean_forms(canonical, variants)
    clash = _taken(documents, [canonical, *variants], skip=f"{category}/{canonical}")
    if clash:
        raise LexiconError(clash)
    terms = [t for t in documents[category]["terms"] if t["canonical"].lower() != canonical.lower()]
    terms.append({"canonical": canonical, "variants": variants})
    documents[category]["terms"] = terms
    return _save(store, documents)


def delete_term(store: BlobStore, *, category: str, canonical: str) -> str:
    """Remove a term; returns the new lexicon version."""
    documents = _documents(store)
    terms = documents.get(category, {}).get("terms", [])
    kept = [t for t in terms if t["canonical"].lower() != canonical.lower()]
    if len(kept) == len(terms):
        raise LexiconError(f"no term {canonical!r} in {category!r}")
    documents[category]["terms"] = kept
    return _save(store, documents)


def add_category(store: BlobStore, *, category: str, label: str) -> str:
    """A new, empty category; returns the new lexicon version."""
    if not _CATEGORY_ID.match(category):
        raise LexiconError("a category id is 2-41 lowercase letters, digits or underscores")
    documents = _documents(store)
    if category in documents:
        raise LexiconError(f"category {category!r} exists")
    documents[category] = {
        "category": category,
        "label": label or category,
        "version": "1.0.0",
        "terms": [],
    }
    return _save(store, documents)


def export_csv(store: BlobStore) -> str:
    """category,canonical,variants (variants joined by ``|``)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["category", "canonical", "variants"])
    for category in as_document(store)["categories"]:
        for term in category["terms"]:
            writer.writerow([category["id"], term["canonical"], "|".join(term["variants"])])
    return out.getvalue()


def import_lexicon(store: BlobStore, body: str) -> tuple[str, int]:
    """Merge a JSON export or a CSV into the lexicon; returns (version, terms imported)."""
    rows: list[tuple[str, str, list[str], str | None]] = []
    text = body.strip()
    if text.startswith("{"):
        try:
            data = json.loads(text)
            for category in data["categories"]:
                for term in category["terms"]:
                    rows.append(
                        (
                            category["id"],
                            term["canonical"],
                            list(term.get("variants", [])),
                            category.get("label"),
                        )
                    )
        except (ValueError, KeyError, TypeError) as exc:
            raise LexiconError(f"not a lexicon export: {exc}") from exc
    else:
        reader = csv.DictReader(io.StringIO(text))
        if not reader.fieldnames or not {"category", "canonical"} <= set(reader.fieldnames):
            raise LexiconError("the CSV needs a header with category,canonical[,variants]")
        for row in reader:
            variants = [v for v in (row.get("variants") or "").split("|") if v.strip()]
            rows.append((row["category"].strip(), row["canonical"], variants, None))
    documents = _documents(store)
    for category, canonical, variants, label in rows:
        if category not in documents:
            if not _CATEGORY_ID.match(category):
                raise LexiconError(f"bad category id {category!r}")
            documents[category] = {
                "category": category,
                "label": label or category,
                "version": "1.0.0",
                "terms": [],
            }
        canonical, variants = _clean_forms(canonical, variants)
        clash = _taken(documents, [canonical, *variants], skip=f"{category}/{canonical}")
        if clash:
            raise LexiconError(clash)
        terms = [
            t for t in documents[category]["terms"] if t["canonical"].lower() != canonical.lower()
        ]
        documents[category]["terms"] = [*terms, {"canonical": canonical, "variants": variants}]
    return _save(store, documents), len(rows)
