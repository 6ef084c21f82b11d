"""kudoswall mv: moves the file, records the alias, keeps the rest of the file as written; new records the lock."""

from __future__ import annotations

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


def test_new_records_the_kudos_in_the_lock(tmp_path: Path) -> None:
    root = make_wall(tmp_path, kudos={})
    assert main(["new", "--source", str(root), "--no-input", "--from", "ada", "--to", "grace", "--relationship",
                 "same-team", "--date", "2024-05-01", "--body", "Grace kept the ledger safe."]) == 0
    assert '"kind": "kudos"' in (root / "kudoswall.lock").read_text()
