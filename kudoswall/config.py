"""The wall's typed configuration, read from kudoswall.yaml and checked by its JSON Schema.

Unknown keys are errors (with the nearest valid key suggested), so a typo never silently turns
an option off.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from .errors import ContentError, Problem, SourcePos, did_you_mean, sorted_problems
from .schema import FieldLimits, load_schema, text_field, validate_document
from .sourcefile import SourceError, YamlDocument, decode_source, parse_yaml

CONFIG_FILE = "kudoswall.yaml"


@dataclass(frozen=True)
class MarkdownOptions:
    allow_html: bool = False
    link_schemes: tuple[str, ...] = ("http", "https", "mailto")
    remote_images: bool = False


@dataclass(frozen=True)
class Config:
    root: Path
    title: str = "Kudos"
    description: str = ""
    base_url: str = "http://localhost:8000/"
    language: str = "en"
    theme: str = "default"
    per_page: int = 20
    people_per_page: int = 100
    repo_url: str | None = None
    author: str | None = None
    feed_limit: int = 50
    excerpt_length: int = 240
    max_file_size: int = 65536
    max_body_length: int = 20000
    field_limits: FieldLimits = ()
    content_dir: str = "content"
    output_dir: str = "site"
    require_consent: bool = False
    require_verified_authors: bool = False
    reciprocal_days: int = 90
    min_words: int = 0
    markdown: MarkdownOptions = field(default_factory=MarkdownOptions)
    search: bool = True
    share_images: bool = True
    credential_key: str | None = None

    @property
    def content_path(self) -> Path:
        return self.root / self.content_dir

    @property
    def base_path(self) -> str:
        """The path part of base_url, like '/kudos/'; pages under it link relatively."""
        return urlsplit(self.base_url).path or "/"

    def absolute_url(self, path: str) -> str:
        return self.base_url + path.lstrip("/")

    def digest(self) -> str:
        """Changes whenever an option that can affect output changes (computed once: planning asks often)."""
        known: str | None = self.__dict__.get("_digest")
        if known is None:
            options = asdict(self)
            options["root"] = ""
            known = hashlib.sha256(json.dumps(options, sort_keys=True, default=str).encode()).hexdigest()[:16]
            object.__setattr__(self, "_digest", known)  # frozen: the options cannot change after this
        return known


def _field_limits(document: YamlDocument, limits: dict[str, int]) -> FieldLimits:
    """Check that each named field is a text field of kudos or people files."""
    known = {name for kind in ("kudos", "person") for name in _text_field_names(load_schema(kind))}
    problems = [
        Problem(document.pos(("field_limits", name), key=True),
                f"'{name}' is not a text field of kudos or people files",
                did_you_mean(name, known) or f"text fields: {', '.join(sorted(known))}")
        for name in sorted(limits) if name not in known
    ]
    if problems:
        raise ContentError(problems)
    return tuple(sorted((name, int(length)) for name, length in limits.items()))


def _text_field_names(schema: dict[str, Any], prefix: str = "") -> list[str]:
    """Text fields with a length limit (fields whose pattern bounds them, like dates, have none)."""
    names = []
    for name, rule in schema.get("properties", {}).items():
        if rule.get("type") == "object":
            names += _text_field_names(rule, f"{prefix}{name}.")
            continue
        target = text_field(schema, name)
        if target is not None and "maxLength" in target and "enum" not in target:
            names.append(prefix + name)
    return names


def _base_url_problems(document: YamlDocument, base_url: object) -> list[Problem]:
    """What the schema's pattern lets through but no visitor could use, or should see in every page's
    canonical link: a user name or password, no host, a port out of range, '.', '..' or empty segments."""
    if not isinstance(base_url, str):
        return []
    parts = urlsplit(base_url)
    try:
        port_ok = parts.port is None or parts.port > 0
    except ValueError:
        port_ok = False
    segments = parts.path.split("/")[1:-1]  # the pattern makes it start after the host and end with '/'
    wrong = ("holds a user name or password, which every page would publish" if "@" in parts.netloc else
             "has no host" if not parts.hostname else
             "has a port out of range" if not port_ok else
             "has a '.', '..' or empty segment in its path" if any(s in ("", ".", "..") for s in segments) else "")
    if not wrong:
        return []
    return [Problem(document.pos(("base_url",)), f"'base_url' {wrong}: {base_url!r}",
                    "write the address the site is published at, like https://example.org/kudos/")]


def setting_pos(root: Path, key: str) -> SourcePos:
    """Where `key` is written in the wall's kudoswall.yaml, for a problem found after it was read (the
    file's start when it cannot be found). Config keeps no positions: only an error needs one."""
    try:
        text = decode_source(CONFIG_FILE, (root / CONFIG_FILE).read_bytes(), 1 << 20)
        return parse_yaml(CONFIG_FILE, text).pos((key,))
    except (OSError, SourceError):
        return SourcePos(CONFIG_FILE)


def load_config(root: Path) -> Config:
    """Read `kudoswall.yaml` in `root`; every key left out keeps its default, a missing file is an error."""
    path = root / CONFIG_FILE
    if not path.is_file():
        raise ContentError(
            [
                Problem(
                    SourcePos(CONFIG_FILE),
                    f"no {CONFIG_FILE} in {root}",
                    "run the command inside a wall, pass --source DIR, or create one with 'kudoswall init DIR'",
                )
            ]
        )
    try:
        text = decode_source(CONFIG_FILE, path.read_bytes(), 1 << 20, too_large="shorten it: it holds only settings")
        document = parse_yaml(CONFIG_FILE, text)
    except SourceError as exc:
        raise ContentError(exc.problems) from None
    problems = validate_document("config", document)
    if problems:
        raise ContentError(problems)
    values = dict(document.values)
    problems = _base_url_problems(document, values.get("base_url"))
    try:
        values["field_limits"] = _field_limits(document, values.get("field_limits") or {})
    except ContentError as exc:
        problems += exc.problems
    if problems:
        raise ContentError(sorted_problems(problems))
    for key, rule in load_schema("config")["properties"].items():
        if rule.get("type") == "integer" and isinstance(values.get(key), float):
            values[key] = int(values[key])  # JSON Schema counts 20.0 as an integer; Python slicing does not
    markdown_values = values.pop("markdown", {}) or {}
    if "link_schemes" in markdown_values:
        markdown_values["link_schemes"] = tuple(markdown_values["link_schemes"])
    config = Config(root=root.resolve(), markdown=MarkdownOptions(**markdown_values), **values)
    if config.credential_key is not None:
        from .signing import read_signing_key  # imports cryptography: only walls that sign pay for it

        read_signing_key(config, document.pos(("credential_key",)))
    return config
