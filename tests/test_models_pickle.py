"""Pickling a kudos (the parse cache stores every one) gives it back equal and leaves it no bigger."""

from __future__ import annotations

import pickle
import sys
from pathlib import Path

from kudoswall.config import Config
from kudoswall.load import SourceFile, parse_kudos
from kudoswall.models import Kudos

FRONT = "---\nfrom: ada\nto: bjorn\ndate: 2024-05-01\nrelationship: same-team\ntitle: Très bien\n---\n"


def kudos(body: str) -> Kudos:
    result = parse_kudos(SourceFile("content/kudos/2024-05-01-ada-on-bjorn.md", (FRONT + body).encode()),
                         Config(root=Path("/wall")))
    assert result.kudos is not None, result.problems
    loaded = result.kudos
    loaded.body_html, loaded.excerpt = f"<p>{loaded.body_markdown}</p>", loaded.body_markdown[:20] + "…"
    return loaded


def texts(model: Kudos) -> list[str]:
    return [model.body_markdown, model.body_html, model.excerpt]


def test_a_kudos_with_texts_that_are_not_ascii_round_trips() -> None:
    for body in ("Björn fixed the “ledger” — twice. " * 20, "Plain ASCII text, nothing else here. " * 20):
        model = kudos(body)
        copy = pickle.loads(pickle.dumps(model, protocol=pickle.HIGHEST_PROTOCOL))
        assert copy == model
        assert all(type(text) is str for text in texts(copy))


def test_pickling_keeps_no_utf8_copy_inside_the_kudos_texts() -> None:
    model = kudos("Björn fixed the “ledger” — twice. " * 20)
    before = [sys.getsizeof(text) for text in texts(model)]
    pickle.dumps(model, protocol=pickle.HIGHEST_PROTOCOL)
    assert [sys.getsizeof(text) for text in texts(model)] == before


def test_a_lone_surrogate_survives_as_pickle_would_keep_it() -> None:
    model = kudos("Text.")
    model.body_html = "<p>\udc80 odd</p>"
    assert pickle.loads(pickle.dumps(model)).body_html == "<p>\udc80 odd</p>"
