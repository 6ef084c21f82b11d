"""Paths: nothing is read from outside the wall or written outside the output, whatever the content.

Each case asserts the exact message a contributor or maintainer would see.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from attack_corpus import render_outputs
from attack_corpus.checks import site_problems
from conftest import kudos_md, make_wall
from hypothesis import given, settings
from hypothesis import strategies as st

from kudoswall.build import build_site
from kudoswall.config import load_config
from kudoswall.errors import ContentError, UsageError, format_problem
from kudoswall.incremental import write_site
from kudoswall.outputdir import check_output_path
from kudoswall.slugs import MAX_SLUG_LENGTH, is_slug, slugify
from kudoswall.theme import Theme, resolve_theme_dir
from kudoswall.units import OutputUnit
from kudoswall.write import OutputCollision, SiteWriter


def errors_of(root: Path, output: Path | None = None) -> list[str]:
    """The formatted errors of a build that must fail with ContentError."""
    with pytest.raises(ContentError) as caught:
        build_site(load_config(root), output or root / "site")
    return [format_problem(p) for p in caught.value.problems if p.severity == "error"]


def usage_error(root: Path, output: Path) -> str:
    with pytest.raises(UsageError) as caught:
        build_site(load_config(root), output)
    return str(caught.value)


# --- slugs, ids and handles: one safe alphabet, one function -------------------------------------

@settings(max_examples=300, deadline=None)
@given(st.text())
def test_slugify_always_gives_a_safe_bounded_path_segment(text: str) -> None:
    slug = slugify(text)
    assert is_slug(slug) and len(slug) <= MAX_SLUG_LENGTH
    assert slug not in (".", "..") and "/" not in slug and "\\" not in slug


def test_slugify_survives_file_names_that_are_not_utf8() -> None:
    assert is_slug(slugify(os.fsdecode(b"\xff\xfe")))


def test_an_id_with_path_characters_is_an_error(tmp_path: Path) -> None:
    root = make_wall(tmp_path, kudos={"2024-05-01-x": kudos_md(id="../../etc")})
    assert errors_of(root) == [
        "content/kudos/2024-05-01-x.md:6:5: 'id' has an invalid value '../../etc' "
        "(an id uses lowercase letters, digits and hyphens, at most 100 characters)"
    ]


def test_a_file_name_with_traversal_characters_becomes_a_safe_id(tmp_path: Path) -> None:
    root = make_wall(tmp_path, kudos={"2024-05-01-..%2f..%2fetc": kudos_md()})
    build_site(load_config(root), tmp_path / "site")
    assert (tmp_path / "site" / "k" / "2024-05-01-2f-2fetc" / "index.html").is_file()


def test_a_handle_must_be_a_slug(tmp_path: Path) -> None:
    people = {"ada": {"name": "Ada"}, "grace": {"name": "Grace"}, "Eve..x.yaml": {"name": "E"}}
    root = make_wall(tmp_path, people=people)
    assert errors_of(root) == [
        "content/people/Eve..x.yaml: 'Eve..x' is not a valid handle "
        "(rename the file to 'eve-x.yaml': lowercase letters, digits and hyphens)"
    ]


def test_the_writer_refuses_unsafe_output_paths(tmp_path: Path) -> None:
    with SiteWriter(tmp_path / "site") as writer:
        for bad in ("../x", "/etc/passwd", "a/../../x", "a//b", "./a", "a\\b", "a\nb", ""):
            with pytest.raises(ValueError, match="unsafe output path"):
                writer.write(bad, b"x")
    assert sorted(os.listdir(tmp_path)) == [".site.kudoswall-lock", ".site.kudoswall-staging"]


# --- case and Unicode-form collisions (macOS and Windows file systems) ---------------------------

def test_kudos_files_differing_only_by_case_are_a_duplicate_id(tmp_path: Path) -> None:
    root = make_wall(tmp_path, kudos={"2024-05-01-Ada": kudos_md(), "2024-05-01-ada": kudos_md()})
    assert errors_of(root) == [
        "content/kudos/2024-05-01-ada.md: duplicate kudos id '2024-05-01-ada' (also used by "
        "content/kudos/2024-05-01-Ada.md) (rename one of the files, or set a different 'id:')"
    ]


def test_an_uppercase_handle_is_refused_so_handles_cannot_collide_by_case(tmp_path: Path) -> None:
    root = make_wall(tmp_path, people={"ada": {"name": "Ada"}, "grace": {"name": "Grace"}, "Grace": {"name": "G"}})
    assert errors_of(root) == [
        "content/people/Grace.yaml: 'Grace' is not a valid handle "
        "(rename the file to 'grace.yaml': lowercase letters, digits and hyphens)"
    ]


def test_static_files_differing_only_by_case_are_an_error(tmp_path: Path) -> None:
    root = make_wall(tmp_path)
    (root / "static").mkdir()
    (root / "static" / "Logo.png").write_bytes(b"a")
    (root / "static" / "logo.png").write_bytes(b"b")
    assert errors_of(root) == [
        "static/logo.png: output files 'static/Logo.png' and 'static/logo.png' differ only by letter case or "
        "Unicode form; on case-insensitive file systems (macOS, Windows) one would replace the other "
        "(rename one of them)"
    ]
    assert not (tmp_path / "site").exists()


def test_the_writer_refuses_two_outputs_that_differ_only_in_unicode_form(tmp_path: Path) -> None:
    with SiteWriter(tmp_path / "site") as writer:
        writer.write("static/caf\u00e9.css", b"a")
        writer.written.add("static/cafe\u0301.css")  # however a unit got there (kept from an earlier build, say)
        with pytest.raises(OutputCollision):
            writer.commit()
    assert not (tmp_path / "site").exists()


def test_the_writer_refuses_a_second_output_at_the_same_path(tmp_path: Path) -> None:
    with SiteWriter(tmp_path / "site") as writer:
        writer.write("k/a/index.html", b"page")
        with pytest.raises(OutputCollision) as caught:
            writer.write("k/a/index.html", b"redirect")
    assert format_problem(caught.value.problems[0]) == (
        "k/a/index.html: two outputs are written to the same file 'k/a/index.html' (rename one of them)")



def test_a_file_where_another_output_needs_a_folder_is_refused_before_anything_is_written(tmp_path: Path) -> None:
    """Workers make folders in any order, so the clash is found in the plan, not by whoever comes second."""
    units = [OutputUnit("k/a/index.html", "1", lambda: b"page"), OutputUnit("k/a", "2", lambda: b"file")]
    config = load_config(make_wall(tmp_path / "wall"))
    theme = Theme(config, resolve_theme_dir(config))
    with pytest.raises(OutputCollision) as caught:
        write_site(units, tmp_path / "site", theme, "scope", None)
    assert format_problem(caught.value.problems[0]) == (
        "k/a: one output is written to the file 'k/a', another into the folder 'k/a/' (rename one of them)")
    assert not (tmp_path / "site").exists()

# --- symbolic links in the content folder: never followed ----------------------------------------

def test_a_linked_kudos_file_is_refused(tmp_path: Path) -> None:
    root = make_wall(tmp_path / "wall")
    outside = tmp_path / "outside.md"
    outside.write_text(kudos_md(body="SECRET from outside the wall"))
    os.symlink(outside, root / "content" / "kudos" / "2024-05-02-link.md")
    assert errors_of(root) == [
        "content/kudos/2024-05-02-link.md: symbolic links are not followed in the content folder "
        "(replace the link with the file itself)"
    ]


@pytest.mark.parametrize("linked", ["content", "content/people", "content/kudos"])
def test_a_linked_content_folder_is_refused(tmp_path: Path, linked: str) -> None:
    root = make_wall(tmp_path / "wall")
    real = tmp_path / "elsewhere"
    os.rename(root / linked, real)
    os.symlink(real, root / linked)
    assert errors_of(root) == [
        f"{linked}: symbolic links are not followed in the content folder (replace the link with the folder itself)"
    ]


def test_an_avatar_outside_the_content_folder_is_refused(tmp_path: Path) -> None:
    (tmp_path / "secret.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"0" * 16)
    root = make_wall(tmp_path / "wall", people={"ada": {"name": "Ada", "avatar": "../../../secret.png"},
                                                "grace": {"name": "Grace"}})
    assert errors_of(root) == [
        "content/people/ada.yaml:2:9: avatar '../../../secret.png' is outside the content folder "
        "(put the image in content/)"
    ]


def test_a_linked_avatar_is_refused(tmp_path: Path) -> None:
    (tmp_path / "secret.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"0" * 16)
    root = make_wall(tmp_path / "wall", people={"ada": {"name": "Ada", "avatar": "ada.png"},
                                                "grace": {"name": "Grace"}})
    os.symlink(tmp_path / "secret.png", root / "content" / "people" / "ada.png")
    assert errors_of(root) == [
        "content/people/ada.png: symbolic links are not followed in the content folder "
        "(replace the link with the file itself)",
        "content/people/ada.yaml:2:9: avatar 'ada.png' is outside the content folder (put the image in content/)",
    ]


def test_content_dir_must_stay_inside_the_wall(tmp_path: Path) -> None:
    root = make_wall(tmp_path, config={"title": "T", "content_dir": "../elsewhere"})
    with pytest.raises(ContentError) as caught:
        load_config(root)
    assert [format_problem(p) for p in caught.value.problems] == [
        "kudoswall.yaml:2:14: 'content_dir' has an invalid value '../elsewhere' "
        "(a folder inside the wall, like content (no absolute paths, no '..'))"
    ]


@pytest.mark.parametrize("raw_name", [b"2024-05-01-\xff.md", b"2024-05-01-a\nb.md", "2024-05-01-\u202egpj.md".encode()])
def test_a_file_name_that_could_garble_messages_is_refused(tmp_path: Path, raw_name: bytes) -> None:
    root = make_wall(tmp_path)
    (Path(os.fsdecode(os.fsencode(root / "content" / "kudos") + b"/" + raw_name))).write_text(kudos_md())
    [message] = errors_of(root)
    assert message.startswith("content/kudos/2024-05-01-")
    assert message.endswith(": the file name has control characters, direction-changing characters or bytes "
                            "that are not UTF-8 (rename the file)")
    assert "\n" not in message and "\u202e" not in message and "\udcff" not in message


# --- links in the output and staging folders: never written through ------------------------------

def test_links_planted_in_the_previous_site_are_replaced_not_followed(tmp_path: Path) -> None:
    root = make_wall(tmp_path / "wall")
    site = tmp_path / "site"
    build_site(load_config(root), site)
    victim_file = tmp_path / "victim.txt"
    victim_file.write_text("keep me")
    victim_dir = tmp_path / "victim-dir"
    victim_dir.mkdir()
    # A build exchanges site and staging, so plant links in both: whichever is written next.
    for folder in (site, tmp_path / ".site.kudoswall-staging"):
        if not folder.is_dir():
            continue
        (folder / "index.html").unlink(missing_ok=True)
        os.symlink(victim_file, folder / "index.html")
        if (folder / "people").is_dir():
            os.rename(folder / "people", tmp_path / f"moved-{folder.name}")
        os.symlink(victim_dir, folder / "people")
    build_site(load_config(root), site)
    build_site(load_config(root), site)
    assert victim_file.read_text() == "keep me"
    assert list(victim_dir.iterdir()) == []
    assert not (site / "index.html").is_symlink() and (site / "index.html").stat().st_size > 1000
    assert not (site / "people").is_symlink() and (site / "people" / "ada" / "index.html").is_file()


def test_copy_from_output_does_not_follow_links(tmp_path: Path) -> None:
    site = tmp_path / "site"
    with SiteWriter(site) as writer:
        writer.write("a.txt", b"a")
        writer.commit()
    (tmp_path / "secret").write_text("secret")
    os.symlink(tmp_path / "secret", site / "b.txt")
    with SiteWriter(site) as writer, pytest.raises(OSError):
        writer.copy_from_output("b.txt")


def test_a_linked_lock_file_is_not_followed(tmp_path: Path) -> None:
    target = tmp_path / "target"
    os.symlink(target, tmp_path / ".site.kudoswall-lock")
    with pytest.raises(OSError), SiteWriter(tmp_path / "site"):
        pass
    assert not target.exists()


# --- output paths that would destroy something ---------------------------------------------------

def test_dangerous_output_folders_are_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    root = make_wall(home / "wall")
    (home / "notes").mkdir()
    (home / "notes" / "todo.txt").write_text("mine")
    (root / ".git").mkdir()
    cases = {
        Path("/"): "it would replace the wall, its content or your home folder",
        home: "it would replace the wall, its content or your home folder",
        root: "it would replace the wall, its content or your home folder",
        root.parent: "it would replace the wall, its content or your home folder",
        root / "content": "it would replace the wall, its content or your home folder",
        root / "content" / "site": f"it is inside {root / 'content'}",
        root / ".git" / "site": f"it is inside {root / '.git'}",
        home / "notes": "the folder is not empty and was not made by kudoswall "
                        "(choose another --output, or empty it yourself)",
        home / "notes" / "todo.txt": "it is a file, not a folder",
    }
    for output, reason in cases.items():
        assert usage_error(root, output) == f"refusing to build into {output.resolve()}: {reason}"
    assert (home / "notes" / "todo.txt").read_text() == "mine"


def test_an_output_folder_holding_the_content_or_theme_is_refused(tmp_path: Path) -> None:
    """A kudoswall-made output may be replaced whole; content moved into it went with it (staging)
    and the next build deleted it."""
    root = make_wall(tmp_path / "wall")
    build_site(load_config(root), root / "www")
    (root / "content").rename(root / "www" / "content")
    config = root / "kudoswall.yaml"
    config.write_text(config.read_text() + "content_dir: www/content\n")
    reason = f"{root.resolve() / 'www' / 'content'} is inside it, and would be replaced with it"
    assert usage_error(root, root / "www").startswith(f"refusing to build into {(root / 'www').resolve()}: {reason}")
    with pytest.raises(UsageError, match="is inside it, and would be replaced"):  # or in its staging folder
        check_output_path(root / "site", root, [root / ".site.kudoswall-staging" / "content"])
    assert sorted(p.name for p in (root / "www" / "content").iterdir()) == ["kudos", "people"]
    (root / "www" / "content").rename(root / "content")
    config.write_text(config.read_text().replace("content_dir: www/content\n", "theme: www/theme\n"))
    (root / "www" / "theme" / "templates").mkdir(parents=True)
    theme = resolve_theme_dir(load_config(root))
    assert theme == (root / "www" / "theme").resolve()
    assert usage_error(root, root / "www").startswith(f"refusing to build into {(root / 'www').resolve()}: {theme}")


def test_a_linked_output_folder_is_refused(tmp_path: Path) -> None:
    root = make_wall(tmp_path / "wall")
    (tmp_path / "real").mkdir()
    os.symlink(tmp_path / "real", tmp_path / "site")
    assert usage_error(root, tmp_path / "site") == f"refusing to build into {tmp_path / 'site'}: it is a symbolic link"


def test_a_foreign_staging_folder_is_refused_not_emptied(tmp_path: Path) -> None:
    root = make_wall(tmp_path / "wall")
    staging = tmp_path / ".site.kudoswall-staging"
    staging.mkdir()
    (staging / "precious.txt").write_text("mine")
    assert usage_error(root, tmp_path / "site") == (
        f"refusing to use {staging}: it exists and was not made by kudoswall (remove it, or choose another --output)")
    assert (staging / "precious.txt").read_text() == "mine"


def test_a_previous_kudoswall_output_may_be_replaced(tmp_path: Path) -> None:
    root = make_wall(tmp_path / "wall")
    build_site(load_config(root), tmp_path / "site")
    check_output_path(tmp_path / "site", root, [root / "content"])  # does not raise
    build_site(load_config(root), tmp_path / "site")
    assert (tmp_path / "site" / "index.html").is_file()


@pytest.mark.parametrize("folder", ["static", "templates"])
def test_a_linked_static_or_templates_folder_is_refused(tmp_path: Path, folder: str) -> None:
    secret = tmp_path / "secret"
    secret.mkdir()
    (secret / "id_rsa").write_text("PRIVATE KEY")
    root = make_wall(tmp_path / "wall")
    os.symlink(secret, root / folder)
    with pytest.raises(ContentError) as caught:
        build_site(load_config(root), tmp_path / "site")
    assert [format_problem(p) for p in caught.value.problems] == [
        f"{folder}: symbolic links are not followed in templates/ and static/ "
        "(replace the link with the file or folder itself)"
    ]
    assert not (tmp_path / "site").exists()


def test_a_link_inside_the_templates_folder_is_refused(tmp_path: Path) -> None:
    (tmp_path / "secret.html").write_text("PRIVATE")
    root = make_wall(tmp_path / "wall")
    (root / "templates").mkdir()
    os.symlink(tmp_path / "secret.html", root / "templates" / "404.html")
    with pytest.raises(ContentError) as caught:
        build_site(load_config(root), tmp_path / "site")
    assert [p.pos.path for p in caught.value.problems] == ["templates/404.html"]


# --- addresses from the settings -----------------------------------------------------------------

def test_a_base_url_with_markup_characters_is_refused(tmp_path: Path) -> None:
    root = make_wall(tmp_path, config={"title": "T", "base_url": 'https://e.example/"><script>/'})
    with pytest.raises(ContentError) as caught:
        load_config(root)
    assert [format_problem(p) for p in caught.value.problems] == [
        "kudoswall.yaml:2:11: 'base_url' has an invalid value 'https://e.example/\"><script>/' "
        "(an absolute address ending with '/', like https://example.org/kudos/, in ASCII: percent-encode other "
        "characters in the path (%C3%A9 for é) and write an international domain in its xn-- form)"
    ]


def test_a_base_url_with_an_ampersand_is_escaped_in_every_output(tmp_path: Path) -> None:
    base_url = "https://e.example/a&b=1/"
    root = make_wall(tmp_path, config={"title": "T", "base_url": base_url})
    _, files = render_outputs(root)
    assert site_problems(files, base_url) == []
    assert b"<loc>https://e.example/a&amp;b=1/</loc>" in files["sitemap.xml"]
    assert b'<link rel="canonical" href="https://e.example/a&amp;b=1/">' in files["index.html"]
    assert files["robots.txt"].endswith(b"Sitemap: https://e.example/a&b=1/sitemap.xml\n")


def test_an_alias_cannot_replace_another_kudos_page(tmp_path: Path) -> None:
    """An alias naming another page's file would have its redirect overwrite that page."""
    root = make_wall(tmp_path / "wall", kudos={
        "2024-05-01-ada-on-grace": kudos_md(body="The real kudos."),
        "2024-05-02-other": kudos_md(body="Another.", aliases=["k/2024-05-01-ada-on-grace/index.html"]),
    })
    with pytest.raises(ContentError) as caught:
        build_site(load_config(root), tmp_path / "site")
    assert any("k/2024-05-01-ada-on-grace/index.html" in format_problem(p) for p in caught.value.problems)
    assert not (tmp_path / "site").exists()
