"""The theme: a Jinja2 environment whose templates a wall can override one file at a time.

Lookup order (Pelican's ChoiceLoader idea): the wall's own `templates/`, then the theme's.
Autoescape is on for every template; content is only ever passed as data, never as template.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import jinja2
import jinja2.meta

from .config import Config
from .errors import ContentError, Problem, SourcePos

WALL_TEMPLATES = "templates"
WALL_STATIC = "static"
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
           "October", "November", "December")


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
        raise ContentError([Problem(SourcePos("kudoswall.yaml"), f"theme folder '{config.theme}' has no templates/",
                                    "set theme: default, or a folder holding templates/ and static/")])
    return path


def long_date(value: dt.date) -> str:
    return f"{value.day} {_MONTHS[value.month - 1]} {value.year}"


def refuse_links(folder: Path, root: Path) -> None:
    """A wall's templates/ or static/ must not lead outside it: a link there could publish any
    file the build machine can read (a key, a password file)."""
    if not folder.is_symlink() and not folder.is_dir():
        return
    linked = [folder] if folder.is_symlink() else []
    if not linked:
        for directory, dirnames, filenames in os.walk(folder):
            linked += [Path(directory) / name for name in (*dirnames, *filenames)
                       if (Path(directory) / name).is_symlink()]
    if linked:
        raise ContentError([Problem(SourcePos(os.path.relpath(path, root)),
                                    "symbolic links are not followed in templates/ and static/",
                                    "replace the link with the file or folder itself") for path in sorted(linked)])


def _walk_files(folder: Path) -> Iterator[tuple[str, Path]]:
    if not folder.is_dir():
        return
    for directory, dirnames, filenames in os.walk(folder):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            if not name.startswith("."):
                path = Path(directory) / name
                if not path.is_symlink():
                    yield path.relative_to(folder).as_posix(), path


@dataclass
class Theme:
    config: Config
    directory: Path
    _digests: dict[str, str] = field(default_factory=dict)

    @cached_property
    def template_dirs(self) -> list[Path]:
        wall_templates = self.config.root / WALL_TEMPLATES
        refuse_links(wall_templates, self.config.root)
        dirs = [wall_templates] if wall_templates.is_dir() else []
        return [*dirs, self.directory / "templates"]

    @cached_property
    def env(self) -> jinja2.Environment:
        loader = jinja2.ChoiceLoader([jinja2.FileSystemLoader(str(d)) for d in self.template_dirs])
        env = jinja2.Environment(
            loader=loader,
            autoescape=True,
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
        )
        env.filters["longdate"] = long_date
        return env

    def template(self, name: str) -> jinja2.Template:
        return self.env.get_template(name)

    def template_digest(self, name: str) -> str:
        """Digest of a template and every template it extends, includes or imports."""
        if name not in self._digests:
            self._digests[name] = ""  # guards against cycles
            source, _, _ = self.env.loader.get_source(self.env, name)  # type: ignore[union-attr]
            parts = [source]
            for referenced in sorted(r for r in jinja2.meta.find_referenced_templates(self.env.parse(source)) if r):
                parts.append(self.template_digest(referenced))
            self._digests[name] = hashlib.sha256("\0".join(parts).encode()).hexdigest()[:16]
        return self._digests[name]

    def static_files(self) -> dict[str, Path]:
        """Static files by output path; the wall's `static/` overrides the theme's."""
        files = dict(_walk_files(self.directory / "static"))
        refuse_links(self.config.root / WALL_STATIC, self.config.root)
        files.update(_walk_files(self.config.root / WALL_STATIC))
        return {f"static/{rel}": path for rel, path in sorted(files.items())}
