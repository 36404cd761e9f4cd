"""API keys: stored hashed, shown once, with scopes read < write < admin."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlalchemy import Connection, func, insert, select, update

from scribe.db.tables import api_keys, utcnow

Scope = Literal["read", "write", "admin"]
SCOPE_RANK: dict[str, int] = {"read": 1, "write": 2, "admin": 3}
KEY_PREFIX = "sk_"


@dataclass(frozen=True)
class ApiKey:
    """A key as listed (never its secret)."""

    id: str
    name: str
    prefix: str
    scope: Scope
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_key(conn: Connection, *, name: str, scope: Scope) -> tuple[ApiKey, str]:
    """A new key; the plain token is returned this once and only its hash is kept."""
    prefix = secrets.token_hex(4)
    token = f"{KEY_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    key_id = uuid.uuid4().hex
    now = utcnow()
    conn.execute(
        insert(api_keys).values(
            id=key_id,
            name=name,
            prefix=prefix,
            key_hash=_hash(token),
            scopes=scope,
            created_at=now,
        )
    )
    return ApiKey(key_id, name, prefix, scope, now, None, None), token


def new_token() -> str:
    """A fresh key in the ``sk_<prefix>_<secret>`` form, stored nowhere yet."""
    return f"{KEY_PREFIX}{secrets.token_hex(4)}_{secrets.token_urlsafe(32)}"


def token_prefix(token: str) -> str | None:
    """The prefix of a well-formed token, or None."""
    if not token.startswith(KEY_PREFIX):
        return None
    prefix, sep, rest = token[len(KEY_PREFIX) :].partition("_")
    if not sep or not rest or len(prefix) != 8:
        return None
    try:
        int(prefix, 16)
    except ValueError:
        return None
    return prefix


def import_key(conn: Connection, *, name: str, scope: Scope, token: str) -> ApiKey:
    """Keep the hash of a key made elsewhere (the bootstrap secret); an existing row with the
    same prefix is returned as it is, so importing twice is harmless."""
    from scribe.errors import ConfigError

    prefix = token_prefix(token)
    if prefix is None:
        raise ConfigError("the bootstrap API key is not of the form sk_<8 hex>_<secret>")
    row = conn.execute(select(api_keys).where(api_keys.c.prefix == prefix)).mappings().first()
    if row is not None:
        if not hmac.compare_digest(row["key_hash"], _hash(token)):
            raise ConfigError(
                "an API key with the bootstrap key's prefix but another secret exists"
            )
        return _key(row)
    key_id = uuid.uuid4().hex
    now = utcnow()
    conn.execute(
        insert(api_keys).values(
            id=key_id, name=name, prefix=prefix, key_hash=_hash(token), scopes=scope, created_at=now
        )
    )
    return ApiKey(key_id, name, prefix, scope, now, None, None)


def authenticate(conn: Connection, *, token: str) -> ApiKey | None:
    """The live key a token belongs to, or None (unknown, malformed or revoked)."""
    if not token.startswith(KEY_PREFIX):
        return None
    prefix = token[len(KEY_PREFIX) :].split("_", 1)[0]
    row = conn.execute(select(api_keys).where(api_keys.c.prefix == prefix)).mappings().first()
    if row is None or row["revoked_at"] is not None:
        return None
    if not hmac.compare_digest(row["key_hash"], _hash(token)):
        return None
    conn.execute(update(api_keys).where(api_keys.c.id == row["id"]).values(last_used_at=utcnow()))
    return _key(row)


def list_keys(conn: Connection) -> list[ApiKey]:
    """Every key, newest first."""
    rows = conn.execute(select(api_keys).order_by(api_keys.c.created_at.desc())).mappings()
    return [_key(row) for row in rows]


def revoke_key(conn: Connection, *, key: str) -> bool:
    """Revoke by id or prefix; False when no live key matches."""
    result = conn.execute(
        update(api_keys)
        .where((api_keys.c.id == key) | (api_keys.c.prefix == key), api_keys.c.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    return result.rowcount > 0


def live_key_count(conn: Connection) -> int:
    """How many keys are not revoked."""
    return int(
        conn.execute(
            select(func.count()).select_from(api_keys).where(api_keys.c.revoked_at.is_(None))
        ).scalar_one()
    )


def allows(key_scope: str, needed: str) -> bool:
    """Whether a key of ``key_scope`` may do what needs ``needed``."""
    return SCOPE_RANK.get(key_scope, 0) >= SCOPE_RANK[needed]


def _key(row: object) -> ApiKey:
    data = dict(row)  # type: ignore[call-overload]
    return ApiKey(
        id=data["id"],
        name=data["name"],
        prefix=data["prefix"],
        scope=data["scopes"],
        created_at=data["created_at"],
        last_used_at=data["last_used_at"],
        revoked_at=data["revoked_at"],
    )
