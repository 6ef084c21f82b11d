"""An output unit: one file of the site, a fingerprint of its inputs, and how to render it.

Fingerprints are what make rebuilds incremental (Zola sorts changes by kind; here each unit
simply names what it depends on): a unit whose fingerprint is unchanged need not be rendered.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import cast

from .errors import SourcePos


@dataclass(frozen=True, slots=True)
class OutputUnit:
    """`chunks`, when set, gives the same bytes as `render` in pieces, for a file too large to hold
    whole (kudos.json of a large wall); a build streams them to disk, serve still uses `render`.
    `indexable` marks a page search engines should list: the sitemap is made of exactly these, so
    the planner that makes a page is the one place that says whether the sitemap has it.
    `origin` is the place in the sources that asked for this file (an alias), where a clash with
    another output is reported."""

    path: str
    fingerprint: str
    render: Callable[[], bytes]
    chunks: Callable[[], Iterable[bytes]] | None = None
    indexable: bool = False
    origin: SourcePos | None = None
    template: str = ""  # the page template it renders, if any (check renders one page of each)


def fingerprint(*parts: str | Iterable[str]) -> str:
    """SHA-256 over the parts; a list part's items each end with \x1f, every part with \x00.

    Lists are joined before hashing: one hash update per part, not per item (planning a
    10,000-kudos wall fingerprints lists of 10,000s of digests).
    """
    try:
        text = "\x00".join(cast(tuple[str, ...], parts)) + "\x00" if parts else ""  # common: all strings
    except TypeError:  # a list part
        pieces: list[str] = []
        for part in parts:
            if isinstance(part, str):
                pieces.append(part)
            else:
                items = part if isinstance(part, list) else list(part)
                if items:
                    pieces.append("\x1f".join(items))
                    pieces.append("\x1f")
            pieces.append("\x00")
        text = "".join(pieces)
    return hashlib.sha256(text.encode()).hexdigest()[:32]
