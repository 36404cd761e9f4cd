"""Settings as `scribe config` shows them: secrets masked, and unknown variables found."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from scribe.config import DEFAULT_WEBHOOK_SECRET, Settings

_SECRET_QUERY_NAMES = ("token", "key", "secret", "password", "passwd", "signature", "sig", "auth")


def masked_settings(settings: Settings) -> dict[str, Any]:
    """The settings as plain data with secrets masked, for `scribe config`: credentials in
    any URL (``user:pass@``, ``?token=…``) too. The webhook secret shows whether it is still
    the placeholder default."""
    data = settings.model_dump(mode="json")
    data["database"]["url"] = _mask_url(settings.database_url)
    data = _mask_urls(data)
    if settings.webhooks.secret.get_secret_value() == DEFAULT_WEBHOOK_SECRET:
        data["webhooks"]["secret"] = (
            f"{DEFAULT_WEBHOOK_SECRET} (the placeholder default: set SCRIBE_WEBHOOKS__SECRET)"
        )
    else:
        data["webhooks"]["secret"] = "***"
    if settings.api.session_secret is not None:
        data["api"]["session_secret"] = "***"
    return data


def _mask_urls(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _mask_urls(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_mask_urls(v) for v in value]
    if isinstance(value, str) and "://" in value:
        return mask_url_credentials(value)
    return value


def mask_url_credentials(url: str) -> str:
    """A URL with its password and secret-looking query values replaced by ``***``."""
    from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

    masked = _mask_url(url)
    try:
        parts = urlsplit(masked)
    except ValueError:
        return masked
    if not parts.query:
        return masked
    pairs = [
        (k, "***" if any(n in k.lower() for n in _SECRET_QUERY_NAMES) else v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
    ]
    return urlunsplit(parts._replace(query=urlencode(pairs, safe="*")))


def unknown_environment(environ: dict[str, str] | None = None) -> list[tuple[str, str | None]]:
    """``SCRIBE_`` variables that name no setting, each with the closest real name (or None),
    so a misspelling such as ``SCRIBE_WHISPER__MODLE`` is reported instead of ignored."""
    import difflib
    import os

    known = set(_known_variables(Settings, "SCRIBE_"))
    extra = {"SCRIBE_URL", "SCRIBE_API_KEY", "SCRIBE_DEBUG"}
    found = []
    for name in sorted(environ if environ is not None else os.environ):
        if not name.startswith("SCRIBE_") or name in known or name in extra:
            continue
        if any(name.startswith(k + "__") for k in _dict_variables(Settings, "SCRIBE_")):
            continue  # a key of a dict-valued setting
        close = difflib.get_close_matches(name, [*known, *extra], n=1, cutoff=0.75)
        found.append((name, close[0] if close else None))
    return found


def _dict_variables(model: type[BaseModel], prefix: str) -> list[str]:
    import typing

    names = []
    for field_name, info in model.model_fields.items():
        name = f"{prefix}{field_name.upper()}"
        if typing.get_origin(info.annotation) is dict:
            names.append(name)
        elif isinstance(info.annotation, type) and issubclass(info.annotation, BaseModel):
            names += _dict_variables(info.annotation, f"{name}__")
    return names


def _known_variables(model: type[BaseModel], prefix: str) -> list[str]:
    names = []
    for field_name, info in model.model_fields.items():
        name = f"{prefix}{field_name.upper()}"
        names.append(name)
        annotation = info.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            names += _known_variables(annotation, f"{name}__")
    return names


def _mask_url(url: str) -> str:
    """Hide the password of a URL such as ``postgresql://user:pass@host/db``."""
    scheme, sep, rest = url.partition("://")
    if not sep or "@" not in rest:
        return url
    credentials, _, host = rest.rpartition("@")
    user, has_password, _ = credentials.partition(":")
    return f"{scheme}://{user}{':***' if has_password else ''}@{host}"
