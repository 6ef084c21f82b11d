"""Parse every source file once: reuse earlier results, parse the rest across worker processes.

Two layers, both keyed so that a stale entry can never be used:
- in this process (serve, benchmarks): by path, size and modification time;
- on disk (`.kudoswall-cache/parse.bin`, see cache.py): by path and SHA-256 of the bytes.
A parse result of a kudos includes its rendered Markdown body, so a cached kudos costs
neither YAML nor Markdown. Results depend only on a file's bytes and the configuration.
"""

from __future__ import annotations

import contextlib
import pickle
import stat
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from . import cache
from .config import Config
from .load import ParseResult, SourceFile, parse_kudos, parse_person, read_source, relative_path
from .markup import MarkdownRenderer
from .models import Skill
from .parallel import run_chunked

PARSE_CACHE_FILE = "parse.bin"
StatKey = tuple[int, int]

_renderers: dict[tuple[object, int], MarkdownRenderer] = {}


def _renderer(config: Config) -> MarkdownRenderer:
    """One Markdown instance per process and configuration (building one costs more than a parse)."""
    key = (config.markdown, config.excerpt_length)
    if key not in _renderers:
        _renderers[key] = MarkdownRenderer(config.markdown, config.excerpt_length)
    return _renderers[key]


def parse_source(source: SourceFile, is_kudos: bool, config: Config) -> ParseResult:
    """Parse one file; a kudos also gets its body rendered, which needs nothing but its bytes."""
    if not is_kudos:
        return parse_person(source, config)
    result = parse_kudos(source, config)
    kudos = result.kudos
    if kudos is not None and not kudos.body_html:
        body = _renderer(config).render(kudos.body_markdown)
        kudos.body_html, kudos.excerpt, kudos.word_count = body.html, body.excerpt, body.word_count
    return result


class SharedValues:
    """Makes the small values that models repeat one object each: handles, statuses, relationships,
    skills, dates, tags (models are edited in place; the values themselves are immutable).

    Why: models come back pickled from worker processes or from the disk cache, each with its own
    copies, so 10,000 kudos held 10,000 "published", 20,000 handles and ~35,000 Skill objects.
    """

    def __init__(self) -> None:
        self._values: dict[Any, Any] = {}
        self._skills: dict[str, Skill] = {}  # by name: a skill's slug is a function of its name

    def share(self, result: ParseResult) -> None:
        one = self._values.setdefault  # the first of equal values is the one kept (C calls: ~1.5 us a kudos)
        skill = self._skills.setdefault
        person = result.person
        if person is not None:
            person.handle, person.kind = one(person.handle, person.handle), one(person.kind, person.kind)
            person.skills = tuple([skill(each.name, each) for each in person.skills])
        kudos = result.kudos
        if kudos is None:
            return
        kudos.from_handle, kudos.to_handle = one(kudos.from_handle, kudos.from_handle), one(kudos.to_handle,
                                                                                             kudos.to_handle)
        kudos.relationship, kudos.status = one(kudos.relationship, kudos.relationship), one(kudos.status, kudos.status)
        kudos.date, kudos.word_count = one(kudos.date, kudos.date), one(kudos.word_count, kudos.word_count)
        kudos.skills = tuple([skill(each.name, each) for each in kudos.skills])
        if kudos.tags:
            kudos.tags = tuple([one(tag, tag) for tag in kudos.tags])
        if kudos.context is not None:
            kudos.context = one(kudos.context, kudos.context)
        if kudos.role_from is not None or kudos.role_to is not None:
            kudos.role_from, kudos.role_to = one(kudos.role_from, kudos.role_from), one(kudos.role_to, kudos.role_to)
        if kudos.status_date is not None or kudos.consent_by is not None or kudos.consent_date is not None:
            kudos.status_date = one(kudos.status_date, kudos.status_date)
            kudos.consent_by = one(kudos.consent_by, kudos.consent_by)
            kudos.consent_date = one(kudos.consent_date, kudos.consent_date)


