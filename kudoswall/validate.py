"""Validate: rules that span files (references, duplicates), reported all at once."""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import replace
from pathlib import PurePosixPath

from . import clock
from .config import Config
from .errors import ProblemLog, SourcePos, did_you_mean
from .imagemeta import ImageError, strip_metadata
from .models import Kudos, Person, Skill, Wall
from .text import identity_skeleton

_DATED_NAME = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}\Z")
_IMAGE_MAGIC = {
    ".png": (b"\x89PNG\r\n\x1a\n",),
    ".jpg": (b"\xff\xd8\xff",),
    ".jpeg": (b"\xff\xd8\xff",),
    ".gif": (b"GIF87a", b"GIF89a"),
    ".webp": (b"RIFF",),
}


def validate_people(people: dict[str, Person], config: Config, log: ProblemLog) -> None:
    for person in people.values():
        if person.avatar_source:
            _check_avatar(person, config, log)
    _check_confusable_names(people, log)
    _check_confusable_handles(people, log)


def _lookalike_letters(name: str) -> int:
    """How many of a name's letters stand in for another one (a Cyrillic а for a Latin a)."""
    return sum(identity_skeleton(letter) != letter.casefold() for letter in name if not letter.isspace())


def _check_confusable_names(people: dict[str, Person], log: ProblemLog) -> None:
    """Names that look alike are an error on each but one, at its `name:`: the one with the fewest
    stand-in letters is taken as the genuine one (else the first by handle), so the error lands on
    the impostor's file, the one a pull request adds, not on the genuine person's."""
    groups: dict[str, list[Person]] = defaultdict(list)
    for handle in sorted(people):
        groups[identity_skeleton(people[handle].name)].append(people[handle])
    for group in groups.values():
        spellings = {person.name for person in group}
        if len(spellings) < 2:
            continue
        genuine = min(group, key=lambda person: _lookalike_letters(person.name))
        for person in group:
            if person.name != genuine.name:
                log.error(person.name_pos or person.pos, f"name '{person.name}' looks like '{genuine.name}' "
                          f"({genuine.source}) but is spelled with different characters",
                          "use the same letters, or a clearly different name")


def _check_confusable_handles(people: dict[str, Person], log: ProblemLog) -> None:
    """Handles that read alike are an error on each but one: the handle spelled the plain way
    (equal to its own skeleton) is taken as the genuine one, else the first in sorted order."""
    groups: dict[str, list[str]] = defaultdict(list)
    for handle in sorted(people):
        groups[identity_skeleton(handle)].append(handle)
    for skeleton, handles in groups.items():
        if len(handles) < 2:
            continue
        genuine = skeleton if skeleton in handles else handles[0]
        for handle in handles:
            if handle != genuine:
                log.error(people[handle].pos, f"handle '{handle}' is confusable with '{genuine}'")


def _check_avatar(person: Person, config: Config, log: ProblemLog) -> None:
    base = (config.root / person.source).parent
    target = (base / person.avatar_source).resolve() if person.avatar_source else base
    pos = person.avatar_pos or SourcePos(person.source, 1, 1)
    content_root = config.content_path.resolve()
    if content_root not in target.parents:
        log.error(pos, f"avatar '{person.avatar_source}' is outside the content folder", "put the image in content/")
        return
    if (base / str(person.avatar_source)).is_symlink() or not target.is_file():
        log.error(pos, f"avatar file '{person.avatar_source}' not found", "add the image next to the person's file")
        return
    suffix = target.suffix.lower()
    with target.open("rb") as handle:
        head = handle.read(12)
    if not any(head.startswith(magic) for magic in _IMAGE_MAGIC.get(suffix, ())) or (
        suffix == ".webp" and head[8:12] != b"WEBP"
    ):
        log.error(pos, f"avatar '{person.avatar_source}' is not a {suffix[1:].upper()} image",
                  "save it in that format, or name the file after the format it is in")
        return
    if target.stat().st_size > 2 * 1024 * 1024:
        log.error(pos, f"avatar '{person.avatar_source}' is larger than 2 MiB", "use a smaller image")
        return
    try:  # the build publishes it without its metadata (imagemeta.py), which needs it well formed
        strip_metadata(target.read_bytes(), suffix)
    except ImageError as exc:
        log.error(pos, f"avatar '{person.avatar_source}' is not a readable {suffix[1:].upper()} image: {exc}",
                  "open it in an image editor and save it again")
        return
    person.avatar_path = f"people/{person.handle}/avatar{suffix}"


def latest_kudos_date(today: dt.date) -> dt.date:
    """The latest date a kudos may carry: tomorrow, since a writer ahead of UTC may already be on it."""
    return today + dt.timedelta(days=1)


FUTURE_DATE_HINT = ("write the day it was written: the first publication of a kudos is recorded in kudoswall.lock "
                    "for good, and a typo there could never be corrected")


def suggest_handle(handle: str, handles: Iterable[str]) -> str:
    """A did-you-mean hint for a handle; people often write only the first name ('grace')."""
    known = list(handles)
    starting = [other for other in known if handle and other.startswith(handle + "-")]
    return did_you_mean(handle, known) or (f"did you mean '{starting[0]}'?" if len(starting) == 1 else "")


