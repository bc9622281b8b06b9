"""The workflows' logic steps against a GitHub API stand-in on 127.0.0.1: one sticky preview comment per
pull request (edited, never duplicated, other users' comments left alone) and one drift issue per
stack (opened, updated while drift lasts, closed when it is gone)."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.runtime
REPO = Path(__file__).resolve().parents[2]


class FakeGitHub:
    """Issues and comments of one repository, served like the REST API (only what the commands use)."""

    def __init__(self) -> None:
        self.comments: dict[int, list[dict[str, Any]]] = {}
        self.issues: list[dict[str, Any]] = []
        self.requests: list[tuple[str, str, str]] = []  # method, path, Authorization
        self.next_id = 100

    def handle(self, method: str, path: str, body: dict[str, Any] | None) -> tuple[int, Any]:
        route, _, _query = path.partition("?")
        parts = route.strip("/").split("/")[3:]  # after repos/<owner>/<name>
        if parts[:1] == ["issues"] and len(parts) == 3 and parts[2] == "comments":
            issue = int(parts[1])
            if method == "GET":
                return 200, self.comments.get(issue, [])
            self.next_id += 1
            made = {"id": self.next_id, "body": body["body"], "user": {"type": "Bot"}}  # type: ignore[index]
            self.comments.setdefault(issue, []).append(made)
            return 201, made
        if parts[:2] == ["issues", "comments"] and method == "PATCH":
            for comments in self.comments.values():
                for c in comments:
                    if c["id"] == int(parts[2]):
                        c["body"] = body["body"]  # type: ignore[index]
                        return 200, c
            return 404, {}
        if parts == ["issues"] and method == "GET":
            return 200, [i for i in self.issues if i["state"] == "open" and "blueprint-drift" in i["labels"]]
        if parts == ["issues"] and method == "POST":
            self.next_id += 1
            made = {"number": self.next_id, "state": "open", **(body or {})}
            self.issues.append(made)
            return 201, made
        if parts[:1] == ["issues"] and len(parts) == 2 and method == "PATCH":
            issue = next(i for i in self.issues if i["number"] == int(parts[1]))
            issue.update(body or {})
            return 200, issue
        return 404, {"message": "not faked"}


@pytest.fixture
def github(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[FakeGitHub, dict[str, str]]]:
    fake = FakeGitHub()

    class Handler(BaseHTTPRequestHandler):
        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length)) if length else None
            fake.requests.append((self.command, self.path, self.headers.get("Authorization", "")))
            status, data = fake.handle(self.command, self.path, body)
            raw = json.dumps(data).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

        do_GET = do_POST = do_PATCH = _serve

        def log_message(self, *_: Any) -> None:
            return None

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    env = {
        "GITHUB_API_URL": f"http://127.0.0.1:{server.server_address[1]}",
        "GITHUB_REPOSITORY": "acme/platform",
        "GITHUB_TOKEN": "ghs_test-token-never-printed",
    }
    try:
        yield fake, env
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def _cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    import os

    return subprocess.run(
        [sys.executable, "-m", "blueprint.cli", *args],
        cwd=REPO,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_preview_comment_is_created_once_then_edited(
    github: tuple[FakeGitHub, dict[str, str]], tmp_path: Path
) -> None:
    fake, env = github
    fake.comments[7] = [
        {"id": 1, "body": "<!-- blueprint-preview --> quoted by a person", "user": {"type": "User"}}
    ]
    body = tmp_path / "comment.md"
    body.write_text("<!-- blueprint-preview -->\n## Plan preview: first\n")
    first = _cli(env, "pr-comment", "--pr", "7", "--body", str(body))
    assert first.returncode == 0, first.stderr
    body.write_text("<!-- blueprint-preview -->\n## Plan preview: second\n")
    second = _cli(env, "pr-comment", "--pr", "7", "--body", str(body))
    assert second.returncode == 0, second.stderr
    assert first.stdout.startswith("created comment 101") and second.stdout.startswith("updated comment 101")
    bots = [c for c in fake.comments[7] if c["user"]["type"] == "Bot"]
    assert [c["body"] for c in bots] == ["<!-- blueprint-preview -->\n## Plan preview: second\n"]
    assert fake.comments[7][0]["body"].endswith("quoted by a person")  # a person's comment is untouched
    assert all(auth == "Bearer ghs_test-token-never-printed" for _, _, auth in fake.requests)
    assert "ghs_test" not in first.stdout + first.stderr + second.stdout + second.stderr


def test_drift_issues_open_update_and_close_per_stack(
    github: tuple[FakeGitHub, dict[str, str]], tmp_path: Path
) -> None:
    fake, env = github
    report = tmp_path / "drift.json"

    def check(drifted: set[str]) -> str:
        stacks = {s: {"drift": s in drifted, "summary": "1 update"} for s in ("dev-aws-lake", "dev-gcp-lake")}
        report.write_text(json.dumps({"env": "dev", "stacks": stacks}))
        done = _cli(env, "drift-issues", "--report", str(report), "--run-url", "https://ci.example/run/1")
        assert done.returncode == 0, done.stderr
        return done.stdout

    assert "dev-aws-lake: opened #101" in check({"dev-aws-lake"})
    assert "dev-aws-lake: updated #101" in check({"dev-aws-lake"})
    out = check(set())
    assert "dev-aws-lake: closed #101" in out and "dev-gcp-lake: unchanged" in out
    [issue] = fake.issues
    assert issue["state"] == "closed" and issue["title"] == "Drift detected in dev-aws-lake"
    assert "<!-- blueprint-drift:dev-aws-lake -->" in issue["body"]
    assert len(fake.comments[101]) == 2  # the update and the closing note


def test_missing_token_is_one_clear_error(tmp_path: Path) -> None:
    body = tmp_path / "c.md"
    body.write_text("x")
    done = _cli(
        {"GITHUB_TOKEN": "", "GITHUB_API_URL": "", "GITHUB_REPOSITORY": ""},
        "pr-comment",
        "--pr",
        "1",
        "--body",
        str(body),
    )
    assert done.returncode == 2 and "GITHUB_TOKEN" in done.stderr and "Traceback" not in done.stderr
