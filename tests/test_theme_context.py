"""QuickCallContext: a template's calls give what Jinja's own Context.call gives, for the callees
it takes a shorter way with (bound and built-in methods) and those it hands back to Jinja."""

from __future__ import annotations

import datetime as dt
from typing import Any

import jinja2
import pytest

from kudoswall.theme import QuickCallContext


class Helper:
    def plain(self, value: int, *, times: int = 2) -> int:
        return value * times

    def named(self, **values: int) -> str:
        return ",".join(f"{name}={value}" for name, value in sorted(values.items()))

    @jinja2.pass_context
    def from_context(self, context: jinja2.runtime.Context, name: str) -> Any:
        return context.get(name, "missing")

    @jinja2.pass_environment
    def from_environment(self, environment: jinja2.Environment) -> bool:
        return environment.autoescape is True

    def stops(self) -> int:
        raise StopIteration

    def __call__(self, value: int) -> int:
        return value + 1


TEMPLATES = {
    "bound method": "{{ helper.plain(3) }} {{ helper.plain(3, times=5) }}",
    "keywords named like the call's own parameters": "{{ helper.named(obj=1, args=2, kwargs=3) }}",
    "built-in methods": "{{ day.isoformat() }} {{ 'a,b'.split(',') | join('+') }} {{ {'k': 1}.get('k') }}",
    "pass_context method sees loop and block variables":
        "{% for i in [1, 2] %}{% set seen = i * 10 %}{{ helper.from_context('seen') }} {% endfor %}"
        "{% set outer = 'o' %}{{ helper.from_context('outer') }} {{ helper.from_context('nothing') }}",
    "pass_environment method": "{{ helper.from_environment() }}",
    "StopIteration becomes undefined": "{{ helper.stops() is undefined }}",
    "callable object and function": "{{ helper(1) }} {{ double(4) }}",
    "in a block with a set":
        "{% block b %}{% set x = 1 %}{{ helper.from_context('x') }}{{ helper.plain(x) }}{% endblock %}",
}


def environment(context_class: type[jinja2.runtime.Context]) -> jinja2.Environment:
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined, loader=jinja2.DictLoader(TEMPLATES))
    env.context_class = context_class
    return env


@pytest.mark.parametrize("name", TEMPLATES)
def test_calls_give_what_jinjas_context_gives(name: str) -> None:
    values = {"helper": Helper(), "day": dt.date(2024, 2, 29), "double": lambda value: value * 2}
    expected = environment(jinja2.runtime.Context).get_template(name).render(values)
    assert environment(QuickCallContext).get_template(name).render(values) == expected


def test_the_expected_answers_are_not_empty() -> None:
    rendered = environment(QuickCallContext).get_template("pass_context method sees loop and block variables")
    assert rendered.render(helper=Helper()) == "10 20 o missing"
    assert environment(QuickCallContext).get_template("built-in methods").render(day=dt.date(2024, 2, 29)) \
        == "2024-02-29 a+b 1"
    assert environment(QuickCallContext).get_template("keywords named like the call's own parameters").render(
        helper=Helper()) == "args=2,kwargs=3,obj=1"
