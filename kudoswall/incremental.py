"""Write a planned site while rendering only what changed, across worker processes.

The writer (write.py) keeps two trees: the live output and a staging folder holding an older
build, exchanged atomically on commit. A manifest per tree, kept in the cache, records for each
file the fingerprint of the unit it was rendered from and the file's inode, size, modification
and change times. A unit whose fingerprint matches a tree's record, and whose file still has
the recorded identity (nobody touched it), is not rendered: the staging copy is kept as it is,
or the live copy's bytes are taken over. When every unit matches the live output, nothing is
written at all and the output keeps its modification times.
"""

from __future__ import annotations

import hashlib
import itertools
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import jinja2

from . import cache
from .errors import ContentError, Problem, SourcePos, sorted_problems
from .outputdir import MARKER, case_clashes, staging_dir
from .parallel import run_chunked
from .theme import Theme
from .units import OutputUnit
from .write import OutputCollision, SiteWriter

FileRecord = tuple[str, int, int, int, int]  # fingerprint, inode, size, mtime_ns, ctime_ns
Manifest = dict[str, FileRecord]
Progress = Callable[[int], None]


@dataclass
class WriteResult:
    """Files re-rendered with new bytes, files kept (as they were, or copied), files removed."""

    changed: int = 0
    unchanged: int = 0
    removed: int = 0
    rendered: int = 0


def _identity(tree: Path, rel_path: str) -> tuple[int, int, int, int] | None:
    """Inode, size, mtime and ctime: an edit that restores size and mtime (touch -r) still changes
    ctime, which nothing can set back."""
    try:
        info = os.lstat(f"{tree}/{rel_path}")  # not Path: this runs for every file of every build
    except OSError:
        return None
    return info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns


def _matches(record: FileRecord | None, unit: OutputUnit, tree: Path) -> bool:
    return record is not None and record[0] == unit.fingerprint and _identity(tree, unit.path) == record[1:]


def _manifest_name(output: Path) -> str:
    return "site-" + hashlib.sha256(os.fsencode(output)).hexdigest()[:16] + ".bin"


def _records(units: list[OutputUnit], tree: Path) -> Iterator[tuple[str, FileRecord]]:
    for unit in units:
        identity = _identity(tree, unit.path)
        if identity is not None:
            yield unit.path, (unit.fingerprint, *identity)


def _load_manifests(store: Path | None, output: Path, scope: str) -> tuple[Manifest, Manifest, Manifest]:
    """The records of the live output, of the staging folder, and of the files `finish` wrote into
    the live output (the search bundle); a record missing (a damaged batch) only means that file
    is rendered again. Without the finishing files' records the output is never taken as complete."""
    trees: dict[str, Manifest] = {"output": {}, "staging": {}, "finished": {}}
    for (tree, path), record in cache.load_items(store, _manifest_name(output), scope) or ():
        trees[tree][path] = record
    return trees["output"], trees["staging"], trees["finished"]


def _store_manifests(store: Path | None, output: Path, scope: str, units: list[OutputUnit],
                     staging: Manifest, finished: list[str]) -> None:
    """Streamed in batches: a manifest of 240,000 files, built whole and pickled whole, was the
    build's last and highest memory peak. The record under "" says the finishing step ran."""
    finished_records = [(path, ("", *identity)) for path in finished
                        if (identity := _identity(output, path)) is not None]
    items = itertools.chain(((("output", path), record) for path, record in _records(units, output)),
                            ((("staging", path), record) for path, record in staging.items()),
                            ((("finished", path), record) for path, record in finished_records),
                            [(("finished", ""), ("", 0, 0, 0, 0))])
    cache.store_items(store, _manifest_name(output), scope, items)


def output_collisions(units: list[OutputUnit]) -> list[Problem]:
    """Every clash between `units`, found before anything is written (so `check` reports them too):
    two units for one file, a file where another unit needs a folder, and paths differing only by
    letter case or Unicode form (a deploy to macOS or Windows keeps one of them). A clash an alias
    causes is reported at the alias, which is what its writer can change."""
    problems: list[Problem] = []
    first: dict[str, OutputUnit] = {}
    for unit in units:
        earlier = first.setdefault(unit.path, unit)
        if earlier is not unit:
            problems.append(_collision(f"two outputs are written to the same file '{unit.path}'", unit.path,
                                       unit, earlier))
    folders = {path.rpartition("/")[0] for path in first}
    for folder in list(folders):
        while folder:
            folder = folder.rpartition("/")[0]
            if folder in folders:
                break  # its own folders are in already, or come with it
            folders.add(folder)
    for path in sorted(folders & first.keys()):
        inside = (unit for unit in units if unit.path.startswith(f"{path}/"))
        problems.append(_collision(f"one output is written to the file '{path}', another into the folder "
                                   f"'{path}/'", path, first[path], *inside))
    for other, path in case_clashes(first):
        problems.append(_collision(f"output files '{other}' and '{path}' differ only by letter case or Unicode "
                                   "form; on case-insensitive file systems (macOS, Windows) one would replace "
                                   "the other", path, first[path], first[other]))
    return problems


