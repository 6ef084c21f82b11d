"""The build stamp: skip a rebuild when nothing it reads has changed, as make and ninja do.

Why: a rebuild of 10,000 kudos with nothing changed still loads every file, plans ~24,000 outputs
and compares each with the output manifest (seconds), only to write nothing. After a successful
build the stamp records the identity of everything the output depends on, and of the output tree
as written; a later build that finds all of it identical reports the recorded result and stops.

What it covers (`take_snapshot`, `_avatars`, `_output_state`):
- the configuration (its digest, which covers every option), the wall's root, the output folder
  and the theme folder; kudoswall's own code (cache.py keys every cache file by its digest);
- every entry of the people and kudos folders (more than the loader lists: a new file, link or
  editor's temporary file all count), each by identity; the avatars the people files name;
- every entry of the wall's templates/ and static/ and of the whole theme folder;
- kudoswall.lock, the credential signing key, the share-image fonts;
- git: HEAD, the checkout's prefix, and the files that change what `git log` shows (config,
  shallow, grafts, replace refs); walls whose authors sign commits are never skipped (a
  signature's validity depends on the keyring and on time);
- Python's version and executable, the identity of every sys.path folder (installing or
  upgrading a package changes it), environment variables git and the clock read, today's date;
- the output tree: every file the build left, by identity (a file edited, replaced or removed
  makes the next build a real one; see `_output_paths` for a file added);
- the warnings, so a --strict build still fails on them (it is never skipped when there are any).

An identity is (mode, inode, size, mtime, ctime). ctime cannot be set back (touch, utime), so an
edit that restores size and mtime still counts. Two writes within one timestamp tick could still
share it (git's "racily clean" files): no stamp is written when any input changed less than
RACY_WINDOW_NS before the build started, nor when the lock still lacks records of this wall
(`kudoswall build` adds them next, which changes an input). Output files are recorded just after
the build wrote them, as incremental.py's manifest is: someone else's write to one within that
same tick would go unseen. A stamp lives in the signed cache folder, so a forged one is ignored;
`use_cache=False` builds neither read nor write it.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import struct
import subprocess
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from . import cache, clock
from .cache import cache_dir
from .config import Config, setting_pos
from .errors import ContentError, Problem, UsageError
from .load import KUDOS_DIR, PEOPLE_DIR
from .lockfile import LOCK_FILE, read_lock, records_to_add
from .models import Wall
from .outputdir import MARKER, check_output_path
from .theme_dirs import WALL_STATIC, WALL_TEMPLATES, resolve_theme_dir

RACY_WINDOW_NS = 2_000_000_000  # coarser than any file system's timestamps (FAT: 2 s)
ENVIRONMENT = ("PATH", "HOME", "XDG_CONFIG_HOME", "SOURCE_DATE_EPOCH")  # git's config and binary; the clock
_IDENTITY = struct.Struct("<qQqqq")  # mode, inode (unsigned 64 bits), size, mtime and ctime in ns
GIT_FILES = ("config", "config.worktree", "shallow", "info/grafts", "packed-refs", "refs/replace")


def preflight(config: Config, output: Path) -> Path:
    """The checks every build makes before anything else (a skipped one too); returns the theme folder."""
    theme_dir = resolve_theme_dir(config)
    check_output_path(output, config.root, _protected(config, theme_dir))
    if config.credential_key is not None and (config.root / config.credential_key).resolve().is_relative_to(
            output.resolve()):
        raise UsageError(f"refusing to build into {output}: the credential signing key {config.credential_key} is "
                         "inside it and would be published; keep the key outside the output folder")
    return theme_dir


def _protected(config: Config, theme_dir: Path) -> list[Path]:
    """What no output folder may replace or hold: the wall's sources and its git repository."""
    return [config.content_path, config.root / WALL_TEMPLATES, config.root / WALL_STATIC, theme_dir,
            config.root / ".git"]


def output_dir_problems(config: Config) -> list[Problem]:
    """`output_dir` as the writer's error at its line, for `check` and for a build without --output:
    `check` passed `output_dir: .`, which the deploy's build then refused."""
    try:
        check_output_path(config.root / config.output_dir, config.root,
                          _protected(config, resolve_theme_dir(config)))
    except UsageError as exc:
        reason = str(exc).split(": ", 1)[-1].split(" (choose another --output", 1)[0]
        return [Problem(setting_pos(config.root, "output_dir"), f"output_dir '{config.output_dir}': {reason}",
                        "set output_dir to a folder of its own, like site")]
    except ContentError:
        pass  # the theme's setting is wrong: said where the theme is read
    return []


