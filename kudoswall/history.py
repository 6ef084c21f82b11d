"""Visible history and verified authorship, from git.

One `git log --name-status -z` pass over the kudos folder gives every file's first and last commit,
its revision count and the commit that added it (following renames), so the cost is one git call
per build whatever the number of kudos. Without git, or outside a checkout, everything degrades:
dates come from the lock and front matter and verification is "unknown".
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from . import cache
from .config import CONFIG_FILE, Config
from .errors import Problem, SourcePos, UsageError
from .load import KUDOS_DIR
from .models import Identities, Person

_NOREPLY = re.compile(r"^(?:\d+\+)?([A-Za-z0-9-]+)@users\.noreply\.github\.com$")
HISTORY_CACHE = "history"
_GOOD_SIGNATURE = {"G", "U"}  # good signature (U: validity of the key unknown, still the key that signed)


@dataclass
class FileHistory:
    """One kudos file's lineage in git (newest commit seen first, so `added_*` ends as the oldest)."""

    first: dt.datetime | None = None
    last: dt.datetime | None = None
    revisions: int = 0
    added_commit: str = ""
    added_email: str = ""
    added_signature: str = ""
    added_key: str = ""


@dataclass
class GitHistory:
    prefix: str  # the wall root's path inside the repository, like "" or "walls/team/"
    files: dict[str, FileHistory] = field(default_factory=dict)  # by path relative to the wall root
    head: str = ""  # the commit this history was read at ("" before the first commit)
    tracked: frozenset[str] = frozenset()  # kudos files git has at HEAD, by path relative to the wall root
    shallow: bool = False  # a shallow clone, whose log is not read (see SHALLOW)


SHALLOW = Problem(SourcePos(CONFIG_FILE), "this git checkout is shallow, so its history was not read: dates come "
                  "from kudoswall.lock and the front matter, and no author is verified (a cut history gives wrong "
                  "authors and first-published dates)", "fetch the whole history: 'git fetch --unshallow', or "
                  "actions/checkout with 'fetch-depth: 0'", "warning")
"""Said by check, and an error there with require_verified_authors."""


def run_git(root: Path, *args: str) -> str | None:
    """Run git in `root`; None when git is missing or `root` is not inside a checkout."""
    if shutil.which("git") is None:
        return None
    try:
        completed = subprocess.run(["git", "-C", str(root), *args], capture_output=True, check=False, timeout=300)
    except (OSError, subprocess.SubprocessError):
        return None
    if completed.returncode != 0:
        return None
    return completed.stdout.decode("utf-8", "surrogateescape")


def git_refusal(root: Path) -> str | None:
    """Why git will not read the checkout `root` is in ('dubious ownership', a broken repository),
    or None when it does or `root` is in none: history is then not read, which must be said."""
    if shutil.which("git") is None:
        return None
    try:
        done = subprocess.run(["git", "-C", str(root), "rev-parse", "--show-prefix"], capture_output=True,
                              check=False, timeout=60)
    except (OSError, subprocess.SubprocessError):
        return None
    said = done.stderr.decode("utf-8", "replace").strip().splitlines()
    if done.returncode == 0 or not said or "not a git repository" in said[0]:
        return None
    return said[0].removeprefix("fatal: ")


def git_prefix(root: Path) -> str | None:
    output = run_git(root, "rev-parse", "--show-prefix")
    return None if output is None else output.strip()


