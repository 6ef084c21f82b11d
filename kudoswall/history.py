"""Visible history and verified authorship, from git.

One `git log --name-status -z` pass over the kudos folder gives every file's first and last commit,
its revision count and the commit that added it (following renames), so the cost is one git call
per build whatever the number of kudos. Without git, or outside a checkout, everything degrades:
dates come from the lock and front matter and verification is "unknown".
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from .config import Config
from .errors import UsageError
from .load import KUDOS_DIR
from .models import Identities, Person

_NOREPLY = re.compile(r"^(?:\d+\+)?([A-Za-z0-9-]+)@users\.noreply\.github\.com$")
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


def git_prefix(root: Path) -> str | None:
    output = run_git(root, "rev-parse", "--show-prefix")
    return None if output is None else output.strip()


def load_history(config: Config, with_signatures: bool = False) -> GitHistory | None:
    prefix = git_prefix(config.root)
    if prefix is None:
        return None
    fields = "%H%x1f%aI%x1f%ae" + ("%x1f%G?%x1f%GF%x1f%GK" if with_signatures else "")
    folder = f"{config.content_dir}/{KUDOS_DIR}"
    output = run_git(config.root, "log", "--name-status", "-z", "-M", "--no-color", f"--format=%x1e{fields}",
                     "--", folder)
    if output is None:
        return GitHistory(prefix)  # a checkout without commits yet
    return parse_log(output, prefix)


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
                    current_name[path] = ""  # older commits touching this name were about another file
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


def file_at(root: Path, ref: str, rel_path: str) -> str | None:
    """A file of the wall as it was at `ref` ('' when it did not exist then; None without git)."""
    if git_prefix(root) is None:
        return None
    if ref.startswith("-") or run_git(root, "rev-parse", "--verify", "--quiet", ref + "^{commit}") is None:
        raise UsageError(f"--base {ref}: no such commit in this repository")
    return run_git(root, "show", f"{ref}:./{rel_path}") or ""
