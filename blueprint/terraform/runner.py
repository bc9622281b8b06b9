"""Runs the real `terraform` binary on synthesized stacks.

The runner owns its environment (its own CLI config and plugin cache, never `~/.terraformrc`) and adapts
each stack to its target with an override file (`targets.py`).
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import signal
import subprocess
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from blueprint.emulator import Emulator
from blueprint.errors import TerraformError, ToolMissingError
from blueprint.pins import PROVIDER_PINS
from blueprint.terraform import inputs
from blueprint.terraform.targets import (
    MIRROR_ENV,
    OFFLINE_ACCESS_KEY,
    Target,
    find_mirror,
    plugin_cache,
    write_cli_config,
    write_override,
)

TERRAFORM_ENV = "BLUEPRINT_TERRAFORM"
# Resource types whose apply is only a wait for the service to settle and that no other stack uses:
# a dependent stack may start before they finish (the provider waits ~55 s on S3 lifecycle rules).
SETTLE_ONLY_TYPES = frozenset({"aws_s3_bucket_lifecycle_configuration"})
DEFAULT_TIMEOUT_S = 1800  # a cloud: a warehouse or a Kafka cluster takes tens of minutes
EMULATOR_TIMEOUT_S = 600  # an emulator answers in seconds; a hung one must fail well before the CI wall
TIMEOUT_ENV = "BLUEPRINT_TERRAFORM_TIMEOUT"  # seconds, overrides both

# Running applies, each in its own session: a signal sent to our process group (a CI runner's cancel,
# `kill -TERM -pgid`) must not reach terraform's provider plugins, which would die mid-call and leave a
# created resource out of the state. Terraform itself is stopped by `interrupt_applies()`.
_APPLIES: set[subprocess.Popen[str]] = set()
_APPLIES_LOCK = threading.Lock()


def interrupt_applies() -> int:
    """Ask every running `terraform apply` to stop gracefully (SIGINT: terraform finishes what is in
    flight, writes the state and releases the lock). Returns how many were asked."""
    with _APPLIES_LOCK:
        running = [p for p in _APPLIES if p.poll() is None]
    for proc in running:
        proc.send_signal(signal.SIGINT)  # a no-op when it has just exited
    return len(running)


@dataclass
class PlanResult:
    """What a plan would do; `changes` is False for a clean plan."""

    changes: bool
    add: int = 0
    change: int = 0
    destroy: int = 0
    output: str = ""


@dataclass
class TerraformRunner:
    """Terraform for one working area (`workdir`, usually `.blueprint/`)."""

    workdir: Path
    target: Target
    emulator: Emulator | None = None
    region: str = "us-east-1"
    binary: str = field(default_factory=lambda: find_terraform())
    mirror: Path | None = field(default_factory=lambda: find_mirror())
    cache: Path = field(init=False)
    timeout: float = field(init=False)

    def __post_init__(self) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.cache = plugin_cache(self.workdir)
        self.cli_config = write_cli_config(self.workdir, self.mirror, self.cache)
        self.timeout = command_timeout(self.target)
        if self.target is Target.EMULATOR and self.emulator is None:
            raise ValueError("the emulator target needs an Emulator")

    # -- environment ---------------------------------------------------------------------------

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "TF_"))}
        env.update(
            {
                "TF_CLI_CONFIG_FILE": str(self.cli_config.resolve()),
                "TF_IN_AUTOMATION": "1",
                "TF_INPUT": "0",
                "CHECKPOINT_DISABLE": "1",
            }
        )
        if self.target is Target.EMULATOR:
            assert self.emulator is not None
            env.update(self.emulator.aws_env(self.region))
        elif self.target is Target.OFFLINE:
            env.update(
                {
                    "AWS_ACCESS_KEY_ID": OFFLINE_ACCESS_KEY,
                    "AWS_SECRET_ACCESS_KEY": OFFLINE_ACCESS_KEY,
                    "AWS_EC2_METADATA_DISABLED": "true",
                }
            )
        else:  # cloud: the caller's credentials
            env.update({k: v for k, v in os.environ.items() if k.startswith(("AWS_", "TF_VAR_"))})
        return env

    # -- per-stack override --------------------------------------------------------------------

    def prepare(self, stack_dir: Path) -> None:
        """Write (or remove) the override file that adapts a synthesized stack to the target."""
        write_override(self.target, stack_dir, self.workdir)
        if self.target is Target.OFFLINE:
            # No stack has state offline: inputs from other stacks are labelled placeholders.
            inputs.write_placeholders(stack_dir, self.region)

    # -- commands ------------------------------------------------------------------------------

    def run(
        self, stack_dir: Path, *args: str, check: bool = True, timeout: float | None = None
    ) -> subprocess.CompletedProcess[str]:
        cmd = [self.binary, *args]
        timeout = timeout or self.timeout
        try:
            proc = subprocess.run(
                cmd,
                cwd=stack_dir,
                env=self.env(),
                capture_output=True,
                text=True,
                timeout=timeout,
                check=False,
            )
        except FileNotFoundError:
            raise _terraform_missing(self.binary) from None
        except subprocess.TimeoutExpired:
            raise TerraformError(
                f"terraform {args[0]} in {stack_dir} did not finish within {timeout:.0f} s",
                fix="check that the emulator or cloud endpoint answers; re-run to converge",
            ) from None
        if check and proc.returncode not in (0,):
            raise self._error(stack_dir, args[0], proc)
        return proc

    def _error(self, stack_dir: Path, command: str, proc: subprocess.CompletedProcess[str]) -> TerraformError:
        text = _diagnostics(proc.stderr or proc.stdout)
        fix = "read terraform's message above; fix the stack or the environment and re-run"
        if "Failed to query available provider packages" in text or "Failed to install provider" in text:
            fix = (
                f"put hashicorp/aws {PROVIDER_PINS['aws'][1]} in a filesystem mirror and set {MIRROR_ENV} "
                "to its root (the directory holding registry.terraform.io), or allow network access"
            )
        elif "Error acquiring the state lock" in text or "PreconditionFailed" in text:
            holder = _lock_field(text, "Who") or "another run"
            lock_id = _lock_field(text, "ID")
            fix = (
                f"the state lock is held by {holder} (operation {_lock_field(text, 'Operation') or '?'}); "
                "wait for it to finish"
                + (
                    f", or if it died run `terraform force-unlock {lock_id}` in {stack_dir}"
                    if lock_id
                    else ""
                )
            )
        elif "Saved plan is stale" in text:
            fix = "another run changed this stack after it was planned; re-run to plan and apply again"
        elif "connection refused" in text.lower() or "dial tcp" in text:
            fix = (
                "the AWS endpoint is unreachable; start the emulator with `blueprint up` or check the network"
            )
        return TerraformError(f"terraform {command} failed for stack {stack_dir.name}:\n{text}", fix=fix)

    def init(self, stack_dir: Path) -> None:
        self.prepare(stack_dir)
        # terraform's plugin cache is not safe for concurrent inits (they race to create the same
        # directory), across threads and processes alike: one init at a time per working area.
        with (self.cache.parent / f"{self.cache.name}.lock").open("w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            self.run(stack_dir, "init", "-reconfigure", "-no-color", "-input=false")

    def validate(self, stack_dir: Path) -> None:
        self.run(stack_dir, "validate", "-no-color")

    def plan(self, stack_dir: Path, *extra: str, out: Path | None = None) -> PlanResult:
        args = ["plan", "-no-color", "-input=false", "-detailed-exitcode", *extra]
        if self.target is Target.OFFLINE:
            args += ["-refresh=false", "-lock=false"]
        if out is not None:
            args.append(f"-out={out}")
        proc = self.run(stack_dir, *args, check=False)
        if proc.returncode == 1:
            raise self._error(stack_dir, "plan", proc)
        result = PlanResult(changes=proc.returncode == 2, output=proc.stdout)
        for line in proc.stdout.splitlines():
            if line.startswith("Plan:"):
                nums = [int(tok) for tok in line.replace(",", " ").split() if tok.isdigit()]
                if len(nums) == 3:
                    result.add, result.change, result.destroy = nums
        return result

    def show_json(self, stack_dir: Path, plan_file: Path) -> dict[str, Any]:
        """The machine-readable form of a saved plan (`terraform show -json`)."""
        proc = self.run(stack_dir, "show", "-json", "-no-color", str(plan_file))
        doc = json.loads(proc.stdout or "{}")
        return doc if isinstance(doc, dict) else {}

    def apply(
        self,
        stack_dir: Path,
        ready: threading.Event | None = None,
        plan_file: Path | None = None,
        planned: set[tuple[str, str]] | None = None,
    ) -> list[str]:
        """`terraform apply -json` (of `plan_file` when given: exactly what was planned). Sets `ready` as
        soon as every planned change except settle-only ones (`SETTLE_ONLY_TYPES`) is complete, so
        dependent stacks can start while this one waits for S3 to settle. `planned` ((address, type)
        pairs, from the saved plan) is needed with a plan file. Returns terraform's progress messages."""
        if plan_file is not None:
            cmd = [self.binary, "apply", "-input=false", "-json", str(plan_file)]
        else:
            cmd = [self.binary, "apply", "-auto-approve", "-input=false", "-json"]
        try:
            proc = subprocess.Popen(
                cmd,
                cwd=stack_dir,
                env=self.env(),
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
                start_new_session=True,
            )
        except FileNotFoundError:
            raise _terraform_missing(self.binary) from None
        with _APPLIES_LOCK:
            _APPLIES.add(proc)
        watchdog = threading.Timer(self.timeout, proc.kill)
        watchdog.start()
        waiting_for: set[str] = {a for a, t in (planned or set()) if t not in SETTLE_ONLY_TYPES}
        done: set[str] = set()
        plan_known = planned is not None
        messages: list[str] = []
        errors: list[str] = []
        try:
            assert proc.stdout is not None
            for line in proc.stdout:
                event = _json_line(line)
                if event is None:
                    messages.append(line.rstrip())
                    continue
                kind = event.get("type")
                messages.append(str(event.get("@message", "")))
                resource = (event.get("change") or event.get("hook") or {}).get("resource", {})
                if kind == "planned_change" and resource.get("resource_type") not in SETTLE_ONLY_TYPES:
                    waiting_for.add(str(resource.get("addr")))
                elif kind == "apply_complete":
                    done.add(str(resource.get("addr")))
                elif kind in ("apply_start", "change_summary"):
                    plan_known = True
                elif kind == "diagnostic" and event.get("diagnostic", {}).get("severity") == "error":
                    diag = event["diagnostic"]
                    where = diag.get("address") or ""
                    errors.append(
                        f"Error: {diag.get('summary', '')} {where}\n{diag.get('detail', '')}".strip()
                    )
                if ready is not None and plan_known and waiting_for <= done:
                    ready.set()
            returncode = proc.wait()
        finally:
            watchdog.cancel()
            with _APPLIES_LOCK:
                _APPLIES.discard(proc)
        if returncode != 0:
            text = "\n\n".join(errors) or "\n".join(messages[-30:])
            raise self._error(stack_dir, "apply", subprocess.CompletedProcess(cmd, returncode, text, text))
        return messages

    def destroy(self, stack_dir: Path) -> str:
        return self.run(stack_dir, "destroy", "-auto-approve", "-no-color", "-input=false").stdout

    def outputs(self, stack_dir: Path) -> dict[str, Any]:
        proc = self.run(stack_dir, "output", "-json", "-no-color")
        data = json.loads(proc.stdout or "{}")
        # Sensitive outputs are never printed by the blueprint.
        return {k: ("(sensitive)" if v.get("sensitive") else v.get("value")) for k, v in data.items()}


