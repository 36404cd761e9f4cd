"""The api service: REST, OpenAPI docs and the orchestrator loop."""

from scribe.api.app import create_app

__all__ = ["create_app"]
