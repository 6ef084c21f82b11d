"""The pipeline: load → validate → render → write. `build`, `check` and `serve` all run it."""

from __future__ import annotations

import contextlib
import gc
import hashlib
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from .cache import cache_dir
from .config import Config
from .errors import ContentError, Problem, ProblemLog, SourcePos, format_problem, sorted_problems
from .feeds import feed_units, sitemap_units
from .imagemeta import STRIPPER_VERSION, ImageError, strip_metadata
from .incremental import warm_templates, write_site
from .links import kudos_path, person_path, url_path_of
from .load import ParseResult, SourceFile, list_source_files
from .lockfile import Lock, read_lock
from .models import Kudos, Person, Wall
from .pages import Focus, PagePlanner, kudos_keys
from .parsecache import ParseCache
from .permanence import Permanence, alias_path, deleted_beside_errors, note_former_digests, plan_permanence
from .progress import Progress, summary_line
from .search import index_site
from .share_images import share_image_units
from .theme import Theme
from .units import OutputUnit, fingerprint
from .uptodate import Snapshot, kept_build, preflight, record_stamp, take_snapshot
from .validate import assemble_wall, validate_kudos, validate_people
from .visuals import VisualPlanner, visual_context


@dataclass
class LoadedWall:
    wall: Wall
    problems: list[Problem]


class WallNotLoaded(ContentError):
    """The wall's errors, and the permalinks its files stand for (their own and their aliases'),
    so that what else is wrong (a deleted published page, a broken template) is said in the
    same run (see problems_beside)."""

    def __init__(self, problems: list[Problem], present: set[str], kudos: list[Kudos] | None = None) -> None:
        super().__init__(problems)
        self.present = present
        self.kudos = kudos or []  # those that did parse, for check's warnings beside the errors


_EXPLICIT_ID = re.compile(rb"^id:[ \t]*[\"']?([a-z0-9][a-z0-9-]*)", re.MULTILINE)


def _present_permalinks(files: list[tuple[Path, bool]], results: list[ParseResult],
                        people: dict[str, Person], kudos_list: list[Kudos]) -> set[str]:
    """What a lock record may point at: every file's permalink (a file that did not parse by its
    name, or by an `id:` line found in it) and the aliases of those that did."""
    present = {person_path(handle) for handle in people} | {kudos_path(k.id) for k in kudos_list}
    present |= {old for k in kudos_list for alias in k.aliases if (old := alias_path(alias, "kudos"))}
    present |= {old for p in people.values() for alias in p.aliases if (old := alias_path(alias, "person"))}
    for (source, is_kudos), result in zip(files, results, strict=True):
        if result.kudos is None and result.person is None:
            present.add(kudos_path(source.stem) if is_kudos else person_path(source.stem))
            if is_kudos:
                with contextlib.suppress(OSError):
                    present |= {kudos_path(m.decode()) for m in _EXPLICIT_ID.findall(source.read_bytes()[:8192])}
    return present


def problems_beside(exc: ContentError, config: Config, theme: Theme | None) -> ContentError:
    """`exc` from load_wall with what else is wrong that can be known without a wall: deleted
    published pages, a damaged lock and (given the theme) broken templates, all in one run."""
    lock = read_lock(config.root)
    more = [*lock.problems, *(deleted_beside_errors(lock, exc.present) if isinstance(exc, WallNotLoaded) else [])]
    if theme is not None:
        more += theme_problems(theme)  # dedupe below: a template error may already be among exc's
    return ContentError(sorted_problems({(p.pos, p.message): p for p in [*exc.problems, *more]}.values()))


@dataclass
class BuildReport:
    kudos: int = 0
    pages: int = 0
    files: int = 0
    changed: int = 0
    unchanged: int = 0
    removed: int = 0
    seconds: float = 0.0
    warnings: list[Problem] = field(default_factory=list)
    wall: Wall | None = None  # for recording newly published kudos in kudoswall.lock

    def summary(self) -> str:
        return summary_line(self.kudos, self.pages, self.files, self.unchanged, self.seconds)