def command_timeout(target: Target) -> float:
    """Seconds a terraform command may run: $BLUEPRINT_TERRAFORM_TIMEOUT, else per target."""
    explicit = os.environ.get(TIMEOUT_ENV, "").strip()
    if explicit:
        try:
            value = float(explicit)
        except ValueError:
            value = 0.0
        if value <= 0:
            raise TerraformError(
                f"{TIMEOUT_ENV}={explicit!r} is not a positive number of seconds",
                fix=f"set {TIMEOUT_ENV} to e.g. 900, or unset it",
            )
        return value
    return EMULATOR_TIMEOUT_S if target is Target.EMULATOR else DEFAULT_TIMEOUT_S


def _lock_field(text: str, name: str) -> str | None:
    """A field of terraform's 'Lock Info:' block (ID, Path, Operation, Who, Created)."""
    for line in text.splitlines():
        key, sep, value = line.strip().partition(":")
        if sep and key.strip() == name and value.strip():
            return value.strip()
    return None


def _json_line(line: str) -> dict[str, Any] | None:
    try:
        value = json.loads(line)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def _diagnostics(text: str, limit: int = 4000) -> str:
    text = text.strip()
    return text if len(text) <= limit else text[:limit] + "\n... (truncated)"


def _terraform_missing(binary: str) -> ToolMissingError:
    return ToolMissingError(
        f"terraform not found (looked for {binary!r})",
        fix=f"install Terraform >= 1.10 on PATH, or set {TERRAFORM_ENV} to the terraform binary",
    )


def find_terraform() -> str:
    explicit = os.environ.get(TERRAFORM_ENV)
    if explicit:
        if not (Path(explicit).is_file() and os.access(explicit, os.X_OK)):
            raise _terraform_missing(explicit)
        return explicit
    found = shutil.which("terraform")
    if found is None:
        raise _terraform_missing("terraform")
    return found
