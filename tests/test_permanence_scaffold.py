"""init's git files: the Actions workflow, the pull request template, CONTRIBUTING.md and the lock's merge rule."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from kudoswall.lockfile import parse_lock
from kudoswall.scaffold_git import GITATTRIBUTES_HEADER, GITATTRIBUTES_LINES, write_git_files


def test_workflow_checks_pull_requests_and_deploys_pushes(tmp_path: Path) -> None:
    written = write_git_files(tmp_path)
    assert sorted(map(str, written)) == [".github/pull_request_template.md", ".github/workflows/kudoswall.yml",
                                         "CONTRIBUTING.md"]
    workflow: dict[Any, Any] = yaml.safe_load((tmp_path / ".github/workflows/kudoswall.yml").read_text())
    triggers = workflow[True]  # YAML 1.1 reads the key 'on' as true
    assert "pull_request" in triggers and triggers["push"]["branches"] == ["main"]
    check = workflow["jobs"]["check"]
    assert check["if"] == "github.event_name == 'pull_request'"
    commands = [step.get("run", "") for step in check["steps"]]
    assert any(c.startswith("kudoswall check --format github --base") for c in commands)
    assert check["steps"][0]["with"]["fetch-depth"] == 0
    build_steps = workflow["jobs"]["build"]["steps"]
    assert any("kudoswall build --output _site" in step.get("run", "") for step in build_steps)
    assert any(step.get("uses", "").startswith("actions/upload-pages-artifact") for step in build_steps)
    deploy = workflow["jobs"]["deploy"]
    assert deploy["needs"] == "build" and deploy["permissions"] == {"pages": "write", "id-token": "write"}
    assert deploy["steps"][0]["uses"].startswith("actions/deploy-pages")


def test_contributing_has_three_steps_and_explains_retraction(tmp_path: Path) -> None:
    write_git_files(tmp_path)
    text = (tmp_path / "CONTRIBUTING.md").read_text()
    steps = [line for line in text.splitlines() if line[:3] in ("1. ", "2. ", "3. ", "4. ")]
    assert [s[:2] for s in steps] == ["1.", "2.", "3."]
    assert "status: retracted" in text and "kudoswall mv" in text and "consent:" in text


def test_existing_files_are_never_overwritten(tmp_path: Path) -> None:
    (tmp_path / "CONTRIBUTING.md").write_text("ours")
    written = write_git_files(tmp_path, default_branch="trunk")
    assert Path("CONTRIBUTING.md") not in written
    assert (tmp_path / "CONTRIBUTING.md").read_text() == "ours"
    assert "branches: [trunk]" in (tmp_path / ".github/workflows/kudoswall.yml").read_text()


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_two_branches_that_both_add_lock_records_merge_without_a_conflict(tmp_path: Path) -> None:
    """New records sort to the same place (ids start with a date), so every two pull requests conflicted."""
    env = {**os.environ, "GIT_AUTHOR_NAME": "X", "GIT_AUTHOR_EMAIL": "x@example.org", "GIT_COMMITTER_NAME": "X",
           "GIT_COMMITTER_EMAIL": "x@example.org", "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}

    def git(*args: str) -> subprocess.CompletedProcess[bytes]:
        return subprocess.run(["git", "-C", str(tmp_path), *args], env=env, capture_output=True, check=False)

    (tmp_path / ".gitattributes").write_text(GITATTRIBUTES_HEADER + "\n".join(GITATTRIBUTES_LINES) + "\n", "utf-8")
    lock = tmp_path / "kudoswall.lock"
    head = '{"kind": "kudos", "id": "2024-01-01-a", "permalink": "k/2024-01-01-a/", "published": "2024-01-01"}\n'
    lock.write_text(head, "utf-8")
    git("init", "-q", "-b", "main")
    git("add", "-A")
    git("commit", "-q", "-m", "start")
    records = {name: head.replace("2024-01-01-a", f"2024-05-01-{name}") for name in ("ada", "bob")}
    for name, record in records.items():
        git("checkout", "-q", "-b", name, "main")
        lock.write_text(head + record, "utf-8")
        git("commit", "-q", "-am", name)
    git("checkout", "-q", "main")
    assert git("merge", "-q", "--no-edit", "ada").returncode == 0
    assert git("merge", "-q", "--no-edit", "bob").returncode == 0
    assert parse_lock(lock.read_text("utf-8")).problems == []
    expected = [head.strip(), *(record.strip() for record in records.values())]
    assert sorted(lock.read_text("utf-8").splitlines()) == sorted(expected)


def test_conflict_markers_in_the_lock_say_what_happened() -> None:
    text = '<<<<<<< HEAD\n{"kind": "person", "id": "a", "permalink": "people/a/", "published": "2024-01-01"}\n=======\n'
    problems = parse_lock(text + ">>>>>>> feature\n").problems
    assert [(p.pos.line, p.message) for p in problems] == [
        (1, "a merge conflict: two branches both added records here"),
        (3, "a merge conflict: two branches both added records here"),
        (4, "a merge conflict: two branches both added records here")]


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_a_wall_in_a_subfolder_gets_its_github_files_at_the_repository_root(tmp_path: Path) -> None:
    """GitHub reads .github/ only at the root: init in repo/walls/team wrote a workflow nobody ran."""
    from kudoswall.cli import main

    subprocess.run(["git", "init", "-q", "-b", "trunk", str(tmp_path)], check=True)
    assert main(["init", str(tmp_path / "walls/team")]) == 0
    assert not (tmp_path / "walls/team/.github").exists()
    assert (tmp_path / "walls/team/CONTRIBUTING.md").is_file()
    template = (tmp_path / ".github/pull_request_template.md").read_text("utf-8")
    assert "see walls/team/CONTRIBUTING.md" in template
    workflow: dict[Any, Any] = yaml.safe_load((tmp_path / ".github/workflows/kudoswall.yml").read_text("utf-8"))
    triggers = workflow[True]
    assert triggers["push"] == {"branches": ["trunk"], "paths": ["walls/team/**"]}
    assert triggers["pull_request"] == {"paths": ["walls/team/**"]}
    for job in ("check", "build"):
        assert workflow["jobs"][job]["defaults"] == {"run": {"working-directory": "walls/team"}}
    upload = [step for step in workflow["jobs"]["build"]["steps"] if "upload-pages-artifact" in step.get("uses", "")]
    assert upload[0]["with"]["path"] == "walls/team/_site"
    # a second wall beside it keeps the first one's workflow
    before = (tmp_path / ".github/workflows/kudoswall.yml").read_bytes()
    assert main(["init", str(tmp_path / "walls/other")]) == 0
    assert (tmp_path / ".github/workflows/kudoswall.yml").read_bytes() == before
