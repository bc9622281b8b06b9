#!/usr/bin/env bash
# Regenerates the lock files from their inputs (needs the package index): requirements.lock (the main
# venv, from pyproject.toml with the dev extra), requirements-checkov.lock, pipelines/requirements.txt.
set -euo pipefail
cd "$(dirname "$0")/.."
UV=.venv/bin/uv
PLATFORM=(--python-version 3.11 --python-platform x86_64-unknown-linux-gnu)
"$UV" pip compile pyproject.toml --extra dev "${PLATFORM[@]}" -q -o requirements.lock
echo "checkov==3.3.30" | "$UV" pip compile - "${PLATFORM[@]}" -q -o requirements-checkov.lock
"$UV" pip compile pipelines/requirements.in "${PLATFORM[@]}" -q -o pipelines/requirements.txt
