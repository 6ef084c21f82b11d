"""The theme: a Jinja2 environment whose templates a wall can override one file at a time.

Lookup order (Pelican's ChoiceLoader idea): the wall's own `templates/`, then the theme's. A wall's
template extends or includes the theme's own one of the same name as `theme/<name>`. Autoescape is on
for every template; content is only ever passed as data, never as template.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import traceback
from collections.abc import Callable, Iterable, Iterator, MutableMapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from types import BuiltinMethodType, MethodType
from typing import Any, cast

import jinja2
import jinja2.meta
from jinja2 import nodes
from markupsafe import Markup

from .config import Config
from .errors import ContentError, Problem, SourcePos
from .links import page_numbers
from .sourcefile import SourceError, decode_source
from .theme_dirs import WALL_STATIC as WALL_STATIC  # re-exported: callers know them as theme's
from .theme_dirs import WALL_TEMPLATES as WALL_TEMPLATES
from .theme_dirs import links_problems, refuse_links, shown_path, walk_files
from .theme_dirs import packaged_themes_dir as packaged_themes_dir
from .theme_dirs import resolve_theme_dir as resolve_theme_dir

THEME_PREFIX = "theme"
"""`{% extends "theme/base.html" %}` in a wall's templates/base.html: the theme's own base.html (the
name alone is the wall's, which would extend itself)."""
CARD_TEMPLATE = "partials/card.html"
AVATAR_TEMPLATE = "partials/avatar.html"
CARD_INPUTS = frozenset({"kudos", "people", "links", "site"})
"""What a card may read for its HTML to be reused: the same for every page of one build, but
`links` (keyed by its root) and `kudos`."""
CARDS_KEPT = 20_000
"""At most this many cards are kept (~30 MB); then they are forgotten and kept anew. A page's cards
come from a few neighbours (a recipient's newest, a page of the wall), so recent ones are what is
reused; keeping all, a 100,000-kudos build held ~150 MB of cards in each worker."""
SHARED_INPUTS = frozenset({"links", "site"})
"""What an avatar or a `shared` partial may read besides its arguments for its HTML to be reused."""
_RENDERING_GLOBALS = frozenset({"card", "cards", "shared"})
"""Globals whose output a reuse check cannot see through: a template calling them is not reused."""
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
           "October", "November", "December")


def long_date(value: dt.date) -> str:
    return f"{value.day} {_MONTHS[value.month - 1]} {value.year}"


def _template_names(node: nodes.Node) -> list[str]:
    """The literal template names of an `extends`, `include` or `import`: one, or a list to choose from."""
    items = node.items if isinstance(node, nodes.Tuple | nodes.List) else [node]
    return [item.value for item in items if isinstance(item, nodes.Const) and isinstance(item.value, str)]


def _free_names(tree: nodes.Template) -> set[str]:
    """Variables a template reads that it does not set, take as a parameter or import itself."""
    declared = {node.name for node in tree.find_all(nodes.Name) if node.ctx in ("store", "param")}
    declared |= {node.name for node in tree.find_all(nodes.Macro)}
    declared |= {node.target for node in tree.find_all(nodes.Import)}
    declared |= {name if isinstance(name, str) else name[1] for node in tree.find_all(nodes.FromImport)
                 for name in node.names}
    return {node.name for node in tree.find_all(nodes.Name) if node.ctx == "load"} - declared


def _rendered_templates(tree: nodes.Template) -> list[str | None]:
    """Templates a template extends, includes or imports, and those its globals render for it:
    `card(...)` and `cards(...)` the card, `avatar(...)` partials/avatar.html, `shared("name", ...)` that name
    (None where the name is not a literal, as jinja2.meta does for a computed include)."""
    referenced: list[str | None] = list(jinja2.meta.find_referenced_templates(tree))
    free = _free_names(tree)
    referenced += [CARD_TEMPLATE] if free & {"card", "cards"} else []
    referenced += [AVATAR_TEMPLATE] if "avatar" in free else []
    for call in tree.find_all(nodes.Call):
        if isinstance(call.node, nodes.Name) and call.node.name == "shared" and "shared" in free:
            first = call.args[0] if call.args else None
            referenced.append(first.value if isinstance(first, nodes.Const) and isinstance(first.value, str)
                              else None)
    return referenced


