"""The one error hierarchy of Scribe: every error raised on purpose is a :class:`ScribeError`.

Workers sort failures in two: a :class:`PermanentError` fails the job at once (retrying cannot
fix a file with no audio stream), anything else is retried with backoff until the queue's
``max_receives`` sends the message to the dead letters. :class:`JobCancelled` and
:class:`WorkerStopping` are not failures: the first drops the message, the second hands it back.

The api maps these types to problem documents (``scribe.api.problems``), never their text.
"""

from __future__ import annotations


class ScribeError(Exception):
    """Base of every error Scribe raises on purpose."""


class ConfigError(ScribeError):
    """The settings are inconsistent or name something that does not exist."""


class NotFoundError(ScribeError):
    """A job, artifact or other named thing does not exist."""


class ConflictError(ScribeError):
    """A command the current state does not allow."""


# --- stage work -----------------------------------------------------------------------------


class PermanentError(ScribeError):
    """A failure that retrying cannot fix; the job fails at once with this message as reason."""


class MediaError(PermanentError):
    """The input cannot be decoded into audio."""


class NoAudioStreamError(MediaError):
    """The input is a container without an audio stream."""


class ModelError(PermanentError):
    """The speech model cannot be found or loaded."""


class JobCancelled(ScribeError):
    """The job was cancelled (or deleted) while a stage ran: its message is dropped."""


class WorkerStopping(ScribeError):
    """The worker was asked to stop and the stop timeout passed: its message is released."""


# --- fetching sources -----------------------------------------------------------------------


class UnsafeUrlError(ScribeError):
    """The URL may not be fetched: bad scheme, credentials, or an address inside our network."""


class UnresolvableHostError(UnsafeUrlError):
    """The URL's host name does not resolve; ``temporary`` is true for a resolver failure."""

    def __init__(self, message: str, *, temporary: bool = False) -> None:
        super().__init__(message)
        self.temporary = temporary


class DownloadError(PermanentError):
    """The download cannot succeed by retrying (404, too large, unsafe URL, redirect loop)."""


class DownloadTransientError(ScribeError):
    """The download failed in a way worth retrying (timeout, broken connection, 5xx, 429)."""


class SourceError(ScribeError):
    """A source that cannot or may not be fetched."""


# --- commands on stored things --------------------------------------------------------------


class TransitionError(ConflictError):
    """A command the job's state does not allow (cancel a finished job, retry a running one)."""


class EditError(ScribeError):
    """An edit that does not fit the transcript (no such segment or word)."""


class EditConflictError(ScribeError):
    """An edit made on a revision that is no longer the latest one."""

    def __init__(self, message: str, *, current: int) -> None:
        super().__init__(message)
        self.current = current


class LexiconError(ScribeError):
    """An edit or import the lexicon cannot take."""


class MigrationError(ScribeError):
    """A copy between backends cannot start or did not verify."""


class InvalidTextError(ScribeError):
    """Text that no database can store as given (a NUL character): the caller's input."""


class CaptionError(ScribeError):
    """Caption parameters that cannot be met (an unknown profile, a line too short)."""


class LibraryError(ScribeError):
    """A change to the library that does not fit (a review step out of order, a stranger)."""
