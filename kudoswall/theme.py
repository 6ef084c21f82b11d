"""The theme: a Jinja2 environment whose templates a wall can override one file at a time.

Lookup order (Pelican's ChoiceLoader idea): the wall's own `templates/`, then the theme's.
Autoescape is on for every template; content is only ever passed as data, never as template.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import jinja2
import jinja2.meta
from jinja2 import nodes
from markupsafe import Markup

from .config import Config
from .errors import ContentError, Problem, SourcePos
from .theme_dirs import WALL_STATIC as WALL_STATIC  # re-exported: callers know them as theme's
from .theme_dirs import WALL_TEMPLATES as WALL_TEMPLATES
from .theme_dirs import packaged_themes_dir as packaged_themes_dir
from .theme_dirs import resolve_theme_dir as resolve_theme_dir

CARD_TEMPLATE = "partials/card.html"
CARD_INPUTS = frozenset({"kudos", "people", "links", "site"})
"""What a card may read for its HTML to be reused: the same for every page of one build, but
`links` (keyed by its root) and `kudos`."""
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
           "October", "November", "December")


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
    _cards: dict[tuple[str, str], bytes] | None = None
    _cards_reusable: bool | None = None

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
            auto_reload=False,  # a build's templates do not change; serve makes a new Theme when they do
        )
        env.filters["longdate"] = long_date

        @jinja2.pass_context
        def card(context: jinja2.runtime.Context, kudos: Any) -> Markup:
            return self._card(context, kudos)

        env.globals["card"] = card
        return env

    @contextlib.contextmanager
    def card_cache(self) -> Iterator[None]:
        """Within it, each kudos' card is rendered once per link root and its HTML reused.

        A build shows each kudos' card on ~6 pages (wall, both people, "more kudos" of others),
        all from one wall; outside a build (serve renders lazily, across edits) cards are
        rendered every time. Forked workers inherit the switch and fill their own copy.
        """
        self._cards = {}
        try:
            yield
        finally:
            self._cards = None

    def drop_cards(self) -> None:
        """Forget the cards kept so far (inside `card_cache`, later cards are kept again)."""
        if self._cards:
            self._cards = {}

    def _card(self, context: jinja2.runtime.Context, kudos: Any) -> Markup:
        """`{{ card(kudos) }}`: what `{% include "partials/card.html" %}` gives, reused where it can be."""
        template = self.env.get_template(CARD_TEMPLATE)
        cards = self._cards
        if cards is None or not self.cards_reusable:
            return Markup(template.render({**context.get_all(), "kudos": kudos}))
        key = (kudos.id, context["links"].root)
        cached = cards.get(key)
        if cached is None:
            html = template.render({**context.get_all(), "kudos": kudos})
            cards[key] = html.encode()  # half the memory of a str holding one non-Latin-1 character (→)
            return Markup(html)
        return Markup(cached.decode())

    @property
    def cards_reusable(self) -> bool:
        """True when the card template (and all it imports) reads nothing but CARD_INPUTS.

        A wall or theme whose card reads anything else (the page's path, say) keeps a card per page.
        """
        if self._cards_reusable is None:
            self._cards_reusable = self._reads_only(CARD_TEMPLATE, CARD_INPUTS | set(self.env.globals), set())
        return self._cards_reusable

    def _reads_only(self, name: str, allowed: frozenset[str], seen: set[str]) -> bool:
        if name in seen:
            return True
        seen.add(name)
        source, _, _ = self.env.loader.get_source(self.env, name)  # type: ignore[union-attr]
        tree = self.env.parse(source)
        declared = {node.name for node in tree.find_all(nodes.Name) if node.ctx in ("store", "param")}
        declared |= {node.name for node in tree.find_all(nodes.Macro)}
        declared |= {node.target for node in tree.find_all(nodes.Import)}
        declared |= {name if isinstance(name, str) else name[1] for node in tree.find_all(nodes.FromImport)
                     for name in node.names}
        read = {node.name for node in tree.find_all(nodes.Name) if node.ctx == "load"}
        if not read - declared <= allowed:
            return False
        referenced = list(jinja2.meta.find_referenced_templates(tree))
        return all(ref is not None and self._reads_only(ref, allowed, seen) for ref in referenced)

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
