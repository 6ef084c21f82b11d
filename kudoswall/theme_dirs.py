"""Where a wall's theme and its own templates/ and static/ live, and what files they hold: kept
apart from theme.py so a no-change build (uptodate.py) can find every input without importing
Jinja2 (~40 ms)."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

from .config import Config, setting_pos
from .errors import ContentError, Problem, SourcePos

WALL_TEMPLATES = "templates"
WALL_STATIC = "static"


def packaged_themes_dir() -> Path:
    """Themes ship inside the wheel as kudoswall/themes; a source checkout keeps them at the top."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "themes", here.parent / "themes"):
        if (candidate / "default" / "templates").is_dir():
            return candidate
    raise RuntimeError("the default theme is missing from this installation of kudoswall")


def resolve_theme_dir(config: Config) -> Path:
    if config.theme == "default":
        return packaged_themes_dir() / "default"
    path = (config.root / config.theme).resolve()
    if not (path / "templates").is_dir():
        wrong = ("does not exist" if not path.exists() else "is a file, not a folder" if not path.is_dir()
                 else "has no templates/")
        raise ContentError([Problem(setting_pos(config.root, "theme"), f"theme folder '{config.theme}' {wrong}",
                                    "set theme: default, or a folder holding templates/ and static/")])
    return path


def links_problems(folder: Path, root: Path) -> list[Problem]:
    """A wall's templates/ or static/ must not lead outside it: a link there could publish any
    file the build machine can read (a key, a password file)."""
    if not folder.is_symlink() and not folder.is_dir():
        return []
    linked = [folder] if folder.is_symlink() else []
    if not linked:
        for directory, dirnames, filenames in os.walk(folder):
            linked += [Path(directory) / name for name in (*dirnames, *filenames)
                       if (Path(directory) / name).is_symlink()]
    return [Problem(SourcePos(os.path.relpath(path, root)), "symbolic links are not followed in templates/ and static/",
                    "replace the link with the file or folder itself") for path in sorted(linked)]


def refuse_links(folder: Path, root: Path) -> None:
    if problems := links_problems(folder, root):
        raise ContentError(problems)


_UNSAFE_NAME = re.compile(r"[\x00-\x1f\\]")
"""What no output path may hold (write.py refuses it too, as a last defence): a web address cannot
carry a control character, and browsers read a backslash as '/'."""


def shown_path(path: str | Path, root: Path) -> str:
    """A path as the wall's writer knows it: relative to the wall when inside it, with control
    characters escaped so that a message stays on one line."""
    path = Path(path)
    text = path.relative_to(root).as_posix() if path.is_absolute() and path.is_relative_to(root) else str(path)
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def walk_files(folder: Path, root: Path, problems: list[Problem]) -> Iterator[tuple[str, Path]]:
    """The files under `folder` by relative path; one whose name (or its folder's) cannot be part
    of a web address is left out and recorded in `problems`, so that all are reported at once."""
    if not folder.is_dir():
        return
    for directory, dirnames, filenames in os.walk(folder):
        names = {name: "folder" for name in dirnames if not name.startswith(".")}
        dirnames[:] = sorted(name for name in names if not _UNSAFE_NAME.search(name))
        for name in sorted(filenames):
            path = Path(directory) / name
            if not name.startswith(".") and not path.is_symlink():
                if not path.is_file():  # reading a FIFO waits for a writer: the build would hang
                    problems.append(Problem(SourcePos(shown_path(path, root)), "a static entry that is not a regular "
                                            "file (a FIFO, socket or device)", "replace it with a regular file"))
                    continue
                names[name] = "file"
                if not _UNSAFE_NAME.search(name):
                    yield path.relative_to(folder).as_posix(), path
        problems += [Problem(SourcePos(shown_path(Path(directory) / name, root)),
                             f"a static {kind}'s name holds a backslash or a control character, which a web "
                             "address cannot carry", "rename it: letters, digits, '-', '_' and '.' are safe")
                     for name, kind in sorted(names.items()) if _UNSAFE_NAME.search(name)]
