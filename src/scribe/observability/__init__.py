"""Logging, health and metrics."""
