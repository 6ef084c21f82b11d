"""The command line: thin commands over the pipeline, and the one place errors become text."""

from __future__ import annotations

import argparse
import sys
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path

from . import __version__
from .config import CONFIG_FILE, Config, load_config
from .errors import ContentError, Problem, UsageError, format_problem

REPORT_URL = "https://github.com/kudoswall/kudoswall/issues"
EXIT_OK, EXIT_CONTENT, EXIT_USAGE = 0, 1, 2


def _print_problems(problems: Sequence[Problem], style: str = "text", source: str = ".") -> None:
    prefix = ""
    if style == "github":  # a wall in a folder of its repository: annotations name the repository's paths
        from .history import git_prefix

        prefix = git_prefix(Path(source)) or ""
    for problem in problems:
        print(format_problem(problem, "github" if style == "github" else "text", prefix), file=sys.stderr)


def _summary_line(problems: Sequence[Problem]) -> str:
    errors = sum(1 for p in problems if p.severity == "error")
    warnings = len(problems) - errors
    parts = []
    if errors:
        parts.append(f"{errors} error{'s' if errors != 1 else ''}")
    if warnings:
        parts.append(f"{warnings} warning{'s' if warnings != 1 else ''}")
    return ", ".join(parts)


def _config(args: argparse.Namespace) -> Config:
    from . import clock

    clock.today()  # a malformed SOURCE_DATE_EPOCH stops the command before it reads or writes anything
    source = Path(args.source)
    if not (source / CONFIG_FILE).is_file():  # the wrong folder: how the command was called, not content
        raise UsageError(f"no {CONFIG_FILE} in {source}: run the command inside a wall, pass --source DIR, "
                         "or create one with 'kudoswall init DIR'")
    return load_config(source)


def cmd_build(args: argparse.Namespace) -> int:
    import time

    from .progress import summary_line
    from .uptodate import output_dir_problems, unchanged_build

    config = _config(args)
    output = Path(args.output) if args.output else config.root / config.output_dir
    if not args.output and (problems := output_dir_problems(config)):
        raise ContentError(problems)
    if args.jobs < 0:
        raise UsageError("--jobs must be 0 (one per core) or more")
    started = time.perf_counter()
    kept, snapshot = unchanged_build(config, output, strict=args.strict)  # before importing a real build's needs
    if kept is not None:
        _print_problems(kept.warnings)
        print(summary_line(kept.kudos, kept.pages, kept.files, kept.files, time.perf_counter() - started))
        return EXIT_OK
    from .build import build_site
    from .parallel import default_jobs
    from .progress import Progress, TerminalProgress

    progress = TerminalProgress(sys.stderr) if sys.stderr.isatty() else Progress()
    try:
        report = build_site(config, output, strict=args.strict, progress=progress, jobs=args.jobs or default_jobs(),
                            snapshot=snapshot)
    finally:
        progress.finish()
    _print_problems(report.warnings)
    print(report.summary())
    if report.wall is not None:
        from .lockfile import LOCK_FILE, update_lock

        added = update_lock(config.root, report.wall)
        if added:
            print(f"Recorded {added:,} newly published page{'s' if added != 1 else ''} in {LOCK_FILE} (commit it)")
    return EXIT_OK


def cmd_check(args: argparse.Namespace) -> int:
    from .cache import cache_dir
    from .check import check_wall, output_problems
    from .errors import sorted_problems
    from .honesty import near_duplicates
    from .permanence import evaluate, resolve_base
    from .uptodate import output_dir_problems

    config = _config(args)
    checked = check_wall(config, strict=args.strict)  # content errors raise, with the lock's and the theme's
    loaded = checked.loaded
    permanence = evaluate(loaded.wall, config, resolve_base(config.root, args.base), store=cache_dir(config.root),
                          keep_cache=False)
    outputs = [] if checked.theme_problems else output_problems(loaded.wall, config, checked.theme, permanence)
    problems = sorted_problems([*loaded.problems, *checked.theme_problems, *permanence.problems,
                                *near_duplicates(loaded.wall.kudos), *outputs, *output_dir_problems(config)])
    if any(p.severity == "error" for p in problems) or (args.strict and problems):
        raise ContentError(problems)
    loaded.problems = problems
    _print_problems(loaded.problems, args.format, args.source)
    suffix = f" ({_summary_line(loaded.problems)})" if loaded.problems else ""
    print(f"OK: {len(loaded.wall.kudos):,} kudos from {len(loaded.wall.people):,} people{suffix}")
    return EXIT_OK


