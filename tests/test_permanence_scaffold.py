"""init's git files: the Actions workflow, the pull request template and CONTRIBUTING.md."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from kudoswall.scaffold_git import write_git_files


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
