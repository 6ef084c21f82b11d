"""Files written in pieces (kudos.json of a large wall): same bytes, same keep-if-unchanged rule."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sitecheck import FIXTURES

from kudoswall.build import load_wall
from kudoswall.config import load_config
from kudoswall.feeds import kudos_api, kudos_api_chunks
from kudoswall.outputdir import MARKER, staging_dir
from kudoswall.write import MARKER_TEXT, SiteWriter


def pieces(data: bytes, size: int) -> Iterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start:start + size]


def staging_with(output: Path, files: dict[str, bytes]) -> Path:
    """A staging folder holding an older build of `files`."""
    staging = staging_dir(output)
    staging.mkdir(parents=True)
    (staging / MARKER).write_bytes(MARKER_TEXT)
    for rel_path, content in files.items():
        (staging / rel_path).parent.mkdir(parents=True, exist_ok=True)
        (staging / rel_path).write_bytes(content)
    return staging


def test_into_an_empty_staging_the_pieces_make_the_file(tmp_path: Path) -> None:
    data = bytes(range(256)) * 1000
    with SiteWriter(tmp_path / "site") as writer:
        assert writer.write_chunks("api/kudos.json", pieces(data, 999))
        writer.commit()
    assert (tmp_path / "site" / "api" / "kudos.json").read_bytes() == data


def test_the_same_bytes_keep_the_older_file_as_it_was(tmp_path: Path) -> None:
    data = b"0123456789" * 5000
    staging = staging_with(tmp_path / "site", {"kudos.json": data})
    before = (staging / "kudos.json").stat()
    with SiteWriter(tmp_path / "site") as writer:
        counts = writer.changed, writer.unchanged  # the marker file is written on entering
        assert writer.write_chunks("kudos.json", pieces(data, 777))  # no live site: new to it, so changed
        assert (writer.changed, writer.unchanged) == (counts[0] + 1, counts[1])
        writer.commit()
    after = (tmp_path / "site" / "kudos.json").stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    assert sorted(p.name for p in (tmp_path / "site").iterdir()) == [MARKER, "kudos.json"]  # no part file left


def test_the_same_bytes_as_the_live_site_take_its_time(tmp_path: Path) -> None:
    """Staging holds a build before last; the live copy's time is what a deploy compares with."""
    data = b"0123456789" * 5000
    output = tmp_path / "site"
    staging_with(output, {"kudos.json": data})
    output.mkdir()
    (output / "kudos.json").write_bytes(data)
    os.utime(output / "kudos.json", ns=(1_000_000_000, 1_000_000_000))
    with SiteWriter(output) as writer:
        counts = writer.changed, writer.unchanged
        assert not writer.write_chunks("kudos.json", pieces(data, 777))
        assert (writer.changed, writer.unchanged) == (counts[0], counts[1] + 1)
        writer.commit()
    assert (output / "kudos.json").stat().st_mtime_ns == 1_000_000_000


@pytest.mark.parametrize("new", [b"0123456789" * 5000 + b"x", (b"0123456789" * 5000)[:-1], b"1" + b"0" * 49_999])
def test_different_bytes_replace_it_whatever_the_difference(tmp_path: Path, new: bytes) -> None:
    staging_with(tmp_path / "site", {"kudos.json": b"0123456789" * 5000})
    with SiteWriter(tmp_path / "site") as writer:
        assert writer.write_chunks("kudos.json", pieces(new, 4096))
        writer.commit()
    assert (tmp_path / "site" / "kudos.json").read_bytes() == new
    assert sorted(p.name for p in (tmp_path / "site").iterdir()) == [MARKER, "kudos.json"]


def test_a_failure_halfway_leaves_no_part_file_and_the_older_file_whole(tmp_path: Path) -> None:
    staging = staging_with(tmp_path / "site", {"kudos.json": b"old" * 100})

    def failing() -> Iterator[bytes]:
        yield b"new"
        raise RuntimeError("render failed")

    with SiteWriter(tmp_path / "site") as writer, pytest.raises(RuntimeError):
        writer.write_chunks("kudos.json", failing())
    assert (staging / "kudos.json").read_bytes() == b"old" * 100
    assert not (staging / "kudos.json.kudoswall-part").exists()


def test_kudos_json_in_pieces_is_the_document_byte_for_byte() -> None:
    config = load_config(FIXTURES / "small-wall")
    wall = load_wall(config).wall
    many = [dataclasses.replace(kudos, id=f"{kudos.id}-{copy}") for copy in range(700) for kudos in wall.kudos[:3]]
    for variant in (wall, dataclasses.replace(wall, kudos=many), dataclasses.replace(wall, kudos=[])):
        chunks = list(kudos_api_chunks(config, variant))
        assert b"".join(chunks) == kudos_api(config, variant)
        assert len(variant.kudos) < 1000 or len(chunks) > 3  # a large wall comes in several pieces
