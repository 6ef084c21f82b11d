"""Who endorsed whom, laid out at build time: a deterministic force-directed layout, drawn as SVG.

The layout is Fruchterman–Reingold from positions on a circle in handle order, with a number of
iterations fixed by the node count and no randomness, so the same wall always gives the same
picture. The force step is quadratic, so iterations shrink as people grow (about one million pair
updates, ~1.5 s, at most); beyond LAYOUT_LIMIT people the circle is kept. Beyond DRAWN_LIMIT
people only the most endorsed are drawn, with the connections among them: at 3,333 people and
100,000 kudos the whole graph was a 30 MB page that nobody could read. Beyond EDGES_DRAWN
connections only the strongest are drawn and listed: 333 people and 10,000 kudos made 9,000
connections, a 2.9 MB page of lines on top of each other.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from .models import Wall

WIDTH, HEIGHT, MARGIN = 1000, 720, 70
MAX_ITERATIONS, MIN_ITERATIONS = 200, 20
PAIR_BUDGET = 1_000_000
LAYOUT_LIMIT = 300
DRAWN_LIMIT = 500
EDGES_DRAWN = 1_500


@dataclass(frozen=True)
class Node:
    handle: str
    name: str
    is_organization: bool
    x: float
    y: float
    radius: float
    received: int
    given: int


@dataclass(frozen=True)
class Edge:
    """Kudos between two nodes; `reciprocal` when both wrote for each other."""

    source: str
    target: str
    forward: int
    backward: int
    x1: float
    y1: float
    x2: float
    y2: float

    @property
    def reciprocal(self) -> bool:
        return self.forward > 0 and self.backward > 0


@dataclass(frozen=True)
class Graph:
    width: int
    height: int
    nodes: list[Node]
    edges: list[Edge]
    connected: int  # people and organisations with any kudos; more than len(nodes) past DRAWN_LIMIT
    connections: int  # pairs of drawn people with kudos between them; more than len(edges) past EDGES_DRAWN


def pair_counts(wall: Wall) -> dict[tuple[str, str], list[int]]:
    """Kudos counts per unordered pair (a < b): [a→b, b→a]."""
    pairs: dict[tuple[str, str], list[int]] = {}
    for kudos in wall.kudos:
        a, b = kudos.from_handle, kudos.to_handle
        if a == b:
            continue
        key = (a, b) if a < b else (b, a)
        counts = pairs.setdefault(key, [0, 0])
        counts[0 if key[0] == a else 1] += 1
    return pairs


def force_layout(handles: list[str], links: list[tuple[str, str]]) -> dict[str, tuple[float, float]]:
    """Positions in the unit square, deterministic for the same input.

    Coordinates live in flat lists indexed like `handles` (not a dict of pairs): the pair loop
    runs up to a million times, and list indexing halves its cost. Every float operation is
    the same, in the same order, as in the plain formulation, so positions are bit-identical.
    """
    count = len(handles)
    xs = [0.5 + 0.45 * math.cos(2 * math.pi * i / max(1, count)) for i in range(count)]
    ys = [0.5 + 0.45 * math.sin(2 * math.pi * i / max(1, count)) for i in range(count)]
    if count < 3 or count > LAYOUT_LIMIT:
        return {h: (xs[i], ys[i]) for i, h in enumerate(handles)}
    index = {h: i for i, h in enumerate(handles)}
    pairs = [(index[a], index[b]) for a, b in links]
    k = math.sqrt(1.0 / count)
    k2 = k * k
    hypot = math.hypot
    iterations = max(MIN_ITERATIONS, min(MAX_ITERATIONS, PAIR_BUDGET * 2 // (count * count)))
    temperature = 0.1
    cooling = 0.018 ** (1 / iterations)  # ends at the same temperature whatever the iteration count
    for _ in range(iterations):
        disp_x, disp_y = [0.0] * count, [0.0] * count
        for i in range(count):
            xa, ya = xs[i], ys[i]
            sum_x, sum_y = disp_x[i], disp_y[i]
            for j in range(i + 1, count):
                dx, dy = xa - xs[j], ya - ys[j]
                dist = max(1e-4, hypot(dx, dy))
                force = k2 / dist
                fx, fy = dx / dist * force, dy / dist * force
                sum_x += fx
                sum_y += fy
                disp_x[j] -= fx
                disp_y[j] -= fy
            disp_x[i], disp_y[i] = sum_x, sum_y
        for a, b in pairs:
            dx, dy = xs[a] - xs[b], ys[a] - ys[b]
            dist = max(1e-4, hypot(dx, dy))
            force = dist * dist / k
            fx, fy = dx / dist * force, dy / dist * force
            disp_x[a] -= fx
            disp_y[a] -= fy
            disp_x[b] += fx
            disp_y[b] += fy
        for i in range(count):
            dx, dy = disp_x[i], disp_y[i]
            # gentle pull to the centre keeps unconnected groups on the canvas
            dx += (0.5 - xs[i]) * k
            dy += (0.5 - ys[i]) * k
            length = max(1e-9, hypot(dx, dy))
            step = min(length, temperature)
            xs[i] += dx / length * step
            ys[i] += dy / length * step
        temperature *= cooling
    return {h: (xs[i], ys[i]) for i, h in enumerate(handles)}


def _fit(points: dict[str, tuple[float, float]]) -> dict[str, tuple[float, float]]:
    xs = [p[0] for p in points.values()] or [0.0]
    ys = [p[1] for p in points.values()] or [0.0]
    span_x, span_y = max(1e-9, max(xs) - min(xs)), max(1e-9, max(ys) - min(ys))
    return {h: (round(MARGIN + (x - min(xs)) / span_x * (WIDTH - 2 * MARGIN), 1),
                round(MARGIN + (y - min(ys)) / span_y * (HEIGHT - 2 * MARGIN), 1)) for h, (x, y) in points.items()}


def _shorten(x1: float, y1: float, x2: float, y2: float, r1: float, r2: float) -> tuple[float, ...]:
    """The segment between two circles' edges, so arrowheads stay visible."""
    dist = max(1e-9, math.hypot(x2 - x1, y2 - y1))
    ux, uy = (x2 - x1) / dist, (y2 - y1) / dist
    return (round(x1 + ux * (r1 + 2), 1), round(y1 + uy * (r1 + 2), 1),
            round(x2 - ux * (r2 + 6), 1), round(y2 - uy * (r2 + 6), 1))


