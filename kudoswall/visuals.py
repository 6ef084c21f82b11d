"""The wall as visitors see it beyond the basic pages: graph, stats, search page, embeds, badges.

`VisualPlanner` lists these output units; `person_extras` is the template helper that person
pages use for their chart and copy-paste snippets (their fingerprint already covers its inputs:
the person and the kudos they received).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from .badges import badge_path, badge_units, person_skill_counts, skill_badge_path
from .charts import Chart, monthly_counts, person_chart, rank_chart, time_chart, top_skills, top_writers
from .config import Config
from .credentials import credential_path, credential_units
from .graph import build_graph
from .links import Links, person_path, skill_path
from .models import Kudos, Person, Skill, Wall
from .pages import PagePlanner, in_focus
from .units import OutputUnit

EMBED_KUDOS = 3


def embed_path(handle: str, variant: str = "light") -> str:
    return person_path(handle) + ("embed/" if variant == "light" else f"embed/{variant}/")


@dataclass(frozen=True)
class PersonExtras:
    """Helpers for person.html: absolute URLs for snippets, the badge list and the chart."""

    wall: Wall
    config: Config

    def chart(self, person: Person) -> Chart:
        return person_chart(self.wall, person)

    def badge_url(self, person: Person) -> str:
        return self.config.absolute_url(badge_path(person.handle))

    def skill_badges(self, person: Person) -> list[tuple[Skill, str]]:
        return [(skill, self.config.absolute_url(skill_badge_path(person.handle, skill.slug)))
                for skill, _ in person_skill_counts(person, self.wall)]

    def page_url(self, person: Person) -> str:
        return self.config.absolute_url(person_path(person.handle))

    def embed_url(self, person: Person, variant: str = "light") -> str:
        return self.config.absolute_url(embed_path(person.handle, variant))

    def credential_url(self, kudos: Kudos) -> str:
        return self.config.absolute_url(credential_path(kudos.id))


def visual_context(wall: Wall, config: Config) -> dict[str, Any]:
    return {"extras": PersonExtras(wall, config)}


class VisualPlanner(PagePlanner):
    """Graph, stats, search and embed pages, plus badges and credentials."""

    def units(self) -> Iterator[OutputUnit]:
        yield from credential_units(self.wall, self.config, self.focus)
        if self.focus is None:  # badges show counts and skill names, which a focus leaves as they are
            yield from badge_units(self.wall)
        yield self.graph_page()
        yield self.stats_page()
        if self.config.search and self.focus is None:
            yield self.search_page()
        yield from self.embed_pages()

    def _all_digests(self) -> list[str]:
        return [*self._kudos_digests(self.wall.kudos)]

    def graph_page(self) -> OutputUnit:
        return self._unit("graph/", "graph.html", self._all_digests(), {},
                          late_context=lambda: {"graph": build_graph(self.wall)}, indexable=True)

    def stats_page(self) -> OutputUnit:
        """Besides the kudos, the page counts everyone (a person with no kudos too) and names the skills
        as the wall spells them, which a person's file decides: both are in its fingerprint."""
        wall = self.wall
        shape = [f"people:{len(wall.people)}",
                 *sorted(f"skill:{slug}={skill.name}" for slug, skill in wall.skills.items())]
        return self._unit("stats/", "stats.html", [*self._all_digests(), *shape], {}, late_context=self._stats_context,
                          indexable=True)

    def _stats_context(self) -> dict[str, Any]:
        """Computed when the page is rendered: planning a large wall should not draw its charts."""
        links = Links.for_page("stats/")
        months = monthly_counts(self.wall.kudos)
        per_month = time_chart("Kudos per month", months, "kudos", label_every=max(1, len(months) // 8))
        skills = rank_chart("Most endorsed skills",
                            [(s.name, n, links.path(skill_path(s.slug))) for s, n in top_skills(self.wall)], "kudos")
        writers = rank_chart("Most generous writers",
                             [(p.name, n, links.person(p)) for p, n in top_writers(self.wall)], "kudos written")
        return {"charts": [per_month, skills, writers]}

    def search_page(self) -> OutputUnit:
        return self._unit("search/", "search.html", [], {})

    def embed_pages(self) -> Iterator[OutputUnit]:
        for person in self.wall.people.values():
            latest = self.wall.received.get(person.handle, [])[:EMBED_KUDOS]
            if not in_focus(self.focus, latest):
                continue
            total = len(self.wall.received.get(person.handle, []))
            for variant in ("light", "dark"):
                context = {"person": person, "latest": latest, "total": total, "variant": variant}
                yield self._unit(embed_path(person.handle, variant), "embed.html",
                                 [variant, str(total), person.digest, *self._kudos_digests(latest)], context)
