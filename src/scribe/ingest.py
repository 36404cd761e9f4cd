"""Where jobs come from besides uploads: http(s) URLs, the media bucket, and manifests.

Sources are checked here, before a job exists (an unsafe URL is refused with a 4xx), and again
by the extract worker when it downloads (every redirect hop included).
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import urlsplit

from pydantic import ValidationError

from scribe import artifacts
from scribe.config import Settings
from scribe.domain.options import JobOptions
from scribe.errors import SourceError
from scribe.library.metadata import clean_tags

MANIFEST_COLUMNS = (
    "source",
    "title",
    "collection",
    "lesson_number",
    "description",
    "tags",
    "callback_url",
)
OPTION_KEYS = frozenset(JobOptions.model_fields)


@dataclass
class ManifestLine:
    """One valid line of a manifest."""

    line: int
    source: str
    title: str | None = None
    collection: str | None = None
    lesson_number: int | None = None
    callback_url: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    options: dict[str, Any] = field(default_factory=dict)
    description: str = ""
    tags: list[str] = field(default_factory=list)


@dataclass
class ManifestProblem:
    """A line that was refused, and why."""

    line: int
    reason: str


def check_source(source: str, settings: Settings) -> str:
    """Refuse a source that is not http(s) to a public address or in the media bucket;
    returns the file name the job will use."""
    if source.startswith("s3://"):
        bucket, _, key = source[5:].partition("/")
        if not settings.ingest.media_bucket:
            raise SourceError("S3 sources are off: no media bucket is configured")
        if bucket != settings.ingest.media_bucket:
            raise SourceError(
                f"only the media library bucket {settings.ingest.media_bucket!r} may be named"
            )
        if not key or key.endswith("/") or ".." in key.split("/"):
            raise SourceError(f"{source} does not name an object")
        return artifacts.safe_filename(PurePosixPath(key).name)
    parts = urlsplit(source)
    if parts.scheme not in ("http", "https"):
        raise SourceError("a source must be an http(s) URL or s3://bucket/key")
    from scribe.errors import UnsafeUrlError
    from scribe.net.safety import check_url

    try:
        check_url(source, allow_hosts=settings.ingest.allow_hosts)
    except UnsafeUrlError as exc:
        raise SourceError(str(exc)) from exc
    return artifacts.safe_filename(PurePosixPath(parts.path).name or parts.hostname or "download")


def parse_manifest(
    body: str, *, settings: Settings, fmt: str | None = None
) -> tuple[list[ManifestLine], list[ManifestProblem]]:
    """CSV (with a header row) or JSON lines; bad lines are reported, the rest kept.

    Lines may end in LF, CRLF or a lone CR (old Mac exports), mixed in one file."""
    text = body.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    kind = fmt or ("jsonl" if text.lstrip().startswith("{") else "csv")
    raw = _jsonl_rows(text) if kind == "jsonl" else _csv_rows(text)
    good: list[ManifestLine] = []
    bad: list[ManifestProblem] = []
    for number, row in raw:
        if len(good) + len(bad) >= settings.ingest.max_manifest_lines:
            bad.append(ManifestProblem(number, "manifest has too many lines; rest ignored"))
            break
        if isinstance(row, str):
            bad.append(ManifestProblem(number, row))
            continue
        try:
            good.append(_line(number, row, settings))
        except (SourceError, ValueError, ValidationError) as exc:
            bad.append(ManifestProblem(number, _reason(exc)))
    return good, bad


def _reason(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return "; ".join(
            f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in exc.errors()
        )
    return str(exc)


def _csv_rows(text: str) -> list[tuple[int, dict[str, Any] | str]]:
    reader = csv.DictReader(io.StringIO(text))
    try:
        fieldnames = reader.fieldnames
    except csv.Error as exc:
        return [(1, f"the CSV header cannot be read: {exc}")]
    if not fieldnames or "source" not in [f.strip() for f in fieldnames]:
        return [(1, "the CSV header must have a `source` column")]
    rows: list[tuple[int, dict[str, Any] | str]] = []
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            rows.append((reader.line_num, f"the line cannot be read as CSV: {exc}"))
            continue
        if not any((value or "").strip() for value in row.values() if isinstance(value, str)):
            continue
        if None in row:
            rows.append((reader.line_num, "more values than header columns"))
            continue
        rows.append((reader.line_num, {k.strip(): (v or "").strip() for k, v in row.items()}))
    return rows


def _jsonl_rows(text: str) -> list[tuple[int, dict[str, Any] | str]]:
    rows: list[tuple[int, dict[str, Any] | str]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError as exc:
            rows.append((number, f"not JSON: {exc.msg}"))
            continue
        rows.append((number, value if isinstance(value, dict) else "each line must be an object"))
    return rows


def _line(number: int, row: dict[str, Any], settings: Settings) -> ManifestLine:
    for key, value in row.items():
        if isinstance(value, str) and "\x00" in value:
            raise ValueError(f"`{key}` holds a NUL character")
    source = str(row.get("source") or "").strip()
    if not source:
        raise ValueError("`source` is empty")
    check_source(source, settings)
    lesson = row.get("lesson_number")
    lesson_number = None
    if lesson not in (None, ""):
        text = str(lesson).strip()
        if isinstance(lesson, bool) or not text.lstrip("-").isdigit() or len(text) > 9:
            raise ValueError(f"`lesson_number` must be a whole number, not {text[:20]!r}")
        lesson_number = int(text)
        if lesson_number < 0:
            raise ValueError("`lesson_number` must not be negative")
    callback_url = str(row.get("callback_url") or "").strip() or None
    if callback_url:
        from scribe.config import DEFAULT_WEBHOOK_SECRET
        from scribe.net.safety import UnsafeUrlError, check_url, is_loopback

        secret = settings.webhooks.secret.get_secret_value()
        if secret == DEFAULT_WEBHOOK_SECRET and not is_loopback(settings.api.host):
            raise SourceError("`callback_url` refused: SCRIBE_WEBHOOKS__SECRET is not set")

        try:
            check_url(callback_url, allow_hosts=settings.webhooks.allow_hosts)
        except UnsafeUrlError as exc:
            raise SourceError(f"`callback_url` refused: {exc}") from exc
    options = {k: row[k] for k in OPTION_KEYS if k in row and row[k] not in (None, "")}
    for flag in ("lexicon_bias", "normalize_loudness"):
        if isinstance(options.get(flag), str):
            options[flag] = options[flag].lower() in ("1", "true", "yes", "on")
    JobOptions.model_validate(options)
    metadata = dict(row.get("metadata") or {}) if isinstance(row.get("metadata"), dict) else {}
    for key, value in row.items():
        if key not in (*MANIFEST_COLUMNS, "metadata", *OPTION_KEYS) and value not in (None, ""):
            metadata[key] = value
    return ManifestLine(
        line=number,
        source=source,
        title=str(row["title"]).strip() or None if row.get("title") else None,
        collection=str(row["collection"]).strip() or None if row.get("collection") else None,
        lesson_number=lesson_number,
        callback_url=callback_url,
        metadata=metadata,
        options=options,
        description=str(row.get("description") or "").strip()[:5000],
        tags=clean_tags(row.get("tags") or []),
    )