def load_wall(config: Config, strict: bool = False, cache: ParseCache | None = None, jobs: int = 1,
              store: Path | None = None, drafts: bool = False,
              meanwhile: Callable[[], None] | None = None, keep_cache: bool = True) -> LoadedWall:
    """Read and validate every source file; raises ContentError listing every error found.

    `cache` keeps parses in this process; `store` is the on-disk cache folder (cache.py), read
    and, unless `keep_cache` is False, written;
    `jobs` > 1 parses files that neither cache holds in worker processes. `drafts` (serve only)
    also shows kudos awaiting the recipient's consent, marked as such. `meanwhile` runs once in
    this process while workers parse (see ParseCache.parse_all).
    """
    if cache is None:
        cache = ParseCache()
    log = ProblemLog()
    people_paths, kudos_paths, scan_problems = list_source_files(config)
    log.extend(scan_problems)
    files = [(path, False) for path in people_paths] + [(path, True) for path in kudos_paths]
    results = cache.parse_all(config, files, jobs=jobs, store=store, meanwhile=meanwhile, keep=keep_cache)
    people: dict[str, Person] = {}
    kudos_list: list[Kudos] = []
    for result in results:
        log.extend(result.problems)
        if result.person is not None:
            earlier = people.get(result.person.handle)
            if earlier is not None:  # ada.yaml and ada.yml: the one listed last would replace the other
                log.error(SourcePos(result.person.source), f"duplicate person handle '{earlier.handle}' (also used "
                          f"by {earlier.source})", "keep one file for each person: delete or merge the other")
                continue
            people[result.person.handle] = result.person
        if result.kudos is not None:
            kudos_list.append(result.kudos)
    validate_people(people, config, log)
    validate_kudos(kudos_list, people, log)
    note_former_digests(kudos_list, people)
    try:
        log.raise_if_errors(strict)
    except ContentError as exc:
        raise WallNotLoaded(exc.problems, _present_permalinks(files, results, people, kudos_list), kudos_list) from None
    return LoadedWall(assemble_wall(people, kudos_list, drafts=drafts), sorted_problems(log.warnings))


def asset_units(wall: Wall, config: Config, theme: Theme) -> list[OutputUnit]:
    units = []

    def file_unit(out_path: str, source: Path) -> OutputUnit:
        data = source.read_bytes()
        return OutputUnit(out_path, fingerprint("file", hashlib.sha256(data).hexdigest()), lambda: data)

    def avatar_unit(person: Person, out_path: str, source: Path) -> OutputUnit:
        """Published without the photo's location, device and other metadata (imagemeta.py), stripped
        when rendered: validation has just read it whole, and a build that keeps it never strips it again."""
        data = source.read_bytes()

        def render() -> bytes:
            try:
                return strip_metadata(data, source.suffix)
            except ImageError as exc:  # validation read it well formed: it changed since
                where = person.avatar_pos or SourcePos(person.source, 1, 1)
                raise ContentError([Problem(where, f"avatar '{person.avatar_source}' is not a readable image: "
                                            f"{exc}", "save it again")]) from exc

        return OutputUnit(out_path, fingerprint("avatar", STRIPPER_VERSION, hashlib.sha256(data).hexdigest()), render)

    for out_path, source in theme.static_files().items():
        units.append(file_unit(out_path, source))
    for person in wall.people.values():
        if person.avatar_path and person.avatar_source:
            source = (config.root / person.source).parent / person.avatar_source
            units.append(avatar_unit(person, person.avatar_path, source))
    return units


@dataclass
class Plan:
    """Every output unit of a wall, with what serve needs to re-plan an edit (replan.py)."""

    wall: Wall
    permanence: Permanence
    keys: dict[str, str]  # pages.kudos_keys of the wall
    units: list[OutputUnit]
    index: dict[str, int] = field(default_factory=dict, repr=False)  # see unit_index

    def unit_index(self) -> dict[str, int]:
        """Where each path's unit is in `units`, built on first use (only replan.py asks)."""
        if not self.index:
            self.index.update((unit.path, number) for number, unit in enumerate(self.units))
        return self.index


