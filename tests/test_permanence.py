"""Redirects, tombstones, people aliases and removal, consent, and life without git."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import html5lib
import pytest
from conftest import DEFAULT_CONFIG, kudos_md, make_wall

from kudoswall.build import load_wall
from kudoswall.cli import main
from kudoswall.config import load_config
from kudoswall.permanence import alias_path
from kudoswall.validate import assemble_wall

NS = {"h": "http://www.w3.org/1999/xhtml"}


def build(root: Path) -> int:
    return main(["build", "--source", str(root)])


def parse(path: Path) -> ElementTree.Element:
    root: ElementTree.Element = html5lib.parse(path.read_bytes())
    return root


def test_alias_becomes_a_redirect_page_and_a_redirects_rule(tmp_path: Path) -> None:
    config = {**DEFAULT_CONFIG, "base_url": "https://example.org/team/"}
    root = make_wall(tmp_path, config=config, kudos={"2024-05-01-new": kudos_md(aliases=["2024-05-01-old", "/x/y"])})
    assert build(root) == 0
    page = parse(root / "site/k/2024-05-01-old/index.html")
    def attribute(xpath: str, name: str) -> str | None:
        element = page.find(xpath, NS)
        assert element is not None, xpath
        return element.get(name)

    assert attribute(".//h:meta[@http-equiv='refresh']", "content") == "0; url=../../k/2024-05-01-new/"
    assert attribute(".//h:link[@rel='canonical']", "href") == "https://example.org/team/k/2024-05-01-new/"
    assert attribute(".//h:meta[@name='robots']", "content") == "noindex"
    assert attribute(".//h:body//h:a", "href") == "../../k/2024-05-01-new/"
    assert (root / "site/x/y/index.html").is_file()
    assert (root / "site/_redirects").read_text().splitlines() == [
        "/team/k/2024-05-01-old/ /team/k/2024-05-01-new/ 301",
        "/team/k/2024-05-01-old/* /team/k/2024-05-01-new/:splat 301",  # its credential and share image moved too
        "/team/x/y/ /team/k/2024-05-01-new/ 301"]
    assert "2024-05-01-old" not in (root / "site/sitemap.xml").read_text()


def test_a_renamed_kudos_keeps_its_feed_entry_ids_and_its_credential_id(tmp_path: Path) -> None:
    """They followed the new id: feed readers showed the kudos twice (RFC 4287 says an entry's id
    never changes), and the credential's id, where it is to be fetched from, was a 404."""
    root = make_wall(tmp_path, kudos={"2024-05-01-ada-on-grace": kudos_md()})
    site = root / "site"
    assert build(root) == 0

    def ids() -> tuple[list[str], list[str], str]:
        atom = ElementTree.parse(site / "feed.xml").getroot()
        entries = [entry.findtext("{http://www.w3.org/2005/Atom}id") or "" for entry in atom.iter(
            "{http://www.w3.org/2005/Atom}entry")]
        items = [item["id"] for item in json.loads((site / "feed.json").read_text("utf-8"))["items"]]
        [credential] = site.glob("k/*/credential.json")
        return entries, items, json.loads(credential.read_text("utf-8"))["id"]

    before = ids()
    assert before[0] == before[1] == ["https://kudos.example.org/k/2024-05-01-ada-on-grace/"]
    assert main(["mv", "2024-05-01-ada-on-grace", "2024-05-01-ledger", "--source", str(root)]) == 0
    assert build(root) == 0
    old = site / "k/2024-05-01-ada-on-grace/credential.json"
    moved = site / "k/2024-05-01-ledger/credential.json"
    assert old.read_bytes() == moved.read_bytes()  # also where its id says, for hosts without _redirects
    old.unlink()
    assert ids() == before
    atom = (site / "feed.xml").read_text("utf-8")
    assert 'href="https://kudos.example.org/k/2024-05-01-ledger/"' in atom  # the link is the new address
    assert json.loads((site / "feed.json").read_text("utf-8"))["items"][0]["url"].endswith("/k/2024-05-01-ledger/")


