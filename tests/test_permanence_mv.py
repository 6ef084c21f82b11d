"""kudoswall mv: moves the file, records the alias, keeps the rest of the file as written; new records the lock."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import make_wall

from kudoswall.cli import main

KUDOS_BLOCK_ALIASES = """---
from: ada
to: grace
date: 2024-05-01
relationship: same-team  # kept
aliases:
  - "2024-04-01-first-name"
---
Grace kept the ledger safe.
"""
KUDOS_EXPLICIT_ID = """from: ada
to: grace
date: 2024-05-01
relationship: same-team
id: ledger
body: Grace kept the ledger safe.
"""


def mv(root: Path, old: str, new: str) -> int:
    return main(["mv", old, new, "--source", str(root)])


def test_mv_appends_to_a_block_list_of_aliases(tmp_path: Path) -> None:
    root = make_wall(tmp_path, kudos={"2024-05-01-a": KUDOS_BLOCK_ALIASES})
    assert mv(root, "2024-05-01-a", "2024-05-01-b") == 0
    assert not (root / "content/kudos/2024-05-01-a.md").exists()
    text = (root / "content/kudos/2024-05-01-b.md").read_text()
    first = '  - "2024-04-01-first-name"\n'
    assert text == KUDOS_BLOCK_ALIASES.replace(first, first + '  - "2024-05-01-a"\n')
    assert main(["build", "--source", str(root)]) == 0
    assert (root / "site/k/2024-04-01-first-name/index.html").is_file()
    assert (root / "site/k/2024-05-01-a/index.html").is_file()


def test_mv_changes_an_explicit_id_in_a_yaml_kudos(tmp_path: Path) -> None:
    root = make_wall(tmp_path, kudos={"ledger.yaml": KUDOS_EXPLICIT_ID})
    assert mv(root, "content/kudos/ledger.yaml", "ledger-2024") == 0
    text = (root / "content/kudos/ledger-2024.yaml").read_text()
    assert "id: ledger-2024\n" in text and text.endswith('aliases: ["ledger"]\n')


@pytest.mark.parametrize(("old", "new", "message"), [
    ("missing", "x", "no kudos with the id or file 'missing'"),
    ("2024-05-01-ada-on-grace", "Bad Id", "is not a valid id"),
    ("2024-05-01-ada-on-grace", "2024-05-01-ada-on-grace", "already called"),
])
def test_mv_refuses_clearly(tmp_path: Path, old: str, new: str, message: str,
                            capsys: pytest.CaptureFixture[str]) -> None:
    root = make_wall(tmp_path)
    assert mv(root, old, new) == 2
    assert message in capsys.readouterr().err


def test_a_kudos_edited_then_renamed_stays_marked_edited_build_after_build(tmp_path: Path) -> None:
    """The first build after mv recorded the new id with the current digest; the next build read
    that record, and the "edited" mark (and so the page and kudos.json) changed with no edit."""
    root = make_wall(tmp_path)
    site = root / "site"

    def edited() -> list[bool]:
        assert main(["build", "--source", str(root), "--output", str(site)]) == 0
        return [entry["history"]["edited"] for entry in json.loads((site / "kudos.json").read_text("utf-8"))["kudos"]]

    assert edited() == [False]
    path = root / "content/kudos/2024-05-01-ada-on-grace.md"
    path.write_text(path.read_text("utf-8").replace("kept the ledger safe", "kept every ledger safe"), "utf-8")
    assert mv(root, "2024-05-01-ada-on-grace", "2024-05-01-ledger") == 0
    assert edited() == [True]
    first = {p.relative_to(site): p.read_bytes() for p in site.rglob("*") if p.is_file()}
    assert '"id": "2024-05-01-ledger"' in (root / "kudoswall.lock").read_text("utf-8")  # recorded by that build
    assert edited() == [True]
    assert {p.relative_to(site): p.read_bytes() for p in site.rglob("*") if p.is_file()} == first


def test_new_records_the_kudos_in_the_lock(tmp_path: Path) -> None:
    root = make_wall(tmp_path, kudos={})
    assert main(["new", "--source", str(root), "--no-input", "--from", "ada", "--to", "grace", "--relationship",
                 "same-team", "--date", "2024-05-01", "--body", "Grace kept the ledger safe."]) == 0
    assert '"kind": "kudos"' in (root / "kudoswall.lock").read_text()


def moved(tmp_path: Path, name: str, data: bytes, old: str, new_name: str) -> bytes:
    """The bytes of the file `mv OLD NEW` wrote (NEW is `new_name`'s stem); the old file must be gone."""
    root = make_wall(tmp_path, kudos={name: data})
    assert mv(root, old, new_name.rpartition(".")[0]) == 0
    assert not (root / "content/kudos" / name).exists()
    return (root / "content/kudos" / new_name).read_bytes()


@pytest.mark.parametrize(("written", "rewritten"), [
    ("ledger", "ledger-2024"), ('"ledger"', '"ledger-2024"'), ("'ledger'", "'ledger-2024'"),
    ("!!str ledger", "!!str ledger-2024"),
])
def test_mv_changes_only_the_id_value_and_keeps_its_comment(tmp_path: Path, written: str, rewritten: str) -> None:
    before = "---\nid: {}   # do not change: linked from the course page\nfrom: ada\nto: grace\n" \
             "date: 2024-05-01\nrelationship: same-team\n{}---\nGrace kept the ledger safe.\n"
    data = moved(tmp_path, "2024-05-01-a.md", before.format(written, "").encode(), "ledger", "ledger-2024.md")
    assert data == before.format(rewritten, 'aliases: ["ledger"]\n').encode()


BEFORE_ALIASES = {  # the front matter's end, before and after `mv a b`
    "none": ("---\n", 'aliases: ["a"]\n---\n'),
    "block": ('aliases:  # old addresses\n  - "x"\n---\n', 'aliases:  # old addresses\n  - "x"\n  - "a"\n---\n'),
    "flow": ('aliases: [x]  # old addresses\n---\n', 'aliases: [x, "a"]  # old addresses\n---\n'),
    "flow-lines": ('aliases: [x,\n          y]\n---\n', 'aliases: [x,\n          y, "a"]\n---\n'),
    "flow-comment": ('aliases: [x]  # see [notes]\n---\n', 'aliases: [x, "a"]  # see [notes]\n---\n'),
    "flow-empty": ('aliases: [ ]\n---\n', 'aliases: [ "a"]\n---\n'),
}


@pytest.mark.parametrize("eol", ["\n", "\r\n", "\r"])
@pytest.mark.parametrize("aliases", sorted(BEFORE_ALIASES))
def test_mv_keeps_the_files_line_endings(tmp_path: Path, eol: str, aliases: str) -> None:
    head = "---\nid: a  # keep\nfrom: ada\nto: grace\ndate: 2024-05-01\nrelationship: same-team\n"
    body = "Grace kept the ledger safe.\n\nTwice.\n"
    start, end = BEFORE_ALIASES[aliases]
    before, after = head + start + body, head.replace("id: a ", "id: b ") + end + body
    data = moved(tmp_path, "2024-05-01-a.md", before.replace("\n", eol).encode(), "a", "b.md")
    assert data == after.replace("\n", eol).encode()


def test_mv_keeps_mixed_line_endings_and_ends_an_inserted_line_like_the_one_above(tmp_path: Path) -> None:
    before = b"---\r\nid: a  # keep\r\nfrom: ada\nto: grace\rdate: 2024-05-01\r\nrelationship: same-team\n" \
             b"---\r\nGrace kept\rthe ledger safe.\r\n"
    after = before.replace(b"id: a ", b"id: b ").replace(b"same-team\n", b'same-team\naliases: ["a"]\n')
    assert moved(tmp_path, "2024-05-01-a.md", before, "a", "b.md") == after


def test_mv_keeps_a_bom_and_a_missing_final_line_break_in_a_yaml_kudos(tmp_path: Path) -> None:
    before = "\ufeffid: ledger # keep\r\n" + KUDOS_EXPLICIT_ID.replace("id: ledger\n", "").replace("\n", "\r\n")
    after = before.replace("ledger #", "ledger-2024 #") + 'aliases: ["ledger"]'
    data = moved(tmp_path, "ledger.yaml", before.rstrip("\r\n").encode(), "ledger", "ledger-2024.yaml")
    assert data == after.encode()


def test_mv_inserts_the_alias_before_a_yaml_kudos_document_end_marker(tmp_path: Path) -> None:
    """A line after `...` is outside the YAML document: mv refused such a file ("could not rewrite")."""
    before = KUDOS_EXPLICIT_ID + "...\n# written by hand\n"
    data = moved(tmp_path, "ledger.yaml", before.encode(), "ledger", "ledger-2024.yaml")
    assert data.decode() == before.replace("id: ledger\n", "id: ledger-2024\n").replace(
        "...\n", 'aliases: ["ledger"]\n...\n')


@pytest.mark.parametrize("alias", ['"2024-04-01-first-name"', "k/2024-04-01-first-name/"])
def test_mv_back_to_an_address_the_kudos_had_swaps_it_with_the_one_it_leaves(tmp_path: Path, alias: str) -> None:
    """Its own old id counted as taken, so a rename could not be undone with mv."""
    root = make_wall(tmp_path, kudos={"2024-05-01-a": KUDOS_BLOCK_ALIASES.replace('"2024-04-01-first-name"', alias)})
    assert main(["build", "--source", str(root)]) == 0
    assert mv(root, "2024-05-01-a", "2024-04-01-first-name") == 0
    text = (root / "content/kudos/2024-04-01-first-name.md").read_text()
    assert text == KUDOS_BLOCK_ALIASES.replace('"2024-04-01-first-name"', '"2024-05-01-a"') \
        if alias.startswith('"') else KUDOS_BLOCK_ALIASES.replace('"2024-04-01-first-name"', "2024-05-01-a")
    assert main(["check", "--source", str(root)]) == 0
    assert main(["build", "--source", str(root)]) == 0
    assert "Grace kept the ledger safe." in (root / "site/k/2024-04-01-first-name/index.html").read_text()
    assert 'href="../../k/2024-04-01-first-name/"' in (root / "site/k/2024-05-01-a/index.html").read_text()
