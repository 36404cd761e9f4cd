"""Off loopback: no default secrets, and a first admin key that is created but never printed.

The bootstrap runs against moto's Secrets Manager (server mode), with the real database and
the real api; the refusal goes through the real `scribe api` command.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

import boto3
import httpx
import pytest

from scribe.api.bootstrap import BOOTSTRAP_KEY_NAME, SecretsManagerStore, bootstrap_admin_key
from scribe.api.startup import check_secrets
from scribe.db import keys
from scribe.errors import ConfigError
from scribe.services import open_backends
from tests.api.conftest import api_settings, start_api, stop_api

REPO = Path(__file__).resolve().parents[2]
OFF_LOOPBACK = {"host": "0.0.0.0", "session_secret": "s" * 40}
SIGNING = {"secret": "w" * 40}


def _secret(endpoint: str, name: str) -> str:
    client = boto3.client("secretsmanager", region_name="us-east-1", endpoint_url=endpoint)
    return str(client.create_secret(Name=name, Description="bootstrap test")["ARN"])


def _value(endpoint: str, arn: str) -> str:
    client = boto3.client("secretsmanager", region_name="us-east-1", endpoint_url=endpoint)
    return str(client.get_secret_value(SecretId=arn)["SecretString"])


def test_off_loopback_the_default_webhook_secret_and_no_session_secret_are_refused(
    tmp_path: Path,
) -> None:
    default_webhook = api_settings(tmp_path / "var", api=OFF_LOOPBACK)
    with pytest.raises(ConfigError, match="SCRIBE_WEBHOOKS__SECRET is the default"):
        check_secrets(default_webhook)
    empty_webhook = api_settings(tmp_path / "var", api=OFF_LOOPBACK, webhooks={"secret": " "})
    with pytest.raises(ConfigError, match="SCRIBE_WEBHOOKS__SECRET is empty"):
        check_secrets(empty_webhook)
    no_session = api_settings(tmp_path / "var", api={"host": "10.0.0.5"}, webhooks=SIGNING)
    with pytest.raises(ConfigError, match="SCRIBE_API__SESSION_SECRET is empty"):
        check_secrets(no_session)
    check_secrets(api_settings(tmp_path / "var", api=OFF_LOOPBACK, webhooks=SIGNING))
    check_secrets(api_settings(tmp_path / "var"))  # loopback: the defaults are fine


def test_scribe_api_gives_a_one_line_reason_for_a_default_secret(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SCRIBE_")}
    env |= {"PYTHONPATH": str(REPO / "src"), "SCRIBE_API__SESSION_SECRET": "s" * 40}
    result = subprocess.run(
        [sys.executable, "-m", "scribe", "api", "--host", "0.0.0.0", "--data-dir", str(tmp_path)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert lines[-1].startswith("error: the api binds 0.0.0.0")
    assert "SCRIBE_WEBHOOKS__SECRET" in lines[-1]
    assert "Traceback" not in result.stderr


def test_the_first_admin_key_goes_into_the_secret_and_is_never_logged(
    tmp_path: Path, moto_endpoint: str, caplog: pytest.LogCaptureFixture
) -> None:
    arn = _secret(moto_endpoint, "scribe-test/admin-api-key-1")
    settings = api_settings(
        tmp_path / "a",
        api={**OFF_LOOPBACK, "bootstrap_key_secret": arn, "secrets_endpoint_url": moto_endpoint},
        webhooks=SIGNING,
    )
    backends = open_backends(settings)
    try:
        with caplog.at_level(logging.DEBUG, logger="scribe"):
            prefix = bootstrap_admin_key(backends.engine, settings)
        token = _value(moto_endpoint, arn)
        assert prefix is not None and token.startswith(f"sk_{prefix}_")
        assert token not in caplog.text and prefix in caplog.text
        with backends.engine.begin() as conn:
            [key] = keys.list_keys(conn)
            assert (key.name, key.scope) == (BOOTSTRAP_KEY_NAME, "admin")
            authenticated = keys.authenticate(conn, token=token)
            assert authenticated is not None and authenticated.scope == "admin"
        assert bootstrap_admin_key(backends.engine, settings) is None  # a key exists: no-op
    finally:
        backends.close()

    # A second api on another database (or one that lost the race) takes the stored key.
    other = api_settings(tmp_path / "b", api=settings.api.model_dump(), webhooks=SIGNING)
    second = open_backends(other)
    try:
        assert bootstrap_admin_key(second.engine, other) == prefix
        assert _value(moto_endpoint, arn) == token
    finally:
        second.close()


def test_a_second_writer_does_not_replace_the_first_key(moto_endpoint: str) -> None:
    arn = _secret(moto_endpoint, "scribe-test/admin-api-key-2")
    store = SecretsManagerStore(region="us-east-1", endpoint_url=moto_endpoint)
    assert store.read(arn) is None
    first, second = keys.new_token(), keys.new_token()
    assert store.write_once(arn, first) is True
    assert store.write_once(arn, second) is False
    assert store.read(arn) == first


def test_a_missing_bootstrap_secret_is_a_clear_error(tmp_path: Path, moto_endpoint: str) -> None:
    missing = "arn:aws:secretsmanager:us-east-1:123456789012:secret:scribe-test/nope-AbCdEf"
    settings = api_settings(
        tmp_path / "var",
        api={
            **OFF_LOOPBACK,
            "bootstrap_key_secret": missing,
            "secrets_endpoint_url": moto_endpoint,
        },
        webhooks=SIGNING,
    )
    backends = open_backends(settings)
    try:
        with pytest.raises(ConfigError, match="does not exist"):
            bootstrap_admin_key(backends.engine, settings)
    finally:
        backends.close()


def test_an_api_off_loopback_with_no_key_starts_with_the_bootstrap_secret(
    tmp_path: Path, moto_endpoint: str
) -> None:
    arn = _secret(moto_endpoint, "scribe-test/admin-api-key-3")
    settings = api_settings(
        tmp_path / "var",
        api={**OFF_LOOPBACK, "bootstrap_key_secret": arn, "secrets_endpoint_url": moto_endpoint},
        webhooks=SIGNING,
    )
    live = start_api(settings, with_workers=False)
    try:
        token = _value(moto_endpoint, arn)
        assert httpx.get(f"{live.base}/api/v1/jobs").status_code == 401
        ok = httpx.get(f"{live.base}/api/v1/jobs", headers={"authorization": f"Bearer {token}"})
        assert ok.status_code == 200
    finally:
        stop_api(live)
