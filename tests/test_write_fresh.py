"""SiteWriter into an empty staging folder (a clean build) and into one holding an older build."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from kudoswall.outputdir import MARKER, staging_dir
from kudoswall.write import MARKER_TEXT, SiteWriter


def files_under(folder: Path) -> dict[str, bytes]:
    return {path.relative_to(folder).as_posix(): path.read_bytes() for path in folder.rglob("*") if path.is_file()}


def test_a_clean_build_writes_every_file_whole_and_nothing_else(tmp_path: Path) -> None:
    output = tmp_path / "site"
    wanted = {"index.html": b"<p>home</p>", "k/a/index.html": b"<p>a</p>",
              "k/a/credential.json": os.urandom(3 * 1024 * 1024)}  # larger than one write() may take
    with SiteWriter(output) as writer:
        for rel_path, content in wanted.items():
            assert writer.write(rel_path, content)
        writer.commit()
    assert files_under(output) == {**wanted, MARKER: MARKER_TEXT}
    assert not staging_dir(output).exists()


def test_an_older_build_in_staging_loses_the_files_this_build_does_not_write(tmp_path: Path) -> None:
    output = tmp_path / "site"
    staging = staging_dir(output)
    (staging / "k" / "gone").mkdir(parents=True)
    (staging / MARKER).write_bytes(MARKER_TEXT)
    (staging / "k" / "gone" / "index.html").write_bytes(b"old")
    (staging / "index.html").write_bytes(b"<p>home</p>")
    kept = (staging / "index.html").stat().st_ino
    with SiteWriter(output) as writer:
        assert writer.write("index.html", b"<p>home</p>")  # new to the live site (there is none)...
        assert writer.write("k/new/index.html", b"new")
        writer.commit()
    assert files_under(output) == {"index.html": b"<p>home</p>", "k/new/index.html": b"new", MARKER: MARKER_TEXT}
    assert (output / "index.html").stat().st_ino == kept  # ...but the same bytes were not written again
    assert not (output / "k" / "gone").exists()


@pytest.mark.parametrize("rel_path", ["", "/a", "a/", "a//b", "./a", "a/../b", "a\\b", "a/\x00b", "a/b\x1f"])
def test_unsafe_output_paths_are_refused(tmp_path: Path, rel_path: str) -> None:
    with SiteWriter(tmp_path / "site") as writer, pytest.raises(ValueError, match="unsafe output path"):
        writer.write(rel_path, b"x")
