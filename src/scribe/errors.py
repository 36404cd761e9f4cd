"""The one error hierarchy of Scribe.

Workers sort failures in two: a :class:`PermanentError` fails the job at once (retrying cannot
fix a file with no audio stream), anything else is retried with backoff until the queue's
``max_receives`` sends the message to the dead letters.
"""

from __future__ import annotations


class ScribeError(Exception):
    """Base of every error Scribe raises on purpose."""


class ConfigError(ScribeError):
    """The settings are inconsistent or name something that does not exist."""


class NotFoundError(ScribeError):
    """A job, artifact or other named thing does not exist."""


class StageError(ScribeError):
    """A pipeline stage could not do its work."""


class PermanentError(StageError):
    """A failure that retrying cannot fix; the job fails at once with this message as reason."""


class TransientError(StageError):
    """A failure worth retrying (a timeout, a store that was briefly unavailable)."""


class MediaError(PermanentError):
    """The input cannot be decoded into audio."""


class NoAudioStreamError(MediaError):
    """The input is a container without an audio stream."""


class ModelError(PermanentError):
    """The speech model cannot be found or loaded."""


class CancelledError(ScribeError):
    """The job was cancelled while a stage ran."""


class EditError(ScribeError):
    """An edit that does not fit the transcript (no such segment or word)."""


class EditConflictError(ScribeError):
    """An edit made on a revision that is no longer the latest one."""

    def __init__(self, message: str, *, current: int) -> None:
        super().__init__(message)
        self.current = current
