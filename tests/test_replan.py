"""serve's quick path for kudos edited in place (replan.py): it must plan exactly what a full
plan would, and step aside for every edit that moves a kudos."""

from __future__ import annotations

from pathlib import Path

import pytest
from servekit import KUDOS, copy_wall
from test_serve_site import clean_build

from kudoswall.build import load_wall, plan_outputs
from kudoswall.cli import main
from kudoswall.config import load_config
from kudoswall.serve_site import RebuildResult, SiteBuilder, render_all
from kudoswall.theme import Theme, resolve_theme_dir

OTHER = "content/kudos/2024-07-01-grace-on-hana-mentoring.md"
NEWEST = "content/kudos/2024-11-11-lan-on-grace-oncall.md"


def full_plan(root: Path) -> dict[str, str]:
    config = load_config(root)
    units = plan_outputs(load_wall(config).wall, config, Theme(config, resolve_theme_dir(config)))
    return {unit.path: unit.fingerprint for unit in units}


def fingerprints(builder: SiteBuilder) -> dict[str, str]:
    return {path: file.fingerprint for path, file in builder.snapshot.files.items()}


def edit(root: Path, rel: str, old: str, new: str) -> None:
    source = root / rel
    text = source.read_text(encoding="utf-8")
    assert old in text, (rel, old)
    source.write_text(text.replace(old, new, 1), encoding="utf-8")


def rebuild(builder: SiteBuilder, *paths: str) -> RebuildResult:
    result = builder.rebuild(frozenset({"content"}), paths)
    assert result.errors == [], result.errors
    return result


@pytest.fixture
def wall(tmp_path: Path) -> Path:
    return copy_wall(tmp_path)


@pytest.fixture
def builder(wall: Path) -> SiteBuilder:
    builder = SiteBuilder(wall)
    assert builder.rebuild().errors == []
    return builder


@pytest.mark.parametrize("edits", [
    [(KUDOS, "Grace kept the ledger", "Grace kept *the whole* ledger")],
    [(KUDOS, "date: 2023-01-10\n", "date: 2023-01-10\ntitle: Through the outage\n")],
    [(KUDOS, "relationship: same-team\n", "relationship: same-team\ncontext: The 2023 ledger outage\n")],
    [(NEWEST, "\n---\n", "\n---\nFirst in every feed. ")],  # the newest kudos: wall page 1, feeds, embeds
    [(KUDOS, "Grace kept", "Truly, Grace kept"), (OTHER, "\n---\n", "\n---\nTwo files in one batch. ")],
], ids=["body", "title", "context", "newest", "two-files"])
def test_an_in_place_edit_plans_and_renders_what_a_clean_build_makes(
        wall: Path, builder: SiteBuilder, edits: list[tuple[str, str, str]]) -> None:
    before = fingerprints(builder)
    for rel, old, new in edits:
        edit(wall, rel, old, new)
    result = rebuild(builder, *(rel for rel, _, _ in edits))
    assert result.replanned
    assert fingerprints(builder) == full_plan(wall)
    assert sorted(result.changed) == sorted(p for p, fp in fingerprints(builder).items() if before.get(p) != fp)
    assert render_all(builder.snapshot) == clean_build(wall)
    # and again, from the quick path's own result
    edit(wall, edits[0][0], "---\n", "---\n# a YAML comment\n")
    assert rebuild(builder, edits[0][0]).replanned
    assert fingerprints(builder) == full_plan(wall)


def test_an_in_place_edit_replans_the_pages_of_a_persons_full_lists(wall: Path) -> None:
    """At one kudos a page, people's lists have pages of their own; the quick path plans the one showing the edit."""
    edit(wall, "kudoswall.yaml", "per_page: 3", "per_page: 1")
    builder = SiteBuilder(wall)
    assert builder.rebuild().errors == []
    assert "people/grace-lindqvist/received/page/2/index.html" in fingerprints(builder)
    edit(wall, KUDOS, "Grace kept", "Grace quietly kept")
    result = rebuild(builder, KUDOS)
    assert result.replanned
    assert fingerprints(builder) == full_plan(wall)
    assert any(path.startswith("people/grace-lindqvist/received/") for path in result.changed)
    assert render_all(builder.snapshot) == clean_build(wall)


