"""Checks the api makes before it serves: no default or empty secret off loopback.

Off loopback (a container, a shared host) the api refuses to start with the webhook signing
key left at its placeholder or empty, or with no session secret (each api process would sign
sessions with its own random key, so logins break at random behind a load balancer). The
reason is one line, naming the setting to fix.
"""

from __future__ import annotations

from scribe.config import Settings
from scribe.errors import ConfigError
from scribe.net.safety import is_loopback

#: Values that count as "not set": the shipped placeholder and blanks.
PLACEHOLDER_SECRETS = frozenset({"", "change-me", "changeme"})


def check_secrets(settings: Settings) -> None:
    """Raise :class:`ConfigError` when the api binds off loopback with a default secret."""
    host = settings.api.host
    if is_loopback(host):
        return
    webhook = settings.webhooks.secret.get_secret_value().strip()
    if webhook.lower() in PLACEHOLDER_SECRETS:
        raise ConfigError(
            f"the api binds {host}, not loopback, and SCRIBE_WEBHOOKS__SECRET is "
            f"{'empty' if not webhook else 'the default'}: set a signing key of your own"
        )
    session = settings.api.session_secret
    value = session.get_secret_value().strip() if session is not None else ""
    if value.lower() in PLACEHOLDER_SECRETS:
        raise ConfigError(
            f"the api binds {host}, not loopback, and SCRIBE_API__SESSION_SECRET is "
            f"{'empty' if not value else 'the default'}: set one key shared by every api process"
        )
