"""The /graph/ page: who endorsed whom, laid out at build time, deterministic, no JavaScript."""

from __future__ import annotations

import math
import random
from pathlib import Path
from typing import Any

import pytest
from sitecheck import FIXTURES, parse_html, small_wall_site

from kudoswall import graph
from kudoswall.build import load_wall
from kudoswall.config import load_config
from kudoswall.graph import HEIGHT, WIDTH, build_graph, force_layout, pair_counts
from kudoswall.models import Wall

SVG = "{http://www.w3.org/2000/svg}"


def graph_svg() -> Any:
    document, errors = parse_html((small_wall_site().output / "graph/index.html").read_bytes())
    assert errors == []
    assert document.find(".//script") is None
    svgs = [el for el in document.iter() if el.tag in ("svg", f"{SVG}svg")]
    assert len(svgs) == 1
    return svgs[0]


def local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def test_nodes_are_people_and_organisations_linking_to_their_profiles() -> None:
    site = small_wall_site()
    svg = graph_svg()
    anchors = [el for el in svg.iter() if local(el.tag) == "a"]
    hrefs = {a.get("href") for a in anchors}
    assert hrefs == {"../people/bjorn-asen/", "../people/ines-moreau/", "../people/chen-mei/", "../people/fjord-labs/"}
    for href in hrefs:
        assert (site.output / "graph" / href / "index.html").resolve().is_file()
    shapes = {local(child.tag) for a in anchors for child in a}
    assert {"circle", "rect", "text"} <= shapes  # fjord-labs is an organisation: a square


def test_edges_are_kudos_with_reciprocal_pairs_marked() -> None:
    svg = graph_svg()
    lines = [el for el in svg.iter() if local(el.tag) == "line"]
    assert len(lines) == 5  # six kudos, bjorn↔ines counted as one reciprocal edge
    reciprocal = [line for line in lines if line.get("marker-start")]
    assert len(reciprocal) == 1
    title = next(child for child in reciprocal[0] if local(child.tag) == "title").text or ""
    assert "wrote for each other" in title and "Bjørn Åsen" in title and "Inès Moreau" in title


def test_pair_counts_and_reciprocity() -> None:
    wall = load_wall(load_config(FIXTURES / "small-wall")).wall
    pairs = pair_counts(wall)
    assert pairs[("bjorn-asen", "ines-moreau")] == [1, 1]
    assert pairs[("chen-mei", "fjord-labs")] == [0, 1]
    graph = build_graph(wall)
    assert sum(edge.reciprocal for edge in graph.edges) == 1
    for node in graph.nodes:
        assert 0 <= node.x <= WIDTH and 0 <= node.y <= HEIGHT



def graph_page(wall: Wall) -> Any:
    """The small wall's graph page as planned for `wall`, parsed (with graph.py's limits as patched)."""
    from kudoswall.build import plan_outputs
    from kudoswall.theme import Theme, resolve_theme_dir

    config = load_config(FIXTURES / "small-wall")
    unit = next(u for u in plan_outputs(wall, config, Theme(config, resolve_theme_dir(config)))
                if u.path == "graph/index.html")
    document, errors = parse_html(unit.render())
    assert errors == []
    return document


def test_past_the_drawn_limit_only_the_most_endorsed_and_their_connections_are_drawn(
        monkeypatch: pytest.MonkeyPatch) -> None:
    wall = load_wall(load_config(FIXTURES / "small-wall")).wall
    full = build_graph(wall)
    assert full.connected == len(full.nodes) == 4
    monkeypatch.setattr(graph, "DRAWN_LIMIT", 2)
    bounded = build_graph(wall)
    count = {n.handle: n.received + n.given for n in full.nodes}
    expected = sorted(sorted(count, key=lambda h: (-count[h], h))[:2])
    assert [n.handle for n in bounded.nodes] == expected and bounded.connected == 4
    among = [(e.source, e.target, e.forward, e.backward) for e in full.edges if {e.source, e.target} <= set(expected)]
    assert [(e.source, e.target, e.forward, e.backward) for e in bounded.edges] == among != []
    document = graph_page(wall)
    caption = " ".join("".join(document.find(".//figcaption").itertext()).split())
    assert caption.endswith("Of the 4 people and organisations with kudos, the 2 with the most are drawn, "
                            "with the connections among them; every profile lists the rest.")


