"""kudoswall.yaml → Config: defaults, strict keys with suggestions, and text kept as text."""

from __future__ import annotations

from pathlib import Path

import pytest

from kudoswall.config import Config, MarkdownOptions, load_config
from kudoswall.errors import ContentError, format_problem


def config_from(tmp_path: Path, text: str) -> Config:
    (tmp_path / "kudoswall.yaml").write_text(text, "utf-8")
    return load_config(tmp_path)


def problems_of(tmp_path: Path, text: str) -> list[str]:
    with pytest.raises(ContentError) as raised:
        config_from(tmp_path, text)
    return [format_problem(p) for p in raised.value.problems]


def test_an_empty_file_means_every_default(tmp_path: Path) -> None:
    config = config_from(tmp_path, "# nothing set\n")
    assert config == Config(root=tmp_path.resolve())
    assert (config.title, config.base_url, config.per_page, config.language) == ("Kudos", "http://localhost:8000/",
                                                                                  20, "en")
    assert config.markdown == MarkdownOptions()
    assert config.content_path == tmp_path.resolve() / "content"


def test_given_values_are_typed(tmp_path: Path) -> None:
    config = config_from(tmp_path, "title: Team\nper_page: 5\nmarkdown:\n  link_schemes: [https, mailto]\n"
                                   "  allow_html: true\n")
    assert config.title == "Team" and config.per_page == 5
    assert config.markdown.link_schemes == ("https", "mailto")
    assert config.markdown.allow_html is True


def test_an_unknown_key_is_an_error_with_the_nearest_key_suggested(tmp_path: Path) -> None:
    assert problems_of(tmp_path, "title: T\nbase_ulr: https://x.org/\n") == [
        "kudoswall.yaml:2:1: unknown field 'base_ulr' (did you mean 'base_url'?)"]


def test_each_unknown_key_is_its_own_error_at_its_line_with_its_own_suggestion(tmp_path: Path) -> None:
    """Two misspelt keys were one error, at the one that sorted first, suggesting a fix for it alone."""
    assert problems_of(tmp_path, "titel: X\nper_pag: 3\n") == [
        "kudoswall.yaml:1:1: unknown field 'titel' (did you mean 'title'?)",
        "kudoswall.yaml:2:1: unknown field 'per_pag' (did you mean 'per_page'?)"]
    many = "".join(f"key{number}: 1\n" for number in range(25))
    found = problems_of(tmp_path, many)
    assert len(found) == 21 and found[0].startswith("kudoswall.yaml:1:1: and 5 more unknown fields")


def test_an_unknown_nested_key_names_its_group(tmp_path: Path) -> None:
    assert problems_of(tmp_path, "markdown:\n  allow_htm: true\n") == [
        "kudoswall.yaml:2:3: unknown field 'allow_htm' in 'markdown' (did you mean 'allow_html'?)"]


def test_an_unknown_key_far_from_any_lists_the_allowed_ones(tmp_path: Path) -> None:
    (problem,) = problems_of(tmp_path, "zzzzzz: 1\n")
    assert problem.startswith("kudoswall.yaml:1:1: unknown field 'zzzzzz' (allowed fields: author, base_url, ")


def test_every_problem_in_the_file_is_reported(tmp_path: Path) -> None:
    problems = problems_of(tmp_path, "titel: T\nper_page: 0\nbase_url: example.org\n")
    assert len(problems) == 3
    assert problems[0] == "kudoswall.yaml:1:1: unknown field 'titel' (did you mean 'title'?)"
    assert problems[1].startswith("kudoswall.yaml:2:11: 'per_page' is out of range")
    assert problems[2] == ("kudoswall.yaml:3:11: 'base_url' has an invalid value 'example.org' "
                           "(an absolute address ending with '/', like https://example.org/kudos/, in ASCII: "
                           "percent-encode other characters in the path (%C3%A9 for é) and write an international "
                           "domain in its xn-- form)")


@pytest.mark.parametrize("base_url", ["https://example.org/équipe/", "https://例え.jp/", "https://example.org/[x]/",
                                      "https://example.org/a%zz/", "https://example.org/it's/"])
def test_a_base_url_that_is_not_a_plain_ascii_uri_is_refused(tmp_path: Path, base_url: str) -> None:
    """It goes verbatim into the sitemap, feeds and credentials, where an IRI or a bracket is not an address."""
    (problem,) = problems_of(tmp_path, f"base_url: {base_url}\n")
    assert problem.startswith(f"kudoswall.yaml:1:11: 'base_url' has an invalid value {base_url!r}")


def test_a_percent_encoded_base_url_and_an_xn_domain_are_accepted(tmp_path: Path) -> None:
    for base_url in ("https://example.org/%C3%A9quipe/", "https://xn--r8jz45g.jp/team/"):
        assert config_from(tmp_path, f"base_url: {base_url}\n").base_url == base_url


@pytest.mark.parametrize("title", ["no", "yes", "1.10", "2024-05-01", "0o17", ".inf"])
def test_text_settings_keep_the_text_as_written(tmp_path: Path, title: str) -> None:
    assert config_from(tmp_path, f"title: {title}\n").title == title


