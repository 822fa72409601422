#!/usr/bin/env bash
# Set up (or refresh) the virtual environment and run every check: lint, format, types, tests.
# Usage: bash scripts/test.sh [extra pytest arguments]
# The real HRMI release is used when HRMI_DATA_DIR points at it; those tests are skipped otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv .venv
.venv/bin/python -m pip install --quiet --disable-pip-version-check -c requirements/lock.txt -e '.[test]'
.venv/bin/ruff check reportgen tests benchmarks scripts
.venv/bin/ruff format --check reportgen tests benchmarks scripts
.venv/bin/mypy
.venv/bin/python -m pytest -n 2 "$@"