def _collision(message: str, path: str, *units: OutputUnit) -> Problem:
    origin = next((unit.origin for unit in units if unit.origin is not None), None)
    if origin is None:
        return Problem(SourcePos(path), message, "rename one of them")
    return Problem(origin, f"an alias here is written to '{path}', which the site uses for another file",
                   "an alias must be an old address that nothing uses now")


def warm_templates(theme: Theme) -> None:
    """Compile the theme's templates in this process, so forked workers inherit them compiled
    instead of each compiling its own (a template compiled already is only looked up)."""
    for name in theme.template_names():
        try:
            theme.env.get_template(name)
        except (jinja2.TemplateError, UnicodeDecodeError):
            continue  # reported when (if) a page uses it


def render_unit(unit: OutputUnit, theme: Theme) -> bytes:
    """The unit's bytes; a template that fails (the wall's own, say) is the writer's error at its
    line, raised here since it may run in a worker whose traceback would not reach the parent."""
    try:
        return unit.render()
    except ContentError:
        raise
    except Exception as exc:
        error = theme.template_error(exc, unit.path)
        if error is None:
            raise
        raise error from exc


def write_site(units: list[OutputUnit], output: Path, theme: Theme, scope: str, store: Path | None,
               jobs: int = 1, progress: Progress | None = None,
               finish: Callable[[Path], list[str]] | None = None) -> WriteResult:
    """Put `units` in `output`; `scope` names what fingerprints are valid for (config, theme).

    `finish` runs on the complete staging folder before it goes live and returns the files it wrote
    there (the search bundle); they are recorded, so the next build notices one damaged or removed."""
    output = output.absolute()
    if collisions := output_collisions(units):
        raise OutputCollision(sorted_problems(collisions))
    live, older, finished = _load_manifests(store, output, scope)
    result = WriteResult()
    if (len(live) == len(units) and (output / MARKER).is_file() and "" in finished
            and all(_matches(live.get(unit.path), unit, output) for unit in units)
            and all(_identity(output, path) == record[1:] for path, record in finished.items() if path)):
        result.unchanged = len(units)
        return result  # the output is exactly this build already, its search bundle too
    staging = staging_dir(output)
    with SiteWriter(output) as writer:
        counted = writer.changed  # what this process's writer counts from here on: kept, copied, streamed
        todo: list[OutputUnit] = []
        for unit in units:
            if _matches(older.get(unit.path), unit, staging):
                writer.keep_staged(unit.path, as_live=_matches(live.get(unit.path), unit, output))
            elif _matches(live.get(unit.path), unit, output):
                writer.copy_from_output(unit.path)
            else:
                todo.append(unit)
        if progress is not None:
            progress(len(units) - len(todo))
        if not writer.fresh:  # folders first, in this process: workers then never race to replace a file
            for unit in todo:
                writer._ensure_dir(unit.path.rpartition("/")[0])
        if jobs > 1 and len(todo) > 256:
            warm_templates(theme)  # a no-op when build_site warmed them while parsing

        # A streamed unit (kudos.json) reads every kudos of the wall. In a forked worker that read
        # copies each memory page holding one (reference counts are written), so that worker would
        # end up holding the whole wall a second time; this process holds it already.
        streamed = [unit for unit in todo if unit.chunks is not None]
        pooled = [unit for unit in todo if unit.chunks is None]

        def task(start: int, end: int) -> tuple[int, int]:
            """Render and write a range of `pooled`; returns (changed, unchanged) counts."""
            before = writer.changed, writer.unchanged
            chunk = pooled[start:end]
            if not any(unit.path.endswith(".html") for unit in chunk):
                theme.drop_cards()  # pages come first in a plan; the large files after need the room
            for unit in chunk:
                writer.write(unit.path, render_unit(unit, theme))
            counts = writer.changed - before[0], writer.unchanged - before[1]
            writer.changed, writer.unchanged = before  # counted once, below, wherever this ran
            return counts

        def write_streamed() -> None:
            for unit in streamed:
                assert unit.chunks is not None
                writer.write_chunks(unit.path, unit.chunks())
                if progress is not None:
                    progress(1)
            streamed.clear()

        with theme.card_cache():  # every unit is of this one build
            for changed, _ in run_chunked(task, len(pooled), jobs, progress):
                result.changed += changed  # rendered and different from what the live site holds
                write_streamed()  # once the workers run: written while they go on
            write_streamed()
        writer.written.update(unit.path for unit in todo)
        exchanged = output.exists()
        finishing_files: list[str] = []

        def before_swap(staging: Path) -> None:
            finishing_files.extend(finish(staging) if finish is not None else ())
            writer.settle_times(finishing_files)

        result.removed = writer.commit(before_swap=before_swap)
        result.changed += writer.changed - counted
        result.unchanged, result.rendered = len(units) - result.changed, len(todo)
    # after the exchange the old live tree is the staging folder
    _store_manifests(store, output, scope, units, live if exchanged else {}, finishing_files)
    return result
