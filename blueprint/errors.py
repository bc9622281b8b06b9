"""User-facing errors: one clear sentence naming the file, the field and the fix.

The CLI prints these without a traceback and exits non-zero; anything else is a bug.
"""

from __future__ import annotations


class BlueprintError(Exception):
    """An error caused by input or environment, not by a bug in the blueprint."""

    exit_code = 2

    def __init__(self, message: str, *, fix: str | None = None) -> None:
        self.message = message
        self.fix = fix
        super().__init__(self.render())

    def render(self) -> str:
        return f"{self.message}\n  fix: {self.fix}" if self.fix else self.message


class FileProblemsError(BlueprintError):
    """An input file is invalid. Carries every problem found, each with file, field and fix."""

    kind = "file"

    def __init__(self, file: str, problems: list[tuple[str, str, str]]) -> None:
        # problems: (field path, what is wrong, how to fix it)
        self.file = file
        self.problems = problems
        lines = [f"{file}: {field}: {what}\n  fix: {fix}" for field, what, fix in problems]
        count = f"{len(problems)} problems" if len(problems) > 1 else "1 problem"
        super().__init__(f"invalid {self.kind} {file} ({count}):\n" + "\n".join(lines))


class SpecError(FileProblemsError):
    """An environment file is invalid."""

    kind = "environment file"


class ToolMissingError(BlueprintError):
    """A required external tool (terraform, the provider mirror, node) is not available."""


class EmulatorError(BlueprintError):
    """The AWS emulator could not be started or reached."""


class TerraformError(BlueprintError):
    """A terraform command failed; the message carries terraform's own diagnostics."""
