"""The preview's site: the build pipeline with memory as its sink, and the live state pages watch.

A rebuild runs the same `load_wall` → `plan_outputs` as `kudoswall build`, keeping what can be
reused (parse cache, Jinja environment, files whose fingerprint is unchanged). Changed files are
rendered when first asked for, or by a background thread soon after, so a rebuild costs what
planning costs. Each rebuild yields a new immutable snapshot; handlers read one reference, so a
request never sees a half-built site.
"""

from __future__ import annotations

import gc
import secrets
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from . import build as pipeline
from .cache import cache_dir
from .config import Config, load_config
from .errors import ContentError, Problem, SourcePos, format_problem
from .history import current_head
from .parallel import default_jobs
from .replan import Replanned, replan_edits
from .theme import Theme, packaged_themes_dir, resolve_theme_dir
from .units import OutputUnit
from .watch import ChangeKind, WatchLayout

THEME_KINDS: frozenset[ChangeKind] = frozenset({"config", "template", "static", "theme"})
EVERYTHING: frozenset[ChangeKind] = frozenset({"config", "template", "static", "theme", "content"})


class RenderFailed(Exception):
    def __init__(self, problem: Problem) -> None:
        super().__init__(format_problem(problem))
        self.problem = problem


class SiteFile:
    """One output file: its bytes, or how to render them once, on first use."""

    __slots__ = ("_data", "_explain", "_failure", "_lock", "_render", "fingerprint")

    def __init__(self, fingerprint: str, render: Callable[[], bytes] | None = None, data: bytes | None = None,
                 explain: Callable[[BaseException], Problem] | None = None) -> None:
        self.fingerprint = fingerprint
        self._render = render
        self._data = data
        self._explain = explain or internal_problem  # what a failed render is, for the writer
        self._failure: RenderFailed | None = None
        self._lock = threading.Lock() if data is None else None

    @property
    def pending(self) -> bool:
        return self._data is None and self._failure is None

    @property
    def failure(self) -> RenderFailed | None:
        """Why its render failed, once it was tried and did."""
        return self._failure

    def content(self) -> bytes:
        """The file's bytes; raises RenderFailed (every time) when its template fails."""
        data = self._data
        if data is not None:
            return data
        assert self._lock is not None
        with self._lock:
            if self._data is None and self._failure is None:
                assert self._render is not None
                try:
                    self._data = self._render()
                except Exception as exc:  # noqa: BLE001 - a template error must not stop the preview
                    self._failure = RenderFailed(self._explain(exc))
                self._render = None
            if self._failure is not None:
                raise self._failure
            assert self._data is not None
            return self._data


@dataclass(frozen=True)
class Snapshot:
    """One complete version of the site."""

    files: Mapping[str, SiteFile] = field(default_factory=dict)
    root: Path = Path()

    def same_output(self, other: Snapshot) -> bool:
        if self.files.keys() != other.files.keys():
            return False
        theirs = other.files
        return all(theirs[path].fingerprint == file.fingerprint for path, file in self.files.items())


@dataclass
class RebuildResult:
    snapshot: Snapshot | None  # None when the rebuild failed; the previous snapshot stays
    errors: list[Problem]
    warnings: list[Problem]
    changed: list[str]
    seconds: float
    kudos: int = 0
    replanned: bool = False  # only the units an in-place edit can change were planned (replan.py)


def internal_problem(exc: BaseException) -> Problem:
    return Problem(SourcePos("kudoswall"), f"internal error: {type(exc).__name__}: {exc}",
                   "this is a bug in kudoswall; run 'kudoswall build --debug' for the traceback")


def explain_with(theme: Theme) -> Callable[[BaseException], Problem]:
    """What a failed render is: a content error as raised, the theme's error at the template line
    (build's wording, and one text for every page a template breaks, so the preview reloads once), else a bug."""

    def explain(exc: BaseException) -> Problem:
        error = exc if isinstance(exc, ContentError) else theme.template_error(exc)  # already the writer's
        return error.problems[0] if error is not None and error.problems else internal_problem(exc)

    return explain


