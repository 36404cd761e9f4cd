"""What every ``scribe`` command shares: the ``--data-dir`` option, settings loaded through
the environment, a refusal to invent an empty data folder, and one-line error messages."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated

import typer

from scribe.config import Settings, load_settings
from scribe.errors import ScribeError

DataDir = Annotated[
    Path | None,
    typer.Option("--data-dir", help="Data folder (database, queues, blobs); env SCRIBE_DATA_DIR."),
]


def settings_for(data_dir: Path | None = None, *, existing: bool = True) -> Settings:
    """Settings with ``--data-dir`` applied; with ``existing``, refuse (one line, no side
    effect) when the embedded SQLite database they name does not exist yet, instead of
    creating an empty one in whatever folder the command ran from."""
    if data_dir is not None:
        os.environ["SCRIBE_DATA_DIR"] = str(data_dir)
    # The database layer (SQLAlchemy) only here: the worker images carry no database
    # packages, and their entry point is this CLI.
    from scribe.db.engine import sqlite_path

    settings = load_settings()
    path = sqlite_path(settings.database_url)
    if path is not None and not path.exists():
        where = "--data-dir or SCRIBE_DATA_DIR" if data_dir is None else "--data-dir"
        if existing:
            raise ScribeError(
                f"no Scribe database at {path}: check {where}, or start Scribe there first"
            )
        print(f"note: creating a new Scribe database at {path}", file=sys.stderr)
    return settings


def one_line(exc: BaseException) -> str:
    """An exception as one line a person can act on: never SQL, row data or a traceback."""
    import httpx
    from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError

    if isinstance(exc, NoSuchModuleError | ArgumentError):
        return f"the database URL cannot be used: {str(exc).splitlines()[0]}"
    if isinstance(exc, DBAPIError):
        first = (str(exc.orig).strip().splitlines() or [type(exc.orig).__name__])[0]
        return f"database error: {first}"
    if isinstance(exc, httpx.InvalidURL | httpx.UnsupportedProtocol):
        return f"invalid --url: {exc}"
    if isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout):
        return f"cannot reach the Scribe api ({exc}); is it running? check --url"
    if isinstance(exc, httpx.HTTPError):
        return f"the Scribe api did not answer properly: {exc}"
    if isinstance(exc, UnicodeError):
        return f"not UTF-8 text: {exc.reason if isinstance(exc, UnicodeDecodeError) else exc}"
    if isinstance(exc, OSError):
        return f"{exc.strerror or exc}" + (f": {exc.filename}" if exc.filename else "")
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else 'unexpected error'}"
