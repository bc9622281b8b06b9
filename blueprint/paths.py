"""Where things are: the user's project (environments, policy, docs, working areas) and the code's own
files (pipelines, the emulator's patches, the lazy-providers hook).

In a checkout both are the repository. Installed from a wheel, the code lives in site-packages and the
project is the working directory (or `--environments DIR` / `$BLUEPRINT_ENVIRONMENTS`).
"""

from __future__ import annotations

import os
from pathlib import Path

# The directory holding the packages `blueprint`, `modules`, `stacks`, `pipelines` (a checkout or
# site-packages).
CODE_ROOT = Path(__file__).resolve().parent.parent
ROOT_ENV = "BLUEPRINT_ROOT"
ENVIRONMENTS_ENV = "BLUEPRINT_ENVIRONMENTS"


def project_root() -> Path:
    """$BLUEPRINT_ROOT; else the nearest directory from the working directory up that has
    `environments/`; else the checkout the code runs from."""
    if explicit := os.environ.get(ROOT_ENV, "").strip():
        return Path(explicit).resolve()
    here = Path.cwd().resolve()
    for directory in (here, *here.parents):
        if (directory / "environments").is_dir():
            return directory
    return CODE_ROOT


def environments_dir() -> Path:
    """The environment files: $BLUEPRINT_ENVIRONMENTS (`--environments`), else `<project>/environments`."""
    if explicit := os.environ.get(ENVIRONMENTS_ENV, "").strip():
        return Path(explicit).resolve()
    return project_root() / "environments"


def code_file(*parts: str) -> Path:
    """A file shipped with the code, e.g. `code_file("pipelines", "airflow")`."""
    return CODE_ROOT.joinpath(*parts)


def display(path: Path) -> str:
    """`path` relative to the working directory when it is inside it (how errors name files)."""
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)
