"""RDS IAM authentication: each new connection gets a fresh signed token as its password.

Against the real PostgreSQL on 127.0.0.1 (trust auth accepts any password, so the token
reaches the server and the connection works); the token itself is checked for what RDS
verifies: the host, port, user and a SigV4 signature with a 15-minute expiry.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import event, text

from scribe.config import load_settings
from scribe.db.engine import engine_from_settings
from scribe.errors import ConfigError


@pytest.fixture
def aws_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")


def test_each_new_connection_signs_in_with_an_iam_token(
    postgres_url: str, aws_credentials: None
) -> None:
    settings = load_settings(
        database={"url": postgres_url, "iam_auth": True, "iam_region": "eu-west-1"}
    )
    engine = engine_from_settings(settings)
    seen: list[str] = []

    @event.listens_for(engine, "do_connect")
    def record(_d: Any, _r: Any, _a: Any, cparams: dict[str, Any]) -> None:
        seen.append(cparams["password"])

    try:
        with engine.connect() as conn:
            assert conn.execute(text("SELECT 1")).scalar_one() == 1
        engine.dispose()
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    finally:
        engine.dispose()
    assert len(seen) == 2
    token = urlsplit("https://" + seen[0])
    query = parse_qs(token.query)
    assert token.hostname == "127.0.0.1" and token.port == 5432
    assert query["Action"] == ["connect"] and query["DBUser"] == ["postgres"]
    assert query["X-Amz-Expires"] == ["900"] and "eu-west-1/rds-db" in query["X-Amz-Credential"][0]


def test_iam_auth_refuses_a_url_with_a_password() -> None:
    settings = load_settings(
        database={"url": "postgresql+psycopg://app:secret@db.example/scribe", "iam_auth": True}
    )
    with pytest.raises(ConfigError, match="must not carry a password"):
        engine_from_settings(settings)
