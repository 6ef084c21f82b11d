"""Where a build may write: the output folder and the staging folder beside it, which kudoswall
owns (marked with MARKER) and swaps atomically; anything else there is refused, never replaced."""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import os
import stat
import unicodedata
from collections.abc import Iterable, Iterator
from pathlib import Path

from .errors import UsageError

MARKER = ".kudoswall-site"
_RENAME_EXCHANGE = 2


def staging_dir(output: Path) -> Path:
    return output.parent / f".{output.name}.kudoswall-staging"


def lock_path(output: Path) -> Path:
    return output.parent / f".{output.name}.kudoswall-lock"


def check_output_path(output: Path, wall_root: Path, protected: list[Path]) -> None:
    """Refuse output folders whose replacement would destroy something that is not ours."""
    if output.is_symlink():
        raise UsageError(f"refusing to build into {output}: it is a symbolic link")
    output = output.resolve()
    wall_root = wall_root.resolve()
    home = Path.home().resolve()
    forbidden = {Path("/"), home, wall_root, *(p.resolve() for p in protected)}
    if output in forbidden or output in wall_root.parents or output in home.parents:
        raise UsageError(f"refusing to build into {output}: it would replace the wall, its content or your home folder")
    staging = staging_dir(output)
    for path in protected:
        resolved = path.resolve()
        if resolved in output.parents:
            raise UsageError(f"refusing to build into {output}: it is inside {resolved}")
        # the output (and its staging folder) is replaced whole, whatever a kudoswall-made one holds now
        if output in resolved.parents or staging in resolved.parents:
            raise UsageError(f"refusing to build into {output}: {resolved} is inside it, and would be replaced "
                             "with it (move it out, or choose another --output)")
    if output.exists():
        if not output.is_dir():
            raise UsageError(f"refusing to build into {output}: it is a file, not a folder")
        if any(output.iterdir()) and not is_ours(output):
            raise UsageError(
                f"refusing to build into {output}: the folder is not empty and was not made by kudoswall "
                "(choose another --output, or empty it yourself)"
            )


def is_ours(folder: Path) -> bool:
    """A folder kudoswall made holds the marker file (a real file, not a link to one)."""
    try:
        return stat.S_ISREG(os.lstat(folder / MARKER).st_mode)
    except OSError:
        return False


def exchange(a: Path, b: Path) -> None:
    """Atomically swap two paths; falls back to two renames where the kernel cannot."""
    libc_name = ctypes.util.find_library("c")
    if libc_name and hasattr(os, "uname") and os.uname().sysname == "Linux":
        libc = ctypes.CDLL(libc_name, use_errno=True)
        renameat2 = getattr(libc, "renameat2", None)
        if renameat2 is not None:
            at_fdcwd = -100
            result = renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), _RENAME_EXCHANGE)
            if result == 0:
                return
            code = ctypes.get_errno()
            if code not in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
                raise OSError(code, os.strerror(code), str(a))
    parking = a.parent / (a.name + ".exchange")
    os.rename(b, parking)
    os.rename(a, b)
    os.rename(parking, a)


def case_clashes(paths: Iterable[str]) -> Iterator[tuple[str, str]]:
    """(first, other) for output paths differing only by letter case or Unicode form, in sorted
    order: a deploy to a case-insensitive file system (macOS, Windows) would keep one of them."""
    seen: dict[str, str] = {}
    for path in sorted(paths):
        first = seen.setdefault(unicodedata.normalize("NFC", path).casefold(), path)
        if first != path:
            yield first, path
