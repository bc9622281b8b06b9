#!/usr/bin/env bash
# Sets up and runs every test tier that this machine can prove (unit, synth, policy, plan, apply, runtime),
# on both cores: tests sharing a deployment stay on one worker (--dist loadgroup). --durations shows where
# the time went.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
.venv/bin/ruff check .
.venv/bin/mypy blueprint modules stacks main.py
exec .venv/bin/pytest -n 2 --dist loadgroup --durations=20 "$@"