@pytest.mark.parametrize(("aliases", "message"), [
    (["2024-05-01-other"], "is the address of a page that exists"),
    (["a/../b"], "is not a usable site path"),
    (["static/style.css"], "is not a usable site path"),
    (["pagefind/pagefind.js"], "is not a usable site path"),  # a redirect rule there broke search site-wide
])
def test_bad_aliases_are_errors(tmp_path: Path, aliases: list[str], message: str,
                                capsys: pytest.CaptureFixture[str]) -> None:
    root = make_wall(tmp_path, kudos={"2024-05-01-new": kudos_md(aliases=aliases),
                                      "2024-05-01-other": kudos_md("Another text.")})
    assert main(["check", "--source", str(root), "--base", "none"]) == 1
    assert message in capsys.readouterr().err


@pytest.mark.parametrize("alias", ["people/grace/badge.svg", "/stats/", "people/grace/feed.xml/x/"])
def test_an_alias_that_takes_a_generated_file_is_an_error_at_the_alias(
        tmp_path: Path, alias: str, capsys: pytest.CaptureFixture[str]) -> None:
    """The error named only the output file ('two outputs are written to the same file ...')."""
    root = make_wall(tmp_path, kudos={"2024-05-01-new": kudos_md(aliases=[alias])})
    assert main(["build", "--source", str(root), "--output", str(root / "site")]) == 1
    err = capsys.readouterr().err
    assert err.startswith("content/kudos/2024-05-01-new.md:7:3: an alias here is written to '"), err  # the item
    assert "which the site uses for another file (an alias must be an old address that nothing uses now)" in err


