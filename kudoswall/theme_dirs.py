"""Where a wall's theme and its own templates/ and static/ live: kept apart from theme.py so a
no-change build (uptodate.py) can find every input without importing Jinja2 (~40 ms)."""

from __future__ import annotations

from pathlib import Path

from .config import Config
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
        raise ContentError([Problem(SourcePos("kudoswall.yaml"), f"theme folder '{config.theme}' has no templates/",
                                    "set theme: default, or a folder holding templates/ and static/")])
    return path
