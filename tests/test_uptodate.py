"""The build stamp: a rebuild with nothing changed does nothing; any change to an input or to the
output makes it a real build whose output equals a clean build's."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import kudos_md, make_wall

import kudoswall.build as build_module
from kudoswall import cache, uptodate
from kudoswall.build import BuildReport, build_site
from kudoswall.cli import main
from kudoswall.config import load_config
from kudoswall.errors import ContentError
from kudoswall.lockfile import update_lock
from kudoswall.theme import resolve_theme_dir

FAST = {"title": "Test wall", "base_url": "https://kudos.example.org/", "search": False, "share_images": False}
PNG = (Path(__file__).parent / "fixtures" / "images" / "base.png").read_bytes()
PHYS = b"\0\0\0\x09pHYs\0\0\x0b\x13\0\0\x0b\x13\x01\x00\x9a\x9c\x18"  # 72 dpi, a chunk the build keeps
GIT = ["git", "-c", "user.name=Ada", "-c", "user.email=ada@example.org", "-c", "commit.gpgsign=false"]


pytestmark = pytest.mark.usefixtures("private_cache_key")


@pytest.fixture(autouse=True)
def no_racy_window(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests edit a file and build at once; only test_fresh_files_are_never_stamped keeps the window."""
    monkeypatch.setattr(uptodate, "RACY_WINDOW_NS", 0)


