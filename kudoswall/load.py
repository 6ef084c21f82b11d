"""Load: source files → typed models, each field remembering where it was written.

Each file is parsed by a pure function of its path and bytes, so parsing can run in worker
processes and be cached by content digest; cross-file rules live in validate.py.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .config import Config
from .errors import Problem, SourcePos, positional_pickle
from .lockfile import content_digest
from .models import FieldPositions, Identities, Kudos, Link, Person, Skill
from .schema import validate_document
from .slugs import is_slug, slugify
from .sourcefile import SourceError, YamlDocument, decode_source, parse_yaml, split_front_matter
from .text import check_text, first_refused, is_editor_temp_file, printable

PEOPLE_DIR = "people"
KUDOS_DIR = "kudos"
KUDOS_SUFFIXES = (".md", ".yaml", ".yml")
LINK_LABELS = {"website": "Website", "github": "GitHub", "linkedin": "LinkedIn", "mastodon": "Mastodon"}


@dataclass(frozen=True, slots=True)
class SourceFile:
    """A file of the wall: its path relative to the wall root, and its bytes."""

    rel_path: str
    data: bytes
    size: int = -1  # the size on disk when `data` stopped at the size limit (huge files are not read whole)

    @property
    def digest(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


@positional_pickle
@dataclass(slots=True)
class ParseResult:
    person: Person | None = None
    kudos: Kudos | None = None
    problems: tuple[Problem, ...] = ()


_child_paths: dict[tuple[Path, str], Path] = {}
_listed_folders: set[Path] = set()


def _child_paths_of(folder: Path, names: list[str]) -> list[Path]:
    """`folder / name` for each name, remembered from a folder's second listing in this process on.

    Serve lists the same 10,000s of files on every rebuild (56 -> 32 ms remembered); a build lists
    each folder once, and remembering would only keep ~600 B of Path per file after loading.
    """
    if folder not in _listed_folders:
        if len(_listed_folders) > 1_000:
            _listed_folders.clear()
        _listed_folders.add(folder)
        return [folder / name for name in names]
    return [_child_path(folder, name) for name in names]


def _child_path(folder: Path, name: str) -> Path:
    key = (folder, name)
    path = _child_paths.get(key)
    if path is None:
        if len(_child_paths) > 200_000:  # bounded: renamed and deleted files leave entries behind
            _child_paths.clear()
        path = _child_paths[key] = folder / name
    return path


def list_source_files(config: Config) -> tuple[list[Path], list[Path], list[Problem]]:
    """People and kudos files of the wall, sorted; symlinks are refused, never followed."""
    problems: list[Problem] = []

    def unread(rel: str, entry: os.DirEntry[str], suffixes: tuple[str, ...], only_sources: bool) -> None:
        """A file that looks meant to be read but would not be: its kudos would never be published."""
        if not (only_sources or entry.name.lower().endswith(suffixes)):
            return  # content/people also holds avatars, in any folder
        folder = rel.rpartition("/")[0]
        endings = ", ".join(suffixes[:-1]) + " or " + suffixes[-1]
        if entry.is_dir():
            problems.append(Problem(SourcePos(rel), f"'{entry.name}' is a folder, and only the files directly in "
                                    f"{folder}/ are read", "move its files up into the folder, or out of it"))
        else:
            problems.append(Problem(SourcePos(rel), f"'{entry.name}' is not read: only files ending in {endings} are",
                                    f"rename it to end in {suffixes[0]}, or move it out of {folder}/"))

    def scan(folder: Path, suffixes: tuple[str, ...], only_sources: bool) -> list[Path]:
        found: list[str] = []
        if not folder.is_dir():
            if os.path.lexists(folder):  # a file where the folder goes: its kudos would silently be none
                rel = relative_path(folder, config.root)
                problems.append(Problem(SourcePos(rel), f"'{rel}' is a file, not a folder",
                                        f"move the file away and keep the {folder.name} files in a folder {rel}/"))
            return []
        prefix = relative_path(folder, config.root) + "/"  # relpath per file costs 10,000s of calls
        with os.scandir(folder) as entries:
            for entry in entries:
                if entry.name.startswith(".") or is_editor_temp_file(entry.name):
                    continue
                rel = prefix + entry.name
                if not rel.isprintable() and printable(rel) != rel:  # isprintable: none of what printable escapes
                    problems.append(
                        Problem(SourcePos(printable(rel)), "the file name has control characters, direction-changing "
                                "characters or bytes that are not UTF-8", "rename the file")
                    )
                    continue
                if entry.is_symlink():
                    problems.append(
                        Problem(SourcePos(rel), "symbolic links are not followed in the content folder",
                                "replace the link with the file itself")
                    )
                    continue
                if entry.is_file() and entry.name.endswith(suffixes):
                    found.append(entry.name)
                else:
                    unread(rel, entry, suffixes, only_sources)
        return _child_paths_of(folder, sorted(found))  # sorting names, not Paths: 10x faster

    content = config.content_path
    for folder in (content, content / PEOPLE_DIR, content / KUDOS_DIR):
        if folder.is_symlink():  # it could bring in files from anywhere on the machine that builds
            rel = os.path.relpath(folder, config.root)
            return [], [], [Problem(SourcePos(rel), "symbolic links are not followed in the content folder",
                                    "replace the link with the folder itself")]
    if not content.is_dir():  # a misspelt content_dir would otherwise build an empty wall
        rel = relative_path(content, config.root)
        what = "is a file, not a folder" if os.path.lexists(content) else "does not exist"
        return [], [], [Problem(SourcePos(rel), f"the content folder '{rel}' {what}",
                                "set content_dir in kudoswall.yaml to the folder holding people/ and kudos/ "
                                "('kudoswall init' makes one)")]
    return (scan(content / PEOPLE_DIR, (".yaml", ".yml"), only_sources=False),
            scan(content / KUDOS_DIR, KUDOS_SUFFIXES, only_sources=True), problems)


def relative_path(path: Path, root: Path) -> str:
    """`os.path.relpath` for a path inside root, without its cost (10,000s of files)."""
    text, prefix = str(path), str(root) + os.sep
    return text[len(prefix) :] if text.startswith(prefix) else os.path.relpath(path, root)


def read_source(config: Config, path: Path) -> SourceFile:
    with path.open("rb") as handle:
        data = handle.read(config.max_file_size + 1)
        size = os.fstat(handle.fileno()).st_size if len(data) > config.max_file_size else -1
    return SourceFile(relative_path(path, config.root), data, size)


def _text_fields(document: YamlDocument, names: tuple[str, ...], problems: list[Problem], strict: bool) -> None:
    """NFC-normalise text fields and reject invisible or control characters in them."""
    for name in names:
        value = document.values.get(name)
        if isinstance(value, str):
            normalised = unicodedata.normalize("NFC", value).strip()
            message = check_text(normalised, strict_identity=strict)
            if message:
                problems.append(Problem(document.pos((name,)), f"'{name}' {message}", "retype the text"))
            document.values[name] = normalised


def _item_places(document: YamlDocument, values: dict[str, Any]) -> list[tuple[str, int, int]]:
    """Where each skill ("skills.<slug>", its first spelling) and each alias ("aliases.<index>") was
    written: a problem with one item points at that item, not at the list."""
    places: list[tuple[str, int, int]] = []
    seen: set[str] = set()
    for index, name in enumerate(values.get("skills") or []):
        slug = slugify(" ".join(unicodedata.normalize("NFC", name).split()))
        if slug not in seen:
            seen.add(slug)
            place = document.pos(("skills", index))
            places.append((f"skills.{slug}", place.line, place.column))
    for index, _ in enumerate(values.get("aliases") or []):
        place = document.pos(("aliases", index))
        places.append((f"aliases.{index}", place.line, place.column))
    if values.get("consent"):
        place = document.pos(("consent", "by"))
        places.append(("consent.by", place.line, place.column))
    return places


def _skills(values: list[str] | None) -> tuple[Skill, ...]:
    seen: dict[str, Skill] = {}
    for name in values or []:
        clean = " ".join(unicodedata.normalize("NFC", name).split())
        skill = Skill(slugify(clean), clean)
        seen.setdefault(skill.slug, skill)
    return tuple(seen.values())


def parse_person(source: SourceFile, config: Config) -> ParseResult:
    path = source.rel_path
    handle = Path(path).stem
    try:
        text = decode_source(path, source.data, config.max_file_size, source.size)
        document = parse_yaml(path, text)
    except SourceError as exc:
        return ParseResult(problems=tuple(exc.problems))
    problems = validate_document("person", document, config.field_limits)
    if not is_slug(handle) or len(handle) > 64:
        problems.append(
            Problem(SourcePos(path), f"'{handle}' is not a valid handle",
                    f"rename the file to '{slugify(handle)[:64]}.yaml': lowercase letters, digits and hyphens")
        )
    _text_fields(document, ("name",), problems, strict=True)
    _text_fields(document, ("headline",), problems, strict=False)
    for skill_index, skill_name in enumerate(document.values.get("skills") or []):
        if isinstance(skill_name, str) and (message := check_text(skill_name, strict_identity=True)):
            problems.append(Problem(document.pos(("skills", skill_index)), f"skill {message}", "retype the text"))
    removed_date = _optional_date(document, ("status_date",), problems)
    if problems:
        return ParseResult(problems=tuple(problems))
    values: dict[str, Any] = document.values
    links = tuple(
        Link(kind, LINK_LABELS[kind], f"https://github.com/{url}" if kind == "github" else url)
        for kind, url in sorted((values.get("links") or {}).items())
    )
    person = Person(
        handle=handle,
        kind=values.get("kind", "person"),
        name=values["name"],
        headline=values.get("headline", ""),
        url=values.get("url"),
        avatar_source=values.get("avatar"),
        skills=_skills(values.get("skills")),
        links=links,
        source=path,
        digest=source.digest,
        pos=SourcePos(path, 1, 1),
        aliases=tuple(values.get("aliases") or ()),
        removed=values.get("status") == "removed",
        removed_date=removed_date,
        identities=_identities(values.get("identities")),
        avatar_pos=document.pos(("avatar",)) if values.get("avatar") else None,
        name_pos=document.pos(("name",)),
    )
    return ParseResult(person=person)


def _identities(values: dict[str, Any] | None) -> Identities | None:
    if not values:
        return None
    return Identities(emails=tuple(e.casefold() for e in values.get("emails") or ()), github=values.get("github"),
                      keys=tuple(values.get("keys") or ()))


def _refused_at(path: str, raw_body: str, body_line: int) -> SourcePos:
    """The line and column of the body's first refused character, when the body is the file's own text
    (below a Markdown file's front matter; a YAML block's indentation is not in the value)."""
    refused = first_refused(raw_body, strict_identity=False, allow_newlines=True)
    if refused is None:
        return SourcePos(path, body_line, 1)
    index = refused[0]
    return SourcePos(path, body_line + raw_body.count("\n", 0, index), index - raw_body.rfind("\n", 0, index))


def parse_kudos(source: SourceFile, config: Config) -> ParseResult:
    path = source.rel_path
    try:
        text = decode_source(path, source.data, config.max_file_size, source.size)
        if path.endswith(".md"):
            front, body, body_line = split_front_matter(path, text)
            document = parse_yaml(path, front, first_line=2)
            if "body" in document.values:
                return ParseResult(problems=(Problem(document.pos(("body",), key=True),
                                                     "'body' belongs in .yaml kudos files only",
                                                     "write the text below the closing '---' instead"),))
        else:
            document = parse_yaml(path, text)
            body = None  # read once the schema has turned a number or a date written there into text
            body_line = document.pos(("body",)).line
    except SourceError as exc:
        return ParseResult(problems=tuple(exc.problems))
    problems = validate_document("kudos", document, config.field_limits)
    body_refused = False  # the schema said what is wrong with a .yaml kudos' body: nothing more to say of it
    if body is None:
        body_value = document.values.get("body")
        body = body_value if isinstance(body_value, str) else ""
        body_refused = "body" in document.values and not isinstance(body_value, str)
    _text_fields(document, ("title", "context"), problems, strict=False)
    raw_body = body if path.endswith(".md") else ""  # as in the file: a refused character is placed in it
    body = unicodedata.normalize("NFC", body or "").strip("\n")
    status = document.values.get("status", "published")
    if body_refused:
        pass
    elif not body.strip() and status == "published":
        last_line = text.count("\n") + (not text.endswith("\n"))  # a file may end at the closing '---'
        problems.append(Problem(SourcePos(path, min(body_line, max(last_line, 1)), 1), "the kudos has no text",
                                "write the recommendation below the front matter" if path.endswith(".md")
                                else "add a 'body:' field with the text"))
    elif len(body) > config.max_body_length:
        problems.append(Problem(SourcePos(path, body_line, 1),
                                f"the text is too long ({len(body):,} characters; at most {config.max_body_length:,})",
                                "shorten it, or raise max_body_length in kudoswall.yaml"))
    elif message := check_text(body, strict_identity=False, allow_newlines=True):
        problems.append(Problem(_refused_at(path, raw_body, body_line), f"the text {message}", "retype the text"))
    elif config.min_words and status == "published" and len(body.split()) < config.min_words:
        problems.append(Problem(SourcePos(path, body_line, 1),
                                f"the text is too short ({len(body.split())} words; at least {config.min_words})",
                                "say what they did and what it changed; a specific kudos is worth more"))
    values: dict[str, Any] = document.values
    date: dt.date | None = None
    if isinstance(values.get("date"), str) and not any(p.message.startswith("'date'") for p in problems):
        try:
            date = dt.date.fromisoformat(values["date"])
        except ValueError:
            problems.append(Problem(document.pos(("date",)), f"'{values['date']}' is not a real date",
                                    "check the month and day"))
    kudos_id = values.get("id") or slugify(Path(path).stem)
    if problems or date is None:
        return ParseResult(problems=tuple(problems))
    status_date = _optional_date(document, ("status_date",), problems)
    consent = values.get("consent") or {}
    consent_date = _optional_date(document, ("consent", "date"), problems)  # whose it is: validate.py
    if status == "published" and config.require_consent and not consent:
        status = "pending"
    if problems:
        return ParseResult(problems=tuple(problems))
    role = values.get("role") or {}
    places = [("", 1, 1)]  # where the file starts: the place of a problem with no field of its own
    for name in values:
        place = document.pos((name,))
        places.append((name, place.line, place.column))
    places += _item_places(document, values)
    kudos = Kudos(
        id=kudos_id,
        source=path,
        from_handle=values["from"],
        to_handle=values["to"],
        date=date,
        relationship=values["relationship"],
        role_from=role.get("from"),
        role_to=role.get("to"),
        context=values.get("context"),
        skills=_skills(values.get("skills")),
        title=values.get("title"),
        tags=tuple(dict.fromkeys(t.strip() for t in values.get("tags") or [])),
        body_markdown=body,
        digest=source.digest,
        position_table=FieldPositions.pack(places),
        status=status,
        status_reason=values.get("status_reason"),
        status_date=status_date,
        aliases=tuple(values.get("aliases") or ()),
        consent_by=consent.get("by"),
        consent_date=consent_date,
    )
    kudos.content_digest = content_digest(kudos)
    return ParseResult(kudos=kudos)


def _optional_date(document: YamlDocument, where: tuple[str, ...], problems: list[Problem]) -> dt.date | None:
    value: Any = document.values
    for key in where:
        value = value.get(key) if isinstance(value, dict) else None
    if not isinstance(value, str):
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        problems.append(Problem(document.pos(where), f"'{value}' is not a real date", "check the month and day"))
        return None
