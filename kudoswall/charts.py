"""Static SVG bar charts for /stats/ and person pages: geometry here, markup in partials/charts.html.

Only numbers and labels leave this module; the template draws them with autoescaping, so no
label can inject markup. Every chart also carries its data as a table for screen readers.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from .models import Kudos, Person, Skill, Wall
from .text import name_order

TIME_WIDTH, TIME_HEIGHT = 720, 220
RANK_WIDTH, RANK_ROW = 720, 26
AXIS_BOTTOM = 24
LABEL_COLUMN = 230


@dataclass(frozen=True)
class Bar:
    label: str
    value: int
    x: float
    y: float
    width: float
    height: float
    href: str | None = None
    show_label: bool = True


@dataclass(frozen=True)
class Chart:
    """A bar chart with its viewBox; `kind` is "time" (vertical bars) or "rank" (horizontal bars)."""

    title: str
    kind: str
    width: int
    height: int
    bars: list[Bar]
    maximum: int
    unit: str


def months_between(first: dt.date, last: dt.date) -> list[tuple[int, int]]:
    months = []
    year, month = first.year, first.month
    while (year, month) <= (last.year, last.month):
        months.append((year, month))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def time_chart(title: str, counts: list[tuple[str, int]], unit: str, label_every: int = 1,
               width: int = TIME_WIDTH, height: int = TIME_HEIGHT) -> Chart:
    """Vertical bars, one per period, left to right; only every `label_every`-th period is labelled."""
    maximum = max((n for _, n in counts), default=0)
    plot_height = height - AXIS_BOTTOM - 16
    step = width / max(1, len(counts))
    bars = []
    for index, (label, count) in enumerate(counts):
        bar_height = plot_height * count / maximum if maximum else 0.0
        bars.append(Bar(label, count, round(index * step + step * 0.1, 2), round(16 + plot_height - bar_height, 2),
                        round(step * 0.8, 2), round(bar_height, 2), show_label=index % label_every == 0))
    return Chart(title, "time", width, height, bars, maximum, unit)


def rank_chart(title: str, rows: list[tuple[str, int, str | None]], unit: str) -> Chart:
    """Horizontal bars, largest first; `rows` are (label, value, link)."""
    maximum = max((n for _, n, _ in rows), default=0)
    plot_width = RANK_WIDTH - LABEL_COLUMN - 40
    bars = [Bar(label, count, LABEL_COLUMN, index * RANK_ROW + 4,
                round(plot_width * count / maximum, 2) if maximum else 0.0, RANK_ROW - 8, href)
            for index, (label, count, href) in enumerate(rows)]
    return Chart(title, "rank", RANK_WIDTH, max(RANK_ROW, len(rows) * RANK_ROW), bars, maximum, unit)


def monthly_counts(kudos: Iterable[Kudos]) -> list[tuple[str, int]]:
    per_month = Counter((k.date.year, k.date.month) for k in kudos)
    if not per_month:
        return []
    first, last = min(per_month), max(per_month)
    return [(f"{y}-{m:02d}", per_month.get((y, m), 0))
            for y, m in months_between(dt.date(first[0], first[1], 1), dt.date(last[0], last[1], 1))]


def yearly_counts(kudos: Iterable[Kudos], first_year: int, last_year: int) -> list[tuple[str, int]]:
    per_year = Counter(k.date.year for k in kudos)
    return [(str(year), per_year.get(year, 0)) for year in range(first_year, last_year + 1)]


def top_skills(wall: Wall, limit: int = 10) -> list[tuple[Skill, int]]:
    ranked = sorted(wall.skill_kudos.items(), key=lambda item: (-len(item[1]), name_order(wall.skills[item[0]].name)))
    return [(wall.skills[slug], len(kudos)) for slug, kudos in ranked[:limit]]


def top_writers(wall: Wall, limit: int = 10) -> list[tuple[Person, int]]:
    ranked = sorted(wall.given.items(), key=lambda item: (-len(item[1]), name_order(wall.people[item[0]].name)))
    return [(wall.people[handle], len(kudos)) for handle, kudos in ranked[:limit] if kudos]


def person_chart(wall: Wall, person: Person) -> Chart:
    """Kudos received per year, from the person's first kudos to their latest.

    Uses only the counts per year of the person's kudos, which the person page's fingerprint takes in
    (pages.PagePlanner._person_page): the page lists only the newest kudos, the chart counts them all.
    """
    received = wall.received.get(person.handle, [])
    years = [k.date.year for k in received]
    counts = yearly_counts(received, min(years), max(years)) if years else []  # no bars: "No kudos yet."
    return time_chart(f"Kudos received by {person.name} per year", counts, "kudos", width=360, height=140,
                      label_every=max(1, len(counts) // 6))
