"""The job context every log line carries: job_id, stage, attempt and request_id.

Set with :func:`job_context` around a piece of work; a logging filter copies it onto records.
"""

from __future__ import annotations

import contextvars
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

_CONTEXT: contextvars.ContextVar[dict[str, Any] | None] = contextvars.ContextVar(
    "scribe_log_context", default=None
)
FIELDS = ("job_id", "stage", "attempt", "request_id")


@contextmanager
def job_context(**fields: Any) -> Iterator[None]:
    """Add fields to every log line written inside the block (nested blocks merge)."""
    current = _CONTEXT.get() or {}
    token = _CONTEXT.set({**current, **{k: v for k, v in fields.items() if v not in (None, "")}})
    try:
        yield
    finally:
        _CONTEXT.reset(token)


def current_context() -> dict[str, Any]:
    """The fields in force."""
    return dict(_CONTEXT.get() or {})


class ContextFilter(logging.Filter):
    """Copies the job context onto each record (as attributes the formatters print)."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Always keeps the record."""
        for key, value in (_CONTEXT.get() or {}).items():
            if not hasattr(record, key):
                setattr(record, key, value)
        return True
