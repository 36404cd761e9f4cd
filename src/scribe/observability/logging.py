"""Logging: readable lines for people, one JSON object a line for ECS."""

from __future__ import annotations

import json
import logging
import sys
import time
from typing import Any

from scribe.config import LogSettings
from scribe.observability.context import FIELDS, ContextFilter

_RESERVED = set(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {"message"}


class JsonFormatter(logging.Formatter):
    """One JSON object per record, extra fields (and the job context) included."""

    def __init__(self, *, service: str = "") -> None:
        super().__init__()
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        """Render the record."""
        data: dict[str, Any] = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "service": self.service,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in record.__dict__.items():
            if key not in _RESERVED and not key.startswith("_"):
                data[key] = value
        if record.exc_info:
            data["exception"] = self.formatException(record.exc_info)
        return json.dumps(data, default=str)


class ConsoleFormatter(logging.Formatter):
    """A readable line, with the job context appended when there is one."""

    def __init__(self, service: str) -> None:
        super().__init__(f"%(asctime)s %(levelname)-7s {service} %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        """Render the record."""
        line = super().format(record)
        context = " ".join(
            f"{key}={getattr(record, key)}" for key in FIELDS if getattr(record, key, None)
        )
        return f"{line} [{context}]" if context else line


def configure_logging(settings: LogSettings, *, service: str) -> None:
    """Set up the root logger once per process."""
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(ContextFilter())
    if settings.format == "json":
        handler.setFormatter(JsonFormatter(service=service))
    else:
        handler.setFormatter(ConsoleFormatter(service))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(settings.level.upper())
    for noisy in ("faster_whisper", "httpx", "uvicorn.access"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