class _Recorder:
    """Collects names and identities in a fixed order; `newest` is the latest ctime seen (any write
    sets ctime to the time of writing, and nothing can set it back: mtime can be anything).

    Names and identities are kept apart (text, and packed numbers) because 10,000s of them are
    hashed on every build; each name says what follows it, so the two streams stay unambiguous.
    """

    def __init__(self) -> None:
        self.names: list[str] = []
        self.packed: list[bytes] = []
        self.newest = 0

    def add(self, *values: object) -> None:
        self.names.append(repr(values))

    def identity(self, name: str, info: os.stat_result) -> None:
        self.identities([(name, info)])

    def identities(self, entries: list[tuple[str, os.stat_result]]) -> None:
        pack = _IDENTITY.pack
        self.packed += [pack(i.st_mode, i.st_ino, i.st_size, i.st_mtime_ns, i.st_ctime_ns) for _, i in entries]
        self.names += [name for name, _ in entries]
        self.newest = max(self.newest, *(info.st_ctime_ns for _, info in entries), 0)

    def file(self, path: str | Path, follow: bool = False) -> None:
        try:
            info = os.stat(path) if follow else os.lstat(path)
        except OSError:
            self.names.append(f"{path}\0absent")
            return
        self.identity(str(path), info)

    def tree(self, folder: Path) -> None:
        """Every entry under `folder` (dot files, links and folders too), and `folder` itself."""
        self.file(folder)
        if folder.is_symlink() or not folder.is_dir():
            return
        for directory, dirnames, filenames in os.walk(folder):
            dirnames.sort()
            for name in (*dirnames, *sorted(filenames)):
                self.file(os.path.join(directory, name))

    def digest(self) -> str:
        digest = hashlib.sha256("\0".join(self.names).encode("utf-8", "surrogateescape"))
        digest.update(b"".join(self.packed))
        return digest.hexdigest()


@dataclass(frozen=True)
class Snapshot:
    """The identity of a build's inputs, taken before the build reads any of them."""

    digest: str
    taken_ns: int
    racy: bool  # an input changed too recently for its identity to prove it unchanged


def _git(root: Path, recorder: _Recorder) -> None:
    """What history.load_history's `git log` depends on besides the commits HEAD names."""
    executable = shutil.which("git")
    recorder.add("git", executable, *(f"{k}={v}" for k, v in sorted(os.environ.items()) if k.startswith("GIT_")))
    if executable is None:
        return
    try:
        completed = subprocess.run(["git", "-C", str(root), "rev-parse", "--show-prefix", "--absolute-git-dir",
                                    "--git-common-dir", "HEAD"], capture_output=True, check=False, timeout=60)
    except (OSError, subprocess.SubprocessError):
        recorder.add("git failed")
        return
    lines = completed.stdout.decode("utf-8", "surrogateescape").splitlines()
    recorder.add("git", completed.returncode, *lines)
    if len(lines) >= 3:
        git_dir, common_dir = Path(lines[1]), root / lines[2]
        for name in GIT_FILES:
            recorder.file(common_dir / name)
        recorder.file(git_dir / "config.worktree")
    home = Path.home()
    config_home = Path(os.environ.get("XDG_CONFIG_HOME") or home / ".config")
    for path in (home / ".gitconfig", config_home / "git" / "config", Path("/etc/gitconfig")):
        recorder.file(path, follow=True)


def _content(config: Config, recorder: _Recorder) -> None:
    """Every entry of the people and kudos folders, not only those the loader lists (a new link or
    file with a bad name makes that build fail), and the folders themselves (a link is refused)."""
    content = config.content_path
    for folder in (content, content / PEOPLE_DIR, content / KUDOS_DIR):
        recorder.file(folder)
    for folder in (content / PEOPLE_DIR, content / KUDOS_DIR):
        recorder.add("listing", str(folder))
        try:
            with os.scandir(folder) as listing:
                entries = sorted((entry.name, entry.stat(follow_symlinks=False)) for entry in listing)
        except OSError:
            recorder.add("unreadable")
            continue
        recorder.identities(entries)


def take_snapshot(config: Config, theme_dir: Path, output: Path) -> Snapshot:
    """The identity of the inputs now, and whether one of them changed too recently to trust it."""
    taken_ns = time.time_ns()
    recorder = _Recorder()
    recorder.add("wall", str(config.root), config.digest(), str(output.absolute()), str(theme_dir))
    recorder.add("python", sys.version, sys.executable, clock.today().isoformat(),
                 *(f"{name}={os.environ.get(name)}" for name in ENVIRONMENT))
    here = os.getcwd()
    for entry in sys.path:
        if entry and os.path.abspath(entry) != here:  # not the current folder: builds write there (site/)
            recorder.file(entry, follow=True)
    _content(config, recorder)
    for folder in (config.root / WALL_TEMPLATES, config.root / WALL_STATIC, theme_dir):
        recorder.tree(folder)
    recorder.file(config.root / LOCK_FILE, follow=True)
    if config.credential_key is not None:
        key = config.root / config.credential_key
        recorder.file(key)
        recorder.file(key, follow=True)
        recorder.add(os.path.realpath(key))
    if config.share_images:
        from .share_images import font_file  # imports Pillow: only walls that draw images pay for it

        for bold in (False, True):
            font = font_file(bold)
            recorder.add("font", str(font))
            if font is not None:
                recorder.file(font, follow=True)
    _git(config.root, recorder)
    return Snapshot(recorder.digest(), taken_ns, recorder.newest > taken_ns - RACY_WINDOW_NS)


