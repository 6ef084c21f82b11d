"""Known attack strings through every field of every file kind: rejected clearly, or published inert.

Each (field, attack) pair is first parsed on its own, so a rejection is checked to be a clear
problem in that file. The accepted values are then packed into one wall (several attacks per
field where the field is long enough, to keep the page count small), built with build_site, and
every file written is parsed: HTML with html5lib, feeds, sitemap and SVG as XML, JSON strictly.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from attack_corpus import ATTACKS, FieldPath, field_limit, is_free_text, render_outputs, text_fields, with_value
from attack_corpus.checks import site_problems
from conftest import dump_yaml, make_wall, scratch_folder

from kudoswall.build import build_site
from kudoswall.config import load_config
from kudoswall.errors import ContentError, Problem
from kudoswall.load import ParseResult, SourceFile, parse_kudos, parse_person

BASE_URL = "https://kudos.example.org/"
PERSON: dict[str, Any] = {"name": "Base Person"}
KUDOS: dict[str, Any] = {"from": "ada", "to": "grace", "date": "2024-05-01", "relationship": "same-team"}
URL_PREFIXES = {"url": "https://e.example/", "website": "https://e.example/", "mastodon": "https://e.example/",
                "linkedin": "https://www.linkedin.com/in/", "repo_url": "https://e.example/",
                "base_url": "https://e.example/"}
"""Fields that only take addresses also get each attack inside a valid address, so it reaches href."""
REFERENCES = {"from", "to", "consent"}
"""Fields naming other files: checked one by one only (in a shared wall they name no one)."""


def candidate_values(path: FieldPath) -> Iterator[str]:
    name = next((part for part in reversed(path) if isinstance(part, str)), "")
    for attack in ATTACKS:
        yield attack
        if name in URL_PREFIXES:
            yield URL_PREFIXES[name] + "".join(attack.split())


def assert_clear_rejection(problems: tuple[Problem, ...], rel: str) -> None:
    """A rejection names the file and says what is wrong; it is never an empty or internal message."""
    assert problems
    for problem in problems:
        assert problem.pos.path == rel, problem
        assert problem.message and "Traceback" not in problem.message, problem


def accepted(kind: str, path: FieldPath, base: dict[str, Any],
             parse: Callable[[SourceFile, Any], ParseResult], config: Any) -> list[str]:
    """The candidate values the parser accepts at `path`; every refusal is checked to be clear."""
    rel = f"content/{'people/probe.yaml' if kind == 'person' else 'kudos/2024-05-01-probe.md'}"
    values = []
    for value in candidate_values(path):
        document = with_value(base, path, value)
        if kind == "person":
            data = dump_yaml(document)
        elif path == ("body",):
            data = f"---\n{dump_yaml(base)}---\n{value}\n"
        else:
            data = f"---\n{dump_yaml(document)}---\nText.\n"
        result = parse(SourceFile(rel, data.encode("utf-8")), config)
        if result.problems:
            assert_clear_rejection(result.problems, rel)
        else:
            values.append(value)
    return values


def packed(values: list[str], limit: int) -> list[str]:
    """Join values (space-separated) into as few strings as fit in `limit` characters."""
    chunks: list[str] = []
    for value in values:
        if chunks and limit and len(chunks[-1]) + 1 + len(value) <= limit:
            chunks[-1] += " " + value
        else:
            chunks.append(value)
    return chunks


def field_groups(kind: str, base: dict[str, Any], parse: Callable[[SourceFile, Any], ParseResult],
                 config: Any) -> dict[FieldPath, list[Any]]:
    """For each field, the accepted attacks grouped as they will be written, one group per file."""
    groups: dict[FieldPath, list[Any]] = {}
    for path in text_fields(kind):
        values = accepted(kind, path, base, parse, config)
        if path[0] in REFERENCES:
            continue
        if isinstance(path[-1], int):  # a list field: up to 12 items per file
            size = 12 if is_free_text(kind, path) else 1
            groups[path[:-1]] = [values[i:i + size] for i in range(0, len(values), size)]
        elif path == ("body",):
            groups[path] = ["\n\n".join(values[i:i + 6]) for i in range(0, len(values), 6)]
        elif is_free_text(kind, path):
            groups[path] = packed(values, field_limit(kind, path))
        else:
            groups[path] = values
    return groups


def documents(groups: dict[FieldPath, list[Any]], base: dict[str, Any]) -> Iterator[tuple[dict[str, Any], str]]:
    """Files holding the groups: file i takes group i of every field (and the body, for kudos)."""
    count = max((len(g) for g in groups.values()), default=0)
    for index in range(count):
        document = dict(base)
        body = "Plain text."
        for path, group in groups.items():
            if index >= len(group):
                continue
            if path == ("body",):
                body = group[index]
            elif isinstance(group[index], list):
                document = with_value(document, path, group[index][0])
                container = document
                for part in path[:-1]:
                    container = container[part]  # type: ignore[index]
                container[path[-1]] = list(group[index])  # type: ignore[index]
            else:
                document = with_value(document, path, group[index])
        yield document, body


def attack_wall(root: Path) -> Path:
    """A wall whose people and kudos carry every accepted attack, and is itself valid."""
    make_wall(root)
    config = load_config(root)
    people: dict[str, Any] = {"ada": {"name": "Ada Okafor"}, "grace": {"name": "Grace Lindqvist"}}
    person_groups = field_groups("person", PERSON, parse_person, config)
    person_groups[("name",)] = [f"P{i} {name}"[:100] for i, name in enumerate(person_groups.get(("name",), []))]
    for index, (document, _) in enumerate(documents(person_groups, PERSON)):
        people[f"p-{index}"] = document
    kudos: dict[str, str] = {}
    handles = list(people)
    for index, (document, body) in enumerate(documents(field_groups("kudos", KUDOS, parse_kudos, config), KUDOS)):
        document["from"], document["to"] = handles[index % len(handles)], handles[(index + 1) % len(handles)]
        kudos[f"2024-05-01-k{index}"] = f"---\n{dump_yaml(document)}---\n{body}\n"
    make_wall(root, people=people, kudos=kudos)
    return root


def build_dropping_rejected(root: Path, output: Path) -> list[Problem]:
    """Build; files rejected by cross-file rules (duplicate aliases, say) are checked and removed."""
    dropped: list[Problem] = []
    for _ in range(5):
        try:
            build_site(load_config(root), output)
            return dropped
        except ContentError as error:
            errors = [problem for problem in error.problems if problem.severity == "error"]
            for problem in errors:
                assert problem.pos.path.startswith("content/") and problem.message, problem
                (root / problem.pos.path).unlink(missing_ok=True)
            dropped += errors
    raise AssertionError(f"the attack wall never built: {dropped[-5:]}")


def output_files(output: Path) -> dict[str, bytes]:
    return {p.relative_to(output).as_posix(): p.read_bytes() for p in output.rglob("*") if p.is_file()}


def test_every_attack_through_every_person_and_kudos_field() -> None:
    with scratch_folder() as folder:
        check_people_and_kudos(Path(folder))


def check_people_and_kudos(tmp_path: Path) -> None:
    root = attack_wall(tmp_path / "wall")
    dropped = build_dropping_rejected(root, tmp_path / "site")
    assert len(dropped) < 10, dropped  # nearly everything valid in isolation is valid together
    files = output_files(tmp_path / "site")
    assert sum(1 for rel in files if rel.startswith("k/")) > 20  # the attacks really were published
    assert site_problems(files, BASE_URL) == []


CONFIG_TEXTS = ("title", "description", "author")
SAMPLE_PAGES = {"index.html", "k/2024-05-01-ada-on-grace/index.html", "people/ada/index.html", "404.html"}
"""Pages from the main templates; every page shares base.html, where the wall's texts appear."""


