"""`kudoswall init`: a new wall, with the files people would otherwise copy by hand and get wrong.

It and `kudoswall new` (new_kudos.py) only ever create files (opened with O_EXCL), never replace one, and check every
value before writing, so a mistyped handle or date never leaves a broken file behind.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

import yaml

from .config import CONFIG_FILE
from .errors import UsageError
from .scaffold_git import current_branch, git_files, write_git_files, write_git_settings
from .schema import SCHEMA_NAMES
from .text import check_text

SCHEMA_DIR = ".kudoswall/schema"


def _schema_comment(relative_dir: str, name: str) -> str:
    return f"# yaml-language-server: $schema={relative_dir}{name}.schema.json\n"


def _config_text(title: str) -> str:
    title_line = yaml.safe_dump({"title": title}, allow_unicode=True, width=1_000_000)
    return (
        _schema_comment(f"{SCHEMA_DIR}/", "config")
        + "# Settings of this kudos wall; your editor explains each key through the schema above.\n"
        + title_line
        + "description: Specific, unsolicited recommendations from the people who worked with them.\n"
        + "# Where the site will be published, ending with '/'; feeds and canonical links use it.\n"
        + "base_url: http://localhost:8000/\n"
        + "language: en\n"
        + "per_page: 20\n"
    )


def _example_files(folder: Traversable, rel: str = "") -> Iterator[tuple[str, str]]:
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        name = f"{rel}/{entry.name}" if rel else entry.name
        if entry.is_dir():
            yield from _example_files(entry, name)
        elif not entry.name.startswith("."):
            yield name, entry.read_text("utf-8")


def _wall_files(title: str) -> dict[str, str]:
    """Relative path → text of every file of a new wall, except .gitignore.

    The example people and kudos live in kudoswall/example_wall/ as the files a wall holds.
    """
    files = {CONFIG_FILE: _config_text(title)}
    for name in SCHEMA_NAMES:
        files[f"{SCHEMA_DIR}/{name}.schema.json"] = (
            resources.files("kudoswall.schema").joinpath(f"{name}.schema.json").read_text("utf-8")
        )
    files.update(_example_files(resources.files("kudoswall").joinpath("example_wall")))
    return files


def create_file(path: Path, text: str) -> None:
    """Write a new file; FileExistsError rather than replacing anything, UsageError if it cannot be."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)  # FileExistsError here: a file is in the way
    except OSError as exc:
        raise UsageError(f"cannot write {exc.filename or path}: {exc.strerror or exc}") from None
    try:
        with open(path, "x", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
    except FileExistsError:
        raise
    except OSError as exc:
        raise UsageError(f"cannot write {exc.filename or path}: {exc.strerror or exc}") from None


def _check_title(title: str) -> None:
    problem = check_text(title, strict_identity=False)
    if not title.strip() or len(title) > 120 or problem:
        reason = problem or "must be 1 to 120 characters"
        raise UsageError(f"--title {reason}")


def init_wall(directory: Path, title: str) -> list[Path]:
    """Create a wall with example content in `directory` (which may exist); returns the files created.

    Refuses when the folder already holds a wall or any file the example would need; an
    existing .gitignore or .gitattributes is kept and only the missing lines are appended to it.
    """
    _check_title(title)
    if (directory / CONFIG_FILE).exists():
        raise UsageError(f"{directory / CONFIG_FILE} already exists; this folder already holds a wall")
    if directory.exists() and not directory.is_dir():
        raise UsageError(f"{directory} exists and is not a folder")
    files = _wall_files(title)
    clashes = [rel for rel in files if (directory / rel).exists() or (directory / rel).is_symlink()]
    if clashes:
        raise UsageError(f"refusing to overwrite existing files in {directory}: {', '.join(clashes)}")
    # a file where a folder goes stopped init halfway, the wall's files written and the rest not
    blocked = sorted({str(parent.relative_to(directory)) for rel in [*files, ".gitignore", ".gitattributes",
                                                                     *map(str, git_files())]
                      for parent in (directory / rel).parents
                      if parent.is_relative_to(directory) and parent != directory
                      and (parent.is_symlink() or (parent.exists() and not parent.is_dir()))})
    if blocked:
        raise UsageError(f"cannot create the wall in {directory}: {', '.join(blocked)} should be a folder "
                         "and is a file or a link (move it away)")
    created: list[Path] = []
    try:
        for rel, text in files.items():
            create_file(directory / rel, text)
            created.append(directory / rel)
    except FileExistsError as exc:
        raise UsageError(f"refusing to overwrite {exc.filename}") from None
    created += write_git_settings(directory)
    branch = current_branch(directory)
    created += [Path(os.path.normpath(directory / rel)) for rel in write_git_files(directory, branch)]
    return created
