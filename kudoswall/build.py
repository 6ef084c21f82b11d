"""The pipeline: load → validate → render → write. `build`, `check` and `serve` all run it."""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .config import Config
from .errors import ContentError, Problem, ProblemLog, sorted_problems
from .feeds import feed_units
from .load import ParseResult, SourceFile, list_source_files, parse_kudos, parse_person, read_source
from .markup import MarkdownRenderer
from .models import Kudos, Person, Wall
from .pages import PagePlanner
from .permanence import plan_permanence
from .share_images import share_image_units
from .theme import Theme, resolve_theme_dir
from .units import OutputUnit, fingerprint
from .validate import assemble_wall, validate_kudos, validate_people
from .visuals import VisualPlanner, visual_context
from .write import SiteWriter, check_output_path


@dataclass
class LoadedWall:
    wall: Wall
    problems: list[Problem]


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
        return (f"Built {self.kudos:,} kudos into {self.pages:,} pages ({self.files:,} files) in {self.seconds:.1f} s "
                f"({self.unchanged:,} unchanged, {self.changed:,} written, {self.removed:,} removed)")


@dataclass
class ParseCache:
    """Parsed files kept between runs of the pipeline in one process (serve, benchmarks).

    An entry is reused while the file's size and modification time are unchanged and the
    configuration is the same; models are reused as they are, including rendered bodies.
    """

    config_digest: str = ""
    entries: dict[str, tuple[tuple[int, int], ParseResult]] = field(default_factory=dict)

    def parse(self, config: Config, path: Path, parser: Callable[[SourceFile, Config], ParseResult]) -> ParseResult:
        rel = os.path.relpath(path, config.root)
        info = path.stat()
        key = (info.st_size, info.st_mtime_ns)
        cached = self.entries.get(rel)
        if cached is not None and cached[0] == key:
            return cached[1]
        result = parser(read_source(config, path), config)
        self.entries[rel] = (key, result)
        return result


def load_wall(config: Config, strict: bool = False, cache: ParseCache | None = None) -> LoadedWall:
    """Read and validate every source file; raises ContentError listing every error found."""
    if cache is None:
        cache = ParseCache()
    if cache.config_digest != config.digest():
        cache.entries.clear()
        cache.config_digest = config.digest()
    log = ProblemLog()
    people_paths, kudos_paths, scan_problems = list_source_files(config)
    log.extend(scan_problems)
    people: dict[str, Person] = {}
    for path in people_paths:
        result = cache.parse(config, path, parse_person)
        log.extend(result.problems)
        if result.person is not None:
            people[result.person.handle] = result.person
    kudos_list: list[Kudos] = []
    for path in kudos_paths:
        result = cache.parse(config, path, parse_kudos)
        log.extend(result.problems)
        if result.kudos is not None:
            kudos_list.append(result.kudos)
    live = {os.path.relpath(p, config.root) for p in (*people_paths, *kudos_paths)}
    for stale in set(cache.entries) - live:
        del cache.entries[stale]
    validate_people(people, config, log)
    validate_kudos(kudos_list, people, log)
    log.raise_if_errors(strict)
    render_bodies(kudos_list, config)
    return LoadedWall(assemble_wall(people, kudos_list), sorted_problems(log.warnings))


def render_bodies(kudos_list: Iterable[Kudos], config: Config) -> None:
    renderer = MarkdownRenderer(config.markdown, config.excerpt_length)
    for kudos in kudos_list:
        if kudos.body_html:
            continue  # rendered in an earlier run from the same bytes and configuration
        body = renderer.render(kudos.body_markdown)
        kudos.body_html, kudos.excerpt, kudos.word_count = body.html, body.excerpt, body.word_count


def asset_units(wall: Wall, config: Config, theme: Theme) -> list[OutputUnit]:
    units = []

    def file_unit(out_path: str, source: Path) -> OutputUnit:
        data = source.read_bytes()
        return OutputUnit(out_path, fingerprint("file", hashlib.sha256(data).hexdigest()), lambda: data)

    for out_path, source in theme.static_files().items():
        units.append(file_unit(out_path, source))
    for person in wall.people.values():
        if person.avatar_path and person.avatar_source:
            units.append(file_unit(person.avatar_path, (config.root / person.source).parent / person.avatar_source))
    return units


def plan_outputs(wall: Wall, config: Config, theme: Theme, extra_context: dict[str, Any] | None = None
                 ) -> list[OutputUnit]:
    permanence = plan_permanence(wall, config)  # kudoswall.lock, history, verification; raises if a URL breaks
    extra_context = {**visual_context(wall, config), **(extra_context or {})}
    units = list(PagePlanner(wall, config, theme, extra_context).units())
    units += permanence.units(theme)
    units += VisualPlanner(wall, config, theme, extra_context).units()
    units += share_image_units(wall, config)
    units += feed_units(config, wall)
    units += asset_units(wall, config, theme)
    return units


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


def protected_paths(config: Config, theme_dir: Path) -> list[Path]:
    return [config.content_path, config.root / "templates", config.root / "static", theme_dir, config.root / ".git"]


def build_site(config: Config, output: Path, strict: bool = False,
               progress: Callable[[int, int], None] | None = None) -> BuildReport:
    """A full build. With any content error nothing is written and ContentError is raised."""
    started = time.perf_counter()
    theme_dir = resolve_theme_dir(config)
    check_output_path(output, config.root, protected_paths(config, theme_dir))
    loaded = load_wall(config, strict)
    theme = Theme(config, theme_dir)
    units = plan_outputs(loaded.wall, config, theme)
    report = BuildReport(kudos=len(loaded.wall.kudos), warnings=loaded.problems, wall=loaded.wall)
    with SiteWriter(output) as writer:
        for index, unit in enumerate(units):
            writer.write(unit.path, unit.render())
            if progress is not None and index % 500 == 0:
                progress(index, len(units))
        report.removed = writer.commit()
        report.changed, report.unchanged = writer.changed, writer.unchanged
    report.files = len(units)
    report.pages = sum(1 for unit in units if unit.path.endswith(".html"))
    report.seconds = time.perf_counter() - started
    return report


def check_wall(config: Config, strict: bool = False) -> LoadedWall:
    """Validate only; renders nothing to disk, but does render templates' inputs (Markdown)."""
    resolve_theme_dir(config)
    return load_wall(config, strict)


__all__ = ["BuildReport", "ContentError", "LoadedWall", "build_site", "check_wall", "load_wall", "plan_outputs",
           "SourceFile"]
