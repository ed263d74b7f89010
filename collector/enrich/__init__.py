"""Enrichment of JS hits from the request: user agent, touchpoint source, page properties."""
