"""Run the day-2 playbook the way a user would: `ansible-playbook` from the venv, localhost, connection
local, with every Ansible directory (config, home, tmp) and HOME inside the test's tmp_path."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
PLAYBOOK = REPO / "pipelines" / "ansible" / "day2.yml"
TIMEOUT_S = 300


@dataclass(frozen=True)
class PlaybookRun:
    returncode: int
    output: str
    home: Path

    @property
    def recap(self) -> dict[str, int]:
        match = re.search(r"localhost\s+:\s+(.*)", self.output)
        assert match, self.output[-2000:]
        return {k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", match.group(1))}


def ansible_env(tmp_path: Path) -> dict[str, str]:
    area = tmp_path / "ansible"
    (area / "tmp").mkdir(parents=True, exist_ok=True)
    (area / "home").mkdir(parents=True, exist_ok=True)
    config = area / "ansible.cfg"
    config.write_text("[defaults]\nretry_files_enabled = False\ninterpreter_python = auto_silent\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANSIBLE_")}
    env.update(
        HOME=str(area / "home"),
        ANSIBLE_CONFIG=str(config),
        ANSIBLE_HOME=str(area / "ansible-home"),
        ANSIBLE_LOCAL_TEMP=str(area / "tmp" / "local"),
        ANSIBLE_REMOTE_TEMP=str(area / "tmp" / "remote"),
        ANSIBLE_NOCOLOR="1",
        ANSIBLE_FORCE_COLOR="0",
    )
    return env


def run_playbook(tmp_path: Path, *extra_vars: str) -> PlaybookRun:
    binary = Path(sys.executable).parent / "ansible-playbook"
    cmd = [str(binary), "-i", "localhost,", "-c", "local", str(PLAYBOOK)]
    for item in extra_vars:
        cmd += ["-e", item]
    env = ansible_env(tmp_path)
    proc = subprocess.run(
        cmd, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=TIMEOUT_S, check=False
    )
    return PlaybookRun(proc.returncode, proc.stdout + proc.stderr, Path(env["HOME"]))
