"""The first admin API key, created by the api itself and never printed.

Off loopback the api refuses to start without an API key, and `scribe keys create` prints
the key it makes (into CloudWatch Logs when run as an ECS task). Instead, with
``SCRIBE_API__BOOTSTRAP_KEY_SECRET`` naming a Secrets Manager secret, an api that finds no
live key takes the key from that secret, or creates one and stores it there first, and keeps
only its hash in the database. The log names the key's prefix and the secret, never the key.

Several api tasks starting at once agree on one key: the value is written with a fixed
``ClientRequestToken``, so a second writer with another value is refused by Secrets Manager
and reads the first one's instead; the database keeps one row per prefix.
"""

from __future__ import annotations

import logging
from typing import Protocol

from sqlalchemy import Engine

from scribe.config import Settings
from scribe.db import keys
from scribe.errors import ConfigError

log = logging.getLogger(__name__)

#: Name of the key the bootstrap creates (``scribe keys list`` shows it).
BOOTSTRAP_KEY_NAME = "bootstrap-admin"
#: Idempotency token of the one secret version the bootstrap writes (32-64 characters).
BOOTSTRAP_VERSION_TOKEN = "scribe-bootstrap-admin-key-version-1"


class SecretStore(Protocol):
    """Where the bootstrap key lives: read the current value, write the first one."""

    def read(self, secret_id: str) -> str | None:
        """The current value, or None when the secret has no value yet."""
        ...

    def write_once(self, secret_id: str, value: str) -> bool:
        """Store ``value`` as the first version; False when another value got there first."""
        ...


class SecretsManagerStore:
    """:class:`SecretStore` on AWS Secrets Manager (boto3)."""

    def __init__(self, *, region: str, endpoint_url: str | None = None) -> None:
        import boto3

        self._client = boto3.client("secretsmanager", region_name=region, endpoint_url=endpoint_url)

    def read(self, secret_id: str) -> str | None:
        """The AWSCURRENT value, or None when no version exists yet."""
        from botocore.exceptions import ClientError

        try:
            value = self._client.get_secret_value(SecretId=secret_id).get("SecretString")
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") != "ResourceNotFoundException":
                raise ConfigError(
                    f"cannot read the bootstrap key secret {secret_id}: {exc}"
                ) from exc
            self._require_secret(secret_id)
            return None
        return str(value) if value else None

    def write_once(self, secret_id: str, value: str) -> bool:
        """PutSecretValue with the fixed token: refused when a different value holds it."""
        from botocore.exceptions import ClientError

        try:
            self._client.put_secret_value(
                SecretId=secret_id, SecretString=value, ClientRequestToken=BOOTSTRAP_VERSION_TOKEN
            )
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "ResourceExistsException":
                return False
            raise ConfigError(f"cannot store the bootstrap key in {secret_id}: {exc}") from exc
        return True

    def _require_secret(self, secret_id: str) -> None:
        from botocore.exceptions import ClientError

        try:
            self._client.describe_secret(SecretId=secret_id)
        except ClientError as exc:
            raise ConfigError(f"the bootstrap key secret {secret_id} does not exist") from exc


def _region(secret_id: str, fallback: str) -> str:
    """The region of a secret ARN (arn:aws:secretsmanager:REGION:...), else ``fallback``."""
    parts = secret_id.split(":")
    return parts[3] if secret_id.startswith("arn:") and len(parts) > 3 and parts[3] else fallback


def bootstrap_admin_key(
    engine: Engine, settings: Settings, store: SecretStore | None = None
) -> str | None:
    """Make sure an admin key exists when the bootstrap secret is set; the key's prefix, or
    None when nothing was done (no secret configured, or a live key exists already)."""
    secret_id = settings.api.bootstrap_key_secret.strip()
    if not secret_id:
        return None
    with engine.begin() as conn:
        if keys.live_key_count(conn) > 0:
            return None
    if store is None:
        store = SecretsManagerStore(
            region=_region(secret_id, settings.queue.region),
            endpoint_url=settings.api.secrets_endpoint_url,
        )
    token = store.read(secret_id)
    if token is None:
        candidate = keys.new_token()
        token = candidate if store.write_once(secret_id, candidate) else store.read(secret_id)
        if token is None:
            raise ConfigError(f"the bootstrap key secret {secret_id} has no value after writing")
    with engine.begin() as conn:
        key = keys.import_key(conn, name=BOOTSTRAP_KEY_NAME, scope="admin", token=token)
    log.info(
        "first admin API key %s… is in secret %s (read it there; it is never logged)",
        keys.KEY_PREFIX + key.prefix,
        secret_id,
    )
    return key.prefix