def accepted_config_values(root: Path, field_name: str) -> list[str]:
    values = []
    root.mkdir(exist_ok=True)
    for value in candidate_values((field_name,)):
        settings = with_value({"title": "T", "base_url": BASE_URL}, (field_name,), value)
        (root / "kudoswall.yaml").write_text(dump_yaml(settings))
        try:
            load_config(root)
        except ContentError as error:
            assert_clear_rejection(tuple(error.problems), "kudoswall.yaml")
            continue
        values.append(value)
    return values


def test_every_attack_through_the_wall_settings() -> None:
    """The wall's own texts reach every page's head, the feeds and the JSON; packed a few per build."""
    with scratch_folder() as folder:
        check_wall_settings(Path(folder))


def check_wall_settings(tmp_path: Path) -> None:
    groups = {name: packed(accepted_config_values(tmp_path / "probe", name), field_limit("config", (name,)))
              for name in CONFIG_TEXTS}
    assert all(len(group) > 5 for group in groups.values()), groups
    for index in range(max(len(group) for group in groups.values())):
        settings = {"title": "T", "base_url": BASE_URL}
        settings.update({name: group[index] for name, group in groups.items() if index < len(group)})
        root = make_wall(tmp_path / f"wall-{index}", config=settings)
        config, files = render_outputs(root, lambda rel: not rel.endswith(".html") or rel in SAMPLE_PAGES)
        assert site_problems(files, config.base_url) == [], settings


ADDRESS_SETTINGS = ("base_url", "repo_url", "language")
"""Settings that reach every page as addresses or attributes; attacks that pass their patterns are built."""


def test_every_attack_through_the_other_settings() -> None:
    with scratch_folder() as folder:
        check_other_settings(Path(folder))


def check_other_settings(tmp_path: Path) -> None:
    for name in sorted({path[0] for path in text_fields("config")} - set(CONFIG_TEXTS)):
        assert isinstance(name, str)
        accepted = accepted_config_values(tmp_path / f"probe-{name}", name)
        if name not in ADDRESS_SETTINGS:
            continue  # folders and option lists: refused or accepted cleanly is the property here
        for index, value in enumerate(accepted):
            settings = {"title": "T", "base_url": BASE_URL, name: value}
            root = make_wall(tmp_path / f"wall-{name}-{index}", config=settings)
            config, files = render_outputs(root, lambda rel: not rel.endswith(".html") or rel in SAMPLE_PAGES)
            assert site_problems(files, config.base_url) == [], (name, value)
