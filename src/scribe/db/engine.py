"""The SQLAlchemy engine for SQLite (embedded) or PostgreSQL (production)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url

from scribe.config import Settings


def make_engine(url: str, *, pool_size: int = 5) -> Engine:
    """An engine for ``url``; SQLite files get WAL, a busy timeout and foreign keys.

    On either database a statement whose text parameters hold a NUL character is refused
    with :class:`~scribe.errors.InvalidTextError` before it runs: PostgreSQL cannot store
    one, and SQLite would keep it silently, so both answer the same clear error."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})
        event.listen(engine, "connect", _sqlite_pragmas)
    else:
        engine = create_engine(url, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True)
    event.listen(engine, "before_cursor_execute", _refuse_nul)
    return engine


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(v) for v in value.values())
    if isinstance(value, list | tuple):
        return any(_has_nul(v) for v in value)
    return False


def _refuse_nul(
    _conn: Any, _cursor: Any, _statement: str, parameters: Any, _context: Any, _many: bool
) -> None:
    if _has_nul(parameters):
        from scribe.errors import InvalidTextError

        raise InvalidTextError("text may not contain NUL characters (\\0)")


def engine_from_settings(settings: Settings) -> Engine:
    """The engine the settings name (with IAM tokens for RDS when ``database.iam_auth``)."""
    engine = make_engine(settings.database_url, pool_size=settings.database.pool_size)
    if settings.database.iam_auth:
        use_iam_tokens(engine, region=settings.database.iam_region)
    return engine


def use_iam_tokens(engine: Engine, *, region: str | None = None) -> None:
    """Give every new connection of a PostgreSQL ``engine`` a fresh RDS IAM token as password.

    Tokens are signed locally with the task role's credentials (no call to AWS) and live
    15 minutes; a pooled connection keeps working after its token expires, only new ones need
    a new token, which this makes each time."""
    from scribe.errors import ConfigError

    url = engine.url
    if url.get_backend_name() != "postgresql" or not url.host or not url.username:
        raise ConfigError("database.iam_auth needs a PostgreSQL URL with a user and a host")
    if url.password:
        raise ConfigError("database.iam_auth: the database URL must not carry a password")
    import boto3

    client = boto3.client("rds", region_name=region)
    host, port, user = url.host, url.port or 5432, url.username

    def provide_token(_dialect: Any, _record: Any, _cargs: Any, cparams: dict[str, Any]) -> None:
        cparams["password"] = client.generate_db_auth_token(
            DBHostname=host, Port=port, DBUsername=user
        )

    event.listen(engine, "do_connect", provide_token)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def sqlite_path(url: str) -> Path | None:
    """The file of a SQLite URL (None for other databases or an in-memory one)."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        parsed = make_url(url)
    except ArgumentError:
        return None
    if parsed.get_backend_name() != "sqlite" or not parsed.database:
        return None
    if parsed.database == ":memory:":
        return None
    return Path(parsed.database)
