"""A broken template or an unpublishable static file name is the writer's error: its file and line,
what is wrong and how to fix it, exit code 1 (never "internal error", which means a bug), and the
previous site left as it was. Pages render in forked workers for larger walls and in this process
for small ones; both must report the same."""

from __future__ import annotations

import os
import pickle
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import kudos_md, make_wall

import kudoswall.incremental
import kudoswall.parallel
from kudoswall import cache
from kudoswall.cli import main
from kudoswall.errors import ContentError, Problem, SourcePos
from kudoswall.parallel import MIN_ITEMS_PER_WORKER
from kudoswall.theme_dirs import packaged_themes_dir
from kudoswall.write import OutputCollision

pytestmark = pytest.mark.usefixtures("private_cache_key")

WALL_HINT = "(fix the template, or delete it to use the theme's)"
BAD_NAME = "name holds a backslash or a control character, which a web address cannot carry " \
           "(rename it: letters, digits, '-', '_' and '.' are safe)"


@pytest.fixture(scope="module")
def built_wall(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A wall with enough pages for two workers, built once (with a cache key of its own)."""
    root = tmp_path_factory.mktemp("built") / "wall"
    make_wall(root, kudos={f"2024-05-{n % 28 + 1:02d}-ada-on-grace-{n}":
                           kudos_md(f"Grace helped, time {n}.", date=f"2024-05-{n % 28 + 1:02d}", id=f"help-{n}")
                           for n in range(60)})
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("xdg")))
        cache._secret.cache_clear()
        try:
            assert main(["build", "--source", str(root)]) == 0
        finally:
            cache._secret.cache_clear()
    return root


@pytest.fixture
def wall(built_wall: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    """A copy of the built wall, its site in place; its cache is not trusted (another key), so a
    build renders every page again."""
    shutil.copytree(built_wall, tmp_path / "wall", symlinks=True)
    capsys.readouterr()
    return tmp_path / "wall"


@pytest.fixture
def pooled(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[tuple[int, int]]]:
    """The (count, jobs) of each run_chunked call of write_site: proof that workers had work."""
    calls: list[tuple[int, int]] = []
    real = kudoswall.parallel.run_chunked

    def spy(task: Callable[[int, int], Any], count: int, jobs: int, *args: Any) -> Iterator[Any]:
        calls.append((count, jobs))
        return real(task, count, jobs, *args)

    monkeypatch.setattr(kudoswall.incremental, "run_chunked", spy)
    yield calls


def site_bytes(wall: Path) -> dict[str, bytes]:
    site = wall / "site"
    return {path.relative_to(site).as_posix(): path.read_bytes() for path in sorted(site.rglob("*")) if path.is_file()}


def failed_build(wall: Path, capsys: pytest.CaptureFixture[str], *args: str) -> list[str]:
    """The error lines of a build that must fail with exit code 1 and leave the site as it was."""
    before = site_bytes(wall)
    assert main(["build", "--source", str(wall), *args]) == 1
    err = capsys.readouterr().err
    assert "internal error" not in err
    assert site_bytes(wall) == before
    return [line for line in err.splitlines() if "warning:" not in line]


def override(wall: Path, name: str, source: str) -> None:
    path = wall / "templates" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(source, "utf-8")


BROKEN_CARDS = {
    "syntax": ("{% if %}", "templates/partials/card.html:1: template syntax error: "
               f"Expected an expression, got 'end of statement block' {WALL_HINT}"),
    "division": ("<p>\n{{ 1/0 }}</p>", f"ZeroDivisionError: division by zero {WALL_HINT}"),
    "undefined": ("{{ kudos.title }}\n\n{{ nope.x }}", f"'nope' is undefined {WALL_HINT}"),
    "missing include": ('<p>\n{% include "missing.html" %}</p>',
                        f"templates/partials/card.html:2: template 'missing.html' not found {WALL_HINT}"),
    "computed include": ('<p>\n{% include "miss" ~ "ing.html" %}</p>',
                         f"template 'missing.html' not found {WALL_HINT}"),
}
RENDERING_LINES = {"division": 2, "undefined": 3, "computed include": 2}


@pytest.mark.parametrize("jobs", [1, 2])
@pytest.mark.parametrize("case", sorted(BROKEN_CARDS))
def test_a_broken_card_override_is_reported_at_its_line(case: str, jobs: int, wall: Path, pooled: list[tuple[int, int]],
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    source, expected = BROKEN_CARDS[case]
    override(wall, "partials/card.html", source)
    errors = failed_build(wall, capsys, "--jobs", str(jobs))
    assert errors[-1] == "kudoswall: 1 error; nothing was written"
    [line] = errors[:-1]
    if case in RENDERING_LINES:  # found while rendering a page: which one comes first is the plan's business
        assert line.startswith(f"templates/partials/card.html:{RENDERING_LINES[case]}: rendering ")
        assert line.endswith(f".html: {expected}")
    else:  # found while planning, before any page renders
        assert line == expected
        assert pooled == []
    if case in RENDERING_LINES and jobs == 2:
        [(count, _)] = pooled
        assert count >= 2 * MIN_ITEMS_PER_WORKER  # so two forked workers rendered


@pytest.mark.parametrize("jobs", [1, 2])
def test_an_error_in_an_overridden_macro_points_at_it(jobs: int, wall: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    override(wall, "partials/avatar.html", '{% macro avatar(person, size="md") %}\n'
                                           '<i>{{ person.nickname }}</i>\n{% endmacro %}\n')
    [line, _] = failed_build(wall, capsys, "--jobs", str(jobs))
    assert line.startswith("templates/partials/avatar.html:2: rendering ")
    assert line.endswith(f"has no attribute 'nickname' {WALL_HINT}")


def test_an_include_that_may_be_missing_builds(wall: Path) -> None:
    override(wall, "partials/card.html", '<p>{% include "missing.html" ignore missing %}'
                                         '{% include ["absent.html", "partials/avatar.html"] %}</p>')
    assert main(["build", "--source", str(wall), "--jobs", "1"]) == 0


def custom_theme(wall: Path) -> Path:
    """A copy of the default theme inside the wall, which uses it."""
    theme = wall / "mytheme"
    shutil.copytree(packaged_themes_dir() / "default", theme)
    (wall / "kudoswall.yaml").write_text((wall / "kudoswall.yaml").read_text("utf-8") + "theme: mytheme\n", "utf-8")
    return theme


def test_a_broken_theme_template_is_reported_with_the_theme_path(wall: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    theme = custom_theme(wall)
    (theme / "templates" / "partials" / "card.html").write_text("<p>\n\n{% endif %}", "utf-8")
    [line, _] = failed_build(wall, capsys)
    assert line == ("mytheme/templates/partials/card.html:3: template syntax error: Encountered unknown tag 'endif'. "
                    "(fix the theme's template, or override it with templates/partials/card.html)")


def test_check_reports_a_broken_template_with_the_content_errors(wall: Path,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    """check passed a pull request whose template override then failed the deploy's build."""
    override(wall, "partials/card.html", "{% if %}")
    override(wall, "partials/avatar.html", '{% include "gone.html" %}')
    (wall / "static").mkdir()
    (wall / "static" / "a\\b.css").write_text("x", "utf-8")
    (wall / "content/kudos/2024-05-01-bad.md").write_text(kudos_md(to="nobody"), "utf-8")
    assert main(["check", "--source", str(wall), "--base", "none"]) == 1
    lines = [line for line in capsys.readouterr().err.splitlines() if "warning:" not in line]
    assert lines == [
        "content/kudos/2024-05-01-bad.md:3:5: unknown person 'nobody' in 'to' (add content/people/nobody.yaml)",
        f"static/a\\b.css: a static file's {BAD_NAME}",
        f"templates/partials/avatar.html:1: template 'gone.html' not found {WALL_HINT}",
        "templates/partials/card.html:1: template syntax error: "
        f"Expected an expression, got 'end of statement block' {WALL_HINT}",
        "kudoswall: 4 errors; nothing was written"]


def test_a_custom_theme_without_a_page_template_is_reported(wall: Path, capsys: pytest.CaptureFixture[str]) -> None:
    theme = custom_theme(wall)
    (theme / "templates" / "stats.html").unlink()
    assert failed_build(wall, capsys) == [
        "mytheme/templates/stats.html: the theme has no template 'stats.html', which kudoswall renders pages with "
        "(copy stats.html from kudoswall's default theme (themes/default/templates/) into it)",
        "kudoswall: 1 error; nothing was written"]


def test_check_reports_every_page_template_a_custom_theme_lacks_in_one_run(
        wall: Path, capsys: pytest.CaptureFixture[str]) -> None:
    theme = custom_theme(wall)
    for name in ("stats.html", "redirect.html", "base.html"):  # redirect.html: no alias needs it yet
        (theme / "templates" / name).unlink()
    assert main(["check", "--source", str(wall), "--base", "none"]) == 1
    lines = capsys.readouterr().err.splitlines()
    assert [line for line in lines if "has no template" in line] == [
        f"mytheme/templates/{name}: the theme has no template '{name}', which kudoswall renders pages with "
        f"(copy {name} from kudoswall's default theme (themes/default/templates/) into it)"
        for name in ("redirect.html", "stats.html")]
    assert any(line.startswith("mytheme/templates/index.html:1: template 'base.html' not found") for line in lines)


def test_static_names_a_web_address_cannot_carry_are_all_reported(wall: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    (wall / "static" / "x\\y").mkdir(parents=True)
    (wall / "static" / "x\\y" / "inside.css").write_text("x", "utf-8")
    (wall / "static" / "a\\b.css").write_text("x", "utf-8")
    (wall / "static" / "c\x01d.css").write_text("x", "utf-8")
    (wall / "static" / "fine.css").write_text("x", "utf-8")
    theme = custom_theme(wall)
    (theme / "static" / "tab\there.js").write_text("x", "utf-8")
    assert failed_build(wall, capsys) == [
        f"mytheme/static/tab\\there.js: a static file's {BAD_NAME}",
        f"static/a\\b.css: a static file's {BAD_NAME}",
        f"static/c\\x01d.css: a static file's {BAD_NAME}",
        f"static/x\\y: a static folder's {BAD_NAME}",
        "kudoswall: 4 errors; nothing was written",
    ]


def test_a_static_fifo_is_reported_not_read(wall: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Reading it would wait for a writer forever: the build hung."""
    (wall / "static").mkdir()
    os.mkfifo(wall / "static" / "pipe.css")
    assert failed_build(wall, capsys) == [
        "static/pipe.css: a static entry that is not a regular file (a FIFO, socket or device) "
        "(replace it with a regular file)",
        "kudoswall: 1 error; nothing was written",
    ]


def test_content_errors_survive_pickling_as_from_a_worker() -> None:
    for error in (ContentError([Problem(SourcePos("templates/base.html", 3), "broken", "fix it")]),
                  OutputCollision([Problem(SourcePos("a.html"), "twice"), Problem(SourcePos("b.html"), "twice")])):
        copy = pickle.loads(pickle.dumps(error))
        assert type(copy) is type(error)
        assert copy.problems == error.problems
        assert str(copy) == str(error)


@pytest.mark.parametrize(("make", "wrong"), [(None, "does not exist"), ("file", "is a file, not a folder"),
                                             ("folder", "has no templates/")])
def test_a_theme_folder_without_templates_is_reported_at_the_theme_setting(
        wall: Path, capsys: pytest.CaptureFixture[str], make: str | None, wrong: str) -> None:
    if make == "file":
        (wall / "nowhere").write_text("x", "utf-8")
    elif make == "folder":
        (wall / "nowhere").mkdir()
    config = wall / "kudoswall.yaml"
    config.write_text(config.read_text("utf-8") + "# the theme\ntheme:   nowhere\n", "utf-8")
    line = config.read_text("utf-8").count("\n")
    assert failed_build(wall, capsys) == [
        f"kudoswall.yaml:{line}:10: theme folder 'nowhere' {wrong} "
        "(set theme: default, or a folder holding templates/ and static/)",
        "kudoswall: 1 error; nothing was written"]


@pytest.mark.parametrize(("output_dir", "reason"), [
    (".", "it would replace the wall, its content or your home folder"),
    ("content/out", "it is inside"),
    ("templates", "it would replace the wall, its content or your home folder"),
])
def test_an_output_dir_a_build_refuses_is_an_error_at_its_setting_in_check_too(
        wall: Path, capsys: pytest.CaptureFixture[str], output_dir: str, reason: str) -> None:
    """check said OK; build refused it as a usage error (exit 2) with no place in kudoswall.yaml."""
    (wall / "templates").mkdir(exist_ok=True)
    config = wall / "kudoswall.yaml"
    config.write_text(config.read_text("utf-8") + f'output_dir: "{output_dir}"\n', "utf-8")
    line = config.read_text("utf-8").count("\n")
    for argv in (["check", "--base", "none"], ["build"]):
        assert main([*argv, "--source", str(wall)]) == 1
        err = capsys.readouterr().err
        assert f"kudoswall.yaml:{line}:13: output_dir '{output_dir}': {reason}" in err, err
        assert "(set output_dir to a folder of its own, like site)" in err
    assert main(["build", "--source", str(wall), "--output", str(wall / "elsewhere")]) == 0  # --output wins


def test_build_reports_every_page_template_a_custom_theme_lacks_in_one_run(
        wall: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """check said both; build stopped at the first page it rendered with a missing one."""
    theme = custom_theme(wall)
    for name in ("stats.html", "tombstone.html"):
        (theme / "templates" / name).unlink()
    assert [line.split(":")[0] for line in failed_build(wall, capsys)] == [
        "mytheme/templates/stats.html", "mytheme/templates/tombstone.html", "kudoswall"]


def test_a_wall_template_extends_the_themes_own_of_the_same_name(wall: Path) -> None:
    """`{% extends "base.html" %}` in templates/base.html is the wall's own file: the theme's is `theme/base.html`."""
    override(wall, "base.html", '{% extends "theme/base.html" %}\n'
                                '{% block head %}{{ super() }}<meta name="x-wall" content="ours">{% endblock %}')
    assert main(["check", "--source", str(wall), "--base", "none"]) == 0
    assert main(["build", "--source", str(wall), "--jobs", "1"]) == 0
    page = (wall / "site/index.html").read_text("utf-8")
    assert '<meta name="x-wall" content="ours">' in page and "</html>" in page


@pytest.mark.parametrize("command", ["check", "build"])
def test_a_template_extending_itself_is_refused_by_check_too(command: str, wall: Path,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    """It passed check and failed the deploy's build with "RecursionError"."""
    override(wall, "base.html", '{# mine #}\n{% extends "base.html" %}\n{% block head %}{% endblock %}')
    override(wall, "partials/x.html", '{% extends "partials/y.html" %}')
    override(wall, "partials/y.html", '{% extends "partials/x.html" %}')
    argv = [command, "--source", str(wall), *(["--base", "none"] if command == "check" else [])]
    lines = failed_build(wall, capsys, *argv[1:]) if command == "build" else None
    if lines is None:
        assert main(argv) == 1
        lines = [line for line in capsys.readouterr().err.splitlines() if "warning:" not in line]
    assert "templates/base.html:2: the template extends itself (base.html → base.html) (to extend the theme's " \
           "own base.html, write {% extends \"theme/base.html\" %})" in lines
    assert any(line.startswith("templates/partials/x.html:1: the template extends itself (partials/x.html → "
                               "partials/y.html → partials/x.html)") for line in lines)
    assert not any("RecursionError" in line for line in lines)


@pytest.mark.parametrize("command", ["check", "build"])
def test_a_template_that_is_not_utf8_is_the_writers_error_at_its_byte(command: str, wall: Path,
                                                                      capsys: pytest.CaptureFixture[str]) -> None:
    """It was "internal error: UnicodeDecodeError", exit 70."""
    (wall / "templates/partials").mkdir(parents=True)
    (wall / "templates/partials/site_footer.html").write_bytes(b"<footer>\ncaf\xe9</footer>\n")
    (wall / "templates/unused.html").write_bytes(b"\xff\xfeok")
    argv = [command, "--source", str(wall), *(["--base", "none"] if command == "check" else [])]
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert "internal error" not in err
    assert "templates/partials/site_footer.html:2:4: " in err and "templates/unused.html:1:1: " in err


def test_check_renders_one_page_of_each_template_and_reports_what_fails(wall: Path,
                                                                          capsys: pytest.CaptureFixture[str]) -> None:
    """An undefined variable in an override passed check (which rendered nothing) and failed the deploy."""
    override(wall, "partials/site_footer.html", "<footer>\n{{ nosuchvar }}</footer>")
    override(wall, "person.html", '{% extends "theme/person.html" %}\n{% block content %}{{ 1/0 }}{% endblock %}')
    assert main(["check", "--source", str(wall), "--base", "none"]) == 1
    lines = [line for line in capsys.readouterr().err.splitlines() if "warning:" not in line]
    assert len(lines) == 3, lines  # the footer's error once, though every page renders it
    assert lines[0].startswith("templates/partials/site_footer.html:2: rendering ")
    assert lines[0].endswith(f": 'nosuchvar' is undefined {WALL_HINT}")
    assert lines[1].startswith("templates/person.html:2: rendering people/")
    assert lines[1].endswith(f": ZeroDivisionError: division by zero {WALL_HINT}")


def test_check_reports_a_missing_theme_folder_with_the_content_errors(wall: Path,
                                                                     capsys: pytest.CaptureFixture[str]) -> None:
    """The content was not read while the theme setting was wrong: each fix uncovered the next error."""
    config = wall / "kudoswall.yaml"
    config.write_text(config.read_text("utf-8") + "theme: nowhere\n", "utf-8")
    (wall / "content/kudos/2024-05-01-bad.md").write_text(kudos_md(to="nobody"), "utf-8")
    assert main(["check", "--source", str(wall), "--base", "none"]) == 1
    lines = [line for line in capsys.readouterr().err.splitlines() if "warning:" not in line]
    assert lines[0].startswith("content/kudos/2024-05-01-bad.md:3:5: unknown person 'nobody'")
    assert lines[1].startswith("kudoswall.yaml:") and "theme folder 'nowhere' does not exist" in lines[1]
    assert lines[2] == "kudoswall: 2 errors; nothing was written"
