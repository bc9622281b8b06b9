#!/usr/bin/env bash
# Main job: set up, deploy the `local` environment to the embedded AWS emulator, verify, print a summary.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
exec .venv/bin/blueprint up --env local "$@"