def test_an_edit_of_a_locked_kudos_shows_it_as_edited(wall: Path) -> None:
    """With kudoswall.lock recording the published text, an edit changes the kudos' history too."""
    assert main(["build", "--source", str(wall), "--output", str(wall.parent / "out")]) == 0
    assert (wall / "kudoswall.lock").is_file()
    builder = SiteBuilder(wall)
    assert builder.rebuild().errors == []
    edit(wall, KUDOS, "Grace kept", "Grace calmly kept")
    result = rebuild(builder, KUDOS)
    assert result.replanned
    assert fingerprints(builder) == full_plan(wall)
    assert render_all(builder.snapshot) == clean_build(wall)


@pytest.mark.parametrize(("old", "new"), [
    ("date: 2023-01-10", "date: 2023-01-11"),  # order on every list
    ("to: grace-lindqvist", "to: hana-sato"),  # another person's page
    ("from: ada-okafor", "from: lan-nguyen"),
    ("skills: [Go, Kubernetes]", "skills: [Go]"),  # a skill page loses it
    ("relationship: same-team", "relationship: mentor"),  # the graph's edges
    ("date: 2023-01-10\n", "date: 2023-01-10\nstatus: retracted\n"),  # a tombstone instead
    ("date: 2023-01-10\n", "date: 2023-01-10\naliases: [old-outage]\n"),  # a redirect
], ids=["date", "to", "from", "skills", "relationship", "retracted", "alias"])
def test_an_edit_that_moves_a_kudos_gets_a_full_rebuild(wall: Path, builder: SiteBuilder, old: str, new: str) -> None:
    edit(wall, KUDOS, old, new)
    result = rebuild(builder, KUDOS)
    assert not result.replanned
    assert render_all(builder.snapshot) == clean_build(wall)


def test_new_deleted_and_non_kudos_files_get_a_full_rebuild(wall: Path, builder: SiteBuilder) -> None:
    added = "content/kudos/2025-01-02-hana-on-ada-talk.md"
    (wall / added).write_text("---\nfrom: hana-sato\nto: ada-okafor\ndate: 2025-01-02\nrelationship: other\n"
                              "skills: [Go]\n---\nAda's talk was the clearest of the conference.\n")
    assert not rebuild(builder, added).replanned
    (wall / OTHER).unlink()
    assert not rebuild(builder, OTHER).replanned
    edit(wall, "content/people/lan-nguyen.yaml", "Lan Nguyen", "Lan Nguyễn")
    assert not rebuild(builder, "content/people/lan-nguyen.yaml").replanned
    assert render_all(builder.snapshot) == clean_build(wall)


def test_a_broken_edit_is_reported_in_full_and_its_fix_rebuilds_everything(wall: Path, builder: SiteBuilder) -> None:
    edit(wall, KUDOS, "relationship: same-team", "relationship: best-friends")
    edit(wall, OTHER, "\n---\n", "\n---\nEdited in the same batch as the broken file. ")
    broken = builder.rebuild(frozenset({"content"}), (KUDOS, OTHER))
    assert broken.snapshot is None and not broken.replanned
    assert [(p.pos.path, p.pos.line) for p in broken.errors] == [(KUDOS, 5)]
    edit(wall, KUDOS, "relationship: best-friends", "relationship: same-team")
    fixed = rebuild(builder, KUDOS)  # the next batch names only the fixed file
    assert not fixed.replanned  # the last plan is older than OTHER's edit: only a full rebuild sees it
    site = render_all(builder.snapshot)
    assert b"Edited in the same batch" in site["k/2024-07-01-grace-on-hana-mentoring/index.html"]
    assert site == clean_build(wall)
    edit(wall, KUDOS, "Grace kept", "Grace still kept")
    assert rebuild(builder, KUDOS).replanned


def test_warnings_of_the_other_files_stay_and_the_edited_file_keeps_its_own(wall: Path, builder: SiteBuilder) -> None:
    edit(wall, KUDOS, "skills: [Go, Kubernetes]", "skills: [Go, Kubernetes, Juggling]")
    edit(wall, OTHER, "\n---\n", "\n---\nx ")
    first = rebuild(builder, KUDOS, OTHER)
    assert not first.replanned  # a new skill moves the kudos onto a new skill page
    assert any(w.pos.path == KUDOS and "Juggling" in w.message for w in first.warnings)
    edit(wall, KUDOS, "Grace kept", "Grace really kept")
    second = rebuild(builder, KUDOS)
    assert second.replanned
    assert second.warnings == first.warnings == load_wall(load_config(wall)).problems
