"""Deterministic generator of a synthetic kudos wall for benchmarks.

The same logical content (people, kudos, skills, dates, bodies) can be written
in three formats so that kudoswall, Hugo and Pelican build comparable sites:

* ``kudoswall``: ``kudoswall.yaml``, ``content/people/*.yaml``,
  ``content/kudos/<date>-<slug>.md``.
* ``hugo``: a Hugo site with taxonomies ``skills`` and ``recipients``,
  pagination of 20, feeds and a minimal self-contained ``layouts/`` set.
* ``pelican``: Markdown articles plus a ``pelicanconf.py`` (tags = skills,
  author = recipient, pagination of 20, Atom feeds, default theme).

Usage::

    python bench/generate.py N OUTDIR [--format kudoswall|hugo|pelican] [--seed S]

Only the standard library is used, and nothing depends on the clock.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import shutil
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

DEFAULT_SEED = 20240501
SITE_TITLE = "Synthetic wall"
SITE_DESCRIPTION = "Benchmark wall"
BASE_URL = "https://bench.example.org/"
PER_PAGE = 20
FEED_ITEMS = 20
FIRST_DATE = dt.date(2018, 1, 1)
LAST_DATE = dt.date(2024, 12, 31)
FORMATS = ("kudoswall", "hugo", "pelican")


def _split_words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


def _split_commas(text: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in text.split(",") if part.strip())


# 48 skills whose names slugify without collisions in every tool (no "C++"/"C#").
SKILLS = _split_commas(
    """
    Go, Python, Rust, Java, Kotlin, Swift, TypeScript, JavaScript, Ruby,
    Elixir, Haskell, Scala, SQL, PostgreSQL, Redis, Kafka, Kubernetes, Docker,
    Terraform, AWS, GCP, Azure, Linux, Networking, Security, Cryptography,
    Machine Learning, Data Engineering, Statistics, Distributed Systems,
    Performance, Observability, Testing, CI, Code Review, Technical Writing,
    Public Speaking, Mentoring, Hiring, Product Management, UX Design,
    Accessibility, Project Management, Negotiation, Leadership,
    Incident Response, Architecture, Compilers
"""
)

RELATIONSHIPS = _split_words(
    """
    managed reported-to senior-to same-team different-teams client-of vendor-to
    business-partner mentor mentee teacher student other
"""
)

FIRST_NAMES = _split_words(
    """
    Ada Alan Amara Anika Ben Bianca Carlos Chen Chloe Dana Dmitri Elena Emeka
    Farah Felix Grace Hana Hugo Ines Ivan Jamal Jun Kai Karin Leila Liam Lucia
    Malik Maya Mei Nadia Nikolai Noor Olga Omar Priya Quinn Rafael Rosa Sanjay
    Sara Sven Tariq Thea Tomas Uma Viktor Wen Xavier Yara Yusuf Zoe Arjun
    Beatriz Cyrus Daria Emil Freya Goran Helga
"""
)
LAST_NAMES = _split_words(
    """
    Abara Berg Castillo Dubois Eriksen Fischer Garcia Haddad Ivanova Jansen
    Kowalski Larsen Moreau Nakamura Okafor Petrov Quintero Rossi Schmidt Tanaka
    Usman Varga Wang Xu Yilmaz Zhang Andersson Bakker Costa Dimitrov Esposito
    Ferreira Gruber Horvat Ito Jovanovic Kim Lindqvist Mendes Novak Oliveira
    Park Reyes Silva Torres Umarov Volkov Weber Yamamoto Zielinski Alvarez
    Brandt Chowdhury Delgado Engel Fontaine Gupta Hoffmann Iqbal Jensen
"""
)
ROLES = _split_commas(
    """
    Software engineer, Staff engineer, Engineering manager, Data scientist,
    Product manager, Designer, Site reliability engineer, Security engineer,
    Technical writer, Consultant, Architect, Researcher
"""
)
PROJECTS = _split_commas(
    """
    Atlas, Beacon, Cobalt, Delta migration, Ember, Falcon, Granite, Harbor,
    Iris, Juniper, Keystone, Lumen, Meridian, Nimbus, Orion, Pioneer, Quartz,
    Relay, Sentinel, Tundra, Umbra, Vertex, Willow, Zephyr
