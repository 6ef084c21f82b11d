"""The preview's in-memory rebuilds: after every kind of edit, byte-identical to a clean build,
while an edit of one kudos re-renders only the files that show it."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from servekit import KUDOS, copy_wall, git_in

from kudoswall.build import load_wall, plan_outputs, render_site
from kudoswall.config import load_config
from kudoswall.errors import ContentError, Problem, SourcePos
from kudoswall.serve_site import LiveSite, RenderFailed, SiteBuilder, SiteFile, explain_with, render_all
from kudoswall.theme import Theme, resolve_theme_dir
from kudoswall.watch import ChangeKind


def clean_build(root: Path) -> dict[str, bytes]:
    config = load_config(root)
    theme = Theme(config, resolve_theme_dir(config))
    site = render_site(plan_outputs(load_wall(config).wall, config, theme))
    return {path: data for path, (_, data) in site.files.items()}


def rebuild(builder: SiteBuilder, *kinds: ChangeKind, paths: tuple[str, ...] = ()) -> list[str]:
    result = builder.rebuild(frozenset(kinds), paths)
    assert result.errors == [], result.errors
    return result.changed


@pytest.fixture
def wall(tmp_path: Path) -> Path:
    return copy_wall(tmp_path)


@pytest.fixture
def builder(wall: Path) -> SiteBuilder:
    builder = SiteBuilder(wall)
    assert builder.rebuild().errors == []
    assert render_all(builder.snapshot) == clean_build(wall)
    return builder


def test_editing_one_kudos_rerenders_only_what_shows_it(wall: Path, builder: SiteBuilder) -> None:
    source = wall / KUDOS
    source.write_text(source.read_text().replace("safe through", "safe and sound through"))
    changed = rebuild(builder, "content", paths=(KUDOS,))
    assert "k/2023-01-10-ada-on-grace-outage/index.html" in changed
    assert "people/grace-lindqvist/index.html" in changed and "skills/kubernetes/index.html" in changed
    assert "k/2023-03-05-grace-on-ada-reviews/index.html" not in changed
    assert "people/hana-sato/index.html" not in changed and "skills/teaching/index.html" not in changed
    assert len(changed) < len(builder.snapshot.files) // 2
    site = render_all(builder.snapshot)
    assert b"safe and sound through" in site["k/2023-01-10-ada-on-grace-outage/index.html"]
    assert site == clean_build(wall)


def test_every_kind_of_edit_matches_a_clean_build(wall: Path, builder: SiteBuilder) -> None:
    kudos = wall / KUDOS
    kudos.write_text(kudos.read_text().replace("to: grace-lindqvist", "to: hana-sato"))
    rebuild(builder, "content", paths=(KUDOS,))
    assert render_all(builder.snapshot) == clean_build(wall)

    added = wall / "content/kudos/2025-01-02-hana-on-ada-talk.md"
    added.write_text("---\nfrom: hana-sato\nto: ada-okafor\ndate: 2025-01-02\nrelationship: other\n"
                     "skills: [Go]\n---\nAda's talk was the clearest of the conference.\n")
    changed = rebuild(builder, "content", paths=("content/kudos/2025-01-02-hana-on-ada-talk.md",))
    assert "k/2025-01-02-hana-on-ada-talk/index.html" in changed
    assert render_all(builder.snapshot) == clean_build(wall)

    (wall / "content/kudos/2023-06-20-hana-on-lan-tests.md").unlink()
    changed = rebuild(builder, "content", paths=("content/kudos/2023-06-20-hana-on-lan-tests.md",))
    assert "k/2023-06-20-hana-on-lan-tests/index.html" in changed
    assert "k/2023-06-20-hana-on-lan-tests/index.html" not in builder.snapshot.files
    assert render_all(builder.snapshot) == clean_build(wall)

    person = wall / "content/people/lan-nguyen.yaml"
    person.write_text(person.read_text().replace("Lan Nguyen", "Lan Nguyễn"))
    rebuild(builder, "content", paths=("content/people/lan-nguyen.yaml",))
    assert render_all(builder.snapshot) == clean_build(wall)

    theme_dir = resolve_theme_dir(load_config(wall))
    (wall / "templates").mkdir()
    shutil.copy(theme_dir / "templates" / "kudos.html", wall / "templates" / "kudos.html")
    override = wall / "templates" / "kudos.html"
    marked = override.read_text().replace("{% block content %}", "{% block content %}<!-- wall override -->")
    override.write_text(marked)
    changed = rebuild(builder, "template", paths=("templates/kudos.html",))
    assert "k/2023-03-05-grace-on-ada-reviews/index.html" in changed
    site = render_all(builder.snapshot)
    assert b"<!-- wall override -->" in site["k/2023-03-05-grace-on-ada-reviews/index.html"]
    assert site == clean_build(wall)

    (wall / "static").mkdir()
    (wall / "static" / "extra.css").write_text("body { color: teal; }\n")
    changed = rebuild(builder, "static", paths=("static/extra.css",))
    assert changed == ["static/extra.css"]
    assert render_all(builder.snapshot) == clean_build(wall)

    config = wall / "kudoswall.yaml"
    config.write_text(config.read_text().replace("title: Serve test wall", "title: Renamed wall"))
    changed = rebuild(builder, "config", paths=("kudoswall.yaml",))
    assert len(changed) > len(builder.snapshot.files) // 2  # the title is on every page
    assert render_all(builder.snapshot) == clean_build(wall)


def test_a_new_person_without_kudos_and_a_respelled_skill_reach_the_stats_page(
        wall: Path, builder: SiteBuilder) -> None:
    newcomer = "content/people/zz-newcomer.yaml"
    (wall / newcomer).write_text("kind: person\nname: Zed Newcomer\nskills: [Knitting, go]\n", encoding="utf-8")
    assert "stats/index.html" in rebuild(builder, "content", paths=(newcomer,))
    assert render_all(builder.snapshot) == clean_build(wall)
    ada = wall / "content/people/ada-okafor.yaml"
    ada.write_text(ada.read_text().replace("Incident response", "incident RESPONSE"))
    rebuild(builder, "content", paths=("content/people/ada-okafor.yaml",))
    assert render_all(builder.snapshot) == clean_build(wall)


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_an_edit_after_a_commit_shows_the_new_history(wall: Path) -> None:
    """The quick re-plan of an edit reuses the history read at the last plan: a commit since makes it stale."""
    git = git_in(wall)
    (wall / ".gitignore").write_text(".kudoswall-cache/\n")
    git("init", "-q")
    git("add", "-A")
    git("commit", "-q", "-m", "first")
    builder = SiteBuilder(wall)
    assert builder.rebuild().errors == []
    source = wall / KUDOS
    source.write_text(source.read_text().replace("safe through", "safe and sound through"))
    git("commit", "-q", "-am", "second")
    source.write_text(source.read_text().replace("safe and sound", "safe, sound"))
    rebuild(builder, "content", paths=(KUDOS,))
    page = render_all(builder.snapshot)["k/2023-01-10-ada-on-grace-outage/index.html"]
    assert b"2 revisions" in page
    assert render_all(builder.snapshot) == clean_build(wall)


def test_a_content_error_raised_while_rendering_is_shown_as_itself(wall: Path) -> None:
    """An avatar is stripped of its metadata when rendered; one damaged since validation read it says so."""
    problem = Problem(SourcePos("content/people/ada-okafor.yaml", 3, 9), "avatar 'ada.jpg' is not a readable image")

    def render() -> bytes:
        raise ContentError([problem])

    theme = Theme(load_config(wall), resolve_theme_dir(load_config(wall)))
    with pytest.raises(RenderFailed) as failure:
        SiteFile("f", render, explain=explain_with(theme)).content()
    assert failure.value.problem == problem


def test_a_save_that_keeps_size_and_time_is_still_seen(wall: Path, builder: SiteBuilder) -> None:
    """Two saves in one clock tick look unchanged to a size+mtime cache; the watcher's paths win."""
    source = wall / KUDOS
    before = source.stat()
    source.write_text(source.read_text().replace("ledger", "LEDGER"))
    os.utime(source, ns=(before.st_atime_ns, before.st_mtime_ns))
    rebuild(builder, "content", paths=(KUDOS,))
    assert b"LEDGER" in render_all(builder.snapshot)["k/2023-01-10-ada-on-grace-outage/index.html"]