def cmd_serve(args: argparse.Namespace) -> int:
    from .serve import serve

    status: int = serve(_config(args), host=args.host, port=args.port, open_browser=args.open, drafts=args.drafts)
    return status


def cmd_init(args: argparse.Namespace) -> int:
    from .scaffold import init_wall

    if not args.directory.strip():
        raise UsageError("init needs a folder name, like 'kudoswall init team-kudos' ('.' for this folder)")
    created = init_wall(Path(args.directory), title=args.title)
    for path in created:
        print(f"created {path}")
    print(f"\nNext: cd {args.directory} && kudoswall serve")
    return EXIT_OK


def cmd_new(args: argparse.Namespace) -> int:
    from .lockfile import read_lock
    from .new_kudos import new_kudos

    config = _config(args)
    if problems := read_lock(config.root).problems:
        raise ContentError(problems)  # the new kudos could not be recorded in it: stop before writing it
    path = new_kudos(config, args)
    print(f"created {path}")
    from .mv import record_new_kudos

    record_new_kudos(config, Path(path))
    return EXIT_OK


def cmd_mv(args: argparse.Namespace) -> int:
    from .mv import move_kudos

    old_path, new_path = move_kudos(_config(args), args.old, args.new)
    print(f"moved {old_path} -> {new_path} (the old address now redirects; commit both files)")
    return EXIT_OK