def plan_site(wall: Wall, config: Config, theme: Theme, extra_context: dict[str, Any] | None = None,
              lock: Lock | None = None, store: Path | None = None) -> Plan:
    """`lock`: kudoswall.lock when the caller read it already; `store`: the cache folder, which keeps git's log."""
    permanence = plan_permanence(wall, config, lock, store)  # the lock, history, verification; raises if a URL breaks
    keys = kudos_keys(wall)  # after plan_permanence, which sets what permanence_key reads
    units = plan_units(wall, config, theme, keys, extra_context) + permanence.units(theme)
    return Plan(wall, permanence, keys, units + permanence.moved_units(units, theme))


def plan_units(wall: Wall, config: Config, theme: Theme, keys: dict[str, str],
               extra_context: dict[str, Any] | None = None, focus: Focus | None = None) -> list[OutputUnit]:
    """The units of every planner; with a `focus`, only those an in-place edit can change (replan.py)."""
    extra_context = {**visual_context(wall, config), **(extra_context or {})}
    units = list(PagePlanner(wall, config, theme, extra_context, keys, focus).units())
    units += VisualPlanner(wall, config, theme, extra_context, keys, focus).units()
    units += share_image_units(wall, config, focus)
    units += feed_units(config, wall, keys, focus)
    if focus is None:  # a focus leaves every address as it is
        units += sitemap_units(config, [url_path_of(unit.path) for unit in units if unit.indexable])
        units += asset_units(wall, config, theme)
    return units


def plan_outputs(wall: Wall, config: Config, theme: Theme, extra_context: dict[str, Any] | None = None,
                 lock: Lock | None = None, store: Path | None = None) -> list[OutputUnit]:
    return plan_site(wall, config, theme, extra_context, lock, store).units


@dataclass
class RenderedSite:
    """Every output file of one build in memory, with the fingerprint it was rendered from."""

    files: dict[str, tuple[str, bytes]] = field(default_factory=dict)
    rendered: list[str] = field(default_factory=list)


def render_site(units: list[OutputUnit], previous: RenderedSite | None = None) -> RenderedSite:
    """Render the units whose fingerprint changed since `previous`; reuse the bytes of the rest."""
    old = previous.files if previous is not None else {}
    site = RenderedSite()
    for unit in units:
        earlier = old.get(unit.path)
        if earlier is not None and earlier[0] == unit.fingerprint:
            site.files[unit.path] = earlier
        else:
            site.files[unit.path] = (unit.fingerprint, unit.render())
            site.rendered.append(unit.path)
    return site