@dataclass
class ParseCache:
    """Parsed files kept between runs of the pipeline in one process (serve, benchmarks).

    An entry is reused while the file's size and modification time are unchanged and the
    configuration is the same; models are reused as they are, including rendered bodies.
    """

    config_digest: str = ""
    entries: dict[str, tuple[StatKey, ParseResult]] = field(default_factory=dict)
    parsed: int = 0  # files parsed by the last parse_all (not taken from a cache)

    def parse_all(self, config: Config, files: list[tuple[Path, bool]], jobs: int = 1,
                  store: Path | None = None, meanwhile: Callable[[], None] | None = None,
                  keep: bool = True) -> list[ParseResult]:
        """Results for all of the wall's `files` (path, is it a kudos), in order.

        `meanwhile` runs once in this process while workers parse (after their first batch: this
        process only collects batches then), or after parsing when there are none.

        `store` is the on-disk cache folder (None: in-process layer only). Entries for files not
        in `files` are dropped, so call this with every file of the wall. `keep=False` reads the
        store but never writes it (`check` writes nothing).
        """
        digest = config.digest()
        if self.config_digest != digest:
            self.entries.clear()
            self.config_digest = digest
        results: list[ParseResult | None] = [None] * len(files)
        keys: list[StatKey] = []
        rels = [relative_path(path, config.root) for path, _ in files]
        on_disk: dict[str, tuple[str, ParseResult]] = {}
        disk_changed = False
        shared = SharedValues()
        if store is not None:
            for rel, entry in cache.load_items(store, PARSE_CACHE_FILE, digest) or ():
                shared.share(entry[1])  # as each batch is unpickled: the next reuses the room
                on_disk[rel] = entry
            disk_changed = not on_disk
        digests: dict[int, str] = {}  # of the files read here that a disk entry may hold
        sources: dict[int, SourceFile] = {}  # of the files to parse that were read here: only their bytes are kept
        missing: list[int] = []  # the files to parse
        for index, (path, _) in enumerate(files):
            info = path.stat()
            keys.append((info.st_size, info.st_mtime_ns))
            cached = self.entries.get(rels[index])
            if cached is not None and cached[0] == keys[index]:
                results[index] = cached[1]
                continue
            stored = on_disk.get(rels[index])
            if stored is None:  # nothing to compare its bytes with: read where it is parsed (a clean build: all)
                missing.append(index)
                continue
            source = read_source(config, path)
            if stored[0] == source.digest:
                results[index] = stored[1]
                digests[index] = stored[0]
            else:
                sources[index] = source
                missing.append(index)
        storing = keep and store is not None and (bool(missing) or disk_changed or len(on_disk) != len(files))

        def task(start: int, end: int) -> bytes | list[tuple[str, tuple[str, ParseResult]]]:
            """(path, (digest, result)) of a range of `missing`; pickled as the cache file keeps them when storing."""
            pairs = []
            for index in missing[start:end]:
                source = sources[index] if index in sources else read_source(config, files[index][0])
                pairs.append((rels[index], (source.digest, parse_source(source, files[index][1], config))))
            return cache.pickled_batch(pairs) if storing else pairs

        with contextlib.ExitStack() as stack:
            # stored before cross-file validation, which annotates models, so entries stay pristine;
            # only files whose digest this run knows (the in-process layer does not keep digests)
            add = stack.enter_context(cache.items_file(store, PARSE_CACHE_FILE, digest)) if storing else None
            targets = iter(missing)
            for chunk in run_chunked(task, len(missing), jobs):  # shared as each arrives: the next reuses the room
                pairs = pickle.loads(chunk) if isinstance(chunk, bytes) else chunk
                for _, (_, parsed) in pairs:
                    shared.share(parsed)
                    results[next(targets)] = parsed
                if add is not None and isinstance(chunk, bytes):
                    add(chunk)
                if meanwhile is not None:
                    meanwhile()
                    meanwhile = None
            if meanwhile is not None:
                meanwhile()
            sources.clear()  # all parsed: the bytes are not held while the rest of the cache is stored
            if add is not None:
                taken = [(rels[i], (digests[i], cast(ParseResult, results[i]))) for i in digests]
                for start in range(0, len(taken), cache.ITEMS_PER_BATCH):
                    add(cache.pickled_batch(taken[start : start + cache.ITEMS_PER_BATCH]))
        self.parsed = len(missing)
        done: list[ParseResult] = []
        for index, maybe in enumerate(results):
            assert maybe is not None
            self.entries[rels[index]] = (keys[index], maybe)
            done.append(maybe)
        live = set(rels)
        for stale in set(self.entries) - live:
            del self.entries[stale]
        return done

    def reparse_kudos(self, config: Config, rel_paths: list[str]) -> list[ParseResult] | None:
        """Parse again kudos files this cache already holds, leaving every other entry as it is.

        For serve, when the watcher reports edits of known files; None when a path is not a
        kudos file of the last full `parse_all` (new, deleted, or not a kudos), which needs one.
        """
        if self.config_digest != config.digest():
            return None
        results = []
        for rel in rel_paths:
            cached = self.entries.get(rel)
            path = config.root / rel
            try:
                info = path.lstat()
            except OSError:
                return None
            if cached is None or cached[1].kudos is None or not stat.S_ISREG(info.st_mode):
                return None
            source = read_source(config, path)
            results.append((rel, (info.st_size, info.st_mtime_ns), parse_source(source, True, config)))
        for rel, key, result in results:
            self.entries[rel] = (key, result)
        return [result for _, _, result in results]
