"""ECS task scale-in protection while a worker holds messages.

A scale-in of the transcription service must not stop a task in the middle of a batch (its
files would go back to the queue and their decoding would be lost). While a worker holds any
message it asks the ECS agent to protect its task from scale-in, refreshing the protection
before it expires; once it holds nothing it drops the protection, so scale-in picks it. Only
in ECS (the agent's ``ECS_AGENT_URI`` is set); elsewhere this does nothing. Failures are
logged and never stop the worker: SIGTERM drain still releases held messages.
"""

from __future__ import annotations

import logging
import os
import threading
import time

import httpx

from scribe.config import Settings

log = logging.getLogger(__name__)

PROTECTION_PATH = "/task-protection/v1/state"


class TaskProtection:
    """Keeps ``ProtectionEnabled`` in line with whether the worker holds messages."""

    def __init__(self, agent_uri: str, *, expires_minutes: int = 10, timeout: float = 5.0) -> None:
        self._url = agent_uri.rstrip("/") + PROTECTION_PATH
        self._expires = expires_minutes
        self._timeout = timeout
        self._lock = threading.Lock()
        self._protected = False
        self._refresh_at = 0.0

    @classmethod
    def for_worker(cls, settings: Settings) -> TaskProtection | None:
        """The protection of this ECS task, or None outside ECS or when turned off."""
        agent_uri = os.environ.get("ECS_AGENT_URI", "")
        if not settings.worker.scale_in_protection or not agent_uri:
            return None
        return cls(agent_uri, expires_minutes=settings.worker.scale_in_protection_minutes)

    @property
    def protected(self) -> bool:
        """Whether the last request that succeeded turned protection on."""
        return self._protected

    def update(self, holding: bool) -> None:
        """Protect while ``holding``, refreshed at half the expiry; unprotect once not."""
        with self._lock:
            now = time.monotonic()
            if holding and (not self._protected or now >= self._refresh_at):
                if self._put(True):
                    self._protected, self._refresh_at = True, now + self._expires * 30.0
            elif not holding and self._protected and self._put(False):
                self._protected = False

    def _put(self, enabled: bool) -> bool:
        body: dict[str, object] = {"ProtectionEnabled": enabled}
        if enabled:
            body["ExpiresInMinutes"] = self._expires
        try:
            response = httpx.put(self._url, json=body, timeout=self._timeout)
            response.raise_for_status()
        except httpx.HTTPError as exc:
            log.warning("could not %s scale-in protection: %s", "set" if enabled else "drop", exc)
            return False
        return True