def test_check_reports_every_output_clash_a_build_would_refuse_in_one_run(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`check` said OK and `build` then failed, one clash per run."""
    root = make_wall(tmp_path, kudos={"2024-05-01-new": kudos_md(aliases=["/feed.xml", "/index.html"])})
    (root / "static").mkdir()
    (root / "static" / "Logo.png").write_bytes(b"a")
    (root / "static" / "logo.png").write_bytes(b"b")
    for command in (["check", "--base", "none"], ["build", "--output", str(root / "site")]):
        assert main([*command, "--source", str(root)]) == 1
        lines = capsys.readouterr().err.splitlines()
        assert [line.split(": ", 1)[0] for line in lines[:-1]] == [
            "content/kudos/2024-05-01-new.md:7:3", "content/kudos/2024-05-01-new.md:8:3", "static/logo.png"]
        assert "'feed.xml'" in lines[0] and "'index.html'" in lines[1] and "letter case" in lines[2]
        assert lines[-1] == "kudoswall: 3 errors; nothing was written"


def test_alias_paths() -> None:
    assert alias_path("old", "kudos") == "k/old/"
    assert alias_path("old", "person") == "people/old/"
    assert alias_path("/k/old", "kudos") == "k/old/"
    assert alias_path("old/page.html", "kudos") == "old/page.html"
    assert alias_path("k//x", "kudos") is None


def test_person_alias_and_removal_keep_every_link(tmp_path: Path) -> None:
    people: dict[str, Any] = {
        "ada": {"name": "Ada Okafor"},
        "grace-l": {"name": "Grace Lindqvist", "aliases": ["grace"]},
        "lin": {"name": "Lin Hao", "status": "removed", "status_date": "2025-02-01", "aliases": ["lin-hao"]},
    }
    kudos = {"2024-05-01-ada-on-grace": kudos_md(to="grace-l"),
             "2024-06-01-ada-on-lin": kudos_md("Lin was the calmest on-call engineer ever.", to="lin"),
             "2024-07-01-lin-on-ada": kudos_md("Ada reviews with care.", date="2024-07-01", to="ada",
                                               **{"from": "lin"})}
    root = make_wall(tmp_path, people=people, kudos=kudos)
    assert build(root) == 0
    redirect = parse(root / "site/people/grace/index.html")
    assert redirect.find(".//h:meta[@http-equiv='refresh']", NS) is not None
    assert (root / "site/_redirects").read_text().splitlines() == [
        "/people/grace/ /people/grace-l/ 301",
        "/people/grace/* /people/grace-l/:splat 301",  # the old feed, badges and embeds follow
        "/people/lin-hao/ /people/lin/ 301",  # a removed person's old address leads to the tombstone: it was a 404
        "/people/lin-hao/* /people/lin/:splat 301",
    ]
    tombstone = (root / "site/people/lin/index.html").read_text()
    assert "Removed at the person" in tombstone and "Lin Hao" not in tombstone and 'content="noindex"' in tombstone
    for kudos_id in ("2024-06-01-ada-on-lin", "2024-07-01-lin-on-ada"):  # Lin received one and wrote one
        kudos_tombstone = (root / f"site/k/{kudos_id}/index.html").read_text()
        assert "calmest" not in kudos_tombstone and "reviews with care" not in kudos_tombstone
        # "at the recipient's request" said Ada asked to hide what Lin wrote
        assert "Hidden because a person named on it asked to be removed from this wall" in kudos_tombstone
        assert "recipient" not in kudos_tombstone
    everything = "".join(p.read_text() for p in (root / "site").rglob("*") if p.suffix in (".html", ".json", ".xml"))
    assert "Lin Hao" not in everything and "calmest" not in everything and "reviews with care" not in everything
    lock = (root / "kudoswall.lock").read_text()
    assert '"id": "lin"' not in lock  # a removed person was never published here


def test_consent_required_keeps_pending_kudos_out_until_approved(tmp_path: Path) -> None:
    config = {**DEFAULT_CONFIG, "require_consent": True}
    root = make_wall(tmp_path, config=config, kudos={
        "2024-05-01-pending": kudos_md("Grace untangled the release train for everyone."),
        "2024-05-02-approved": kudos_md("Grace mentors with patience.", date="2024-05-02",
                                        consent={"by": "grace", "date": "2024-05-03"})})
    assert build(root) == 0
    assert not (root / "site/k/2024-05-01-pending").exists()
    assert (root / "site/k/2024-05-02-approved/index.html").is_file()
    assert "untangled" not in (root / "site/kudos.json").read_text()
    assert "2024-05-01-pending" not in (root / "kudoswall.lock").read_text()
    loaded = load_wall(load_config(root))
    drafts = assemble_wall({**loaded.wall.people}, [*loaded.wall.kudos, *loaded.wall.pending], drafts=True)
    assert [k.id for k in drafts.kudos if k.status == "pending"] == ["2024-05-01-pending"]


def test_consent_by_someone_else_is_an_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = make_wall(tmp_path, kudos={"2024-05-01-x": kudos_md(consent={"by": "ada", "date": "2024-05-03"})})
    assert main(["check", "--source", str(root), "--base", "none"]) == 1
    assert capsys.readouterr().err.splitlines()[0] == (
        "content/kudos/2024-05-01-x.md:7:7: consent can only be given by the recipient (set 'by: grace', the handle "
        "in 'to')")


def test_a_misspelt_recipient_is_said_as_such_not_as_consent_by_someone_else(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """It said only "set 'by: grcae'", copying the typo into the consent."""
    consent = {"by": "grace", "date": "2024-05-03"}
    root = make_wall(tmp_path, kudos={"2024-05-01-x": kudos_md(to="grcae", consent=consent)})
    assert main(["check", "--source", str(root), "--base", "none"]) == 1
    assert capsys.readouterr().err.splitlines()[:-1] == [
        "content/kudos/2024-05-01-x.md:3:5: unknown person 'grcae' in 'to' (did you mean 'grace'?)"]


def test_without_git_history_comes_from_lock_and_front_matter(tmp_path: Path) -> None:
    people: dict[str, Any] = {
        "ada": {"name": "Ada", "identities": {"emails": ["ada@secret.example"], "keys": ["SHA256:abcdefgh"]}},
        "grace": {"name": "Grace"},
    }
    root = make_wall(tmp_path, people=people)
    assert build(root) == 0
    record = json.loads((root / "site/kudos.json").read_text())["kudos"][0]
    assert record["verified"] == "unknown"
    assert record["history"]["source"] == "front matter"  # the first build: not in the lock yet
    assert build(root) == 0
    record = json.loads((root / "site/kudos.json").read_text())["kudos"][0]
    assert record["history"]["source"] == "lock" and record["history"]["edited"] is False
    for output in (root / "site").rglob("*"):
        if output.is_file() and output.suffix in (".html", ".json", ".xml", ".txt", ""):
            text = output.read_text(errors="replace")
            assert "secret.example" not in text and "SHA256:abcdefgh" not in text, output


def test_serve_drafts_shows_pending_kudos_marked_and_plain_serve_does_not(tmp_path: Path) -> None:
    from kudoswall.serve_site import SiteBuilder, render_all

    config = {**DEFAULT_CONFIG, "require_consent": True}
    root = make_wall(tmp_path, config=config, kudos={
        "2024-05-01-pending": kudos_md("Grace untangled the release train for everyone.")})
    plain = SiteBuilder(root)
    assert plain.rebuild().errors == []
    assert "k/2024-05-01-pending/index.html" not in render_all(plain.snapshot)
    drafts = SiteBuilder(root, drafts=True)
    assert drafts.rebuild().errors == []
    site = render_all(drafts.snapshot)
    page = site["k/2024-05-01-pending/index.html"].decode()
    assert "untangled the release train" in page and "consent: not published" in page
    assert "Draft: awaiting <bdi>Grace Lindqvist</bdi>" in site["index.html"].decode()
    assert not (root / "site").exists() and not (root / "kudoswall.lock").exists()


def test_content_errors_a_deleted_published_kudos_and_a_broken_template_come_in_one_run(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Three runs were needed: the content error, then the template, then the deleted kudos."""
    root = make_wall(tmp_path, kudos={"2024-05-01-gone": kudos_md("Gone soon."), "2024-05-02-typo": kudos_md("Typo."),
                                      "2024-05-03-broken": kudos_md("Broken."), "2024-05-04-own-id": kudos_md("Own."),
                                      "2024-05-05-renamed": kudos_md("Renamed.")})
    assert build(root) == 0
    kudos_dir = root / "content/kudos"
    (kudos_dir / "2024-05-01-gone.md").unlink()
    (kudos_dir / "2024-05-02-typo.md").write_text(kudos_md("Typo.", to="grcae"), "utf-8")
    (kudos_dir / "2024-05-03-broken.md").write_text("---\nfrom: [\n---\nBroken.\n", "utf-8")  # does not parse
    (kudos_dir / "2024-05-04-own-id.md").unlink()  # moved to a file of another name, its id written in it
    (kudos_dir / "2024-05-04-x.md").write_text("---\nid: 2024-05-04-own-id\nfrom: [\n---\nOwn.\n", "utf-8")
    (kudos_dir / "2024-05-05-renamed.md").unlink()  # renamed, the old id as an alias
    (kudos_dir / "2024-05-05-new.md").write_text(kudos_md("Renamed.", aliases=["2024-05-05-renamed"]), "utf-8")
    (root / "templates").mkdir()
    (root / "templates" / "index.html").write_text("{% if %}\n", "utf-8")
    capsys.readouterr()
    for command in (["check", "--base", "none"], ["build"]):
        assert main([*command, "--source", str(root)]) == 1
        lines = [line for line in capsys.readouterr().err.splitlines() if "warning:" not in line]
        assert [line.split(":")[0] for line in lines] == [
            "content/kudos/2024-05-02-typo.md", "content/kudos/2024-05-03-broken.md", "content/kudos/2024-05-04-x.md",
            "kudoswall.lock", "templates/index.html", "kudoswall"], lines
        assert "the published kudos '2024-05-01-gone' was deleted" in lines[3]
        assert lines[-1].startswith("kudoswall: 5 errors")


def test_a_renamed_published_kudos_that_now_waits_for_consent_says_so_for_its_old_address_too(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The old address said 'was deleted ... restore the file', of a file that is there."""
    root = make_wall(tmp_path, kudos={"2024-05-01-old": kudos_md()})
    assert build(root) == 0
    assert main(["mv", "2024-05-01-old", "2024-05-01-new", "--source", str(root)]) == 0
    assert build(root) == 0
    config = root / "kudoswall.yaml"
    config.write_text(config.read_text("utf-8") + "require_consent: true\n", "utf-8")
    capsys.readouterr()
    assert main(["check", "--source", str(root), "--base", "none"]) == 1
    errors = capsys.readouterr().err.splitlines()[:-1]
    assert len(errors) == 2 and all("now waits for consent" in line for line in errors), errors


def test_renaming_a_person_does_not_mark_their_kudos_edited(tmp_path: Path) -> None:
    """The lock's digest was taken with the old handle: every kudos of a renamed person said
    "Edited after publication" for good, though no word a reader sees had changed."""
    root = make_wall(tmp_path, kudos={"2024-05-01-ada-on-grace": kudos_md(), "2024-05-02-grace-on-ada": kudos_md(
        "Ada is kind.", to="ada", **{"from": "grace"})})
    assert build(root) == 0
    people = root / "content/people"
    (people / "grace.yaml").rename(people / "grace-l.yaml")
    with (people / "grace-l.yaml").open("a", encoding="utf-8") as handle:
        handle.write("aliases: [grace]\n")
    for path in (root / "content/kudos").iterdir():
        path.write_text(path.read_text("utf-8").replace("to: grace\n", "to: grace-l\n")
                        .replace("from: grace\n", "from: grace-l\n"), "utf-8")
    edited = root / "content/kudos/2024-05-01-ada-on-grace.md"
    assert build(root) == 0
    records = {r["id"]: r for r in json.loads((root / "site/kudos.json").read_text("utf-8"))["kudos"]}
    assert [records[k]["history"]["edited"] for k in ("2024-05-01-ada-on-grace", "2024-05-02-grace-on-ada")] == [
        False, False]
    edited.write_text(edited.read_text("utf-8").replace("safe", "safe and sound"), "utf-8")
    assert build(root) == 0  # a real edit still shows
    records = {r["id"]: r for r in json.loads((root / "site/kudos.json").read_text("utf-8"))["kudos"]}
    assert records["2024-05-01-ada-on-grace"]["history"]["edited"] is True


def feed_ids(site: Path, feed: str = "feed.xml") -> list[str]:
    atom = ElementTree.parse(site / feed).getroot()
    return [entry.findtext("{http://www.w3.org/2005/Atom}id") or "" for entry in atom.iter(
        "{http://www.w3.org/2005/Atom}entry")]


@pytest.mark.parametrize("alias", ["legacy-address", "k/2024-05-01-ada-on-grace/"])
def test_feed_and_credential_ids_come_from_the_lock_not_from_any_alias(tmp_path: Path, alias: str) -> None:
    """An alias kept from an earlier site (never published here) moved every published entry id and
    the credential's id to it; a path-form alias of a real rename was skipped."""
    root = make_wall(tmp_path, kudos={"2024-05-01-ada-on-grace": kudos_md()})
    site = root / "site"
    assert build(root) == 0
    published = "https://kudos.example.org/k/2024-05-01-ada-on-grace/"
    assert feed_ids(site) == [published]
    source = root / "content/kudos/2024-05-01-ada-on-grace.md"
    if alias.startswith("k/"):  # renamed by hand, the old address written as a path
        source.rename(source.with_name("2024-05-01-renamed.md"))
        source = source.with_name("2024-05-01-renamed.md")
        alias_line = 'aliases: ["k/2024-05-01-ada-on-grace/"]\n'
    else:
        alias_line = f"aliases: [{alias}]\n"
    source.write_text(source.read_text("utf-8").replace("---\n", "---\n" + alias_line, 1), "utf-8")
    assert build(root) == 0
    assert feed_ids(site) == [published]
    assert json.loads((site / "feed.json").read_text("utf-8"))["items"][0]["id"] == published
    credential = json.loads((site / f"k/{source.stem}/credential.json").read_text("utf-8"))
    assert credential["id"] == published + "credential.json"


def test_a_renamed_persons_feed_keeps_its_id_and_an_empty_one_is_dated_when_first_published(tmp_path: Path) -> None:
    """RFC 4287 4.2.6: the feed's atom:id followed the new handle; an empty feed said 1970."""
    people: dict[str, Any] = {"ada": {"name": "Ada Okafor"}, "grace": {"name": "Grace Lindqvist"}}
    root = make_wall(tmp_path, people=people, kudos={"2024-05-01-ada-on-grace": kudos_md()})
    assert main(["build", "--source", str(root)]) == 0
    grace = root / "content/people/grace.yaml"
    grace.rename(grace.with_name("grace-l.yaml"))
    grace = grace.with_name("grace-l.yaml")
    grace.write_text(grace.read_text("utf-8") + "aliases: [grace]\n", "utf-8")
    kudos = root / "content/kudos/2024-05-01-ada-on-grace.md"
    kudos.write_text(kudos.read_text("utf-8").replace("to: grace\n", "to: grace-l\n"), "utf-8")
    assert build(root) == 0
    site = root / "site"
    for folder in ("grace", "grace-l"):
        feed = ElementTree.parse(site / f"people/{folder}/feed.xml").getroot()
        assert feed.findtext("{http://www.w3.org/2005/Atom}id") == "https://kudos.example.org/people/grace/feed.xml"
    ada = ElementTree.parse(site / "people/ada/feed.xml").getroot()  # wrote one, received none
    assert feed_ids(site, "people/ada/feed.xml") == []
    records = [json.loads(line) for line in (root / "kudoswall.lock").read_text("utf-8").splitlines()
               if line.startswith("{")]
    [ada_record] = [r for r in records if r["kind"] == "person" and r["id"] == "ada"]
    assert ada.findtext("{http://www.w3.org/2005/Atom}updated") == ada_record["published"] + "T00:00:00Z"


def test_a_renamed_persons_feed_badges_and_embeds_answer_at_the_old_address_without_redirect_rules(
        tmp_path: Path) -> None:
    """They were only a `_redirects` splat rule, which GitHub Pages does not read: a subscribed feed
    and every badge pasted on another site became a 404."""
    people: dict[str, Any] = {"ada": {"name": "Ada Okafor", "skills": ["Go"]},
                              "grace-l": {"name": "Grace Lindqvist", "aliases": ["grace"], "skills": ["Go"]}}
    root = make_wall(tmp_path, people=people, kudos={"2024-05-01-ada-on-grace": kudos_md(to="grace-l", skills=["Go"])})
    assert build(root) == 0
    site = root / "site"
    for rest in ("feed.xml", "badge.svg", "badges/go.svg"):
        assert (site / "people/grace" / rest).read_bytes() == (site / "people/grace-l" / rest).read_bytes(), rest
    for rest in ("embed/", "embed/dark/"):
        page = parse(site / "people/grace" / rest / "index.html")
        refresh = page.find(".//h:meta[@http-equiv='refresh']", NS)
        assert refresh is not None and refresh.get("content", "").endswith(f"people/grace-l/{rest}"), rest
    assert not (site / "people/ada-okafor").exists()  # nobody else's files are copied


def test_serve_keeps_a_renamed_persons_old_files_as_build_writes_them(tmp_path: Path) -> None:
    from kudoswall.serve_site import SiteBuilder, render_all

    people: dict[str, Any] = {"ada": {"name": "Ada Okafor"},
                              "grace-l": {"name": "Grace Lindqvist", "aliases": ["grace"]}}
    root = make_wall(tmp_path, people=people, kudos={"2024-05-01-ada-on-grace": kudos_md(to="grace-l")})
    builder = SiteBuilder(root)
    assert builder.rebuild().errors == []
    source = root / "content/kudos/2024-05-01-ada-on-grace.md"
    source.write_text(source.read_text("utf-8").replace("ledger safe", "ledger safe and sound"), "utf-8")
    result = builder.rebuild(frozenset({"content"}), [str(source.relative_to(root))])
    assert result.errors == [] and result.replanned
    served = render_all(builder.snapshot)
    assert b"safe and sound" in served["people/grace/feed.xml"]
    assert build(root) == 0
    built = {p.relative_to(root / "site").as_posix(): p.read_bytes() for p in (root / "site").rglob("*")
             if p.is_file() and p.name != ".kudoswall-site" and "pagefind" not in p.parts}  # serve has no index
    assert served == built
