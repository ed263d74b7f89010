"""The JS API path: tracker hits in, adjusted (never rejected) completions out."""
