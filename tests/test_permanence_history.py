"""A scripted history in a temporary git repository: every URL ever published keeps answering.

create, edit, rename with alias, retract, hide, delete without tombstone (fails), delete entry and
lock record in one commit (fails with --base), a commit whose author is not the writer.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import html5lib
import pytest
from conftest import kudos_md, make_wall

from kudoswall.cli import main

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
NS = {"h": "http://www.w3.org/1999/xhtml"}
PEOPLE: dict[str, Any] = {
    "ada": {"name": "Ada Okafor", "skills": ["Go"], "identities": {"emails": ["ada@example.org"]}},
    "grace": {"name": "Grace Lindqvist", "skills": ["Go"], "identities": {"github": "grace-l"}},
    "lin": {"name": "Lin Hao", "skills": ["Go"]},
}


class History:
    """A wall in a git repository, built after each step; remembers every URL it ever published."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.site = root / "site"
        self.ever: set[str] = set()
        make_wall(root, people=PEOPLE, kudos={}, config={"title": "T", "base_url": "https://kudos.example.org/",
                                                        "repo_url": "https://github.com/acme/kudos"})
        (root / ".gitignore").write_text("site/\n")
        self.git("init", "-q", "-b", "main")
        self.commit("start", "ada@example.org")

    def git(self, *args: str, email: str = "ada@example.org") -> str:
        env = {**os.environ, "GIT_AUTHOR_NAME": "X", "GIT_AUTHOR_EMAIL": email, "GIT_COMMITTER_NAME": "X",
               "GIT_COMMITTER_EMAIL": email, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
        done = subprocess.run(["git", "-C", str(self.root), *args], env=env, capture_output=True, check=True)
        return done.stdout.decode()

    def commit(self, message: str, email: str) -> None:
        self.git("add", "-A")
        self.git("commit", "-q", "--allow-empty", "-m", message, email=email)

    def write(self, name: str, text: str) -> None:
        (self.root / "content" / "kudos" / f"{name}.md").write_text(text)

    def cli(self, *args: str) -> int:
        return main([*args, "--source", str(self.root)])

    def build(self) -> None:
        assert self.cli("build") == 0
        for path in self.site.rglob("index.html"):
            rel = path.relative_to(self.site).parent.as_posix() + "/"
            if rel.startswith(("k/", "people/")) and rel.count("/") == 2:
                self.ever.add(rel)
        self.assert_every_url_answers()

    def page(self, url_path: str) -> object:
        return html5lib.parse((self.site / url_path / "index.html").read_bytes(), namespaceHTMLElements=True)

    def kind(self, url_path: str) -> str:
        document = self.page(url_path)
        robots = document.find(".//h:meta[@name='robots']", NS)  # type: ignore[attr-defined]
        refresh = document.find(".//h:meta[@http-equiv='refresh']", NS)  # type: ignore[attr-defined]
        if refresh is not None:
            target = refresh.get("content").split("url=", 1)[1]
            assert (self.site / url_path / target / "index.html").resolve().is_file(), target
            assert robots is not None
            return "redirect"
        if robots is not None and "noindex" in robots.get("content"):
            return "tombstone"
        return "page"

    def assert_every_url_answers(self) -> None:
        for url_path in self.ever:
            assert (self.site / url_path / "index.html").is_file(), url_path
            self.kind(url_path)

    def text(self, url_path: str) -> str:
        main_element = self.page(url_path).find(".//h:main", NS)  # type: ignore[attr-defined]
        return " ".join("".join(main_element.itertext()).split())

    def api(self) -> dict[str, object]:
        return json.loads((self.site / "kudos.json").read_text())  # type: ignore[no-any-return]


def by_id(api: dict[str, object], kudos_id: str) -> dict[str, object]:
    return next(k for k in api["kudos"] if k["id"] == kudos_id)  # type: ignore[attr-defined]


def test_scripted_history(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    wall = History(tmp_path / "wall")
    first = "Grace kept the ledger safe through three audits and taught us all to love reconciliations."
    wall.write("2024-05-01-ada-on-grace", kudos_md(first))
    wall.build()
    wall.commit("add kudos", "ada@example.org")
    lock = (wall.root / "kudoswall.lock").read_text()
    assert '"id": "2024-05-01-ada-on-grace"' in lock and '"kind": "person", "id": "lin"' in lock
    wall.build()
    record = by_id(wall.api(), "2024-05-01-ada-on-grace")
    assert record["verified"] == "verified" and record["history"]["edited"] is False  # type: ignore[index]
    assert wall.kind("k/2024-05-01-ada-on-grace/") == "page"

    # edit after publication: marked as edited, two revisions, the lock record unchanged
    wall.write("2024-05-01-ada-on-grace", kudos_md(first + " Twice."))
    wall.commit("edit", "ada@example.org")
    wall.build()
    assert (wall.root / "kudoswall.lock").read_text() == lock
    history = by_id(wall.api(), "2024-05-01-ada-on-grace")["history"]
    assert history["edited"] is True and history["revisions"] == 2  # type: ignore[index]
    assert history["url"] == ("https://github.com/acme/kudos/commits/HEAD/"  # type: ignore[index]
                              "content/kudos/2024-05-01-ada-on-grace.md")
    # the feeds say it changed, so a reader shows the correction (they kept the first date)
    atom = "{http://www.w3.org/2005/Atom}"
    entry = ElementTree.parse(wall.site / "feed.xml").getroot().find(f"{atom}entry")
    assert entry is not None and entry.findtext(f"{atom}published") == "2024-05-01T00:00:00Z"
    assert entry.findtext(f"{atom}updated") == f"{history['last_updated']}T00:00:00Z"  # type: ignore[index]
    item = json.loads((wall.site / "feed.json").read_text())["items"][0]
    assert item["date_modified"] == f"{history['last_updated']}T00:00:00Z"  # type: ignore[index]

    # rename with alias: the old address becomes a redirect page and a _redirects rule
    assert wall.cli("mv", "2024-05-01-ada-on-grace", "2024-05-01-ada-on-grace-ledger") == 0
    assert 'aliases: ["2024-05-01-ada-on-grace"]' in (wall.root / "content/kudos/2024-05-01-ada-on-grace-ledger.md"
                                                     ).read_text()
    wall.commit("rename", "ada@example.org")
    wall.build()
    assert wall.kind("k/2024-05-01-ada-on-grace/") == "redirect"
    assert "/k/2024-05-01-ada-on-grace/ /k/2024-05-01-ada-on-grace-ledger/ 301" in (wall.site / "_redirects"
                                                                                    ).read_text()
    renamed = by_id(wall.api(), "2024-05-01-ada-on-grace-ledger")
    assert renamed["verified"] == "verified"  # followed through the rename to the adding commit

    # retract and hide: tombstones, and the text is in no output
    retracted_text = "Lin reviewed every migration with patience nobody else had that quarter."
    hidden_text = "Grace recommended Ada for the incident rotation and was right about it."
    wall.write("2024-06-01-ada-on-lin", kudos_md(retracted_text, to="lin", date="2024-06-01"))
    wall.write("2024-06-02-grace-on-ada", kudos_md(hidden_text, **{"from": "grace", "to": "ada"}, date="2024-06-02"))
    wall.commit("two more", "ada@example.org")
    wall.build()
    wall.write("2024-06-01-ada-on-lin", kudos_md(retracted_text, to="lin", date="2024-06-01", status="retracted",
                                                 status_date="2024-07-01", status_reason="Wrong person."))
    wall.write("2024-06-02-grace-on-ada", kudos_md(hidden_text, **{"from": "grace", "to": "ada"}, date="2024-06-02",
                                                   status="hidden"))
    wall.commit("retract and hide", "ada@example.org")
    wall.build()
    assert wall.kind("k/2024-06-01-ada-on-lin/") == "tombstone"
    assert "Retracted by the writer on 1 July 2024. Wrong person." in wall.text("k/2024-06-01-ada-on-lin/")
    assert "Hidden at the recipient's request." in wall.text("k/2024-06-02-grace-on-ada/")
    for output in wall.site.rglob("*"):
        if output.is_file() and output.suffix in (".html", ".json", ".xml", ".txt", ".js"):
            text = output.read_text(errors="replace")
            assert "patience nobody else" not in text and "incident rotation" not in text, output
    sitemap = (wall.site / "sitemap.xml").read_text()
    assert "2024-06-01-ada-on-lin" not in sitemap and "2024-06-02-grace-on-ada" not in sitemap

    # delete without a tombstone: check fails and says how to retract or hide
    (wall.root / "content/kudos/2024-06-01-ada-on-lin.md").unlink()
    capsys.readouterr()
    assert wall.cli("check", "--base", "none") == 1
    assert "status: retracted" in capsys.readouterr().err
    assert wall.cli("build") == 1
    wall.git("checkout", "--", "content/kudos/2024-06-01-ada-on-lin.md")
    wall.assert_every_url_answers()

    # delete the entry and its lock record in one commit: only --base catches it
    wall.git("rm", "-q", "content/kudos/2024-05-01-ada-on-grace-ledger.md")
    text = (wall.root / "kudoswall.lock").read_text()
    kept = [line for line in text.splitlines(keepends=True) if "2024-05-01-ada-on-grace" not in line]
    (wall.root / "kudoswall.lock").write_text("".join(kept))
    wall.commit("delete entry and lock", "ada@example.org")
    assert wall.cli("check", "--base", "none") == 0
    capsys.readouterr()
    assert wall.cli("check", "--base", "HEAD~1") == 1
    err = capsys.readouterr().err
    assert "was deleted" in err and "2024-05-01-ada-on-grace-ledger" in err
    wall.git("reset", "-q", "--hard", "HEAD~1")
    wall.build()

    # delete the entry and point its lock record elsewhere (or take a new digest, hiding an edit): --base again
    for old, new in (('"permalink": "k/2024-05-01-ada-on-grace/"', '"permalink": "people/grace/"'),
                     ('"digest": "sha256:', '"digest": "sha256:0')):
        if old.startswith('"permalink"'):
            wall.git("rm", "-q", "content/kudos/2024-05-01-ada-on-grace-ledger.md")
        lock_file = wall.root / "kudoswall.lock"
        lines = lock_file.read_text().splitlines(keepends=True)
        lock_file.write_text("".join(line.replace(old, new) if '"id": "2024-05-01-ada-on-grace"' in line else line
                                     for line in lines))
        wall.commit("rewrite a lock record", "ada@example.org")
        capsys.readouterr()
        assert wall.cli("check", "--base", "HEAD~1") == 1
        assert "the lock record of kudos '2024-05-01-ada-on-grace' was changed since HEAD~1" in capsys.readouterr().err
        wall.git("reset", "-q", "--hard", "HEAD~1")
    wall.build()

    # a commit whose author is not the writer: unverified, and rejected when required
    wall.write("2024-08-01-grace-on-lin", kudos_md("Lin rebuilt the billing exports and wrote the runbook too.",
                                                   **{"from": "grace", "to": "lin"}, date="2024-08-01"))
    wall.commit("words in grace's name", "mallory@example.org")
    wall.build()
    assert by_id(wall.api(), "2024-08-01-grace-on-lin")["verified"] == "unverified"
    assert "ada@example.org" not in "".join(p.read_text(errors="replace") for p in wall.site.rglob("*")
                                            if p.is_file() and p.suffix in (".html", ".json", ".xml"))
    config = wall.root / "kudoswall.yaml"
    config.write_text(config.read_text() + "require_verified_authors: true\n")
    capsys.readouterr()
    assert wall.cli("check", "--base", "none") == 1
    assert "was not authored or signed by Grace Lindqvist" in capsys.readouterr().err
    wall.git("commit", "-q", "--amend", "--no-edit", "--reset-author", email="123+grace-l@users.noreply.github.com")
    assert wall.cli("check", "--base", "none") == 0
    wall.build()
    wall.assert_every_url_answers()
    assert len(wall.ever) >= 8
    # every build above kept git's log and logged only the commits since; a build with none kept is the same
    shutil.rmtree(wall.root / ".kudoswall-cache")
    assert main(["build", "--source", str(wall.root), "--output", str(tmp_path / "fresh")]) == 0
    assert site_files(tmp_path / "fresh") == site_files(wall.site)


def site_files(site: Path) -> dict[str, bytes]:
    return {path.relative_to(site).as_posix(): path.read_bytes() for path in site.rglob("*") if path.is_file()}


def test_check_defaults_to_the_merge_base_with_the_remote_default_branch(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    upstream = History(tmp_path / "upstream")
    upstream.write("2024-05-01-ada-on-grace", kudos_md("Grace kept the ledger safe through three audits."))
    upstream.build()
    upstream.commit("publish", "ada@example.org")
    clone = tmp_path / "clone"
    upstream.git("clone", "-q", str(upstream.root), str(clone))
    wall = History.__new__(History)
    wall.root, wall.site, wall.ever = clone, clone / "site", set()
    wall.git("checkout", "-q", "-b", "tidy")
    wall.git("rm", "-q", "content/kudos/2024-05-01-ada-on-grace.md")
    (clone / "kudoswall.lock").write_text("")
    wall.commit("delete entry and lock", "ada@example.org")
    capsys.readouterr()
    assert wall.cli("check") == 1  # no --base: the merge base with origin/HEAD
    assert "2024-05-01-ada-on-grace" in capsys.readouterr().err
    assert wall.cli("check", "--base", "none") == 0


def test_a_kudos_added_by_a_merge_commit_is_not_taken_for_an_uncommitted_one(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`git log` shows no merge's own changes: a kudos slipped into a merge passed
    require_verified_authors as "not committed yet" (a warning)."""
    wall = History(tmp_path / "wall")
    config = wall.root / "kudoswall.yaml"
    config.write_text(config.read_text() + "require_verified_authors: true\n")
    wall.write("2024-05-01-ada-on-grace", kudos_md("Grace fixed the ledger."))
    wall.commit("ada's kudos", "ada@example.org")
    wall.git("checkout", "-q", "-b", "side")
    (wall.root / "notes.txt").write_text("side\n")
    wall.commit("side work", "mallory@example.org")
    wall.git("checkout", "-q", "main")
    (wall.root / "other.txt").write_text("main\n")
    wall.commit("main work", "ada@example.org")
    wall.git("merge", "-q", "--no-ff", "--no-commit", "side", email="mallory@example.org")
    wall.write("2024-05-02-forged", kudos_md("Words Ada never wrote.", date="2024-05-02"))
    wall.commit("Merge branch side", "mallory@example.org")
    assert wall.cli("check", "--base", "none") == 1
    err = capsys.readouterr().err
    assert "content/kudos/2024-05-02-forged.md:2:7: this kudos was added by a merge commit" in err
    assert "2024-05-01-ada-on-grace" not in err


def test_a_shallow_clones_cut_history_is_not_trusted(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Every kudos older than the cut was "added" by the boundary commit: wrong authors (a false
    "verified" too) and wrong first-published dates, recorded in the lock for good. Not read: a
    warning, and an error where authors must be verified."""
    wall = History(tmp_path / "wall")
    wall.write("2024-05-01-ada-on-grace", kudos_md("Grace fixed the ledger."))
    wall.commit("kudos", "ada@example.org")
    (wall.root / "x.txt").write_text("x\n")
    wall.commit("later", "ada@example.org")
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", "--depth", "1", f"file://{wall.root}", str(clone)], check=True,
                   env={**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"})
    assert main(["check", "--source", str(clone), "--base", "none"]) == 0
    assert "kudoswall.yaml: warning: this git checkout is shallow" in capsys.readouterr().err
    assert main(["build", "--source", str(clone)]) == 0
    api = json.loads((clone / "site/kudos.json").read_text())
    [kudos] = api["kudos"]
    assert kudos["history"]["source"] == "front matter" and kudos["verified"] == "unknown"
    config = clone / "kudoswall.yaml"
    config.write_text(config.read_text() + "require_verified_authors: true\n")
    capsys.readouterr()
    assert main(["check", "--source", str(clone), "--base", "none"]) == 1
    assert "kudoswall.yaml: this git checkout is shallow" in capsys.readouterr().err


def test_an_empty_base_is_a_usage_error_not_no_comparison(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The workflow's `--base "$(git merge-base …)"` gives "" when merge-base fails: the lock was then
    compared with nothing, and a pull request deleting a published record passed."""
    wall = History(tmp_path / "wall")
    assert wall.cli("check", "--base", "") == 2
    assert "--base is empty" in capsys.readouterr().err


def test_fixes_committed_before_the_first_build_are_not_edits_after_publication(tmp_path: Path) -> None:
    """The first build said "edited" (two commits, no lock record yet), the next one, with the record
    the first wrote, did not: the same content read two ways."""
    wall = History(tmp_path / "wall")
    wall.write("2024-05-01-ada-on-grace", kudos_md("Grace fixed the ledgr."))
    wall.commit("kudos", "ada@example.org")
    wall.write("2024-05-01-ada-on-grace", kudos_md("Grace fixed the ledger."))
    wall.commit("typo", "ada@example.org")
    marks = []
    for _ in range(2):
        wall.build()
        marks.append(by_id(wall.api(), "2024-05-01-ada-on-grace")["history"])
        wall.commit("lock", "ada@example.org")
    assert [mark["edited"] for mark in marks] == [False, False]  # type: ignore[index]


def test_an_author_date_in_the_future_is_not_taken_as_the_first_published_day(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The committer writes the author date: 2099 became "first published 1 January 2099", in the lock for good."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1735689600")  # today is 2025-01-01
    wall = History(tmp_path / "wall")
    wall.write("2024-05-01-ada-on-grace", kudos_md("Grace fixed the ledger."))
    monkeypatch.setenv("GIT_AUTHOR_DATE", "2099-01-01T10:00:00Z")
    wall.commit("kudos", "ada@example.org")
    wall.build()
    history = by_id(wall.api(), "2024-05-01-ada-on-grace")["history"]
    assert (history["first_published"], history["last_updated"]) == ("2025-01-01", "2025-01-01")  # type: ignore[index]
    assert '"published": "2025-01-01"' in (wall.root / "kudoswall.lock").read_text()


def test_a_checkout_git_refuses_to_read_is_said_not_taken_for_no_checkout(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """git's "dubious ownership" (a CI container's user) read as "not a git checkout": a warning
    that sent the maintainer the wrong way, and no verification at all."""
    wall = History(tmp_path / "wall")
    config = wall.root / "kudoswall.yaml"
    config.write_text(config.read_text() + "require_verified_authors: true\n")
    try:  # owned by someone else: git refuses it ("dubious ownership"), as in many CI containers
        for folder in (wall.root, wall.root / ".git"):
            os.chown(folder, os.getuid() + 4242, os.getgid())
    except PermissionError:
        pytest.skip("needs to own files as another user (root)")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", os.devnull)  # no safe.directory of the machine's
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    assert wall.cli("check", "--base", "none") == 1
    err = capsys.readouterr().err
    assert "kudoswall.yaml: git did not read this checkout's history: " in err
    assert "not a git checkout" not in err
