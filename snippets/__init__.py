"""Footfall snippet generator: per-portal tracking code and per-event JavaScript snippets."""
