#!/usr/bin/env bash
# Set everything up and run the whole suite: lint, types, in-process and real-server tests,
# then the browser end-to-end tests in their own pytest run (sync Playwright must not share
# a process with event-loop tests).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
bash scripts/system-packages.sh
.venv/bin/ruff check .
.venv/bin/mypy
.venv/bin/pytest -q -p no:cacheprovider tests "$@"
status=0
if [ -d e2e ]; then
  .venv/bin/pytest -q -p no:cacheprovider e2e "$@" || status=$?
fi
# Exit 5 means no e2e test was collected (none exist yet for a feature); anything else fails.
if [ "$status" -ne 0 ] && [ "$status" -ne 5 ]; then
  exit "$status"
fi