@pytest.fixture
def loads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Records each time a build reads the wall: a skipped build never does."""
    calls: list[str] = []
    real = build_module.load_wall

    def counting(*args: object, **kwargs: object) -> object:
        calls.append("load")
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(build_module, "load_wall", counting)
    return calls


def build(root: Path, strict: bool = False, use_cache: bool = True, lock: bool = True) -> BuildReport:
    """What `kudoswall build` does: build, then record new pages in the lock (a change to compare
    with a clean build leaves the lock alone: the clean build must see the same lock)."""
    report = build_site(load_config(root), root / "site", strict=strict, use_cache=use_cache)
    if report.wall is not None and lock:
        update_lock(root, report.wall)
    return report


def settle(root: Path) -> BuildReport:
    """Build until the lock records every page (the first build adds them, which is a change)."""
    build(root)
    return build(root)


def tree(folder: Path) -> dict[str, bytes]:
    return {path.relative_to(folder).as_posix(): path.read_bytes() for path in sorted(folder.rglob("*"))
            if path.is_file()}


def identities(folder: Path) -> dict[str, tuple[int, int]]:
    return {path.relative_to(folder).as_posix(): (path.lstat().st_ino, path.lstat().st_mtime_ns)
            for path in sorted(folder.rglob("*"))}


def clean_build(root: Path, tmp_path: Path) -> dict[str, bytes]:
    output = tmp_path / "clean"
    shutil.rmtree(output, ignore_errors=True)
    build_site(load_config(root), output, use_cache=False)
    return tree(output)


def stamps(root: Path) -> list[str]:
    folder = root / cache.CACHE_DIR
    return sorted(path.name for path in folder.glob("stamp-*")) if folder.is_dir() else []


@pytest.fixture
def wall(tmp_path: Path) -> Path:
    return make_wall(tmp_path / "wall", config=FAST)


def test_a_rebuild_with_nothing_changed_reads_nothing_and_writes_nothing(wall: Path, loads: list[str]) -> None:
    real = settle(wall)
    assert len(loads) == 2 and stamps(wall)
    before = identities(wall / "site")
    kept = build(wall)
    assert len(loads) == 2  # no third load
    assert identities(wall / "site") == before
    assert (kept.kudos, kept.pages, kept.files, kept.unchanged, kept.changed) == \
        (real.kudos, real.pages, real.files, real.files, 0)
    assert kept.wall is None  # so the command line does not touch the lock


def test_the_command_line_skips_before_importing_a_real_build(wall: Path, loads: list[str],
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["build", "--source", str(wall)]) == 0
    assert main(["build", "--source", str(wall)]) == 0
    first = capsys.readouterr().out.splitlines()[-1]
    assert main(["build", "--source", str(wall)]) == 0
    kept = capsys.readouterr().out.splitlines()[-1]
    assert len(loads) == 2
    assert kept.split(" in ")[0] == first.split(" in ")[0]  # "Built 1 kudos into N pages"
    files = first.split(" of ")[1].split()[0]
    assert kept.endswith(f"({files} of {files} files unchanged)")


def test_a_skipped_build_still_reports_its_warnings(tmp_path: Path, loads: list[str]) -> None:
    root = make_wall(tmp_path / "wall", config=FAST, kudos={"2024-05-01-ada-on-grace": kudos_md(skills=["Rust"])})
    real = settle(root)
    assert real.warnings
    kept = build(root)
    assert len(loads) == 2 and kept.warnings == real.warnings


def test_a_strict_build_with_warnings_is_never_skipped(tmp_path: Path, loads: list[str]) -> None:
    root = make_wall(tmp_path / "wall", config=FAST, kudos={"2024-05-01-ada-on-grace": kudos_md(skills=["Rust"])})
    settle(root)
    with pytest.raises(ContentError) as raised:
        build(root, strict=True)
    assert len(loads) == 3 and all(p.severity == "warning" for p in raised.value.problems)


def _edit_keeping_size_and_mtime(root: Path) -> None:
    path = root / "content" / "kudos" / "2024-05-01-ada-on-grace.md"
    info = path.stat()
    data = path.read_bytes()
    path.write_bytes(data.replace(b"kept the ledger", b"kept THE ledger"))
    os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns))
    assert path.stat().st_size == info.st_size and path.stat().st_mtime_ns == info.st_mtime_ns


def _new_kudos(root: Path) -> None:
    (root / "content" / "kudos" / "2024-06-01-grace-on-ada.md").write_text(
        kudos_md("Ada reviewed every change.", **{"from": "grace", "to": "ada", "date": "2024-06-01"}))


def _config(root: Path) -> None:
    with (root / "kudoswall.yaml").open("a", encoding="utf-8") as config:
        config.write("description: Now with a description\n")


def _wall_template(root: Path) -> None:
    theme_base = Path(resolve_theme_dir(load_config(root))) / "templates" / "base.html"
    (root / "templates").mkdir()
    (root / "templates" / "base.html").write_text(theme_base.read_text().replace("</body>", "<!-- ours --></body>"))


def _static_file(root: Path) -> None:
    (root / "static").mkdir()
    (root / "static" / "extra.css").write_text("body { color: teal; }\n")


def _lock(root: Path) -> None:
    with (root / "kudoswall.lock").open("a", encoding="utf-8") as lock:
        lock.write("# a comment changes no page, but the lock is an input all the same\n")


def _output_deleted(root: Path) -> None:
    (root / "site" / "index.html").unlink()


def _output_edited(root: Path) -> None:
    page = root / "site" / "index.html"
    page.write_bytes(page.read_bytes().replace(b"<html", b"<html data-edited"))


def _output_edited_keeping_mtime(root: Path) -> None:
    page = root / "site" / "index.html"
    info = page.stat()
    page.write_bytes(page.read_bytes().replace(b"<html", b"<HTML", 1))
    os.utime(page, ns=(info.st_atime_ns, info.st_mtime_ns))


def _source_date_epoch(root: Path) -> None:
    os.environ["SOURCE_DATE_EPOCH"] = "1730000000"  # 2024-10-27: after the kudos dates, which may not be later


def _editor_file(root: Path) -> None:
    (root / "content" / "kudos" / ".2024-05-01-ada-on-grace.md.swp").write_bytes(b"editor state")


CHANGES: dict[str, Callable[[Path], None]] = {
    "kudos edited, size and mtime kept": _edit_keeping_size_and_mtime,
    "new kudos": _new_kudos,
    "config": _config,
    "wall template": _wall_template,
    "static file": _static_file,
    "lock": _lock,
    "output file deleted": _output_deleted,
    "output file edited": _output_edited,
    "SOURCE_DATE_EPOCH": _source_date_epoch,
    "an editor's file in content": _editor_file,
}


@pytest.mark.parametrize("change", CHANGES.values(), ids=CHANGES.keys())
def test_each_change_makes_a_real_build_equal_to_a_clean_one(change: Callable[[Path], None], wall: Path,
                                                             loads: list[str], tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "")
    monkeypatch.delenv("SOURCE_DATE_EPOCH")  # unset now, and again after the test (a change sets it)
    settle(wall)
    before = tree(wall / "site")
    change(wall)
    build(wall, lock=False)
    assert len(loads) == 3
    assert tree(wall / "site") == clean_build(wall, tmp_path)
    if change in (_edit_keeping_size_and_mtime, _new_kudos, _config, _wall_template, _static_file):
        assert tree(wall / "site") != before  # the change shows, so a skip would have been wrong


def test_an_output_file_edited_keeping_its_mtime_makes_a_real_build(wall: Path, loads: list[str]) -> None:
    settle(wall)
    _output_edited_keeping_mtime(wall)
    build(wall)
    assert len(loads) == 3


def test_an_output_file_edited_keeping_its_mtime_is_rebuilt(wall: Path, tmp_path: Path) -> None:
    settle(wall)
    _output_edited_keeping_mtime(wall)
    build(wall)
    assert tree(wall / "site") == clean_build(wall, tmp_path)


def test_a_file_added_to_the_output_stays_as_a_real_build_would_leave_it(wall: Path, loads: list[str]) -> None:
    """Not looked for (it would cost a look at every folder): a real build keeps it as well."""
    settle(wall)
    (wall / "site" / "k" / "stray.html").write_text("not ours")
    build(wall)
    skipped = tree(wall / "site")
    for name in stamps(wall):
        (wall / cache.CACHE_DIR / name).unlink()
    build(wall)
    assert len(loads) == 3  # the skip, then a real build
    assert tree(wall / "site") == skipped


def test_a_deleted_kudos_is_not_skipped_and_fails_as_it_should(wall: Path, loads: list[str]) -> None:
    settle(wall)
    (wall / "content" / "kudos" / "2024-05-01-ada-on-grace.md").unlink()
    with pytest.raises(ContentError, match="problem"):
        build(wall)
    assert len(loads) == 3


def test_an_edited_theme_makes_a_real_build(tmp_path: Path, loads: list[str]) -> None:
    root = make_wall(tmp_path / "wall", config={**FAST, "theme": "mytheme"})
    shutil.copytree(resolve_theme_dir(load_config(make_wall(tmp_path / "other", config=FAST))),
                    root / "mytheme")
    settle(root)
    style = root / "mytheme" / "static" / "style.css"
    style.write_text(style.read_text() + "\nmain { margin: 0; }\n")
    build(root)
    assert len(loads) == 3
    assert tree(root / "site") == clean_build(root, tmp_path)
    assert b"margin: 0" in (root / "site" / "static" / "style.css").read_bytes()


def test_an_edited_avatar_makes_a_real_build(tmp_path: Path, loads: list[str]) -> None:
    root = make_wall(tmp_path / "wall", config=FAST,
                     people={"ada": {"name": "Ada Okafor", "skills": ["Go"], "avatar": "ada.png"},
                             "grace": {"name": "Grace Lindqvist", "skills": ["Go"]}})
    (root / "content" / "people" / "ada.png").write_bytes(PNG)
    settle(root)
    (root / "content" / "people" / "ada.png").write_bytes(PNG[:-12] + PHYS + PNG[-12:])
    build(root)
    assert len(loads) == 3
    assert PHYS in (root / "site" / "people" / "ada" / "avatar.png").read_bytes()


def test_a_new_commit_makes_a_real_build(wall: Path, loads: list[str], tmp_path: Path) -> None:
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    subprocess.run(["git", "init", "-q", str(wall)], check=True)
    subprocess.run([*GIT, "-C", str(wall), "add", "content", "kudoswall.yaml"], check=True)
    subprocess.run([*GIT, "-C", str(wall), "commit", "-q", "-m", "wall"], check=True)
    settle(wall)
    _edit_keeping_size_and_mtime(wall)
    build(wall)  # the edit is a change anyway; what follows is only the commit
    subprocess.run([*GIT, "-C", str(wall), "commit", "-q", "-a", "-m", "edit"], check=True,
                   env={**os.environ, "GIT_AUTHOR_DATE": "2030-01-01T00:00:00Z"})
    before = tree(wall / "site")
    build(wall)
    assert len(loads) == 4
    assert tree(wall / "site") == clean_build(wall, tmp_path) != before  # history now shows the edit


def test_a_new_signing_key_makes_a_real_build(tmp_path: Path, loads: list[str]) -> None:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

    def new_key() -> bytes:
        return Ed25519PrivateKey.generate().private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())

    root = make_wall(tmp_path / "wall", config={**FAST, "credential_key": "keys/credential-key.pem"})
    (root / "keys").mkdir()
    (root / "keys" / "credential-key.pem").write_bytes(new_key())
    settle(root)
    before = tree(root / "site")
    (root / "keys" / "credential-key.pem").write_bytes(new_key())
    build(root)
    assert len(loads) == 3
    assert tree(root / "site") == clean_build(root, tmp_path) != before


def test_a_forged_stamp_is_ignored(wall: Path, loads: list[str], tmp_path: Path,
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    settle(wall)
    (name,) = stamps(wall)
    _new_kudos(wall)
    snapshot = uptodate.take_snapshot(load_config(wall), uptodate.preflight(load_config(wall), wall / "site"),
                                      wall / "site")
    honest = cache.load(wall / cache.CACHE_DIR, name, str((wall / "site").absolute()))
    assert isinstance(honest, uptodate.Stamp)
    own_key = os.environ["XDG_CACHE_HOME"]
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "someone-else"))
    cache._secret.cache_clear()
    forged = uptodate.Stamp(snapshot.digest, *(getattr(honest, field) for field in (
        "avatars", "avatar_state", "paths", "state", "kudos", "pages", "files", "warnings")))
    cache.store(wall / cache.CACHE_DIR, name, str((wall / "site").absolute()), forged)  # claims the new kudos is built
    monkeypatch.setenv("XDG_CACHE_HOME", own_key)
    cache._secret.cache_clear()
    build(wall)
    assert len(loads) == 3
    assert (wall / "site" / "k" / "2024-06-01-grace-on-ada" / "index.html").is_file()


def test_builds_without_the_cache_never_read_or_write_a_stamp(wall: Path, loads: list[str]) -> None:
    build(wall, use_cache=False)
    build(wall, use_cache=False)
    assert stamps(wall) == []
    settle(wall)  # the first of these stamps (the lock is complete), the second skips
    assert stamps(wall) and len(loads) == 3
    build(wall, use_cache=False)
    assert len(loads) == 4


def test_fresh_files_are_never_stamped(wall: Path, loads: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """A file changed within RACY_WINDOW_NS before a build could change again within its timestamp tick."""
    monkeypatch.setattr(uptodate, "RACY_WINDOW_NS", 3600 * 10**9)  # every file of the wall is "fresh"
    settle(wall)
    build(wall)
    assert stamps(wall) == [] and len(loads) == 3


def test_a_package_installed_or_upgraded_makes_a_real_build(wall: Path, loads: list[str], tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    packages = tmp_path / "site-packages"
    packages.mkdir()
    monkeypatch.syspath_prepend(str(packages))
    settle(wall)
    (packages / "markdown-9.9.dist-info").mkdir()  # what pip leaves in the folder it installs into
    build(wall)
    assert len(loads) == 3