def build_graph(wall: Wall) -> Graph:
    pairs = pair_counts(wall)
    involved = sorted({h for pair in pairs for h in pair})
    connected = len(involved)
    kudos_counts = {h: (len(wall.received.get(h, [])), len(wall.given.get(h, []))) for h in involved}
    if connected > DRAWN_LIMIT:
        drawn = set(sorted(involved, key=lambda h: (-sum(kudos_counts[h]), h))[:DRAWN_LIMIT])
        involved = sorted(drawn)
        pairs = {pair: counts for pair, counts in pairs.items() if pair[0] in drawn and pair[1] in drawn}
    points = _fit(force_layout(involved, sorted(pairs)))
    nodes = {}
    for handle in involved:
        person = wall.people[handle]
        received, given = kudos_counts[handle]
        x, y = points[handle]
        nodes[handle] = Node(handle, person.name, person.is_organization, x, y,
                             round(6 + 3 * math.sqrt(received), 1), received, given)
    strongest = sorted(pairs.items(), key=lambda item: (-sum(item[1]), item[0]))[:EDGES_DRAWN]
    edges = []
    for (a, b), (forward, backward) in sorted(strongest):
        source, target = (a, b) if forward else (b, a)
        first, second = (forward, backward) if forward else (backward, forward)
        na, nb = nodes[source], nodes[target]
        x1, y1, x2, y2 = _shorten(na.x, na.y, nb.x, nb.y, na.radius, nb.radius)
        edges.append(Edge(source, target, first, second, x1, y1, x2, y2))
    return Graph(WIDTH, HEIGHT, sorted(nodes.values(), key=lambda n: n.handle), edges, connected, len(pairs))
