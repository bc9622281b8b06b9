#!/usr/bin/env bash
# Sets up and runs every test tier that this machine can prove (synth, plan, apply, unit).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
.venv/bin/ruff check .
.venv/bin/mypy blueprint modules stacks main.py
exec .venv/bin/pytest "$@"