def test_a_broken_file_keeps_the_last_good_site_and_says_where(wall: Path, builder: SiteBuilder) -> None:
    good = builder.snapshot
    source = wall / KUDOS
    text = source.read_text()
    source.write_text(text.replace("date: 2023-01-10", "date: 2023-02-30"))
    result = builder.rebuild(frozenset({"content"}), (KUDOS,))
    assert result.snapshot is None and builder.snapshot is good
    assert [(p.pos.path, p.pos.line) for p in result.errors] == [(KUDOS, 4)]
    source.write_text(text)
    assert builder.rebuild(frozenset({"content"}), (KUDOS,)).errors == []
    assert render_all(builder.snapshot) == clean_build(wall)


def test_a_template_error_is_placed_at_its_line(wall: Path, builder: SiteBuilder) -> None:
    (wall / "templates").mkdir()
    (wall / "templates" / "404.html").write_text("{% extends 'base.html' %}\n{% block content %}\n"
                                                  "{{ no_such_thing.anywhere }}\n{% endblock %}\n")
    assert builder.rebuild(frozenset({"template"})).errors == []
    with pytest.raises(RenderFailed) as failure:
        builder.snapshot.files["404.html"].content()
    assert (failure.value.problem.pos.path, failure.value.problem.pos.line) == ("templates/404.html", 3)
    assert "no_such_thing" in failure.value.problem.message


