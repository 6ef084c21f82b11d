"""Shields-style SVG badges ("kudos | 12") that recipients can put in a README or on a website.

Built with xml.etree, so names and skills are escaped by construction. Text widths are
estimated from a small table of Verdana-like advances; a badge never depends on a font file.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator
from functools import partial

from .links import person_path
from .models import Person, Skill, Wall
from .text import name_order
from .units import OutputUnit, fingerprint

SVG_NS = "http://www.w3.org/2000/svg"
LABEL_COLOUR = "#555"
VALUE_COLOUR = "#0b6e4f"
_NARROW = set("iljI.,:;|!'` ")
_WIDE = set("mwMW@%")
MAX_LABEL = 40


def text_width(text: str) -> float:
    """Approximate width in pixels of `text` in 11px Verdana, the shields.io convention."""
    width = 0.0
    for char in text:
        if char in _NARROW:
            width += 3.9
        elif char in _WIDE:
            width += 10.5
        elif char.isupper() or char.isdigit():
            width += 7.4
        else:
            width += 6.4
    return width


def _shorten(text: str) -> str:
    return text if len(text) <= MAX_LABEL else text[: MAX_LABEL - 1] + "…"


def badge_svg(label: str, value: str) -> bytes:
    label, value = _shorten(label), _shorten(value)
    left = round(text_width(label) + 12)
    right = round(text_width(value) + 12)
    total = left + right
    ET.register_namespace("", SVG_NS)
    svg = ET.Element(f"{{{SVG_NS}}}svg", {"width": str(total), "height": "20", "role": "img",
                                          "viewBox": f"0 0 {total} 20", "aria-label": f"{label}: {value}"})
    ET.SubElement(svg, f"{{{SVG_NS}}}title").text = f"{label}: {value}"
    ET.SubElement(svg, f"{{{SVG_NS}}}rect", {"width": str(left), "height": "20", "rx": "3", "fill": LABEL_COLOUR})
    ET.SubElement(svg, f"{{{SVG_NS}}}rect", {"x": str(left), "width": str(right), "height": "20", "rx": "3",
                                             "fill": VALUE_COLOUR})
    ET.SubElement(svg, f"{{{SVG_NS}}}rect", {"x": str(left), "width": "4", "height": "20", "fill": VALUE_COLOUR})
    group = ET.SubElement(svg, f"{{{SVG_NS}}}g", {"fill": "#fff", "text-anchor": "middle", "font-size": "11",
                                                  "font-family": "Verdana,DejaVu Sans,Geneva,sans-serif"})
    ET.SubElement(group, f"{{{SVG_NS}}}text", {"x": str(left / 2), "y": "14"}).text = label
    ET.SubElement(group, f"{{{SVG_NS}}}text", {"x": str(left + right / 2), "y": "14"}).text = value
    data: bytes = ET.tostring(svg, encoding="utf-8", xml_declaration=True)
    return data + b"\n"


def badge_path(handle: str) -> str:
    return person_path(handle) + "badge.svg"


def skill_badge_path(handle: str, slug: str) -> str:
    return person_path(handle) + f"badges/{slug}.svg"


def person_skill_counts(person: Person, wall: Wall) -> list[tuple[Skill, int]]:
    """The person's listed skills, then any other skill they were endorsed for (most kudos first),
    each with the kudos that vouch for it: what their badges and their page's skill panel show."""
    counts: dict[str, int] = {}
    names: dict[str, Skill] = {}
    for kudos in wall.received.get(person.handle, []):
        for skill in kudos.skills:
            counts[skill.slug] = counts.get(skill.slug, 0) + 1
            names.setdefault(skill.slug, wall.skills.get(skill.slug, skill))
    listed = [(skill, counts.get(skill.slug, 0)) for skill in person.skills]
    seen = {skill.slug for skill in person.skills}
    extra = sorted(((names[slug], n) for slug, n in counts.items() if slug not in seen),
                   key=lambda pair: (-pair[1], name_order(pair[0].name)))
    return listed + extra


def count_text(count: int) -> str:
    return f"{count} kudos"


def badge_units(wall: Wall) -> Iterator[OutputUnit]:
    for person in wall.people.values():
        received = len(wall.received.get(person.handle, []))
        yield OutputUnit(badge_path(person.handle), fingerprint("badge", str(received)),
                         partial(badge_svg, "kudos", str(received)))
        for skill, count in person_skill_counts(person, wall):
            yield OutputUnit(skill_badge_path(person.handle, skill.slug),
                             fingerprint("skill-badge", skill.name, str(count)),
                             partial(badge_svg, skill.name, count_text(count)))
