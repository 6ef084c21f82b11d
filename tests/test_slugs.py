"""slugify: the one way names become path segments; is_slug: the rule every segment must pass."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kudoswall.slugs import MAX_SLUG_LENGTH, is_slug, slugify


@pytest.mark.parametrize(("text", "slug"), [
    ("Incident response", "incident-response"),
    ("  Go  ", "go"),
    ("C++", "c-plus-plus"),
    ("C#", "c-sharp"),
    ("R&D", "r-and-d"),
    ("Łukasz Nowak", "lukasz-nowak"),
    ("Søren Østergaard", "soren-ostergaard"),
    ("Straße", "strasse"),
    ("José Álvarez", "jose-alvarez"),
    ("Zoë’s work", "zoes-work"),
    ("--a--b--", "a-b"),
])
def test_slugify_examples(text: str, slug: str) -> None:
    assert slugify(text) == slug


def test_text_without_latin_letters_gets_a_stable_hash() -> None:
    assert slugify("陈美") == slugify("陈美")
    assert slugify("陈美").startswith("x-") and is_slug(slugify("陈美"))
    assert slugify("陈美") != slugify("李雷")


def test_long_text_is_cut_without_a_trailing_hyphen() -> None:
    slug = slugify("a" * 99 + " b" + "c" * 50)
    assert len(slug) <= MAX_SLUG_LENGTH and not slug.endswith("-") and is_slug(slug)


@pytest.mark.parametrize("text", ["", "-a", "a-", "A", "a_b", "a/b", "..", "a" * 101, "é"])
def test_is_slug_refuses_unsafe_segments(text: str) -> None:
    assert not is_slug(text)


@given(st.text(max_size=300))
def test_every_slug_is_a_safe_path_segment_and_slugify_is_idempotent(text: str) -> None:
    slug = slugify(text)
    assert is_slug(slug)
    assert slugify(slug) == slug