def test_past_the_edge_limit_only_the_strongest_connections_are_drawn_and_listed(
        monkeypatch: pytest.MonkeyPatch) -> None:
    wall = load_wall(load_config(FIXTURES / "small-wall")).wall
    pairs = pair_counts(wall)
    assert len(pairs) > 2
    monkeypatch.setattr(graph, "EDGES_DRAWN", 2)
    bounded = build_graph(wall)
    strongest = sorted(sorted(pairs, key=lambda pair: (-sum(pairs[pair]), pair))[:2])
    assert sorted(tuple(sorted((e.source, e.target))) for e in bounded.edges) == strongest
    assert bounded.connections == len(pairs) and len(bounded.nodes) == 4  # every person is still drawn
    document = graph_page(wall)
    caption = " ".join("".join(document.find(".//figcaption").itertext()).split())
    assert caption.endswith(f"Of the {len(pairs)} connections among them, the 2 with the most kudos are drawn "
                            "and listed.")
    assert len(document.findall(".//ul[@class='connections']/li")) == 2


def test_layout_is_deterministic_and_spreads_nodes() -> None:
    handles = [f"p{i:02d}" for i in range(12)]
    links = [(handles[i], handles[(i + 1) % 12]) for i in range(12)] + [("p00", "p06")]
    first, second = force_layout(handles, links), force_layout(list(handles), list(links))
    assert first == second
    points = list(first.values())
    closest = min(((a[0] - b[0]) ** 2 + (a[1] - b[1]) ** 2) ** 0.5
                  for i, a in enumerate(points) for b in points[i + 1:])
    assert closest > 0.02  # no two nodes on top of each other


def test_two_builds_give_the_same_graph_bytes(tmp_path: Path) -> None:
    from kudoswall.build import plan_outputs
    from kudoswall.theme import Theme, resolve_theme_dir

    config = load_config(FIXTURES / "small-wall")
    renders = []
    for _ in range(2):
        wall = load_wall(config).wall
        unit = next(u for u in plan_outputs(wall, config, Theme(config, resolve_theme_dir(config)))
                    if u.path == "graph/index.html")
        renders.append(unit.render())
    assert renders[0] == renders[1]
    assert renders[0] == (small_wall_site().output / "graph/index.html").read_bytes()


def reference_layout(handles: list[str], links: list[tuple[str, str]]) -> dict[str, tuple[float, float]]:
    """The layout as first written, with a dict of positions: the oracle for force_layout's faster loops."""
    count = len(handles)
    pos = {h: [0.5 + 0.45 * math.cos(2 * math.pi * i / max(1, count)),
               0.5 + 0.45 * math.sin(2 * math.pi * i / max(1, count))] for i, h in enumerate(handles)}
    if count < 3 or count > graph.LAYOUT_LIMIT:
        return {h: (p[0], p[1]) for h, p in pos.items()}
    k = math.sqrt(1.0 / count)
    iterations = max(graph.MIN_ITERATIONS, min(graph.MAX_ITERATIONS, graph.PAIR_BUDGET * 2 // (count * count)))
    temperature = 0.1
    cooling = 0.018 ** (1 / iterations)
    for _ in range(iterations):
        disp = {h: [0.0, 0.0] for h in handles}
        for i, a in enumerate(handles):
            for b in handles[i + 1:]:
                dx, dy = pos[a][0] - pos[b][0], pos[a][1] - pos[b][1]
                dist = max(1e-4, math.hypot(dx, dy))
                force = k * k / dist
                fx, fy = dx / dist * force, dy / dist * force
                disp[a][0] += fx
                disp[a][1] += fy
                disp[b][0] -= fx
                disp[b][1] -= fy
        for a, b in links:
            dx, dy = pos[a][0] - pos[b][0], pos[a][1] - pos[b][1]
            dist = max(1e-4, math.hypot(dx, dy))
            force = dist * dist / k
            fx, fy = dx / dist * force, dy / dist * force
            disp[a][0] -= fx
            disp[a][1] -= fy
            disp[b][0] += fx
            disp[b][1] += fy
        for h in handles:
            dx, dy = disp[h]
            dx += (0.5 - pos[h][0]) * k
            dy += (0.5 - pos[h][1]) * k
            length = max(1e-9, math.hypot(dx, dy))
            step = min(length, temperature)
            pos[h][0] += dx / length * step
            pos[h][1] += dy / length * step
        temperature *= cooling
    return {h: (p[0], p[1]) for h, p in pos.items()}


@pytest.mark.parametrize("count", [2, 3, 9, 40])
def test_layout_is_bit_identical_to_the_plain_formulation(count: int) -> None:
    """Walls keep their graph picture byte for byte whatever the loop's shape (float order matters)."""
    rng = random.Random(count)
    handles = [f"person-{number:02d}" for number in range(count)]
    links = sorted({tuple(sorted(rng.sample(handles, 2))) for _ in range(count * 2)}) if count > 1 else []
    assert force_layout(handles, links) == reference_layout(handles, links)  # type: ignore[arg-type]