EXAMPLES = {
    "build": "examples:\n  kudoswall build\n  kudoswall build --source path/to/wall --output public\n"
             "  kudoswall build --strict            # warnings fail the build too",
    "check": "examples:\n  kudoswall check\n  kudoswall check --strict\n"
             "  kudoswall check --format github   # annotations in GitHub Actions",
    "serve": "examples:\n  kudoswall serve\n  kudoswall serve --port 8080 --open\n  kudoswall serve --drafts",
    "init": "examples:\n  kudoswall init my-wall\n  kudoswall init . --title 'Team kudos'",
    "mv": "examples:\n  kudoswall mv 2024-05-01-ada-on-grace 2024-05-01-ada-on-grace-hopper\n"
          "  kudoswall mv content/kudos/2024-05-01-old.md 2024-05-01-new",
    "new": "examples:\n  kudoswall new                      # asks for each field\n"
           "  kudoswall new --from ada-okafor --to grace-lindqvist --relationship same-team \\\n"
           "      --skills 'Go, Incident response' --body 'Grace turned our worst outage into our best runbook.'",
}


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--source", "-s", default=".", metavar="DIR",
                        help="the wall's folder (default: current folder)")
    common.add_argument("--debug", action="store_true", help="show a traceback for internal errors")
    parser = argparse.ArgumentParser(
        prog="kudoswall",
        description="Turn a git repository of recommendations into a permanent static kudos wall.",
        epilog="examples:\n  kudoswall init my-wall && cd my-wall\n  kudoswall new\n  kudoswall check\n"
               "  kudoswall serve\n  kudoswall build\n\nRun 'kudoswall COMMAND --help' for each command's options.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"kudoswall {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    def command(name: str, help_text: str, handler: Callable[[argparse.Namespace], int]) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, parents=[common], help=help_text, description=help_text,
                                  epilog=EXAMPLES[name], formatter_class=argparse.RawDescriptionHelpFormatter)
        sub.set_defaults(handler=handler)
        return sub

    build = command("build", "Build the static site.", cmd_build)
    build.add_argument("--output", "-o", metavar="DIR", help="output folder (default: site/ in the wall)")
    build.add_argument("--strict", action="store_true", help="treat warnings as errors")
    build.add_argument("--jobs", "-j", type=int, default=0, metavar="N", help="worker processes (default: cores)")

    check = command("check", "Validate the wall without writing anything.", cmd_check)
    check.add_argument("--strict", action="store_true", help="treat warnings as errors")
    check.add_argument("--format", choices=["text", "github"], default="text", help="how to print problems")
    check.add_argument("--base", metavar="REF", help="also compare with kudoswall.lock at this commit (default: the "
                       "merge base with the remote's default branch, if any; 'none' to skip)")

    serve = command("serve", "Preview the wall locally, rebuilding on change.", cmd_serve)
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default: 127.0.0.1)")
    serve.add_argument("--port", "-p", type=int, default=8000, help="port (default: 8000)")
    serve.add_argument("--open", action="store_true", help="open the preview in a browser")
    serve.add_argument("--drafts", action="store_true", help="also show kudos awaiting consent")

    init = command("init", "Create a new wall with example content.", cmd_init)
    init.add_argument("directory", metavar="DIR", help="folder for the new wall")
    init.add_argument("--title", default="Kudos", help="the wall's title")

    new = command("new", "Write a new kudos file (asks for anything not given).", cmd_new)
    new.add_argument("--from", dest="from_handle", metavar="HANDLE", help="writer's handle")
    new.add_argument("--to", dest="to_handle", metavar="HANDLE", help="recipient's handle")
    new.add_argument("--relationship", metavar="KIND", help="how you worked together (see the README)")
    new.add_argument("--date", metavar="YYYY-MM-DD", help="default: today")
    new.add_argument("--skills", metavar="LIST", help="comma-separated skills you vouch for")
    new.add_argument("--context", metavar="TEXT", help="company or project")
    new.add_argument("--title", metavar="TEXT", help="optional headline")
    new.add_argument("--role-from", metavar="TEXT", help="your position at the time")
    new.add_argument("--role-to", metavar="TEXT", help="their position at the time")
    new.add_argument("--body", metavar="TEXT", help="the recommendation (Markdown); '-' reads standard input")
    new.add_argument("--no-input", action="store_true", help="never prompt; fail if something is missing")
    move = command("mv", "Rename a kudos: move its file and keep its old address as a redirect.", cmd_mv)
    move.add_argument("old", metavar="OLD", help="the kudos' current id or file")
    move.add_argument("new", metavar="NEW", help="its new id")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        handler: Callable[[argparse.Namespace], int] = args.handler
        return handler(args)
    except ContentError as exc:
        _print_problems(exc.problems, getattr(args, "format", "text"), getattr(args, "source", "."))
        print(f"kudoswall: {_summary_line(exc.problems)}; nothing was written", file=sys.stderr)
        return EXIT_CONTENT
    except UsageError as exc:
        for line in str(exc).splitlines() or [""]:
            print(f"kudoswall: {line}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("\nkudoswall: interrupted", file=sys.stderr)
        return 130
    except OSError as exc:
        if exc.filename is None or args.debug:
            return _internal_error(exc, args.debug)
        # a path that cannot be read or written (a file where a folder should be, permissions):
        # the user's to fix, not a bug
        reason = exc.strerror or str(exc)
        if isinstance(exc, FileExistsError | NotADirectoryError) and Path(exc.filename).is_file():
            reason = "it is a file, and a folder is needed there"
        print(f"kudoswall: cannot use {exc.filename}: {reason}", file=sys.stderr)
        return EXIT_USAGE
    except Exception as exc:  # noqa: BLE001 - the one place internal errors become a message
        return _internal_error(exc, args.debug)


def _internal_error(exc: Exception, debug: bool) -> int:
    if debug:
        traceback.print_exc()
    else:
        print(f"kudoswall: internal error: {type(exc).__name__}: {exc}\n"
              f"This is a bug in kudoswall {__version__}; please report it at {REPORT_URL} "
              "(run again with --debug for the traceback).", file=sys.stderr)
    return 70