def load_history(config: Config, with_signatures: bool = False, store: Path | None = None,
                 keep: bool = True) -> GitHistory | None:
    """`store` (the cache folder) keeps the log for the next build (see _kudos_log); `keep=False`
    only reads it."""
    prefix = git_prefix(config.root)
    if prefix is None:
        return None
    fields = "%H%x1f%aI%x1f%ae" + ("%x1f%G?%x1f%GF%x1f%GK" if with_signatures else "")
    folder = f"{config.content_dir}/{KUDOS_DIR}"
    log = ("log", "--name-status", "-z", "-M", "--no-color", f"--format=%x1e{fields}")
    # a signature's status depends on the keyring too, which no key here covers: those logs are not kept
    head = current_head(config.root)
    if (run_git(config.root, "rev-parse", "--is-shallow-repository") or "").strip() == "true":
        return GitHistory(prefix, head=head, shallow=True)  # not read: see SHALLOW
    output = _kudos_log(config.root, log, folder, None if with_signatures else store, head, keep)
    if output is None:
        return GitHistory(prefix, head=head)  # a checkout without commits yet
    history = parse_log(output, prefix)
    history.head = head
    # a file git has but whose adding commit the log does not show was added in a merge commit
    # (the log shows no merge's changes): it must not pass as "not committed yet"
    listed = run_git(config.root, "ls-tree", "-r", "-z", "--name-only", head, "--", folder) or ""
    history.tracked = frozenset(path for path in listed.split("\0") if path)
    return history


def current_head(root: Path) -> str:
    """The commit checked out at `root`; "" outside git or before the first commit. Serve compares it
    with the one its history was read at: a commit or a checkout changes every kudos' history."""
    return (run_git(root, "rev-parse", "--verify", "--quiet", "HEAD") or "").strip()


def _kudos_log(root: Path, log: tuple[str, ...], folder: str, store: Path | None, head: str,
               keep: bool = True) -> str | None:
    """`git log` of the kudos folder, from the last build's when HEAD only added commits on top of it.

    Why: the log diffs every commit's tree with its parent's, and kudos share one folder, so each
    diff reads the whole folder's listing: 10 s for 10,000 kudos committed one by one, and it grows
    with the square of their number. When HEAD is the kept HEAD, the kept log is the log. When the
    commits since form a line (one parent each), git's walk goes down that line to the kept HEAD
    and then on exactly as it went from there, so the new commits' log followed by the kept one is,
    byte for byte, what the whole walk gives. Anything else (a merge, a rebase) runs the whole log.
    """
    if store is None or not head:
        return run_git(root, *log, "--", folder)
    scope = _log_scope(root, log, folder)
    kept = cache.load(store, HISTORY_CACHE, scope)
    output = None
    if isinstance(kept, tuple) and len(kept) == 2 and all(isinstance(part, str) for part in kept):
        kept_head, kept_log = str(kept[0]), str(kept[1])
        if kept_head == head:
            return kept_log
        if _extends_in_line(root, kept_head, head):
            newer = run_git(root, *log, f"{kept_head}..{head}", "--", folder)
            output = None if newer is None else newer + kept_log
    if output is None:
        output = run_git(root, *log, head, "--", folder)
    if output is not None and keep:
        cache.store(store, HISTORY_CACHE, scope, (head, output))
    return output


def _extends_in_line(root: Path, older: str, newer: str) -> bool:
    """True when `newer` is `older` plus commits of one parent each (no merge, no rewrite)."""
    if run_git(root, "merge-base", "--is-ancestor", older, newer) is None:
        return False
    listing = run_git(root, "rev-list", "--parents", f"{older}..{newer}")
    return listing is not None and all(len(line.split()) == 2 for line in listing.splitlines())


def _log_scope(root: Path, log: tuple[str, ...], folder: str) -> str:
    """Everything besides the commits that can change what the log prints: its arguments, git's
    version and configuration (diff.renameLimit, say), GIT_* variables, replacement refs, and where
    a shallow clone's history stops (a deepened clone logs more behind the same HEAD)."""
    parts = [*log, folder, run_git(root, "version") or "", run_git(root, "config", "--list", "-z") or "",
             run_git(root, "for-each-ref", "refs/replace/") or "",
             *(f"{name}={value}" for name, value in sorted(os.environ.items()) if name.startswith("GIT_"))]
    for name in ("shallow", "info/grafts"):
        where = (run_git(root, "rev-parse", "--git-path", name) or "").strip()
        path = root / where if where else None
        parts.append(path.read_text("utf-8", "replace") if path is not None and path.is_file() else "")
    return hashlib.sha256("\0".join(parts).encode("utf-8", "surrogateescape")).hexdigest()