def build_site(config: Config, output: Path, strict: bool = False, progress: Progress | None = None,
               jobs: int = 1, use_cache: bool = True, snapshot: Snapshot | None = None) -> BuildReport:
    """A full build. With any content error nothing is written and ContentError is raised.

    Output depends only on the wall (content, configuration, theme) and kudoswall's version:
    a clean, a cached and an incremental build give byte-identical files, in any number of
    `jobs`. `use_cache=False` ignores and leaves alone `.kudoswall-cache/`. With the cache, a
    build whose inputs and output are exactly as the last one left them only says so (uptodate.py).
    `snapshot` is that of the inputs, when the caller took it just before (the command line does).
    """
    started = time.perf_counter()
    progress = progress or Progress()
    theme_dir = preflight(config, output)
    store = cache_dir(config.root) if use_cache else None
    if store is None:
        snapshot = None
    elif snapshot is None:
        snapshot = take_snapshot(config, theme_dir, output)  # before anything is read
    kept = kept_build(store, output, snapshot, strict)
    if kept is not None:
        return BuildReport(kudos=kept.kudos, pages=kept.pages, files=kept.files, unchanged=kept.files,
                           warnings=list(kept.warnings), seconds=time.perf_counter() - started)
    progress.start("Reading", 0)
    theme = Theme(config, theme_dir)
    # No automatic collections while the wall is read and planned: each full one walked the whole
    # wall built so far to find the one small cycle a parse leaves (Python-Markdown's), 2.4 s of
    # collecting parses and 3 to 6 s of planning at 100,000 kudos. Workers collect their own;
    # the frozen wall is never walked, and collections resume for rendering.
    collecting = gc.isenabled()
    gc.disable()

    early_lock: list[Lock] = []

    def warm_while_parsing() -> None:
        """What this process would do with both cores idle but one, done while the workers parse:
        read kudoswall.lock (0.7 s at 100,000 kudos) and compile the templates (~0.2 s at 10,000).
        An error waits: content errors come first, and planning reads the lock or uses the theme again."""
        with contextlib.suppress(OSError):
            early_lock.append(read_lock(config.root))
        with contextlib.suppress(ContentError):
            warm_templates(theme)

    try:
        try:
            loaded = load_wall(config, strict, jobs=jobs, store=store, meanwhile=warm_while_parsing)
        except ContentError as exc:
            raise problems_beside(exc, config, theme) from None
        for kudos in (*loaded.wall.kudos, *loaded.wall.tombstones, *loaded.wall.pending):
            kudos.body_markdown = ""  # only parsing and validation read it, both done (~1 KB a kudos not held)
        # The wall and then the units live to the end of the build: frozen, the collector's full
        # passes stop walking their ~25 objects a kudos again and again (~0.5 s at 10,000 kudos).
        gc.freeze()
        progress.start("Planning", 0)
        units = plan_outputs(loaded.wall, config, theme, lock=early_lock[0] if early_lock else None, store=store)
        gc.freeze()
        if collecting:
            gc.enable()
        report = BuildReport(kudos=len(loaded.wall.kudos), warnings=loaded.problems, wall=loaded.wall)
        progress.start("Writing", len(units))
        scope = f"{config.digest()}\0{theme_dir}"
        written = write_site(units, output, theme, scope, store, jobs=jobs, progress=progress.advance,
                             finish=lambda staging: index_site(staging, config))
    except ContentError as exc:  # a theme's first broken template stopped it: say every one, as check does
        said = {(p.pos, p.message) for p in exc.problems}
        if not (more := [p for p in theme_problems(theme) if (p.pos, p.message) not in said]):
            raise
        raise ContentError(sorted_problems([*exc.problems, *more])) from None
    finally:
        gc.unfreeze()  # a process that goes on (tests, a library caller) collects them as usual
        if collecting:
            gc.enable()
    progress.finish()
    report.changed, report.unchanged, report.removed = written.changed, written.unchanged, written.removed
    paths = {unit.path for unit in units}
    report.files = len(paths)
    report.pages = sum(1 for path in paths if path.endswith(".html"))
    record_stamp(store, config, output, snapshot, loaded.wall, paths, report.warnings, report.pages, report.files)
    report.seconds = time.perf_counter() - started
    return report


PAGE_TEMPLATES = ("index.html", "kudos.html", "people.html", "person.html", "person_list.html", "skills.html",
                  "skill.html", "graph.html", "stats.html", "embed.html", "404.html", "tombstone.html", "redirect.html")
"""The templates kudoswall renders pages with (search.html too when search is on): a theme must have
them all, since a retraction or a rename can need any of them on a later day."""


def theme_problems(theme: Theme) -> list[Problem]:
    """What a build would refuse in the theme before rendering a page: a page template it lacks, a
    template that does not parse or includes one that is missing, a static file it cannot publish.
    Each is reported once, all in one run."""
    found: dict[tuple[str, str], Problem] = {}
    written = theme.template_names()
    names = dict.fromkeys([*PAGE_TEMPLATES, *(["search.html"] if theme.config.search else []), *written])
    checks: list[Callable[[], object]] = [partial(theme.template_digest, name) for name in names]
    for check in [*checks, theme.static_files]:
        try:
            check()
        except ContentError as exc:
            for problem in exc.problems:
                found.setdefault((format_problem(problem), problem.severity), problem)
    return list(found.values())


__all__ = [
    "BuildReport",
    "ContentError",
    "LoadedWall",
    "ParseCache",
    "SourceFile",
    "build_site",
    "load_wall",
    "plan_outputs",
]