@dataclass(frozen=True)
class Stamp:
    """What a build recorded: its inputs, the output tree it left, and what it reported."""

    inputs: str
    avatars: tuple[str, ...]  # absolute paths; which ones follows from the people files
    avatar_state: str
    paths: str  # output files, relative and one a line ("" is the output folder itself)
    state: str  # digest of each one's _IDENTITY
    kudos: int
    pages: int
    files: int
    warnings: tuple[Problem, ...]


def _stamp_name(output: Path) -> str:
    return "stamp-" + hashlib.sha256(os.fsencode(output)).hexdigest()[:16] + ".bin"


def _avatar_state(paths: Iterable[str]) -> tuple[str, int]:
    """Digest and newest change time of the avatars, through links and as links, and where they lead."""
    recorder = _Recorder()
    for path in paths:
        recorder.file(path)
        recorder.file(path, follow=True)
        recorder.add(os.path.realpath(path))
    return recorder.digest(), recorder.newest


def _output_state(output: Path, paths: list[str]) -> str | None:
    """Digest of the identities of the output files `paths`; None when one is missing."""
    base = f"{output}/"
    pack = _IDENTITY.pack
    try:
        packed = [pack(i.st_mode, i.st_ino, i.st_size, i.st_mtime_ns, i.st_ctime_ns)
                  for i in map(os.lstat, [base + rel if rel else str(output) for rel in paths])]
    except OSError:
        return None
    return hashlib.sha256(b"".join(packed)).hexdigest()


def kept_build(store: Path | None, output: Path, snapshot: Snapshot | None, strict: bool) -> Stamp | None:
    """The stamp of the last build when it still holds: same inputs, output exactly as it left it."""
    if snapshot is None or store is None:
        return None
    output = output.absolute()
    stamp = cache.load(store, _stamp_name(output), str(output))
    if not isinstance(stamp, Stamp) or stamp.inputs != snapshot.digest or (strict and stamp.warnings):
        return None
    if _avatar_state(stamp.avatars)[0] != stamp.avatar_state:
        return None
    if _output_state(output, stamp.paths.split("\n")) != stamp.state:
        return None
    return stamp


def _output_paths(output: Path, unit_paths: Iterable[str]) -> list[str]:
    """Every file of the output: the units', and all else the build left at the top (the search
    index, the marker file). Folders are left out: an added file would go unnoticed, but a real
    build keeps such a file too (incremental.py checks the files it writes, one by one)."""
    paths = {"", MARKER, *unit_paths}
    tops = {path.partition("/")[0] for path in paths}
    with os.scandir(output) as entries:
        others = [entry for entry in entries if entry.name not in tops]
    for entry in others:
        if not entry.is_dir(follow_symlinks=False):
            paths.add(entry.name)
            continue
        for directory, _, filenames in os.walk(entry.path):
            rel = os.path.relpath(directory, output).replace(os.sep, "/")
            paths.update(f"{rel}/{name}" for name in filenames)
    return sorted(paths)


def record_stamp(store: Path | None, config: Config, output: Path, snapshot: Snapshot | None, wall: Wall,
                 unit_paths: Iterable[str], warnings: list[Problem], pages: int, files: int) -> bool:
    """Stamp a successful build; False (and no stamp) when a later skip could not be trusted."""
    if store is None or snapshot is None or snapshot.racy:
        return False
    people = [*wall.people.values(), *wall.removed_people.values()]
    if any(person.identities and person.identities.keys for person in people):
        return False  # history.load_history checks signatures for these walls (see permanence.evaluate)
    if records_to_add(read_lock(config.root), wall, clock.today()):
        return False
    avatars = tuple(sorted(str((config.root / person.source).parent / person.avatar_source)
                           for person in people if person.avatar_source))
    avatar_state, newest = _avatar_state(avatars)
    if newest > snapshot.taken_ns - RACY_WINDOW_NS:
        return False
    output = output.absolute()
    paths = _output_paths(output, unit_paths)
    state = _output_state(output, paths)
    if state is None:
        return False
    stamp = Stamp(snapshot.digest, avatars, avatar_state, "\n".join(paths), state, len(wall.kudos), pages, files,
                  tuple(warnings))
    cache.store(store, _stamp_name(output), str(output), stamp)
    return True


def unchanged_build(config: Config, output: Path, strict: bool = False) -> tuple[Stamp | None, Snapshot]:
    """For the command line: the last build's stamp when nothing changed, checked before kudoswall
    imports what a real build needs (Markdown, Jinja2's templates, Pillow); and the snapshot it
    took, which a real build then records instead of taking another."""
    theme_dir = preflight(config, output)
    snapshot = take_snapshot(config, theme_dir, output)
    return kept_build(cache_dir(config.root), output, snapshot, strict), snapshot