class SiteBuilder:
    """Rebuilds a wall in memory, reusing the config, theme and parsed files while they hold."""

    def __init__(self, root: Path, config: Config | None = None, drafts: bool = False) -> None:
        self.root = root.resolve()
        self.config = config
        self.drafts = drafts  # kudos awaiting consent are shown, marked, only when asked for
        self.theme: Theme | None = None
        self.cache = pipeline.ParseCache()
        self.snapshot = Snapshot(root=self.root)
        self._stale: set[ChangeKind] = set(EVERYTHING)
        self._plan: pipeline.Plan | None = None  # of the last successful rebuild, for in-place edits
        self._warnings: list[Problem] = []

    def layout(self) -> WatchLayout:
        theme_dir = self.theme.directory if self.theme is not None else None
        if self.config is not None and theme_dir is not None:
            return WatchLayout.of(self.config, theme_dir)
        return WatchLayout.fallback(self.root, theme_dir or packaged_themes_dir() / "default")

    def rebuild(self, kinds: frozenset[ChangeKind] = EVERYTHING, paths: Iterable[str] = ()) -> RebuildResult:
        """Plan the whole site again; unchanged files keep their bytes, changed ones render lazily.

        `paths` (relative to the wall) are parsed again even if their size and modification
        time look unchanged: two saves within one clock tick can leave both the same.
        """
        collecting = gc.isenabled()
        gc.disable()  # planning allocates ~100,000s of objects; full collections cost a third of a rebuild
        try:
            return self._rebuild(kinds, paths)
        finally:
            if collecting:
                gc.enable()

    def _rebuild(self, kinds: frozenset[ChangeKind], paths: Iterable[str]) -> RebuildResult:
        started = time.perf_counter()
        paths = list(paths)
        try:
            quick = self._replan(kinds, paths)
        except Exception:  # noqa: BLE001 - the full rebuild below reports what went wrong
            quick = None
        if quick is not None:
            self._plan, self._warnings = quick.plan, quick.warnings
            return self._finish(quick.plan, started, quick.units)
        self._plan = None
        self._stale |= kinds  # a failed rebuild leaves them stale for the next one
        for path in paths:
            self.cache.entries.pop(path, None)
        try:
            if not self.root.is_dir():  # renamed away or deleted: its content folder is not what is missing
                raise ContentError([Problem(SourcePos(str(self.root)), "the wall's folder is gone (renamed, moved or "
                                            "deleted)", "put it back: serve rebuilds the wall when it returns")])
            if self.config is None or "config" in self._stale:
                self.config = load_config(self.root)
            if self.theme is None or self._stale & THEME_KINDS:
                self.theme = Theme(self.config, resolve_theme_dir(self.config))
            if self.cache.entries:
                loaded = pipeline.load_wall(self.config, strict=False, cache=self.cache, drafts=self.drafts)
            else:  # the first load: all cores, and the parse cache `build` keeps on disk
                loaded = pipeline.load_wall(self.config, strict=False, cache=self.cache, jobs=default_jobs(),
                                            store=cache_dir(self.config.root), drafts=self.drafts)
            plan = pipeline.plan_site(loaded.wall, self.config, self.theme, store=cache_dir(self.config.root))
        except ContentError as exc:
            errors = [problem for problem in exc.problems if problem.severity == "error"]
            warnings = [problem for problem in exc.problems if problem.severity != "error"]
            return RebuildResult(None, errors, warnings, [], time.perf_counter() - started)
        except Exception as exc:  # noqa: BLE001 - template and internal errors are shown, not fatal
            problem = explain_with(self.theme)(exc) if self.theme is not None else internal_problem(exc)
            return RebuildResult(None, [problem], [], [], time.perf_counter() - started)
        self._stale.clear()
        self._plan, self._warnings = plan, loaded.problems
        return self._finish(plan, started)

    def _replan(self, kinds: frozenset[ChangeKind], paths: list[str]) -> Replanned | None:
        """The quick way for kudos files edited in place (replan.py); None when a full rebuild is due."""
        if self._plan is None or self._stale or kinds != {"content"} or not paths or self.config is None \
                or self.theme is None:
            return None
        if self.history_moved():
            return None  # a commit or a checkout since: every kudos' history may have changed
        edited = self.cache.reparse_kudos(self.config, paths)
        if edited is None:
            return None
        return replan_edits(self._plan, edited, self.config, self.theme, self._warnings)

    def history_moved(self) -> bool:
        """Is HEAD another commit than the one the last plan read git's history at?"""
        if self._plan is None or self.config is None:
            return True
        git = self._plan.permanence.git
        return (git.head if git is not None else "") != current_head(self.config.root)

    def _finish(self, plan: pipeline.Plan, started: float, replanned: list[OutputUnit] | None = None
                ) -> RebuildResult:
        """The next snapshot; after an in-place edit only the `replanned` units can differ from the last."""
        if replanned is None:
            snapshot, changed = self._next_snapshot(plan.units)
        else:
            snapshot, changed = self._patched_snapshot(replanned)
        self.snapshot = snapshot
        return RebuildResult(snapshot, [], self._warnings, changed, time.perf_counter() - started,
                             kudos=len(plan.wall.kudos), replanned=replanned is not None)

    def _next_snapshot(self, units: list[OutputUnit]) -> tuple[Snapshot, list[str]]:
        previous = self.snapshot.files
        files: dict[str, SiteFile] = {}
        changed = self._take_changed(units, previous, files)
        changed += [path for path in previous if path not in files]
        return Snapshot(files, self.root), changed

    def _patched_snapshot(self, units: list[OutputUnit]) -> tuple[Snapshot, list[str]]:
        files = dict(self.snapshot.files)
        return Snapshot(files, self.root), self._take_changed(units, self.snapshot.files, files)

    def _take_changed(self, units: list[OutputUnit], previous: Mapping[str, SiteFile], files: dict[str, SiteFile]
                      ) -> list[str]:
        """Put each unit in `files`, keeping the earlier file when its fingerprint is unchanged."""
        assert self.theme is not None
        explain = explain_with(self.theme)
        changed = []
        for unit in units:
            earlier = previous.get(unit.path)
            if earlier is not None and earlier.fingerprint == unit.fingerprint:
                files[unit.path] = earlier
            else:
                files[unit.path] = SiteFile(unit.fingerprint, unit.render, explain=explain)
                changed.append(unit.path)
        return changed


