#!/usr/bin/env bash
# Runs the whole test suite. Under CI=true an unreachable PostgreSQL fails the run (see tests/conftest.py).
set -euo pipefail
cd "$(dirname "$0")/.."
.venv/bin/pytest -q -p no:cacheprovider "$@"