def _unreadable_people(log: ProblemLog) -> set[str]:
    """Handles whose people file has errors: it exists, so 'unknown person' would mislead."""
    paths = (PurePosixPath(problem.pos.path) for problem in log.errors)
    return {path.stem for path in paths if path.parent.name == "people" and path.suffix in (".yaml", ".yml")}


def validate_kudos(kudos_list: list[Kudos], people: dict[str, Person], log: ProblemLog) -> None:
    by_id: dict[str, Kudos] = {}
    unreadable = _unreadable_people(log)
    today = clock.today()  # here, not when a file is parsed: parses are cached across days
    latest = latest_kudos_date(today)
    listed_skills: dict[str, set[str]] = {}
    for kudos in kudos_list:
        first = by_id.get(kudos.id)
        if first is not None:
            log.error(kudos.pos("id") if "id" in kudos.positions else SourcePos(kudos.source),
                      f"duplicate kudos id '{kudos.id}' (also used by {first.source})",
                      "rename one of the files, or set a different 'id:'")
            continue
        by_id[kudos.id] = kudos
        for field_name, handle in (("from", kudos.from_handle), ("to", kudos.to_handle)):
            if handle not in people and handle not in unreadable:
                log.error(kudos.pos(field_name), f"unknown person '{handle}' in '{field_name}'",
                          suggest_handle(handle, people) or f"add content/people/{handle}.yaml")
        if kudos.from_handle == kudos.to_handle:
            log.error(kudos.pos("to"), "a kudos cannot be written to its own writer",
                      "'from' and 'to' must name different people")
        if kudos.consent_by is not None and kudos.consent_by != kudos.to_handle and kudos.to_handle in people:
            # checked once 'to' is known to name someone: a typo there would otherwise be copied into 'by'
            log.error(kudos.pos("consent.by"), "consent can only be given by the recipient",
                      f"set 'by: {kudos.to_handle}', the handle in 'to'")
        if kudos.date > latest:
            log.error(kudos.pos("date"), f"'date' {kudos.date.isoformat()} is after today ({today.isoformat()})",
                      FUTURE_DATE_HINT)
        stem_date = kudos.source.rsplit("/", 1)[-1][:10]
        if _DATED_NAME.match(stem_date) and stem_date != kudos.date.isoformat():
            log.warning(kudos.pos("date"), f"the file name says {stem_date} but 'date' is {kudos.date.isoformat()}",
                        "name kudos files <YYYY-MM-DD>-<slug>.md with the same date")
        recipient = people.get(kudos.to_handle)
        if recipient is not None:
            listed = listed_skills.get(recipient.handle)
            if listed is None:  # once per person, not per kudos
                listed = listed_skills[recipient.handle] = {skill.slug for skill in recipient.skills}
            for skill in kudos.skills:
                if skill.slug not in listed:
                    log.warning(kudos.pos(f"skills.{skill.slug}"),
                                f"'{recipient.name}' does not list the skill '{skill.name}'",
                                f"fine if meant: it shows apart on their page; add it to {recipient.source} to list it")


def assemble_wall(people: dict[str, Person], kudos_list: list[Kudos], drafts: bool = False) -> Wall:
    """Build the indexes every page needs in one pass over the kudos (O(N)).

    Only published kudos and people reach the indexes, so retracted, hidden and pending kudos
    (and people who asked to be removed) are in no page, feed or JSON by construction. With
    `drafts` (serve --drafts only) kudos awaiting consent are shown too, marked as pending.
    """
    removed = {handle: person for handle, person in people.items() if person.removed}
    people = {handle: person for handle, person in people.items() if not person.removed}
    if removed:  # copies, not edits: parsed models are cached between builds
        kudos_list = [replace(k, status="hidden", status_reason=None, status_date=None, hidden_for_removal=True)
                      if k.is_live and (k.from_handle in removed or k.to_handle in removed) else k
                      for k in kudos_list]
    everything = sorted(kudos_list, key=lambda k: k.sort_key, reverse=True)
    ordered = [kudos for kudos in everything if kudos.is_live or (drafts and kudos.status == "pending")]
    received: dict[str, list[Kudos]] = defaultdict(list)
    given: dict[str, list[Kudos]] = defaultdict(list)
    skill_kudos: dict[str, list[Kudos]] = defaultdict(list)
    skills: dict[str, Skill] = {}
    for person in sorted(people.values(), key=lambda p: p.handle):
        for skill in person.skills:
            skills.setdefault(skill.slug, skill)
    for kudos in ordered:
        received[kudos.to_handle].append(kudos)
        given[kudos.from_handle].append(kudos)
        for skill in kudos.skills:
            skills.setdefault(skill.slug, skill)
            skill_kudos[skill.slug].append(kudos)
    return Wall(
        people=dict(sorted(people.items())),
        kudos=ordered,
        received=dict(received),
        given=dict(given),
        skills=dict(sorted(skills.items())),
        skill_kudos=dict(skill_kudos),
        tombstones=[kudos for kudos in everything if kudos.status in ("retracted", "hidden")],
        pending=[kudos for kudos in everything if kudos.status == "pending"],
        removed_people=dict(sorted(removed.items())),
    )
