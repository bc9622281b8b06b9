"""The DAG files of `pipelines/airflow/` that the orchestration stacks upload, on any cloud (no provider
binding here, so importing it costs nothing)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from blueprint.paths import code_file

DAG_PREFIX = "dags/"
DAGS_DIR = code_file("pipelines", "airflow")


@dataclass(frozen=True)
class DagFile:
    """One DAG file to upload: its key under `dags/`, its text and the MD5 that re-uploads it on change."""

    key: str
    content: str
    md5: str


def dag_files(directory: Path = DAGS_DIR) -> list[DagFile]:
    """The Python files under `directory` (none if it does not exist), in a stable order."""
    if not directory.is_dir():
        return []
    files = []
    for path in sorted(directory.rglob("*.py")):
        if "__pycache__" in path.parts:
            continue
        data = path.read_bytes()
        rel = path.relative_to(directory).as_posix()
        files.append(DagFile(f"{DAG_PREFIX}{rel}", data.decode("utf-8"), hashlib.md5(data).hexdigest()))
    return files
