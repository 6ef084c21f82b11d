"""Permanence: every URL ever published keeps answering with the page, a redirect or a tombstone.

This module checks the wall against kudoswall.lock (and the lock at a base commit), annotates
kudos with their visible history and verification, and plans the extra output units: tombstone
pages for retracted/hidden kudos and removed people, redirect pages for aliases, and `_redirects`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from . import clock
from .config import CONFIG_FILE, Config
from .errors import ContentError, Problem, SourcePos, UsageError
from .history import SHALLOW, GitHistory, authored_by, default_base, file_at, git_refusal, load_history
from .honesty import mark_reciprocal
from .links import Links, kudos_path, output_file, person_path, skill_path
from .lockfile import LOCK_FILE, Lock, LockRecord, content_digest, parse_lock, read_lock, recorded_as
from .models import History, Kudos, Person, Wall
from .pages import PagePlanner
from .search import BUNDLE_DIR
from .theme import Theme
from .units import OutputUnit, fingerprint

RETRACT_HINT = ("a published kudos keeps its permalink: restore the file and set 'status: retracted' (the writer "
                "withdraws it) or 'status: hidden' (the recipient asked), optionally with status_reason and "
                "status_date; to rename it use 'kudoswall mv OLD NEW', which records an alias")
PERSON_HINT = ("a published profile keeps its address: restore the person's file and set 'status: removed', or "
               "list the old handle under 'aliases:' of the renamed person")


@dataclass(frozen=True, slots=True)
class Redirect:
    source: str  # the old site path, like k/old-id/
    target: str  # the current site path
    origin: SourcePos


def alias_path(alias: str, kind: str) -> str | None:
    """The site path an alias stands for: an old id/handle, or (with a '/') an old site path."""
    if "/" not in alias:
        return kudos_path(alias) if kind == "kudos" else person_path(alias)
    path = alias.strip("/")
    segments = path.split("/")
    if any(segment in ("", ".", "..") for segment in segments):
        return None
    return path if "." in segments[-1] else path + "/"


def _pages_reserved(wall: Wall) -> set[str]:
    every_kudos = [*wall.kudos, *wall.tombstones, *wall.pending]
    return {"", "people/", "skills/", *(kudos_path(k.id) for k in every_kudos),
            *(person_path(h) for h in (*wall.people, *wall.removed_people)), *(skill_path(s) for s in wall.skills)}


def collect_redirects(wall: Wall) -> tuple[list[Redirect], list[Problem]]:
    reserved = _pages_reserved(wall)
    redirects: dict[str, Redirect] = {}
    problems: list[Problem] = []
    owners = [(k.aliases, kudos_path(k.id), [k.pos(f"aliases.{i}") for i in range(len(k.aliases))], "kudos")
              for k in (*wall.kudos, *wall.tombstones)]
    # a removed person's old addresses lead to their tombstone, as a retracted kudos' aliases do to its own
    owners += [(p.aliases, person_path(p.handle), [p.pos] * len(p.aliases), "person")
               for p in (*wall.people.values(), *wall.removed_people.values())]
    for aliases, target, places, kind in owners:
        for alias, pos in zip(aliases, places, strict=True):
            source = alias_path(alias, kind)
            if source is None or source.startswith(("static/", f"{BUNDLE_DIR}/")):
                # the theme's files and the search index: a redirect rule there would break them site-wide
                problems.append(Problem(pos, f"alias '{alias}' is not a usable site path",
                                        "write an old id, or a path like k/old-id/"))
            elif source in reserved:
                problems.append(Problem(pos, f"alias '{alias}' is the address of a page that exists",
                                        "an alias must be an address that no longer has its own page"))
            elif source in redirects and redirects[source].target != target:
                problems.append(Problem(pos, f"alias '{alias}' is also claimed by {redirects[source].origin.path}",
                                        "an old address can redirect to one place only"))
            else:
                redirects[source] = Redirect(source, target, pos)
    return sorted(redirects.values(), key=lambda r: r.source), problems


def resolvable_paths(wall: Wall, redirects: list[Redirect]) -> set[str]:
    return {*(kudos_path(k.id) for k in (*wall.kudos, *wall.tombstones)),
            *(person_path(h) for h in (*wall.people, *wall.removed_people)), *(r.source for r in redirects)}


def lock_problems(lock: Lock, wall: Wall, redirects: list[Redirect], base: Lock | None = None,
                  base_ref: str = "") -> list[Problem]:
    """Errors for every locked permalink that would no longer resolve, and for lock records removed since base."""
    problems = list(lock.problems)
    resolvable = resolvable_paths(wall, redirects)
    records: list[tuple[LockRecord, str]] = [(r, "") for r in lock.records]
    if base is not None:
        current = {r.sort_key: r for r in lock.records}
        for record in base.records:
            now = current.get(record.sort_key)
            if now is None:
                problems.append(Problem(SourcePos(LOCK_FILE, 1), f"the lock record of {record.kind} '{record.key}' "
                                        f"(in {LOCK_FILE} at {base_ref}) was deleted",
                                        "lock records are permanent: restore the line from git"))
                records.append((record, f" (published as of {base_ref})"))
            elif (now.permalink, now.published, now.digest) != (record.permalink, record.published, record.digest):
                # a record rewritten could move a permalink away (and delete the page) or hide an edit
                problems.append(Problem(SourcePos(LOCK_FILE, now.line), f"the lock record of {record.kind} "
                                        f"'{record.key}' was changed since {base_ref}",
                                        "lock records are permanent: restore the line from git"))
                records.append((record, f" (published as of {base_ref})"))
    # a pending kudos' old addresses wait with it: "deleted" would send its writer the wrong way
    pending = {kudos_path(k.id) for k in wall.pending} | {
        path for k in wall.pending for alias in k.aliases if (path := alias_path(alias, "kudos"))}
    for record, where in records:
        if record.permalink in resolvable:
            continue
        pos = SourcePos(LOCK_FILE, record.line) if not where else SourcePos(LOCK_FILE, 1)
        if record.permalink in pending:
            problems.append(Problem(pos, f"the published kudos '{record.key}' now waits for consent, so /"
                                    f"{record.permalink} would stop working", "add its consent: field, or "
                                    "set status: hidden if the recipient does not want it shown"))
        else:
            problems.append(_deleted(record, pos, where))
    return problems


def _deleted(record: LockRecord, pos: SourcePos, where: str = "") -> Problem:
    noun = "kudos" if record.kind == "kudos" else "profile"
    return Problem(pos, f"the published {noun} '{record.key}' was deleted{where}: /{record.permalink} would no "
                   "longer resolve", RETRACT_HINT if record.kind == "kudos" else PERSON_HINT)


def deleted_beside_errors(lock: Lock, present: set[str]) -> list[Problem]:
    """With content errors the wall cannot be assembled, but a deleted published page is still
    known from which files are there (`present`: their permalinks and their aliases' paths), and
    is said in the same run rather than the one after the errors are fixed."""
    return [_deleted(record, SourcePos(LOCK_FILE, record.line)) for record in lock.records
            if record.permalink not in present]


def note_former_digests(kudos_list: list[Kudos], people: dict[str, Person]) -> None:
    """A person renamed (the old handle in their `aliases`) changes no word a reader sees of their
    kudos, but changes the handles the lock's digest was taken with: those kudos were marked
    'edited' for good. Taken while the text is at hand (a build drops it once the wall is read)."""
    for kudos in kudos_list:
        writer, recipient = people.get(kudos.from_handle), people.get(kudos.to_handle)
        old_from = [alias for alias in (writer.aliases if writer else ()) if "/" not in alias]
        old_to = [alias for alias in (recipient.aliases if recipient else ()) if "/" not in alias]
        handles = [(f, t) for f in [kudos.from_handle, *old_from] for t in [kudos.to_handle, *old_to]]
        kudos.former_digests = tuple(content_digest(kudos, f, t) for f, t in handles[1:])  # [0]: today's


def annotate(wall: Wall, config: Config, lock: Lock, git: GitHistory | None) -> None:
    """Set history, verification, reciprocity and first-published ids on every shown kudos, and
    first-published handles on people (recomputed on each run)."""
    locked = lock.by_key("kudos")
    for kudos in (*wall.kudos, *wall.pending):
        annotate_kudos(kudos, wall, config, locked, git)
    mark_reciprocal(wall.kudos, config.reciprocal_days)
    people = lock.by_key("person")
    for person in wall.people.values():
        person.published_as = first_published(person.aliases, people, "person") or ""
        record = people.get(person.first_handle)
        person.published_on = record.published if record else clock.today()  # the day this build records them


def first_published(aliases: tuple[str, ...], locked: dict[str, LockRecord], kind: str) -> str | None:
    """The oldest of `aliases` the lock records, as an id or handle: `kudoswall mv` (and a renamed
    person's `aliases:`) lists old names oldest first. Not an alias the lock never recorded (an
    address kept from an earlier site): feed ids and credentials moved to it when one was added."""
    for alias in aliases:
        path = alias_path(alias, kind)
        name = path.removeprefix("k/" if kind == "kudos" else "people/").removesuffix("/") if path else ""
        if name in locked and locked[name].permalink == path:
            return name
    return None


def annotate_kudos(kudos: Kudos, wall: Wall, config: Config, locked: dict[str, LockRecord],
                   git: GitHistory | None) -> None:
    """History and verification of one kudos (serve re-annotates only the kudos an edit touched)."""
    record = recorded_as(kudos, locked)
    kudos.published_as = first_published(kudos.aliases, locked, "kudos") or ""
    entry = git.files.get(kudos.source) if git is not None else None
    digest = kudos.content_digest
    edited = record is not None and bool(record.digest) and record.digest not in (digest, *kudos.former_digests)
    url = f"{config.repo_url.rstrip('/')}/commits/HEAD/{git.prefix if git else ''}{kudos.source}" \
        if config.repo_url else None
    if entry is not None and entry.first and entry.last:
        # an author date is the committer's to write: not later than today (2099 was kept in the lock)
        first_day = min(entry.first.date(), clock.today())
        last_day = max(first_day, min(entry.last.date(), clock.today()))
        kudos.history = History(record.published if record else first_day, last_day,
                                entry.revisions, edited, "git", url, digest)  # before it is recorded: not published
    elif record is not None:
        kudos.history = History(record.published, record.published, 1, edited, "lock", url, digest)
    else:
        kudos.history = History(kudos.date, kudos.date, 1, False, "front matter", url, digest)
    writer = wall.people.get(kudos.from_handle)
    if entry is None and git is not None and kudos.source in git.tracked:
        kudos.verified = "unverified"  # committed, but not by a commit the log shows: a merge's own change
    elif entry is None or writer is None:
        kudos.verified = "unknown"
    else:
        kudos.verified = "verified" if authored_by(entry, writer) else "unverified"


def verification_problems(wall: Wall, config: Config, git: GitHistory | None) -> list[Problem]:
    if not config.require_verified_authors:
        return []
    problems = []
    if git is None:
        return [Problem(SourcePos("kudoswall.yaml"), "require_verified_authors is set but this is not a git "
                        "checkout, so no author can be verified", "run check in a clone of the wall", "warning")]
    if git.shallow:
        return []  # SHALLOW says it, as an error
    for kudos in (*wall.kudos, *wall.pending):
        writer = wall.people[kudos.from_handle].name if kudos.from_handle in wall.people else kudos.from_handle
        if kudos.verified == "unverified" and kudos.source not in git.files:
            problems.append(Problem(kudos.pos("from"), "this kudos was added by a merge commit, which cannot "
                                    f"show that {writer} wrote it", "the writer must commit it themselves, in a "
                                    "commit of its own, with an identity listed under 'identities:'"))
        elif kudos.verified == "unverified":
            entry = git.files[kudos.source]
            problems.append(Problem(kudos.pos("from"), f"the commit that added this kudos ({entry.added_commit[:10]})"
                                    f" was not authored or signed by {writer}", "the writer must commit it "
                                    "themselves, with an identity listed under 'identities:' in their person file"))
        elif kudos.verified == "unknown":
            problems.append(Problem(kudos.pos("from"), "this kudos is not committed yet, so its writer cannot be "
                                    "verified", "commit it as the writer", "warning"))
    return problems


@dataclass
class Permanence:
    wall: Wall
    config: Config
    lock: Lock
    git: GitHistory | None
    redirects: list[Redirect]
    problems: list[Problem]

    def units(self, theme: Theme) -> list[OutputUnit]:
        planner = PagePlanner(self.wall, self.config, theme)
        config_digest = self.config.digest()
        units = []
        for kudos in self.wall.tombstones:
            context: dict[str, object] = {"tombstone": kudos, "removed_person": None}
            key = f"{kudos.status}|{kudos.status_reason}|{kudos.status_date}|{kudos.hidden_for_removal}"
            units.append(planner._unit(kudos_path(kudos.id), "tombstone.html", [key], context))
        for person in self.wall.removed_people.values():
            context = {"tombstone": None, "removed_person": person}
            units.append(planner._unit(person_path(person.handle), "tombstone.html", [str(person.removed_date)],
                                       context))
        template = theme.template_digest("redirect.html")
        for redirect in self.redirects:
            units.append(self._redirect_unit(theme, redirect, fingerprint(template, config_digest, redirect.target)))
        base = self.config.base_path
        lines = []
        for r in self.redirects:
            lines.append(f"{base}{r.source} {base}{r.target} 301")
            folders = ("people/", "k/")
            if r.source.endswith("/") and any(r.source.startswith(f) and r.target.startswith(f) for f in folders):
                # a renamed person's feed, badges and embeds moved too, as did a kudos' credential and share
                # image (Netlify/Cloudflare splat rule)
                lines.append(f"{base}{r.source}* {base}{r.target}:splat 301")
        text = "".join(line + "\n" for line in lines).encode()
        units.append(OutputUnit("_redirects", fingerprint("_redirects", text.decode()), lambda: text))
        return units

    def moved_units(self, units: list[OutputUnit], theme: Theme) -> list[OutputUnit]:
        """What a renamed kudos or person has beside its page (a feed, badges, embeds, lists, share
        image), also at each old address: `_redirects` covers them only on hosts that read it, and
        GitHub Pages does not. Files are copies, pages are redirect pages; a path `units` has already
        (a credential at its first address) is left to it."""
        folders: dict[str, list[Redirect]] = {}
        for r in self.redirects:
            if r.source.endswith("/") and r.target.count("/") == 2 and r.target.startswith(("k/", "people/")):
                folders.setdefault(r.target, []).append(r)
        if not folders:
            return []
        taken = {unit.path for unit in units}
        moved: list[OutputUnit] = []
        template = theme.template_digest("redirect.html")
        config_digest = self.config.digest()
        for unit in units:
            folder = unit.path[: unit.path.find("/", unit.path.find("/") + 1) + 1]
            for redirect in folders.get(folder, ()):
                rest = unit.path[len(folder):]
                path = redirect.source + rest
                if rest == "index.html" or path in taken:
                    continue  # the page itself has its redirect page; a credential is kept at its first id
                if rest.endswith("index.html"):
                    page = Redirect(path[: -len("index.html")], unit.path[: -len("index.html")], redirect.origin)
                    moved.append(self._redirect_unit(theme, page, fingerprint(template, config_digest, page.target)))
                else:
                    moved.append(OutputUnit(path, unit.fingerprint, unit.render, origin=redirect.origin))
        return moved

    def _redirect_unit(self, theme: Theme, redirect: Redirect, unit_fingerprint: str) -> OutputUnit:
        def render() -> bytes:
            links = Links.for_page(redirect.source)
            context = {"site": self.config, "target": links.path(redirect.target),
                       "canonical_url": self.config.absolute_url(redirect.target)}
            return theme.template("redirect.html").render(context).encode("utf-8")

        return OutputUnit(output_file(redirect.source), unit_fingerprint, render, origin=redirect.origin,
                          template="redirect.html")


def evaluate(wall: Wall, config: Config, base_ref: str | None = None, lock: Lock | None = None,
             store: Path | None = None, keep_cache: bool = True) -> Permanence:
    """Everything permanence needs, with one git log for history (and a call or two more with a base).
    `store`, the cache folder, keeps that log for the next build (history.load_history), unless
    `keep_cache` is False."""
    lock = lock if lock is not None else read_lock(config.root)
    git = load_history(config, with_signatures=any(
        p.identities and p.identities.keys for p in wall.people.values()), store=store, keep=keep_cache)
    annotate(wall, config, lock, git)
    redirects, problems = collect_redirects(wall)
    base_lock = None
    if base_ref:
        base_lock = parse_lock(file_at(config.root, base_ref, LOCK_FILE))
    problems += lock_problems(lock, wall, redirects, base_lock, base_ref or "")
    problems += verification_problems(wall, config, git)
    if git is not None and git.shallow:
        problems.append(replace(SHALLOW, severity="error") if config.require_verified_authors else SHALLOW)
    elif git is None and (refusal := git_refusal(config.root)):
        problems = [p for p in problems if "this is not a git checkout" not in p.message]  # it is one git refuses
        problems.append(Problem(SourcePos(CONFIG_FILE), f"git did not read this checkout's history: {refusal}",
                                "fix what git says (run git status here); until then dates come from the lock "
                                "and front matter and no author is verified",
                                "error" if config.require_verified_authors else "warning"))
    return Permanence(wall, config, lock, git, redirects, problems)


def resolve_base(root: Path, requested: str | None) -> str | None:
    """--base REF as given, or the merge base with the remote's default branch ('none' turns it off)."""
    if requested == "none":
        return None
    if requested is not None and not requested.strip():
        # `--base "$(git merge-base …)"` whose command failed: comparing with nothing would pass anything
        raise UsageError("--base is empty (did the command that computes it fail?): give a commit, or --base none")
    return requested or default_base(root)


def plan_permanence(wall: Wall, config: Config, lock: Lock | None = None, store: Path | None = None) -> Permanence:
    """For build and serve: raises ContentError when a published URL would break.
    `lock` is kudoswall.lock when the caller read it already; else it is read here."""
    permanence = evaluate(wall, config, lock=lock, store=store)
    errors = [p for p in permanence.problems if p.severity == "error"]
    if errors:
        raise ContentError(errors)
    return permanence
