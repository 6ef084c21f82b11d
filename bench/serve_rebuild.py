"""How long `kudoswall serve` takes to rebuild after one kudos is edited in a large wall.

Generates a wall with bench/generate.py (or uses --wall), builds it in memory once as serve
does at start, then edits one kudos file at a time and times what serve does for that edit:

- rebuild: load (parse cache) + plan + swap in the new snapshot; when it ends, open pages are
  told to reload (this is the figure the issue's 150 ms target is about);
- page: rendering the edited kudos page, which the reloading browser asks for first;
- all changed: rendering every file the edit changed (serve does this in the background).

Usage: python bench/serve_rebuild.py [N] [--wall DIR] [--edits 10] [--profile]
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kudoswall.links import kudos_path, output_file
from kudoswall.serve_site import SiteBuilder, Snapshot


def generate(count: int, folder: Path) -> Path:
    root = folder / f"wall-{count}"
    subprocess.run([sys.executable, str(Path(__file__).with_name("generate.py")), str(count), str(root)],
                   check=True, stdout=subprocess.DEVNULL)
    return root


def edit(path: Path, number: int) -> None:
    """Change a word of the body, as a writer would (the file's size changes too)."""
    text = path.read_text(encoding="utf-8")
    head, separator, body = text.rpartition("\n---\n")
    path.write_text(f"{head}{separator}Edit {number}: {body}", encoding="utf-8")


def timed(action: Callable[[], object]) -> tuple[float, float]:
    """(wall ms, CPU ms) of one call; the machine is shared, so CPU time is reported too."""
    wall, cpu = time.perf_counter(), time.process_time()
    action()
    return (time.perf_counter() - wall) * 1000, (time.process_time() - cpu) * 1000


def render(snapshot: Snapshot, paths: list[str]) -> None:
    for path in paths:
        snapshot.files[path].content()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("count", nargs="?", type=int, default=10_000, help="kudos in the generated wall")
    parser.add_argument("--wall", type=Path, help="use this wall instead of generating one (it is edited!)")
    parser.add_argument("--edits", type=int, default=10)
    parser.add_argument("--profile", action="store_true", help="print a profile of one rebuild")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="kudoswall-serve-bench-") as scratch:
        root = args.wall or generate(args.count, Path(scratch))
        builder = SiteBuilder(root)
        started = time.perf_counter()
        first = builder.rebuild()
        assert not first.errors, first.errors
        print(f"first build (in memory, nothing rendered yet): {first.kudos:,} kudos, "
              f"{len(builder.snapshot.files):,} files, {time.perf_counter() - started:.1f} s")
        kudos_files = sorted((root / "content" / "kudos").iterdir())
        rows = []
        replanned = 0
        for number in range(args.edits + 1):
            source = kudos_files[(number * 997) % len(kudos_files)]
            rel = source.relative_to(root).as_posix()
            edit(source, number)
            if args.profile and number == args.edits:
                profile = cProfile.Profile()
                profile.runcall(builder.rebuild, frozenset({"content"}), [rel])
                pstats.Stats(profile).sort_stats("cumulative").print_stats(25)
                break
            started_wall, started_cpu = time.perf_counter(), time.process_time()
            result = builder.rebuild(frozenset({"content"}), [rel])
            rebuild_ms = ((time.perf_counter() - started_wall) * 1000, (time.process_time() - started_cpu) * 1000)
            assert not result.errors, result.errors
            replanned += result.replanned
            snapshot = builder.snapshot
            page = output_file(kudos_path(source.stem))
            assert page in result.changed
            others = [path for path in result.changed if path in snapshot.files and path != page]
            page_ms = timed(partial(render, snapshot, [page]))
            rest_ms = timed(partial(render, snapshot, others))
            if number:  # the first edit warms what the first build left cold
                rows.append((rebuild_ms, page_ms, (page_ms[0] + rest_ms[0], page_ms[1] + rest_ms[1]),
                             len(result.changed)))
    if not rows:
        return 0

    def median(index: int, part: int) -> float:
        return statistics.median(float(row[index][part]) for row in rows)  # type: ignore[index]

    print(f"median of {len(rows)} edits of one kudos (wall-clock ms / CPU ms); {replanned} of {len(rows) + 1} "
          "took the in-place path (replan.py):")
    print(f"  rebuild (load + plan + swap; pages reload after this): {median(0, 0):7.1f} / {median(0, 1):7.1f}")
    print(f"  render the edited kudos page:                          {median(1, 0):7.1f} / {median(1, 1):7.1f}")
    print(f"  render every changed file ({statistics.median(r[3] for r in rows):.0f} files):"
          f"{'':>19}{median(2, 0):7.1f} / {median(2, 1):7.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
