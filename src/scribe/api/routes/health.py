"""Liveness: answers without touching any dependency."""

from __future__ import annotations

from fastapi import APIRouter

from scribe import __version__

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz() -> dict[str, str]:
    """The process is up."""
    return {"status": "ok", "version": __version__}
