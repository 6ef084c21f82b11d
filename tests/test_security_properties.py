"""Property-based: random text in any field of any file is rejected clearly or published inert.

Hypothesis writes random text (biased towards markup, quotes, control and invisible characters)
into a few fields of a small wall per example. A build either raises ContentError whose every
problem names a file, or renders outputs that pass attack_corpus.checks: no script from content,
no event handlers, no script URLs, well-formed feeds, sitemap, SVG and JSON.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from attack_corpus import FieldPath, is_free_text, render_outputs, text_fields, with_value
from attack_corpus.checks import body_problems, site_problems
from conftest import DEFAULT_CONFIG, DEFAULT_PEOPLE, dump_yaml, make_wall, scratch_folder
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

from kudoswall.config import MarkdownOptions
from kudoswall.errors import ContentError
from kudoswall.markup import MarkdownRenderer

MARKUP = [
    "<script>", "</script>", "</SCRIPT >", "<!--", "-->", "]]>", "<![CDATA[", "\"", "'", "`", "&", "&amp;", "&#x3C;",
    "<", ">", "/", "\\", "javascript:", "JaVaScRiPt:", "vbscript:", "data:text/html,", " onerror=", "onload=",
    "<img src=x onerror=alert(1)>", "<svg onload=alert(1)>", "<a href=", "[x](", ")", "![i](", "https://e.example/",
    "//e.example/", "\U0001f600", "e\u0301", "{{ 7*7 }}", "{%", "*", "_", "#", "- ", "> ", "    ", "| a |", "~~~",
    "no", "yes", "2024-02-30", ".nan", "0x1F", "null", ":", "- [", "&x", "*x", "!!python/object", "%", "..", "?",
]
"""Markup, quoting and YAML-significant pieces that are valid text."""
HOSTILE = ["\n", "\n\n", "\r\n", "\t", "\x00", "\x0b", "\x1b", "\x7f", "\x85", "\u2028", "\u2029", "\u202e",
           "\u2066", "\u200b", "\ufeff", "\ufffe", "\u0430", "\U000e0041"]
"""Line breaks, control, invisible, direction and lookalike characters: usually rejected."""
PRINTABLE = st.text(st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp", "Cf")), min_size=1, max_size=40)
TEXT = st.one_of(
    PRINTABLE,
    st.sampled_from(MARKUP),
    st.lists(st.one_of(st.sampled_from(MARKUP), PRINTABLE), min_size=1, max_size=8).map("".join),
    st.lists(st.one_of(st.sampled_from(MARKUP + HOSTILE), st.text(max_size=6)), max_size=8).map("".join),
)
SETTINGS = settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
FRONT: dict[str, Any] = {"from": "ada", "to": "grace", "date": "2024-05-01", "relationship": "same-team"}


def fields_and_text(kind: str) -> st.SearchStrategy[dict[FieldPath, str]]:
    """A few free-text fields, and now and then one constrained field (an address, an id, a date).

    Constrained fields reject nearly all random text, so they are drawn less often: otherwise
    almost every example would be rejected and too few builds would reach their outputs.
    """
    paths = text_fields(kind)
    free = [path for path in paths if is_free_text(kind, path)]
    constrained = [path for path in paths if path not in free]
    addresses = st.builds(lambda text: "https://e.example/" + "".join(text.split()), TEXT)
    occasional = st.one_of(st.none(), st.none(), st.none(),
                           st.tuples(st.sampled_from(constrained), st.one_of(TEXT, addresses)))
    return st.builds(lambda chosen, extra: {**chosen, **dict([extra] if extra else [])},
                     st.dictionaries(st.sampled_from(free), TEXT, min_size=1, max_size=3), occasional)


def check_build(root: Path) -> None:
    """The property itself: a clear rejection, or outputs that are all inert."""
    try:
        config, files = render_outputs(root)
    except ContentError as error:
        event("rejected with a clear error")
        assert error.problems
        for problem in error.problems:
            assert problem.pos.path and problem.message, problem
        return
    event("published")
    assert site_problems(files, config.base_url, config.markdown.remote_images) == []


@SETTINGS
@given(changes=fields_and_text("person"), file_name=st.one_of(st.none(), st.none(), st.none(), TEXT))
def test_random_text_in_person_files(changes: dict[FieldPath, str], file_name: str | None) -> None:
    document: dict[str, Any] = {"name": "Grace Lindqvist"}
    for path, value in changes.items():
        document = with_value(document, path, value)
    people = {"ada": DEFAULT_PEOPLE["ada"], "grace": document}
    safe_name = (file_name or "").replace("/", "_").replace("\x00", "_")[:100]
    if safe_name not in ("", ".", "..", "ada") and "." not in safe_name:
        people[f"{safe_name}.yaml"] = document
    with scratch_folder() as folder:
        check_build(make_wall(Path(folder) / "wall", people=people))


@SETTINGS
@given(changes=fields_and_text("kudos"), body=TEXT, stem=st.one_of(st.none(), st.none(), TEXT),
       yaml_file=st.booleans())
def test_random_text_in_kudos_files(changes: dict[FieldPath, str], body: str, stem: str | None,
                                    yaml_file: bool) -> None:
    document = dict(FRONT)
    for path, value in changes.items():
        document = with_value(document, path, value)
    if yaml_file:
        name, data = "2024-05-01-k.yaml", dump_yaml({**document, "body": body})
    else:
        document.pop("body", None)
        name, data = "2024-05-01-k", f"---\n{dump_yaml(document)}---\n{body}\n"
    safe_stem = (stem or "").replace("/", "_").replace("\x00", "_")[:100].lstrip(".")
    kudos = {name: data}
    if safe_stem:
        kudos[f"2024-05-01-{safe_stem}.md"] = f"---\n{dump_yaml(FRONT)}---\nText.\n"
    with scratch_folder() as folder:
        check_build(make_wall(Path(folder) / "wall", kudos=kudos))


@SETTINGS
@given(changes=fields_and_text("config"), allow_html=st.booleans(), remote_images=st.booleans())
def test_random_text_in_the_wall_settings(changes: dict[FieldPath, str], allow_html: bool,
                                          remote_images: bool) -> None:
    markdown = {"allow_html": allow_html, "remote_images": remote_images}
    document: dict[str, Any] = {**DEFAULT_CONFIG, "markdown": markdown}
    for path, value in changes.items():
        if path not in (("theme",), ("content_dir",)):  # these name folders; test_security_paths covers them
            document = with_value(document, path, value)
    with scratch_folder() as folder:
        check_build(make_wall(Path(folder) / "wall", config=document))


RENDERERS = {(html, remote): MarkdownRenderer(MarkdownOptions(allow_html=html, remote_images=remote), 240)
             for html in (False, True) for remote in (False, True)}


@settings(max_examples=300, deadline=None)
@given(text=st.lists(TEXT, max_size=12).map("".join), allow_html=st.booleans(), remote_images=st.booleans())
@example(text="[](\u200bjavascript:)", allow_html=False, remote_images=False)  # found by CI: a hidden scheme
@example(text='<a href="\u00a0javascript:alert(1)">x</a>', allow_html=True, remote_images=False)
@example(text='<img src="\u200bhttps://e.example/x.png">', allow_html=True, remote_images=False)
def test_random_markdown_renders_to_allow_listed_html(text: str, allow_html: bool, remote_images: bool) -> None:
    """The sanitizer alone, with every Markdown option: many more examples than whole builds allow."""
    rendered = RENDERERS[(allow_html, remote_images)].render(text)
    assert body_problems(rendered.html, "body", "https://kudos.example.org/", remote_images) == []
    assert len(rendered.excerpt) <= 241
