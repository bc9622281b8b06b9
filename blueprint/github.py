"""A small GitHub REST client for the workflows' steps that are logic, not YAML: the preview's sticky
comment and the drift issues. It reads `GITHUB_API_URL` and `GITHUB_REPOSITORY` (which Actions sets) and
`GITHUB_TOKEN`, pages through lists with a bound, and never prints the token."""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any

from blueprint.errors import BlueprintError

MAX_PAGES = 50  # 5,000 items: a bound, so a misbehaving API cannot keep a job paging forever
TIMEOUT_S = 30


@dataclass(frozen=True)
class GitHub:
    api: str
    repository: str  # owner/name
    token: str

    @classmethod
    def from_environment(cls) -> GitHub:
        names = ("GITHUB_API_URL", "GITHUB_REPOSITORY", "GITHUB_TOKEN")
        api, repository, token = (os.environ.get(n, "").strip() for n in names)
        missing = [n for n, v in zip(names, (api, repository, token), strict=True) if not v]
        if missing or "/" not in repository:
            raise BlueprintError(
                f"GitHub needs {', '.join(missing) or 'GITHUB_REPOSITORY as owner/name'}",
                fix="run it in a workflow step (Actions sets the first two) with "
                "`env: GITHUB_TOKEN: ${{ github.token }}`",
            )
        return cls(api.rstrip("/"), repository, token)

    def call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        request = urllib.request.Request(
            f"{self.api}/repos/{self.repository}{path}",
            method=method,
            data=None if body is None else json.dumps(body).encode(),
            headers={
                "Authorization": f"Bearer {self.token}",
                "Accept": "application/vnd.github+json",
                "X-GitHub-Api-Version": "2022-11-28",
                "Content-Type": "application/json",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT_S) as resp:
                raw = resp.read()
        except urllib.error.HTTPError as exc:
            raise BlueprintError(
                f"GitHub {method} {path} answered {exc.code} {exc.reason}",
                fix="check the job's `permissions:` (pull-requests: write / issues: write)",
            ) from None
        except (urllib.error.URLError, TimeoutError) as exc:
            raise BlueprintError(f"GitHub {method} {path} failed: {exc}", fix="re-run the job") from None
        return json.loads(raw) if raw else None

    def paged(self, path: str) -> list[dict[str, Any]]:
        """Every item of a list endpoint, 100 per page, at most MAX_PAGES pages."""
        items: list[dict[str, Any]] = []
        sep = "&" if "?" in path else "?"
        for page in range(1, MAX_PAGES + 1):
            batch = self.call("GET", f"{path}{sep}per_page=100&page={page}")
            items += batch or []
            if not batch or len(batch) < 100:
                break
        return items


def upsert_comment(gh: GitHub, issue: int, body: str, marker: str) -> tuple[str, int]:
    """Edit the bot's comment carrying `marker` on `issue`, or create it. Returns (action, comment id)."""
    if marker not in body:
        body = f"{marker}\n{body}"
    comments = gh.paged(f"/issues/{issue}/comments")
    mine = next(
        (
            c
            for c in comments
            if (c.get("user") or {}).get("type") == "Bot" and marker in (c.get("body") or "")
        ),
        None,
    )
    if mine is not None:
        gh.call("PATCH", f"/issues/comments/{mine['id']}", {"body": body})
        return "updated", int(mine["id"])
    made = gh.call("POST", f"/issues/{issue}/comments", {"body": body})
    return "created", int(made["id"])
