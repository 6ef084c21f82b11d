"""Honesty checks: traded kudos are marked, copy-pasted ones warned about.

An unsolicited kudos is worth more than a traded one, so a reciprocal pair (A recommends B and B
recommends A within `reciprocal_days`) is shown as such on both pages. Near-duplicate texts are
found with word shingles and an inverted index, so the cost stays near-linear at 10,000+ kudos.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable

from .errors import Problem
from .models import Kudos

SHINGLE = 5
DUPLICATE_THRESHOLD = 0.6  # Jaccard similarity of word 5-gram sets
COMMON_SHINGLE = 50  # shingles in more kudos than this are boilerplate, not evidence of copying
_WORD = re.compile(r"\w+")


def mark_reciprocal(kudos_list: Iterable[Kudos], days: int) -> None:
    """Set `reciprocal_with` on both kudos of each pair exchanged within `days` of each other."""
    by_pair: dict[tuple[str, str], list[Kudos]] = defaultdict(list)
    kudos_list = list(kudos_list)
    for kudos in kudos_list:
        kudos.reciprocal_with = None
        by_pair[(kudos.from_handle, kudos.to_handle)].append(kudos)
    for kudos in kudos_list:
        for other in by_pair.get((kudos.to_handle, kudos.from_handle), []):
            if abs((kudos.date - other.date).days) <= days:
                kudos.reciprocal_with = other.id
                break


def shingles(text: str) -> set[str]:
    words = [w.casefold() for w in _WORD.findall(text)]
    if len(words) < SHINGLE:
        return {" ".join(words)} if words else set()
    return {" ".join(words[i : i + SHINGLE]) for i in range(len(words) - SHINGLE + 1)}


def near_duplicates(kudos_list: list[Kudos]) -> list[Problem]:
    """A warning on the later kudos of each pair whose texts are mostly the same."""
    sets = [shingles(k.body_markdown) for k in kudos_list]
    index: dict[str, list[int]] = defaultdict(list)
    for position, words in enumerate(sets):
        for shingle in words:
            index[shingle].append(position)
    problems = []
    for position, words in enumerate(sets):
        shared: Counter[int] = Counter()
        for shingle in words:
            holders = index[shingle]
            if len(holders) <= COMMON_SHINGLE:
                shared.update(h for h in holders if h < position)
        for other, count in shared.most_common():
            union = len(words) + len(sets[other]) - count
            if union and count / union >= DUPLICATE_THRESHOLD:
                this, earlier = kudos_list[position], kudos_list[other]
                if (this.date, this.id) < (earlier.date, earlier.id):
                    this, earlier = earlier, this
                problems.append(Problem(this.pos(""), f"the text is nearly the same as kudos '{earlier.id}' "
                                        f"({earlier.source}), {round(100 * count / union)}% of its phrases shared",
                                        "a kudos says what this writer saw; write it in your own words",
                                        "warning"))
                break
    return problems