"""
)
WORDS = _split_words(
    """
    the team project always delivered careful thoughtful work under pressure
    with clear communication and a calm approach to every problem we faced
    together during launch design review quality improved our process helped
    everyone learn new tools shipped features on time reliable systems users
    trusted feedback was generous honest precise kind of in for that made
    difference hard migration outage customers roadmap planning support
"""
)
ADJECTIVES = _split_words(
    """
    outstanding dependable insightful generous meticulous inspiring pragmatic
    patient brilliant steady
"""
)


@dataclass(frozen=True)
class Person:
    """One person of the wall; ``handle`` is the slug of ``name``."""

    handle: str
    name: str
    headline: str
    skills: tuple[str, ...]


@dataclass(frozen=True)
class Kudos:
    """One recommendation from ``giver`` to ``recipient``."""

    slug: str
    date: dt.date
    giver: Person
    recipient: Person
    relationship: str
    context: str
    skills: tuple[str, ...]
    body: str

    @property
    def stem(self) -> str:
        """File name without extension: ``<YYYY-MM-DD>-<slug>``."""
        return f"{self.date.isoformat()}-{self.slug}"

    @property
    def title(self) -> str:
        """Title for tools that need one (Hugo, Pelican)."""
        return f"{self.giver.name} on {self.recipient.name}"


@dataclass(frozen=True)
class Wall:
    """The whole logical content of a synthetic wall."""

    people: tuple[Person, ...]
    kudos: tuple[Kudos, ...]


# --------------------------------------------------------------------------- content


def people_count(n: int) -> int:
    """About one person per 30 kudos, at least 10."""
    return max(10, round(n / 30))


def _unique_names(rng: random.Random, count: int) -> list[str]:
    combos = [f"{first} {last}" for first in FIRST_NAMES for last in LAST_NAMES]
    rng.shuffle(combos)
    names: list[str] = []
    for i in range(count):
        base = combos[i % len(combos)]
        round_no = i // len(combos)
        if round_no == 0:
            names.append(base)
        else:
            first, last = base.split(" ", 1)
            names.append(f"{first} {chr(ord('A') + (round_no - 1) % 26)} {last} {round_no}")
    return names


def _handle(name: str) -> str:
    return "-".join(part.lower() for part in name.split())


def make_people(rng: random.Random, count: int) -> list[Person]:
    """Create ``count`` people with unique names and handles."""
    people = []
    for name in _unique_names(rng, count):
        role = rng.choice(ROLES)
        skills = tuple(rng.sample(SKILLS, rng.randint(5, 8)))
        headline = f"{role} working on {rng.choice(PROJECTS)}"
        people.append(Person(_handle(name), name, headline, skills))
    return people


def _sentence(rng: random.Random, length: int) -> str:
    words = [rng.choice(WORDS) for _ in range(length)]
    return " ".join(words).capitalize() + "."


def _paragraph(rng: random.Random, words: int) -> tuple[str, int]:
    sentences: list[str] = []
    used = 0
    while used < words:
        left = words - used
        length = left if left <= 16 else min(rng.randint(6, 16), left - 3)
        sentences.append(_sentence(rng, length))
        used += length
    return " ".join(sentences), used


def make_body(rng: random.Random, recipient: Person, skills: Sequence[str], index: int) -> str:
    """A Markdown body of roughly 80 to 220 words."""
    target = rng.randint(80, 220)
    intro = (
        f"Working with {recipient.name} was *{rng.choice(ADJECTIVES)}*. "
        f"Their {skills[0]} work on [{rng.choice(PROJECTS)}]"
        f"(https://example.org/projects/{index}) set the bar for the rest of us."
    )
    used = len(intro.split())
    blocks = [intro]
    with_list = rng.random() < 0.35
    list_words = 0
    if with_list:
        items = [f"- **{skill}**: {_sentence(rng, 5)}" for skill in skills[:3]]
        list_words = 1 + sum(len(item.split()) for item in items)
        blocks.append("Highlights:\n\n" + "\n".join(items))
    closing = f"I would *gladly* work with {recipient.name.split()[0]} again."
    remaining = max(target - used - list_words - len(closing.split()), 10)
    while remaining > 0:
        size = rng.randint(30, 70)
        if remaining - size < 20:
            size = remaining
        text, got = _paragraph(rng, size)
        blocks.append(text)
        remaining -= got
    blocks.append(closing)
    return "\n\n".join(blocks) + "\n"


def _random_date(rng: random.Random) -> dt.date:
    span = (LAST_DATE - FIRST_DATE).days
    return FIRST_DATE + dt.timedelta(days=rng.randint(0, span))


def make_kudos(rng: random.Random, index: int, people: Sequence[Person]) -> Kudos:
    """Create the ``index``-th kudos between two distinct people."""
    giver, recipient = rng.sample(people, 2)
    # Only skills the recipient lists, so kudoswall has nothing to warn about.
    skills = tuple(rng.sample(recipient.skills, rng.randint(2, 5)))
    slug = f"{recipient.handle}-{rng.choice(ADJECTIVES)}-{index:06d}"
    return Kudos(
        slug=slug,
        date=_random_date(rng),
        giver=giver,
        recipient=recipient,
        relationship=rng.choice(RELATIONSHIPS),
        context=f"Project {rng.choice(PROJECTS)}",
        skills=skills,
        body=make_body(rng, recipient, skills, index),
    )


def build_wall(n: int, seed: int = DEFAULT_SEED) -> Wall:
    """Build the logical content of a wall of ``n`` kudos (deterministic)."""
    rng = random.Random(seed)
    people = make_people(rng, people_count(n))
    kudos = tuple(make_kudos(rng, i, people) for i in range(n))
    return Wall(tuple(people), kudos)


# --------------------------------------------------------------------------- writers


def _q(value: str) -> str:
    """A double-quoted scalar that is valid JSON and YAML (the text is ASCII)."""
    return json.dumps(value)


def _qlist(values: Sequence[str]) -> str:
    return json.dumps(list(values))


def _fields(**values: str) -> str:
    """``key: value`` lines (YAML, or Pelican's Markdown metadata)."""
    return "".join(f"{key}: {value}\n" for key, value in values.items())


def _front_matter(**values: str) -> str:
    return f"---\n{_fields(**values)}---\n"


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def kudos_dir(root: Path) -> Path:
    """Folder holding one Markdown file per kudos, in every format."""
    return root / "content" / "kudos"


def kudoswall_config(lean: bool = False) -> str:
    """``kudoswall.yaml``; ``lean`` turns off what the peers don't make."""
    config = _fields(
        title=_q(SITE_TITLE),
        description=_q(SITE_DESCRIPTION),
        base_url=BASE_URL,
        per_page=str(PER_PAGE),
        feed_limit=str(FEED_ITEMS),
    )
    return config + (_fields(share_images="false", search="false") if lean else "")


def write_kudoswall(wall: Wall, root: Path, lean: bool = False) -> None:
    """Write the wall in kudoswall's own format."""
    _write(root / "kudoswall.yaml", kudoswall_config(lean))
    for person in wall.people:
        text = _fields(
            kind="person",
            name=_q(person.name),
            headline=_q(person.headline),
            skills=_qlist(person.skills),
        )
        _write(root / "content" / "people" / f"{person.handle}.yaml", text)
    for kudos in wall.kudos:
        front = _front_matter(
            **{"from": kudos.giver.handle},
            to=kudos.recipient.handle,
            date=kudos.date.isoformat(),
            relationship=kudos.relationship,
            context=_q(kudos.context),
            skills=_qlist(kudos.skills),
        )
        _write(kudos_dir(root) / f"{kudos.stem}.md", front + kudos.body)


HUGO_CONFIG = f"""\
baseURL = "{BASE_URL}"
title = "{SITE_TITLE}"
locale = "en"
disableKinds = ["section", "robotstxt"]

[params]
  description = "{SITE_DESCRIPTION}"

[pagination]
  pagerSize = {PER_PAGE}

[taxonomies]
  skill = "skills"
  recipient = "recipients"

[permalinks.page]
  kudos = "/k/:slug/"

[services.rss]
  limit = {FEED_ITEMS}

[outputs]
  home = ["html", "rss"]
  taxonomy = ["html"]
  term = ["html", "rss"]
"""

HUGO_LAYOUTS: dict[str, str] = {
    "baseof.html": """\
<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{{ if not .IsHome }}{{ .Title }} | {{ end }}{{ site.Title }}</title>
{{ with .OutputFormats.Get "rss" }}<link rel="alternate" type="application/rss+xml" \
href="{{ .Permalink }}">{{ end }}
</head>
<body>
<header><a href="{{ site.Home.RelPermalink }}">{{ site.Title }}</a></header>
<main>{{ block "main" . }}{{ end }}</main>
</body>
</html>
""",
    "list.html": """\
{{ define "main" }}
{{/* Only kudos are regular pages. A `where` filter here would run once per pager
     page and make the home quadratic in N. */}}
{{ $pager := .Paginate site.RegularPages }}
<ul>
{{ range $pager.Pages }}
<li><a href="{{ .RelPermalink }}">{{ .Title }}</a>
<time>{{ .Date.Format "2006-01-02" }}</time>
<p>{{ .Summary }}</p></li>
{{ end }}
</ul>
<nav>
{{ with $pager.Prev }}<a rel="prev" href="{{ .URL }}">Newer</a>{{ end }}
{{ with $pager.Next }}<a rel="next" href="{{ .URL }}">Older</a>{{ end }}
</nav>
{{ end }}
""",
    "single.html": """\
{{ define "main" }}
<article>
<h1>{{ .Title }}</h1>
<p><time>{{ .Date.Format "2006-01-02" }}</time> &middot; {{ .Params.relationship }} \
&middot; {{ .Params.context }}</p>
<p>From {{ .Params.from }} to
{{ range .GetTerms "recipients" }}
<a href="{{ .RelPermalink }}">{{ .LinkTitle }}</a>{{ end }}</p>
<ul>{{ range .GetTerms "skills" }}
<li><a href="{{ .RelPermalink }}">{{ .LinkTitle }}</a></li>{{ end }}</ul>
{{ .Content }}
</article>
{{ end }}
""",
    "taxonomy.html": """\
{{ define "main" }}
<h1>{{ .Title }}</h1>
<ul>
{{ range .Pages }}
<li><a href="{{ .RelPermalink }}">{{ .LinkTitle }}</a> ({{ len .Pages }})</li>
{{ end }}
</ul>
{{ end }}
""",
    "term.html": """\
{{ define "main" }}
<h1>{{ .Title }}</h1>
{{ with .Params.headline }}<p>{{ . }}</p>{{ end }}
<ul>
{{ range .Pages }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a> \
<time>{{ .Date.Format "2006-01-02" }}</time>
<p>{{ .Summary }}</p></li>
{{ end }}
</ul>
{{ end }}
""",
}


def write_hugo(wall: Wall, root: Path) -> None:
    """Write the wall as a self-contained Hugo site."""
    _write(root / "hugo.toml", HUGO_CONFIG)
    for name, text in HUGO_LAYOUTS.items():
        _write(root / "layouts" / name, text)
    # Skill term pages get HTML only (like kudoswall); recipients also get a feed.
    skills_index = _front_matter(cascade="\n  outputs: [html]")
    _write(root / "content" / "skills" / "_index.md", skills_index)
    for person in wall.people:
        term = _front_matter(
            title=_q(person.name),
            headline=_q(person.headline),
            skills=_qlist(person.skills),
        )
        _write(root / "content" / "recipients" / person.handle / "_index.md", term)
    for kudos in wall.kudos:
        front = _front_matter(
            title=_q(kudos.title),
            slug=kudos.stem,
            date=kudos.date.isoformat(),
            **{"from": kudos.giver.handle},
            recipients=_qlist([kudos.recipient.handle]),
            relationship=kudos.relationship,
            context=_q(kudos.context),
            skills=_qlist(kudos.skills),
        )
        _write(kudos_dir(root) / f"{kudos.stem}.md", front + kudos.body)


PELICAN_CONF = f"""\
# Generated by bench/generate.py: Pelican settings for the synthetic wall.
AUTHOR = "Synthetic"
SITENAME = "{SITE_TITLE}"
SITEURL = "{BASE_URL.rstrip("/")}"
FEED_DOMAIN = SITEURL
PATH = "content"
TIMEZONE = "UTC"
DEFAULT_LANG = "en"
DEFAULT_DATE_FORMAT = "%Y-%m-%d"

DEFAULT_PAGINATION = {PER_PAGE}
# The default theme needs a paginator on tag and author pages; a huge page
# size keeps one page per skill and per recipient, as in the Hugo site.
PAGINATED_TEMPLATES = {{"index": None, "tag": 10**9, "author": 10**9}}
PAGINATION_PATTERNS = (
    (1, "{{url}}", "{{save_as}}"),
    (2, "{{base_name}}/page/{{number}}/", "{{base_name}}/page/{{number}}/index.html"),
)
DIRECT_TEMPLATES = ["index", "tags", "authors"]

ARTICLE_URL = "k/{{slug}}/"
ARTICLE_SAVE_AS = "k/{{slug}}/index.html"
AUTHOR_URL = "people/{{slug}}/"
AUTHOR_SAVE_AS = "people/{{slug}}/index.html"
TAG_URL = "skills/{{slug}}/"
TAG_SAVE_AS = "skills/{{slug}}/index.html"
CATEGORY_URL = ""
CATEGORY_SAVE_AS = ""
DISPLAY_CATEGORIES_ON_MENU = False

FEED_MAX_ITEMS = {FEED_ITEMS}
FEED_ALL_ATOM = "feed.xml"
AUTHOR_FEED_ATOM = "people/{{slug}}/feed.xml"
AUTHOR_FEED_RSS = None
CATEGORY_FEED_ATOM = None
TAG_FEED_ATOM = None
TRANSLATION_FEED_ATOM = None

CACHE_CONTENT = True
LOAD_CONTENT_CACHE = True
CACHE_PATH = "cache"
"""


def write_pelican(wall: Wall, root: Path) -> None:
    """Write the wall as Pelican Markdown articles plus ``pelicanconf.py``."""
    _write(root / "pelicanconf.py", PELICAN_CONF)
    for kudos in wall.kudos:
        meta = _fields(
            Title=kudos.title,
            Date=kudos.date.isoformat(),
            Slug=kudos.stem,
            Author=kudos.recipient.name,
            Category="kudos",
            Tags=", ".join(kudos.skills),
            From=kudos.giver.handle,
            Relationship=kudos.relationship,
            Context=kudos.context,
        )
        _write(kudos_dir(root) / f"{kudos.stem}.md", f"{meta}\n{kudos.body}")


WRITERS: dict[str, Callable[[Wall, Path], None]] = {
    "kudoswall": write_kudoswall,
    "hugo": write_hugo,
    "pelican": write_pelican,
}


def generate(
    n: int,
    root: Path,
    fmt: str = "kudoswall",
    seed: int = DEFAULT_SEED,
    *,
    lean: bool = False,
) -> Wall:
    """Write a wall of ``n`` kudos in format ``fmt`` under ``root``.

    ``lean`` only affects the kudoswall format (see ``kudoswall_config``).
    """
    wall = build_wall(n, seed)
    if fmt == "kudoswall":
        write_kudoswall(wall, root, lean)
    else:
        WRITERS[fmt](wall, root)
    return wall


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("n", type=int, help="number of kudos")
    parser.add_argument("outdir", type=Path, help="folder to write (must be empty or absent)")
    parser.add_argument("--format", choices=FORMATS, default="kudoswall")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--force", action="store_true", help="delete OUTDIR first")
    parser.add_argument(
        "--lean",
        action="store_true",
        help="kudoswall format: share_images and search off (the peers make neither)",
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.n < 2:
        print("N must be at least 2", file=sys.stderr)
        return 2
    outdir: Path = args.outdir
    if outdir.exists() and any(outdir.iterdir()):
        if not args.force:
            print(f"{outdir} is not empty (use --force to replace it)", file=sys.stderr)
            return 2
        shutil.rmtree(outdir)
    wall = generate(args.n, outdir, args.format, args.seed, lean=args.lean)
    print(f"wrote {len(wall.kudos)} kudos and {len(wall.people)} people to {outdir} ({args.format})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
