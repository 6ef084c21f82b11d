"""Re-plan a wall after kudos were edited in place: what makes `serve` fast on a large wall.

Most edits while previewing change a kudos' text and nothing that decides where it shows
(`Kudos.placement`: id, people, date, skills, status, aliases...). Then every list, page
number, redirect and lock check stays as it was, and only the units that show the kudos can
get a new fingerprint. This module swaps the new models into the previous plan's wall and asks
the same planners (build.plan_units) for just those units; everything else is kept. Any other
change (a new, deleted or moved kudos, a person, the lock, config or templates) returns None
and the caller plans the whole site again. The result equals a full plan (tests/test_replan.py).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from .build import Plan, plan_units
from .config import Config
from .errors import Problem, ProblemLog, sorted_problems
from .load import ParseResult
from .models import Kudos, Wall
from .pages import Focus, kudos_keys
from .permanence import annotate_kudos, note_former_digests
from .theme import Theme
from .units import OutputUnit
from .validate import validate_kudos


@dataclass
class Replanned:
    plan: Plan
    warnings: list[Problem]
    units: list[OutputUnit]  # the units planned again; every other unit is the previous plan's


def replan_edits(previous: Plan, edited: list[ParseResult], config: Config, theme: Theme,
                 warnings: list[Problem]) -> Replanned | None:
    """The plan after `edited` (fresh parses of kudos files); None when a full plan is needed.
    `warnings` are the previous run's, whose entries for these files are replaced by the files' own."""
    wall = previous.wall
    shown = {kudos.source: kudos for kudos in wall.kudos}
    pairs: list[tuple[Kudos, Kudos]] = []  # (shown model, its fresh parse)
    log = ProblemLog()
    for result in edited:
        new = result.kudos
        if new is None or any(problem.severity == "error" for problem in result.problems):
            return None  # a full run reports it with everything else
        old = shown.get(new.source)
        if old is None or not (old.is_live and new.is_live) or old.placement != new.placement:
            return None
        log.extend(result.problems)
        pairs.append((old, new))
    new_kudos = [new for _, new in pairs]
    validate_kudos(new_kudos, wall.people, log)  # the per-kudos rules; cross-kudos ones need placement only
    note_former_digests(new_kudos, wall.people)
    if log.errors:
        return None
    wall = _with_kudos(wall, {id(old): new for old, new in pairs})
    locked = previous.permanence.lock.by_key("kudos")
    for old, new in pairs:
        annotate_kudos(new, wall, config, locked, previous.permanence.git)
        new.reciprocal_with = old.reciprocal_with  # pairs depend on people and dates only: placement
    keys = {**previous.keys, **kudos_keys(Wall(wall.people, new_kudos))}
    fresh = plan_units(wall, config, theme, keys, focus=Focus.of(new_kudos))
    index = previous.unit_index()
    fresh += previous.permanence.moved_units(fresh, theme)  # their copies at old addresses: same paths as before
    if len(index) != len(previous.units):
        return None  # two units share a path: only a full plan reports that
    units = previous.units.copy()
    for unit in fresh:
        number = index.get(unit.path)
        if number is None:  # a unit the full plan did not have: the focus was wrong, trust none of it
            return None
        units[number] = unit
    paths = {kudos.source for kudos in new_kudos}
    kept = [problem for problem in warnings if problem.pos.path not in paths]
    plan = Plan(wall, replace(previous.permanence, wall=wall), keys, units, index)  # same paths, same places
    return Replanned(plan, sorted_problems([*kept, *log.warnings]), fresh)


def _with_kudos(wall: Wall, swaps: dict[int, Kudos]) -> Wall:
    """A copy of the wall whose lists hold the new models in the old ones' places."""
    received = dict(wall.received)
    given = dict(wall.given)
    skill_kudos = dict(wall.skill_kudos)
    everything = wall.kudos
    for old_id, new in swaps.items():
        everything = _swapped(everything, old_id, new)
        received[new.to_handle] = _swapped(received[new.to_handle], old_id, new)
        given[new.from_handle] = _swapped(given[new.from_handle], old_id, new)
        for skill in new.skills:
            skill_kudos[skill.slug] = _swapped(skill_kudos[skill.slug], old_id, new)
    return replace(wall, kudos=everything, received=received, given=given, skill_kudos=skill_kudos)


def _swapped(kudos_list: list[Kudos], old_id: int, new: Kudos) -> list[Kudos]:
    """A copy with `new` where the model whose id() is `old_id` was (found by identity: Kudos' == compares
    every field, and a 10,000-kudos list is searched in C this way)."""
    copy = kudos_list.copy()
    copy[list(map(id, kudos_list)).index(old_id)] = new
    return copy