class QuickCallContext(jinja2.runtime.Context):
    """Jinja's context, whose `call` (every `x.method(...)` in a template) skips the checks for
    pass_context & co. when the callee is a bound method that carries no such mark or a built-in
    method (`links.kudos(k)`, `date.isoformat()`): same result, ~1 us less a call, ~30 a page."""

    def call(self, obj: Any, /, *args: Any, **kwargs: Any) -> Any:
        kind = type(obj)
        if kind is BuiltinMethodType or (kind is MethodType and not hasattr(obj.__func__, "jinja_pass_arg")):
            kwargs.pop("_block_vars", None)
            kwargs.pop("_loop_vars", None)
            try:
                return obj(*args, **kwargs)
            except StopIteration:  # as Jinja's own call answers it
                return self.environment.undefined("value was undefined because a callable raised a"
                                                  " StopIteration exception")
        return super().call(obj, *args, **kwargs)


class ThemeEnvironment(jinja2.Environment):
    """Jinja's environment with QuickCallContext, and a template's globals as one plain dict instead
    of a ChainMap over the environment's: each render copies them into its context, ~8 us for a
    ChainMap, ~1 us for a dict (a build renders each page and each card once). A Theme sets its
    globals before it loads any template, so the copy taken at load time misses nothing."""

    context_class = QuickCallContext

    def make_globals(self, d: MutableMapping[str, Any] | None) -> MutableMapping[str, Any]:
        return {**self.globals, **d} if d else dict(self.globals)