@dataclass(frozen=True)
class LiveState:
    """What a handler reads with one reference: the site, the errors to show, and their version."""

    version: str
    snapshot: Snapshot
    errors: tuple[str, ...] = ()

    def public(self) -> dict[str, object]:
        return {"version": self.version, "errors": list(self.errors)}


class LiveSite:
    """The current state, swapped whole, and a way to wait for the next one (for live reload)."""

    def __init__(self, root: Path, say: Callable[[str], None] | None = None) -> None:
        self._say = say  # a template error found while rendering is told on the terminal too
        self._instance = secrets.token_hex(4)  # a restarted server never repeats a version
        self._counter = 0
        self._cond = threading.Condition()
        self._build_errors: tuple[str, ...] = ()
        self._render_errors: tuple[str, ...] = ()
        self.closed = False
        self.current = LiveState(self._next_version(), Snapshot(root=root))

    def _next_version(self) -> str:
        self._counter += 1
        return f"{self._instance}-{self._counter}"

    def publish(self, result: RebuildResult) -> bool:
        """Take a rebuild's outcome; True when pages must reload (output or errors changed)."""
        with self._cond:
            snapshot = result.snapshot or self.current.snapshot
            build_errors = tuple(format_problem(p) for p in result.errors)
            # a failed page the new snapshot keeps (its fingerprint unchanged) still fails: its error stays
            render_errors = self._render_errors if result.snapshot is None else tuple(dict.fromkeys(
                format_problem(file.failure.problem) for file in snapshot.files.values() if file.failure))
            unchanged = not result.changed and snapshot.same_output(self.current.snapshot)
            if unchanged and (build_errors, render_errors) == (self._build_errors, self._render_errors):
                return False
            self._build_errors, self._render_errors = build_errors, render_errors
            self._swap(snapshot)
            return True

    def report_render_failure(self, failure: RenderFailed, snapshot: Snapshot) -> LiveState:
        """Record a template error found while rendering; every page then shows it."""
        with self._cond:
            text = format_problem(failure.problem)
            new = snapshot is self.current.snapshot and text not in self._render_errors
            if new:
                self._render_errors += (text,)
                self._swap(snapshot)
            state = self.current
        if new and self._say is not None:
            self._say(text)
        return state

    def _swap(self, snapshot: Snapshot) -> None:
        self.current = LiveState(self._next_version(), snapshot, self._build_errors + self._render_errors)
        self._cond.notify_all()

    def wait(self, version: str | None, timeout: float) -> LiveState:
        """The current state once its version differs from `version`, or after `timeout`."""
        with self._cond:
            self._cond.wait_for(lambda: self.closed or self.current.version != version, timeout)
            return self.current

    def close(self) -> None:
        with self._cond:
            self.closed = True
            self._cond.notify_all()


class RenderAhead:
    """Renders the pages a rebuild changed, so they are ready and template errors surface.

    Only HTML pages, and at most `limit` per rebuild: a template change can touch every page of
    a 10,000-kudos wall, and images and feeds are rendered when asked for anyway.
    """

    def __init__(self, live: LiveSite, limit: int = 300) -> None:
        self._live, self._limit = live, limit
        self._cond = threading.Condition()
        self._job: tuple[Snapshot, list[str]] | None = None
        self._thread = threading.Thread(target=self._run, name="kudoswall-render", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def submit(self, snapshot: Snapshot, changed: list[str]) -> None:
        pages = [path for path in changed if path.endswith(".html") and path in snapshot.files][: self._limit]
        with self._cond:
            self._job = (snapshot, pages)  # replaces an unfinished job: its snapshot is out of date
            self._cond.notify_all()

    def _run(self) -> None:
        while not self._live.closed:
            with self._cond:
                self._cond.wait_for(lambda: self._job is not None or self._live.closed, timeout=1.0)
                job, self._job = self._job, None
            if job is None:
                continue
            snapshot, pages = job
            for path in pages:
                if self._live.closed or self._job is not None:
                    break  # a newer rebuild came
                try:
                    snapshot.files[path].content()
                except RenderFailed as failure:
                    self._live.report_render_failure(failure, snapshot)
                time.sleep(0)  # let request threads in between pages


def render_all(snapshot: Snapshot) -> dict[str, bytes]:
    """Every file's bytes (tests compare them with a clean build)."""
    return {path: file.content() for path, file in snapshot.files.items()}
