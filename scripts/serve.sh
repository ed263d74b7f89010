#!/usr/bin/env bash
# Set everything up and run the collector on the embedded SQLite default (./footfall.db).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
exec .venv/bin/footfall serve "$@"