@dataclass
class Theme:
    config: Config
    directory: Path
    _digests: dict[str, str] = field(default_factory=dict)
    _cards: dict[tuple[str, str], bytes] | None = None
    _pieces: dict[tuple[object, ...], Markup] | None = None
    _reusable: dict[tuple[str, frozenset[str]], bool] = field(default_factory=dict)

    @cached_property
    def template_dirs(self) -> list[Path]:
        wall_templates = self.config.root / WALL_TEMPLATES
        refuse_links(wall_templates, self.config.root)
        dirs = [wall_templates] if wall_templates.is_dir() else []
        return [*dirs, self.directory / "templates"]

    @cached_property
    def env(self) -> jinja2.Environment:
        theme_templates = jinja2.FileSystemLoader(str(self.directory / "templates"))
        loader = jinja2.ChoiceLoader([jinja2.PrefixLoader({THEME_PREFIX: theme_templates}, delimiter="/"),
                                      *(jinja2.FileSystemLoader(str(d)) for d in self.template_dirs)])
        env = ThemeEnvironment(
            loader=loader,
            autoescape=True,
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
            auto_reload=False,  # a build's templates do not change; serve makes a new Theme when they do
            cache_size=-1,  # a plain dict: every page looks up its base and partials, a theme has few templates
        )
        env.filters["longdate"] = long_date
        env.globals["page_numbers"] = page_numbers

        @jinja2.pass_context
        def card(context: jinja2.runtime.Context, kudos: Any) -> Markup:
            return self._card(context, kudos)

        @jinja2.pass_context
        def cards(context: jinja2.runtime.Context, kudos_list: Iterable[Any]) -> Markup:
            return self._cards_html(context, kudos_list)

        @jinja2.pass_context
        def avatar(context: jinja2.runtime.Context, person: Any, size: str = "md") -> Markup:
            return self._avatar(context, person, size)

        @jinja2.pass_context
        def shared(context: jinja2.runtime.Context, name: str, **values: Any) -> Markup:
            return self._shared(context, name, values)

        env.globals.update(card=card, cards=cards, avatar=avatar, shared=shared)
        return env

    @contextlib.contextmanager
    def card_cache(self) -> Iterator[None]:
        """Within it, each kudos' card is rendered once per link root and its HTML reused.

        A build shows each kudos' card on ~6 pages (wall, both people, "more kudos" of others),
        all from one wall; outside a build (serve renders lazily, across edits) cards are
        rendered every time. Forked workers inherit the switch and fill their own copy.
        Avatars and `shared` partials (the header and footer) are kept the same way.
        """
        self._cards, self._pieces = {}, {}
        try:
            yield
        finally:
            self._cards = self._pieces = None

    def drop_cards(self) -> None:
        """Forget the cards kept so far (inside `card_cache`, later cards are kept again)."""
        if self._cards:
            self._cards, self._pieces = {}, {}

    def _card(self, context: jinja2.runtime.Context, kudos: Any) -> Markup:
        """`{{ card(kudos) }}`: what `{% include "partials/card.html" %}` gives, reused where it can be."""
        if self._cards is None or not self.cards_reusable:
            return Markup(self.env.get_template(CARD_TEMPLATE).render({**context.get_all(), "kudos": kudos}))
        return Markup(self._kept_card(context, kudos, context["links"].root).decode())

    def _cards_html(self, context: jinja2.runtime.Context, kudos_list: Iterable[Any]) -> Markup:
        """`{{ cards(kudos_list) }}`: what `{% for kudos in kudos_list %}{{ card(kudos) }}{% endfor %}` gives.

        One call for a page's whole list: the kept cards' HTML (each rendered by the card template,
        autoescaped) is joined as it is and decoded once, instead of a call, a decode and two
        copies per card (a person page lists ~60).
        """
        if self._cards is None or not self.cards_reusable:
            return Markup("").join(self._card(context, kudos) for kudos in kudos_list)
        root = context["links"].root
        return Markup(b"".join([self._kept_card(context, kudos, root) for kudos in kudos_list]).decode())

    def _kept_card(self, context: jinja2.runtime.Context, kudos: Any, root: str) -> bytes:
        """The card's HTML as UTF-8 (half the memory of a str holding one non-Latin-1 character, →)."""
        assert self._cards is not None
        cards = self._cards
        html = cards.get((kudos.id, root))
        if html is None:
            if len(cards) >= CARDS_KEPT:
                cards.clear()
            html = cards[kudos.id, root] = self.env.get_template(CARD_TEMPLATE).render(
                {**context.get_all(), "kudos": kudos}).encode()
        return html

    def _avatar(self, context: jinja2.runtime.Context, person: Any, size: str) -> Markup:
        """`{{ avatar(person, size) }}`: the macro of partials/avatar.html, reused per person, size and root."""
        return self._kept_piece(context, AVATAR_TEMPLATE, SHARED_INPUTS, (person.handle, person.digest, size),
                                lambda: cast(Markup, self._avatar_macro(context)(person, size)))

    def _kept_piece(self, context: jinja2.runtime.Context, name: str, inputs: frozenset[str],
                    values: tuple[object, ...], render: Callable[[], Markup]) -> Markup:
        """`render()`, kept per template, link root and `values` inside `card_cache` while template
        `name` reads nothing but `inputs` (else rendered every time)."""
        pieces = self._pieces
        if pieces is None:
            return render()
        key = (name, context["links"].root, *values)
        html = pieces.get(key)
        if html is None:
            html = render()
            if self.reads_only(name, inputs):
                pieces[key] = html
        return html

    def _avatar_macro(self, context: jinja2.runtime.Context) -> Any:
        """What `{% from "partials/avatar.html" import avatar with context %}` gives."""
        return self.env.get_template(AVATAR_TEMPLATE).make_module(context.get_all()).avatar  # type: ignore[attr-defined]

    def _shared(self, context: jinja2.runtime.Context, name: str, values: dict[str, Any]) -> Markup:
        """`{{ shared(name, **values) }}`: what `{% include name %}` gives with `values` set.

        Its HTML is reused per link root and values when the partial reads nothing but `values`
        and SHARED_INPUTS (values must then be hashable: strings, numbers, tuples of them).
        """
        return self._kept_piece(context, name, SHARED_INPUTS.union(values), tuple(sorted(values.items())),
                                lambda: Markup(self.env.get_template(name).render({**context.get_all(), **values})))

    @property
    def cards_reusable(self) -> bool:
        """True when the card template (and all it imports) reads nothing but CARD_INPUTS.

        A wall or theme whose card reads anything else (the page's path, say) keeps a card per page.
        """
        return self.reads_only(CARD_TEMPLATE, CARD_INPUTS)

    def reads_only(self, name: str, inputs: frozenset[str]) -> bool:
        """True when template `name` and all it renders read no variable but `inputs` (and plain globals)."""
        key = (name, inputs)
        known = self._reusable.get(key)
        if known is None:
            allowed = inputs | (self.env.globals.keys() - _RENDERING_GLOBALS)
            known = self._reusable[key] = self._reads_only(name, allowed, set())
        return known

    def _reads_only(self, name: str, allowed: frozenset[str], seen: set[str]) -> bool:
        if name in seen:
            return True
        seen.add(name)
        try:
            _, _, tree = self._parsed(name)
        except jinja2.TemplateNotFound:
            return False  # may be missing (`ignore missing`): not worth reusing around
        if not _free_names(tree) <= allowed:
            return False
        return all(ref is not None and self._reads_only(ref, allowed, seen) for ref in _rendered_templates(tree))

    def template(self, name: str) -> jinja2.Template:
        return self.env.get_template(name)

    def template_names(self) -> list[str]:
        """The templates a build may render or check: the wall's and the theme's by their own names
        (the `theme/` ones are the theme's again, reached only from a wall's template)."""
        return self.env.list_templates(filter_func=lambda name: name.endswith((".html", ".xml", ".txt"))
                                       and not name.startswith(f"{THEME_PREFIX}/"))

    def template_digest(self, name: str) -> str:
        """Digest of a template and every template it extends, includes, imports or renders through
        the `card`, `cards`, `avatar` and `shared` globals. A page template a custom theme lacks is
        the writer's error; the packaged theme lacking one is a bug."""
        try:
            return self._digest(name)
        except jinja2.TemplateNotFound as exc:
            if exc.name != name or self.directory.is_relative_to(packaged_themes_dir()):
                raise
            path = shown_path(self.directory / "templates" / name, self.config.root)
            raise ContentError([Problem(SourcePos(path), f"the theme has no template '{name}', which kudoswall "
                                        "renders pages with", f"copy {name} from kudoswall's default theme "
                                        "(themes/default/templates/) into it")]) from None

    def _digest(self, name: str) -> str:
        if name not in self._digests:
            self._digests[name] = ""  # guards against cycles
            try:
                source, filename, tree = self._parsed(name)
                parts = [source]
                for referenced in sorted(r for r in _rendered_templates(tree) if r):
                    try:
                        parts.append(self._digest(referenced))
                    except jinja2.TemplateNotFound as exc:
                        if exc.name != referenced:
                            raise
                        parts.append(self._missing(filename, tree, referenced))
            except BaseException:
                del self._digests[name]  # a later call (serve, once fixed) looks again
                raise
            self._digests[name] = hashlib.sha256("\0".join(parts).encode()).hexdigest()[:16]
        return self._digests[name]

    def _parsed(self, name: str) -> tuple[str, str, nodes.Template]:
        """A template's source, file and syntax tree; a syntax error (or a file that is not UTF-8, or
        one extending itself) is the writer's, at its line."""
        try:
            source, filename, _ = self.env.loader.get_source(self.env, name)  # type: ignore[union-attr]
        except UnicodeDecodeError:
            raise self._undecodable(name) from None
        assert filename is not None  # every loader of a theme reads files
        try:
            tree = self.env.parse(source, name, filename)
        except jinja2.TemplateSyntaxError as exc:
            raise self.template_error(exc) or exc from None
        self._refuse_extends_cycle(name, filename, tree)
        return source, filename, tree

    def _undecodable(self, name: str) -> ContentError:
        """The error for a template file that is not UTF-8, at its first wrong byte, as for content files."""
        prefix = f"{THEME_PREFIX}/"
        dirs = [self.directory / "templates"] if name.startswith(prefix) else self.template_dirs
        path = next(d / name.removeprefix(prefix) for d in dirs if (d / name.removeprefix(prefix)).is_file())
        try:
            decode_source(shown_path(path, self.config.root), path.read_bytes(), 1 << 30)
        except SourceError as exc:
            return ContentError(exc.problems)
        return ContentError([Problem(SourcePos(shown_path(path, self.config.root)), "file is not valid UTF-8",
                                     "save it with UTF-8 encoding")])

    def _refuse_extends_cycle(self, name: str, filename: str, tree: nodes.Template) -> None:
        """A template that extends itself, directly or through others, fails only when rendered, with
        a RecursionError: `check` passed an override `{% extends "base.html" %}` in templates/base.html."""
        chain, current = [name], tree
        while True:
            target = next((node.template.value for node in current.find_all(nodes.Extends)
                           if isinstance(node.template, nodes.Const)), None)
            if not isinstance(target, str):
                return
            if target in chain:
                line = next(node.lineno for node in tree.find_all(nodes.Extends))
                loop = " → ".join([*chain, target])
                hint = self._template_hint(filename) or "fix the template"
                if target == name and not name.startswith(f"{THEME_PREFIX}/"):
                    hint = f"to extend the theme's own {name}, write {{% extends \"{THEME_PREFIX}/{name}\" %}}"
                raise ContentError([Problem(SourcePos(shown_path(filename, self.config.root), line),
                                            f"the template extends itself ({loop})", hint)])
            chain.append(target)
            try:
                source, target_file, _ = self.env.loader.get_source(self.env, target)  # type: ignore[union-attr]
                current = self.env.parse(source, target, target_file)
            except (jinja2.TemplateError, UnicodeDecodeError):
                return  # said where that template itself is read

    def _missing(self, filename: str, tree: nodes.Template, name: str) -> str:
        """The digest part for template `name`, which `tree` refers to but which does not exist: nothing
        when it may be missing (`ignore missing`, or one of a list to choose from), else the writer's
        error at the line referring to it."""
        kinds = (nodes.Extends, nodes.Include, nodes.Import, nodes.FromImport)
        refs: list[Any] = [node for node in tree.find_all(kinds) if name in _template_names(cast(Any, node).template)]
        if refs and all(not isinstance(node.template, nodes.Const)
                        or (isinstance(node, nodes.Include) and node.ignore_missing) for node in refs):
            return ""
        refs += [call for call in tree.find_all(nodes.Call) if isinstance(call.node, nodes.Name)
                 and call.node.name == "shared" and call.args and name in _template_names(call.args[0])]
        hint = self._template_hint(filename)
        if hint is None:
            raise jinja2.TemplateNotFound(name)
        line = min((node.lineno for node in refs), default=0)
        raise ContentError([Problem(SourcePos(shown_path(filename, self.config.root), line),
                                    f"template '{name}' not found", hint)])

    def template_error(self, exc: BaseException, output_path: str = "") -> ContentError | None:
        """`exc`, raised while compiling or rendering a template, as the writer's error at the
        template's line; None when no template the writer can fix is to blame (a bug in kudoswall)."""
        if isinstance(exc, jinja2.TemplateSyntaxError) and exc.filename:
            filename, line, message = exc.filename, exc.lineno, f"template syntax error: {exc.message}"
        else:
            frames = [(frame.f_code.co_filename, line) for frame, line in traceback.walk_tb(exc.__traceback__)
                      if "__jinja_exception__" in frame.f_globals]  # Jinja's stand-ins for template code
            if not frames:
                return None
            filename, line = frames[-1]
            if type(exc) is jinja2.TemplateNotFound:
                detail = f"template '{exc.name}' not found"
            else:
                detail = str(exc) if isinstance(exc, jinja2.TemplateError) else f"{type(exc).__name__}: {exc}"
            message = f"rendering {output_path}: {detail}" if output_path else detail
        hint = self._template_hint(filename)
        if hint is None:
            return None
        return ContentError([Problem(SourcePos(shown_path(filename, self.config.root), line), message, hint)])

    def _template_hint(self, filename: str) -> str | None:
        """How to fix a template, by whose it is; None for the packaged theme's own while the wall
        overrides none of them (nothing the writer did can break those)."""
        path = Path(filename)
        wall_templates = self.config.root / WALL_TEMPLATES
        if path.is_relative_to(wall_templates):
            return "fix the template, or delete it to use the theme's"
        if not path.is_relative_to(self.directory / "templates"):
            return None
        if self.directory.is_relative_to(packaged_themes_dir()):
            return "check the wall's templates/: this one uses those" if wall_templates in self.template_dirs else None
        name = path.relative_to(self.directory / "templates").as_posix()
        return f"fix the theme's template, or override it with {WALL_TEMPLATES}/{name}"

    def static_files(self) -> dict[str, Path]:
        """Static files by output path; the wall's `static/` overrides the theme's."""
        root = self.config.root
        problems = links_problems(root / WALL_STATIC, root)
        files = dict(walk_files(self.directory / "static", root, problems))
        if not (root / WALL_STATIC).is_symlink():  # refused above; not even listed
            files.update(walk_files(root / WALL_STATIC, root, problems))
        if problems:
            raise ContentError(problems)
        return {f"static/{rel}": path for rel, path in sorted(files.items())}
