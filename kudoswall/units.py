"""An output unit: one file of the site, a fingerprint of its inputs, and how to render it.

Fingerprints are what make rebuilds incremental (Zola sorts changes by kind; here each unit
simply names what it depends on): a unit whose fingerprint is unchanged need not be rendered.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class OutputUnit:
    path: str
    fingerprint: str
    render: Callable[[], bytes]


def fingerprint(*parts: str | Iterable[str]) -> str:
    digest = hashlib.sha256()
    for part in parts:
        if isinstance(part, str):
            digest.update(part.encode())
        else:
            for item in part:
                digest.update(item.encode())
                digest.update(b"\x1f")
        digest.update(b"\x00")
    return digest.hexdigest()[:32]
