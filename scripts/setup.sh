#!/usr/bin/env bash
# Creates .venv with the pinned toolchain. Idempotent: re-runs only when pyproject.toml changed.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"
if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
  echo "error: Python >= 3.11 is required (found $("$PYTHON" --version 2>&1)); set PYTHON=/path/to/python3.11" >&2
  exit 1
fi
command -v terraform >/dev/null || { echo "error: terraform is not on PATH; install Terraform 1.11.x" >&2; exit 1; }
command -v node >/dev/null || { echo "error: node is not on PATH; the jsii runtime of CDK Terrain needs Node.js >= 20" >&2; exit 1; }

stamp=".venv/.installed-$(sha256sum pyproject.toml | cut -c1-16)"
if [ -f "$stamp" ]; then exit 0; fi
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
.venv/bin/python -m pip install --quiet --disable-pip-version-check "uv==0.13.*"
# --compile-bytecode: PYTHONDONTWRITEBYTECODE may be set, and uncompiled provider bindings import 2-4x slower.
.venv/bin/uv pip install --quiet --python .venv/bin/python --compile-bytecode -e ".[dev]"
rm -f .venv/.installed-*
touch "$stamp"