def test_a_whole_number_written_with_a_decimal_point_is_an_integer(tmp_path: Path) -> None:
    config = config_from(tmp_path, "per_page: 2.0\nfeed_limit: 10.0\n")
    assert config.per_page == 2 and isinstance(config.per_page, int)
    assert isinstance(config.feed_limit, int)


def test_a_fraction_is_refused_where_a_whole_number_is_needed(tmp_path: Path) -> None:
    assert problems_of(tmp_path, "per_page: 2.5\n") == ["kudoswall.yaml:1:11: 'per_page' must be a whole number, "
                                                        "not 2.5"]
    # one error, not also "out of range" for what a whole number would have to be
    assert problems_of(tmp_path, "excerpt_length: 10.5\n") == [
        "kudoswall.yaml:1:17: 'excerpt_length' must be a whole number, not 10.5"]


def test_an_empty_value_means_the_default(tmp_path: Path) -> None:
    assert config_from(tmp_path, "title:\ndescription:\n").title == "Kudos"


def test_invalid_yaml_is_reported_at_its_position(tmp_path: Path) -> None:
    (problem,) = problems_of(tmp_path, "title: T\n  base_url: x\n")
    assert problem.startswith("kudoswall.yaml:2:")
    assert "invalid YAML" in problem


def test_a_missing_file_says_how_to_make_one(tmp_path: Path) -> None:
    with pytest.raises(ContentError) as raised:
        load_config(tmp_path)
    assert format_problem(raised.value.problems[0]) == (
        f"kudoswall.yaml: no kudoswall.yaml in {tmp_path} (run the command inside a wall, pass --source DIR, "
        "or create one with 'kudoswall init DIR')")


def test_urls_under_a_base_path(tmp_path: Path) -> None:
    config = config_from(tmp_path, "base_url: https://example.org/team/kudos/\n")
    assert config.base_path == "/team/kudos/"
    assert config.absolute_url("k/x/") == "https://example.org/team/kudos/k/x/"
    assert config.absolute_url("/feed.xml") == "https://example.org/team/kudos/feed.xml"


def test_the_digest_follows_options_but_not_the_folder(tmp_path: Path) -> None:
    one, two = tmp_path / "one", tmp_path / "two"
    one.mkdir()
    two.mkdir()
    assert config_from(one, "title: T\n").digest() == config_from(two, "title: T\n").digest()
    assert config_from(one, "title: T\n").digest() != config_from(two, "title: U\n").digest()
    assert config_from(one, "title: T\n").digest() != config_from(two, "title: T\nmarkdown: {allow_html: true}\n"
                                                                  ).digest()


@pytest.mark.parametrize("text", ['base_url: "https://e.org/\\n"', "base_url: |\n  https://e.org/", 'title: "Kudos\\n"',
                                  'language: "en\\n"', 'repo_url: "https://github.com/x/y\\n"'])
def test_a_final_line_break_does_not_pass_a_one_line_rule(tmp_path: Path, text: str) -> None:
    """Python's `$` matches before a final newline, so these passed the schema and reached every page."""
    (problem,) = problems_of(tmp_path, text + "\n")
    assert problem.startswith("kudoswall.yaml:1:") and "has an invalid value" in problem


@pytest.mark.parametrize(("base_url", "wrong"), [
    ("https://user:pw@example.org/", "holds a user name or password"),
    ("https://:@/", "holds a user name or password"),
    ("https://:8080/", "has no host"),
    ("https://example.org:99999/", "has a port out of range"),
    ("https://example.org:0/", "has a port out of range"),
    ("https://example.org/../", "has a '.', '..' or empty segment"),
    ("https://example.org/a/./", "has a '.', '..' or empty segment"),
    ("https://example.org//", "has a '.', '..' or empty segment"),
])
def test_a_base_url_no_visitor_could_use_is_refused_with_the_other_settings_errors(
        tmp_path: Path, base_url: str, wrong: str) -> None:
    problems = problems_of(tmp_path, f"field_limits: {{titel: 5}}\nbase_url: {base_url}\n")
    assert problems[0].startswith("kudoswall.yaml:1:16: 'titel' is not a text field")
    assert problems[1].startswith(f"kudoswall.yaml:2:11: 'base_url' {wrong}")


def test_a_base_url_with_a_port_and_a_sub_path_is_accepted(tmp_path: Path) -> None:
    assert config_from(tmp_path, "base_url: https://example.org:8443/team/wall/\n").base_url == \
        "https://example.org:8443/team/wall/"


def test_a_misspelt_nested_key_in_other_case_gets_a_suggestion(tmp_path: Path) -> None:
    (problem,) = problems_of(tmp_path, "markdown:\n  Allow_HTML: true\n")
    assert problem == "kudoswall.yaml:2:3: unknown field 'Allow_HTML' in 'markdown' (did you mean 'allow_html'?)"


def test_a_settings_file_over_the_limit_is_not_told_to_raise_a_limit_it_cannot(tmp_path: Path) -> None:
    (problem,) = problems_of(tmp_path, "# " + "x" * (1 << 20) + "\n")
    assert problem.endswith("(shorten it: it holds only settings)")
