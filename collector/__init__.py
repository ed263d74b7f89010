"""Footfall collector: ingest, HTTP API and storage for custom behavioral events."""

from __future__ import annotations

__version__ = "0.1.0"
