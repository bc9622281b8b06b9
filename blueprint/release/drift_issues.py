"""One GitHub issue per drifted (environment, stack): opened when drift is found, commented on while it
lasts, closed when a later check finds the stack in sync. Issues carry a marker naming the stack."""

from __future__ import annotations

from typing import Any

from blueprint.github import GitHub

LABEL = "blueprint-drift"


def marker(stack_id: str) -> str:
    return f"<!-- blueprint-drift:{stack_id} -->"


def sync_issues(gh: GitHub, report: dict[str, Any], run_url: str) -> list[tuple[str, str, int | None]]:
    """`report`: the JSON of `blueprint drift --json` ({"env", "stacks": {id: {"drift", "summary"}}}).
    Returns (stack id, action, issue number) for every stack: opened, updated, closed or unchanged."""
    env = str(report.get("env", ""))
    stacks: dict[str, dict[str, Any]] = dict(report.get("stacks") or {})
    open_issues = gh.paged(f"/issues?state=open&labels={LABEL}")
    by_stack = {
        sid: issue
        for issue in open_issues
        if "pull_request" not in issue
        for sid in stacks
        if marker(sid) in (issue.get("body") or "")
    }
    done: list[tuple[str, str, int | None]] = []
    for sid, state in sorted(stacks.items()):
        issue = by_stack.get(sid)
        summary = str(state.get("summary", ""))
        if state.get("drift"):
            text = f"Drift check [{run_url}]({run_url}): `{sid}` differs from the code: {summary}."
            if issue is None:
                made = gh.call(
                    "POST",
                    "/issues",
                    {
                        "title": f"Drift detected in {sid}",
                        "body": f"{marker(sid)}\n{text}\n\nEnvironment `{env}`; run `blueprint drift --env "
                        f"{env}` to see it, then re-apply or change the code.",
                        "labels": [LABEL],
                    },
                )
                done.append((sid, "opened", int(made["number"])))
            else:
                gh.call("POST", f"/issues/{issue['number']}/comments", {"body": text})
                done.append((sid, "updated", int(issue["number"])))
        elif issue is not None:
            gh.call(
                "POST", f"/issues/{issue['number']}/comments", {"body": f"In sync again ([run]({run_url}))."}
            )
            gh.call("PATCH", f"/issues/{issue['number']}", {"state": "closed", "state_reason": "completed"})
            done.append((sid, "closed", int(issue["number"])))
        else:
            done.append((sid, "unchanged", None))
    return done
