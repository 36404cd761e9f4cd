"""Scribe: word-timed transcripts and time-stamped music terms for lesson-video libraries."""

__version__ = "0.1.0"
