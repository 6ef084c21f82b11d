"""Static SVG charts on /stats/ and person pages: geometry from the numbers, data also as tables."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sitecheck import parse_html, small_wall_site

from kudoswall.build import load_wall
from kudoswall.charts import months_between, person_chart, rank_chart, time_chart
from kudoswall.config import load_config

SVG = "{http://www.w3.org/2000/svg}"


def page(rel: str) -> Any:
    document, errors = parse_html((small_wall_site().output / rel).read_bytes())
    assert errors == []
    return document


def table_rows(figure: Any) -> list[tuple[str, int]]:
    rows = []
    for row in figure.find(".//tbody").findall("tr"):
        cells = row.findall("td")
        rows.append(("".join(cells[0].itertext()), int(cells[1].text)))
    return rows


def test_months_between_covers_gaps_and_year_ends() -> None:
    assert months_between(dt.date(2023, 11, 1), dt.date(2024, 2, 1)) == [(2023, 11), (2023, 12), (2024, 1), (2024, 2)]


def test_time_chart_bar_heights_are_proportional() -> None:
    chart = time_chart("t", [("a", 1), ("b", 0), ("c", 4)], "kudos")
    heights = [bar.height for bar in chart.bars]
    assert heights[1] == 0 and abs(heights[2] - 4 * heights[0]) < 0.05
    assert all(bar.y + bar.height <= chart.height for bar in chart.bars)


def test_rank_chart_longest_bar_for_the_largest_value() -> None:
    chart = rank_chart("r", [("x", 3, None), ("y", 1, None)], "kudos")
    assert chart.bars[0].width > chart.bars[1].width > 0
    assert chart.bars[0].width == chart.bars[1].width * 3


def test_stats_page_has_three_svg_charts_with_matching_tables() -> None:
    document = page("stats/index.html")
    assert document.find(".//script") is None
    figures = [f for f in document.iter("figure") if "chart" in f.get("class", "")]
    assert len(figures) == 3
    months, skills, writers = (table_rows(f) for f in figures)
    assert sum(n for _, n in months) == 6
    assert months[0] == ("2023-01", 1) and months[-1] == ("2024-11", 1) and len(months) == 23
    assert dict(writers) == {"Bjørn Åsen": 2, "Inès Moreau": 2, "陈美": 1, "Fjord Labs & Co.": 1}
    assert len(skills) == 9 and all(n == 1 for _, n in skills)
    for figure in figures:
        svg = next(el for el in figure.iter() if el.tag in ("svg", f"{SVG}svg"))
        assert svg.get("role") == "img" and svg.get("aria-labelledby")
        bars = [el for el in svg.iter() if el.tag.rsplit("}", 1)[-1] == "rect"]
        assert len(bars) == len(table_rows(figure))


def test_person_page_has_a_chart_of_kudos_received_over_time() -> None:
    document = page("people/chen-mei/index.html")
    figure = next(f for f in document.iter("figure") if "chart" in f.get("class", ""))
    assert table_rows(figure) == [("2023", 1), ("2024", 1)]


def test_a_person_without_kudos_gets_no_chart_bars(tmp_path: Path, wall_maker: Callable[..., Path]) -> None:
    config = load_config(wall_maker(tmp_path))
    wall = load_wall(config).wall
    assert person_chart(wall, wall.people["ada"]).bars == []  # never today's year: output must not depend on the clock
    assert [bar.label for bar in person_chart(wall, wall.people["grace"]).bars] == ["2024"]
