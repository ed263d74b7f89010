"""Per-event analytics: completions over time, unique records, property breakdowns and
filters, latest completions, contact timelines. Shared by the JSON analytics API and the UI.

Time zone: UTC. A day is ``occurred_at // 86400000``: days start at midnight UTC, weeks on
Monday, months on the 1st. A period is a range of whole UTC days, widened to whole buckets
of the chosen interval.

What is exact and what is a sample:

- Completion counts, unfiltered series and adjusted (truncated) counts come from the daily
  rollup ``completion_days`` and are exact. Unique records of an unfiltered period are
  counted exactly from an index.
- Anything that reads property values (a breakdown, a property filter and what it
  filters) reads at most the most recent ``window`` completions of the period (the setting
  ``analytics_window``, 20,000 by default); when the period holds more, the answer says so
  (``sample``) and which buckets it covers. Property values live in each completion's JSON
  document, and reading a million of them takes seconds; the window keeps every page fast.
"""