def parse_log(output: str, prefix: str) -> GitHistory:
    """Fold `git log --name-status -z -M` (newest first) into per-file histories keyed by today's path."""
    history = GitHistory(prefix)
    current_name: dict[str, str] = {}  # a path as it was in an older commit -> the path it has now

    def record(path: str, header: list[str], *, counts: bool, added: bool) -> str:
        now = current_name.get(path, path)
        if not now:
            return now  # the lineage of a file deleted later on; not today's file of that name
        entry = history.files.setdefault(now[len(prefix):] if now.startswith(prefix) else now, FileHistory())
        when = dt.datetime.fromisoformat(header[1])
        entry.last = entry.last or when
        entry.first = when
        entry.revisions += 1 if counts else 0
        if added:
            entry.added_commit, entry.added_email = header[0], header[2].casefold()
            entry.added_signature = header[3] if len(header) > 3 else ""
            entry.added_key = (header[4] or header[5]) if len(header) > 5 else ""
        return now

    for chunk in output.split("\x1e")[1:]:
        head, _, rest = chunk.partition("\0")
        header = head.split("\x1f")
        tokens = [t for t in rest.lstrip("\n").split("\0") if t]
        index = 0
        while index < len(tokens):
            status = tokens[index]
            if status[:1] in ("R", "C") and index + 2 < len(tokens):
                old, new = tokens[index + 1], tokens[index + 2]
                index += 3
                now = record(new, header, counts=status != "R100", added=False)
                if status[:1] == "R":
                    current_name[old] = now
            else:
                path = tokens[index + 1]
                index += 2
                if status == "D":
                    # a name is a kudos' id and permalink, and the lock keeps a published one for good: a
                    # file deleted and restored (or written again) is the same kudos, and keeps the commit
                    # that added it, as an edit would; whatever changed is shown as an edit (the lock's digest)
                    continue
                record(path, header, counts=True, added=status == "A")
    return history


def authored_by(entry: FileHistory, person: Person) -> bool:
    """Was the commit that added the file by `person` (author email, GitHub login, or signing key)?"""
    identities: Identities | None = person.identities
    if identities is None or not entry.added_commit:
        return False
    if entry.added_email in identities.emails:
        return True
    login = _NOREPLY.match(entry.added_email)
    if identities.github and login and login.group(1).casefold() == identities.github.casefold():
        return True
    return bool(entry.added_signature in _GOOD_SIGNATURE and entry.added_key and entry.added_key in identities.keys)


def default_base(root: Path) -> str | None:
    """The merge base with the remote's default branch, when the checkout has one."""
    remote_head = run_git(root, "symbolic-ref", "--quiet", "refs/remotes/origin/HEAD")
    candidates = [remote_head.strip()] if remote_head else []
    candidates += ["refs/remotes/origin/main", "refs/remotes/origin/master"]
    for ref in candidates:
        base = run_git(root, "merge-base", "HEAD", ref)
        if base:
            return base.strip()
    return None


def file_at(root: Path, ref: str, rel_path: str) -> str:
    """A file of the wall as it was at `ref` ('' when it did not exist then)."""
    if git_prefix(root) is None:  # --base was asked for: passing without the comparison would hide that
        raise UsageError(f"--base {ref}: {root} is not in a git checkout, so there is no commit to compare "
                         "with (use --base none)")
    if ref.startswith("-") or run_git(root, "rev-parse", "--verify", "--quiet", ref + "^{commit}") is None:
        raise UsageError(f"--base {ref}: no such commit in this repository")
    return run_git(root, "show", f"{ref}:./{rel_path}") or ""