def test_one_broken_template_is_one_error_and_one_reload_for_all_the_pages_it_breaks(
        wall: Path, builder: SiteBuilder) -> None:
    """Each page's error named the page, so each was new: the preview reloaded once a page (55 times)."""
    (wall / "templates").mkdir()
    (wall / "templates" / "kudos.html").write_text("{% extends 'base.html' %}\n{% block content %}\n"
                                                    "{{ kudos.nope.x }}\n{% endblock %}\n")
    live = LiveSite(wall)
    assert live.publish(builder.rebuild(frozenset({"template"})))
    before = int(live.current.version.rsplit("-", 1)[1])
    pages = [path for path in builder.snapshot.files if path.startswith("k/") and path.endswith("/index.html")]
    assert len(pages) > 1
    for path in pages:
        with pytest.raises(RenderFailed) as failure:
            builder.snapshot.files[path].content()
        live.report_render_failure(failure.value, builder.snapshot)
    assert int(live.current.version.rsplit("-", 1)[1]) == before + 1
    [error] = live.current.errors
    assert error.startswith("templates/kudos.html:3: ") and "'nope'" in error


def test_a_render_error_stays_through_an_unrelated_edit_and_is_told_on_the_terminal(
        wall: Path, builder: SiteBuilder) -> None:
    """Any later rebuild cleared it, the page still broken (kept, its fingerprint unchanged); and
    only the overlay said it, never the terminal."""
    (wall / "templates").mkdir()
    (wall / "templates" / "404.html").write_text("{% extends 'base.html' %}\n{% block content %}\n"
                                                 "{{ site.nope.x }}\n{% endblock %}\n")
    told: list[str] = []
    live = LiveSite(wall, told.append)
    assert live.publish(builder.rebuild(frozenset({"template"})))
    with pytest.raises(RenderFailed) as failure:
        builder.snapshot.files["404.html"].content()
    live.report_render_failure(failure.value, builder.snapshot)
    [error] = live.current.errors
    assert told == [error]
    source = wall / KUDOS
    source.write_text(source.read_text().replace("safe through", "safe and sound through"))
    result = builder.rebuild(frozenset({"content"}), (KUDOS,))
    assert "404.html" not in result.changed  # kept as it was: not rendered (nor failed) again
    live.publish(result)
    assert live.current.errors == (error,)


def test_a_template_syntax_error_fails_the_rebuild(wall: Path, builder: SiteBuilder) -> None:
    (wall / "templates").mkdir()
    (wall / "templates" / "404.html").write_text("{% extends 'base.html' %}\n{% block content %}\n{% if %}\n")
    result = builder.rebuild(frozenset({"template"}))
    assert result.snapshot is None
    assert [(p.pos.path, p.pos.line) for p in result.errors] == [("templates/404.html", 3)]


def test_everything_is_rebuilt_after_a_failed_config(wall: Path, builder: SiteBuilder) -> None:
    config = wall / "kudoswall.yaml"
    text = config.read_text()
    config.write_text(text + "no_such_option: 1\n")
    assert builder.rebuild(frozenset({"config"})).errors
    config.write_text(text.replace("title: Serve test wall", "title: Fixed wall"))
    # only a content change arrives next; the config must still be read again
    assert builder.rebuild(frozenset({"content"})).errors == []
    assert b"Fixed wall" in render_all(builder.snapshot)["index.html"]


def test_a_wall_folder_renamed_away_is_said_to_be_gone_and_rebuilt_when_back(wall: Path,
                                                                            builder: SiteBuilder) -> None:
    """It said the content folder did not exist, sending the writer to look in the wrong place."""
    away = wall.with_name("away")
    wall.rename(away)
    result = builder.rebuild(frozenset({"content"}), ("content/kudos/x.md",))
    assert [(p.pos.path, p.message) for p in result.errors] == [
        (str(wall), "the wall's folder is gone (renamed, moved or deleted)")]
    away.rename(wall)
    assert builder.rebuild().errors == []
    assert render_all(builder.snapshot) == clean_build(wall)
