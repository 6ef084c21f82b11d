"""Full-text search: index a built site with Pagefind (the binary from the pagefind-bin package).

Pagefind splits the index into small chunks that the browser fetches per query, so a wall of
10,000+ kudos never downloads the whole index. Only kudos, person and skill pages are indexed,
each from its <main> element, leaving out the cards and quotes that summarise *other* pages (so a
word from a kudos finds that kudos, not every page that lists it). Switch off with `search: false`.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from .config import Config
from .errors import UsageError

INDEXED_FOLDERS = ("k", "people", "skills")  # kudos, person and skill pages: what a search finds
INDEXED_PAGES = "{" + ",".join(INDEXED_FOLDERS) + "}/*/index.html"  # Pagefind's glob
BUNDLE_DIR = "pagefind"
SUMMARIES = "article.card, .backing"  # kudos cards (partials/card.html) and skill pages' quotes
TOMBSTONES = "article.tombstone"  # a page with nothing left to index is left out: "hidden" found every tombstone


def pagefind_executable() -> Path:
    try:
        from pagefind_bin import get_executable  # type: ignore[import-untyped]
    except ImportError as exc:
        raise UsageError("search is on but pagefind-bin is not installed; install it or set search: false") from exc
    return Path(get_executable())


def index_site(staging_dir: Path, config: Config) -> list[str]:
    """Write the search bundle into `staging_dir`/pagefind/, replacing any earlier one; returns its
    files (relative paths), which the writer records so that a damaged bundle is noticed."""
    if not config.search:
        return []
    executable = pagefind_executable()  # a missing pagefind-bin is reported even before there is text to index
    bundle = staging_dir / BUNDLE_DIR
    if bundle.is_dir() and not bundle.is_symlink():
        shutil.rmtree(bundle)  # chunk names are content hashes: an old bundle's files would pile up
    if not any(any(staging_dir.glob(f"{folder}/*/index.html")) for folder in INDEXED_FOLDERS):
        return []  # an empty wall: nothing to index, and Pagefind refuses to write an empty index
    command = [str(executable), "--site", str(staging_dir), "--output-subdir", BUNDLE_DIR,
               "--glob", INDEXED_PAGES, "--root-selector", "main",
               "--exclude-selectors", f"{SUMMARIES}, {TOMBSTONES}",
               "--force-language", config.language.split("-")[0],
               "--silent"]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0 and "not able to build an index" in result.stderr + result.stdout:
        shutil.rmtree(bundle, ignore_errors=True)
        return []  # pages exist, but none with text to index (every kudos retracted, say): no search yet
    if result.returncode != 0:
        raise UsageError(f"pagefind failed to index {staging_dir}: {(result.stderr or result.stdout).strip()}")
    return sorted(path.relative_to(staging_dir).as_posix() for path in bundle.rglob("*") if path.is_file())
