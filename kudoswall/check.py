"""`kudoswall check`: the pipeline's load and validate, and what a build would refuse in the
theme and the planned output, without writing anything."""

from __future__ import annotations

from dataclasses import dataclass

from .build import LoadedWall, WallNotLoaded, load_wall, plan_units, problems_beside, theme_problems
from .cache import cache_dir
from .config import Config
from .errors import ContentError, Problem, SourcePos, sorted_problems
from .honesty import near_duplicates
from .incremental import output_collisions, render_unit
from .models import Wall
from .pages import kudos_keys
from .parallel import default_jobs
from .permanence import Permanence
from .theme import Theme, resolve_theme_dir
from .units import OutputUnit


@dataclass
class CheckedWall:
    loaded: LoadedWall
    theme: Theme
    theme_problems: list[Problem]  # a broken theme: the outputs cannot be planned


def check_wall(config: Config, strict: bool = False) -> CheckedWall:
    """Validate only: the content, and the theme as a build reads it (a broken template override in
    a pull request fails `check`, not the deploy). Renders Markdown; pages are output_problems'.
    Content errors raise, with everything else that can be known without the wall (problems_beside)."""
    try:
        theme: Theme | None = Theme(config, resolve_theme_dir(config))
        missing_theme: list[Problem] = []
    except ContentError as exc:  # the content is still checked: every error in one run
        theme, missing_theme = None, exc.problems
    try:  # the cores and build's cache (read, not written): 10,000 kudos are checked in ~2 s, not 17
        loaded = load_wall(config, strict, jobs=default_jobs(), store=cache_dir(config.root), keep_cache=False)
    except ContentError as exc:
        copies = near_duplicates([k for k in exc.kudos if k.is_live]) if isinstance(exc, WallNotLoaded) else []
        raise ContentError(sorted_problems([*problems_beside(exc, config, theme).problems, *missing_theme,
                                            *copies])) from None
    if theme is None:
        raise ContentError(missing_theme)
    return CheckedWall(loaded, theme, theme_problems(theme))


def output_problems(wall: Wall, config: Config, theme: Theme, permanence: Permanence) -> list[Problem]:
    """For `check`: the clashes between output files that a build would refuse (an alias on the
    address of a feed, two static files differing only by case), and what one page of each
    template says when rendered (an undefined variable in an override failed only the deploy)."""
    units = plan_units(wall, config, theme, kudos_keys(wall)) + permanence.units(theme)
    units += permanence.moved_units(units, theme)
    return output_collisions(units) + sample_render_problems(units, theme)


def sample_render_problems(units: list[OutputUnit], theme: Theme) -> list[Problem]:
    """Render the first page of each template, as a build would, and return its errors (each once)."""
    first: dict[str, OutputUnit] = {}
    for unit in units:
        if unit.template:
            first.setdefault(unit.template, unit)
    found: dict[tuple[SourcePos, str], Problem] = {}
    with theme.card_cache():
        for unit in first.values():
            try:
                render_unit(unit, theme)
            except ContentError as exc:
                for problem in exc.problems:
                    found.setdefault((problem.pos, problem.message.split(": ", 1)[-1]), problem)
    return list(found.values())
