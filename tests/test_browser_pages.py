"""The built demo wall in headless Chromium: axe-core, 360/1280 px layouts, search, and requests.

The site is served from 127.0.0.1 by a thread in this process; every request any page makes is
recorded, and none may go to another host. Screenshots land in tests/artifacts/ (git-ignored).
Needs Debian's chromium at /usr/bin/chromium (installed by .ci/run) and axe-playwright-python.
"""

from __future__ import annotations

import functools
import html
import http.server
import shutil
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from sitecheck import FIXTURES, REPO, built_site, demo_site, paged_demo_site

from kudoswall.config import load_config
from kudoswall.search import index_site

sync_api = pytest.importorskip("playwright.sync_api")
axe_module = pytest.importorskip("axe_playwright_python.sync_playwright")

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = REPO / "tests" / "artifacts"
pytestmark = [pytest.mark.browser, pytest.mark.slow,
              pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed")]

PAGES = {
    "wall": "",
    "kudos": "k/2024-05-01-ada-on-grace-ledger-outage/",
    "person": "people/grace-lindqvist/",
    "skill": "skills/incident-response/",
    "search": "search/?q=ledger",
    "graph": "graph/",
    "stats": "stats/",
    "embed": "people/grace-lindqvist/embed/dark/",
}
WIDTHS = (360, 1280)
PAGED_PAGES = {  # on the demo wall at two kudos a page
    "person-list": "people/grace-lindqvist/received/page/2/",
    "skill-page-2": "skills/accessibility/page/2/",
    "directory-page-2": "people/page/2/",
}


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@dataclass
class Served:
    root: str
    site: Path
    requests: list[str] = field(default_factory=list)


def serve_site(built: Path, index: bool) -> Iterator[Served]:
    site = Path(tempfile.mkdtemp(prefix="kudoswall-browser-")) / "site"
    shutil.copytree(built, site)
    if index:
        index_site(site, load_config(REPO))
    handler = functools.partial(QuietHandler, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Served(f"http://127.0.0.1:{server.server_address[1]}/", site)
    finally:
        server.shutdown()
        server.server_close()
        shutil.rmtree(site.parent, ignore_errors=True)


@pytest.fixture(scope="module")
def served() -> Iterator[Served]:
    yield from serve_site(demo_site().output, index=True)


@pytest.fixture(scope="module")
def served_paged() -> Iterator[Served]:
    yield from serve_site(paged_demo_site().output, index=False)


@pytest.fixture(scope="module")
def served_edge() -> Iterator[Served]:
    yield from serve_site(built_site(FIXTURES / "edge-wall").output, index=False)


@pytest.fixture(scope="module")
def browser(served: Served) -> Iterator[Any]:
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync"])
        yield chromium
        chromium.close()


def open_page(browser: Any, served: Served, path: str, width: int) -> Any:
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    page.on("request", lambda request: served.requests.append(request.url))
    page.goto(served.root + path, wait_until="networkidle")
    return page


def test_the_demo_pages_exist(served: Served) -> None:
    site = demo_site()
    for path in PAGES.values():
        assert site.file_for(site.base_url + path.split("?")[0]) is not None, path


def check_layout_and_axe(browser: Any, served: Served, name: str, path: str) -> None:
    """No sideways scrolling and no serious or critical axe-core violation, at each width."""
    ARTIFACTS.mkdir(exist_ok=True)
    for width in WIDTHS:
        page = open_page(browser, served, path, width)
        if name == "search":
            page.wait_for_selector("#search-results li a")
        page.screenshot(path=str(ARTIFACTS / f"{name}-{width}.png"), full_page=True)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 1, f"{name} scrolls sideways by {overflow}px at {width}px"
        results = axe_module.Axe().run(page)
        bad = [f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:3]}"
               for v in results.response["violations"] if v["impact"] in ("serious", "critical")]
        assert bad == [], f"{name} at {width}px"
        page.context.close()


@pytest.mark.parametrize("name", list(PAGES))
def test_no_serious_or_critical_axe_violations_and_screenshots(browser: Any, served: Served, name: str) -> None:
    check_layout_and_axe(browser, served, name, PAGES[name])


@pytest.mark.parametrize("name", list(PAGED_PAGES))
def test_later_pages_of_a_list_pass_the_same_checks(browser: Any, served_paged: Served, name: str) -> None:
    site = paged_demo_site()
    assert site.file_for(site.base_url + PAGED_PAGES[name]) is not None
    check_layout_and_axe(browser, served_paged, name, PAGED_PAGES[name])


def test_search_by_keyboard_loads_only_the_chunks_it_needs(browser: Any, served: Served) -> None:
    page = open_page(browser, served, "search/", 1280)
    before = len(served.requests)
    for _ in range(30):  # tab from the top of the page to the search field, as a keyboard user would
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "search-query":
            break
    assert page.evaluate("document.activeElement.id") == "search-query"
    page.keyboard.type("ledger")
    page.keyboard.press("Enter")
    page.wait_for_selector("#search-results li a")
    links = page.eval_on_selector_all("#search-results li a", "els => els.map(e => e.getAttribute('href'))")
    # the three demo kudos that mention "ledger", not the profiles and skill pages that list them
    assert len(links) == 3 and all(href.startswith("/k/") for href in links), links
    assert "result" in page.inner_text("#search-status")
    fetched = [url for url in served.requests[before:] if "/pagefind/fragment/" in url]
    total = len(list((served.site / "pagefind" / "fragment").iterdir()))
    assert 0 < len(fetched) < total / 2, "a query fetches only its results' fragments, not the whole index"
    in_results = "document.activeElement.closest('#search-results') !== null"
    for _ in range(5):  # past the Search button to the first result
        page.keyboard.press("Tab")
        if page.evaluate(in_results):
            break
    assert page.evaluate(in_results)
    page.keyboard.press("Enter")
    page.wait_for_url("**/k/**")
    page.context.close()


def test_no_request_leaves_the_site_host(browser: Any, served: Served) -> None:
    for path in PAGES.values():
        open_page(browser, served, path, 1280).context.close()
    assert len(served.requests) >= len(PAGES)
    hosts = {urlsplit(url).netloc for url in served.requests}
    assert hosts == {urlsplit(served.root).netloc}, sorted(hosts)


def test_embed_card_renders_inside_an_iframe_with_javascript_off(browser: Any, served: Served) -> None:
    context = browser.new_context(java_script_enabled=False, viewport={"width": 800, "height": 600})
    page = context.new_page()
    page.on("request", lambda request: served.requests.append(request.url))
    page.goto(served.root + "search/")  # any page of the site, to host the iframe as a README would
    card = served.root + "people/grace-lindqvist/embed/"
    page.set_content(f'<!doctype html><title>host</title><iframe src="{card}" title="card" width="360" '
                     f'height="420"></iframe>')
    frame = page.frame_locator("iframe")
    assert frame.locator("h1").inner_text() == "Grace Lindqvist"
    assert frame.locator("li").count() == 3
    assert frame.locator("a[target=_blank]").count() >= 4
    context.close()


def test_without_javascript_the_header_search_leads_to_the_directories(browser: Any, served: Served) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(served.root + "people/grace-lindqvist/")
    page.fill("#header-search-q", "ledger")
    page.press("#header-search-q", "Enter")
    page.wait_for_url("**/search/?q=ledger")
    page.get_by_role("link", name="people directory").click()
    page.wait_for_url("**/people/")
    assert page.locator("h1").inner_text()
    context.close()


def test_long_words_code_lines_and_urls_never_push_a_phone_page_sideways(browser: Any, served_edge: Served) -> None:
    """A 42-letter surname, a 100-character command and a bare URL, on every page of the edge wall at 320 px."""
    site = built_site(FIXTURES / "edge-wall")
    pages = [site.url_of(rel)[len(site.base_url):] for rel in site.html_pages]
    assert len(pages) > 20
    context = browser.new_context(viewport={"width": 320, "height": 700})
    page = context.new_page()
    wide = {}
    for path in pages:
        page.goto(served_edge.root + path)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        if overflow > 1:
            wide[path] = overflow
    assert wide == {}
    page.goto(served_edge.root + "k/2024-08-04-ada-on-hubert-code/")
    assert page.evaluate("[...document.querySelectorAll('.prose pre')].every(e => e.scrollWidth <= e.clientWidth)")
    context.close()


def test_the_themes_own_words_are_never_split_inside(browser: Any, served: Served) -> None:
    """Long names may break anywhere; that let a squeezed header split 'Search' and 'Go' in two."""
    split_words = """() => {
        const found = [];
        for (const element of document.querySelectorAll('button, label, time, .site-nav a, .relationship')) {
            if (!element.getClientRects().length) continue;  // hidden (a label kept for screen readers)
            const walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT);
            for (let node = walker.nextNode(); node; node = walker.nextNode()) {
                for (const word of node.textContent.matchAll(/\\S+/g)) {
                    const range = document.createRange();
                    range.setStart(node, word.index);
                    range.setEnd(node, word.index + word[0].length);
                    if (range.getClientRects().length > 1) found.push(word[0]);
                }
            }
        }
        return found;
    }"""
    for width in (360, 800, 1000, 1280):
        for name in ("wall", "kudos", "person", "skill"):
            page = open_page(browser, served, PAGES[name], width)
            assert page.evaluate(split_words) == [], (name, width)
            page.context.close()


def test_right_to_left_names_keep_their_place_in_a_sentence(browser: Any, served_edge: Served) -> None:
    """'— יעל כהן, 12 July 2024': without isolation the day number joined the Hebrew run and showed before it."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    after_name = """sel => [...document.querySelectorAll(sel)].map(line => {
        const names = line.querySelectorAll('bdi'), time = line.querySelector('time');
        const lastName = names[names.length - 1];
        return names.length > 0 && time.getBoundingClientRect().left >= lastName.getBoundingClientRect().right - 1;
    })"""
    page.goto(served_edge.root + "people/ada-okafor/embed/")
    assert page.evaluate(after_name, ".embed-by") == [True, True]
    page.goto(served_edge.root + "skills/python/")
    assert page.evaluate(after_name, ".backing-meta") == [True, True, True]
    context.close()


def test_a_paragraph_in_arabic_reads_right_to_left_beside_one_in_english(browser: Any, served_edge: Served) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(served_edge.root + "k/2024-07-20-fatima-on-yael-mentoring/")
    edges = page.evaluate("""[...document.querySelectorAll('.prose p')].map(p => {
        const range = document.createRange(); range.selectNodeContents(p);
        const text = range.getBoundingClientRect(), box = p.getBoundingClientRect();
        return [Math.round(text.left - box.left), Math.round(box.right - text.right)];
    })""")
    (arabic_left_gap, arabic_right_gap), (english_left_gap, english_right_gap) = edges
    assert arabic_right_gap <= 1 < arabic_left_gap  # aligned to the right, where it starts
    assert english_left_gap <= 1 < english_right_gap
    context.close()


def test_every_embed_card_fits_the_iframe_the_profile_offers(browser: Any, served: Served) -> None:
    """The snippet's iframe is 360 x 640: a taller card cut its third kudos mid-sentence."""
    snippet = html.unescape((demo_site().output / "people/grace-lindqvist/index.html").read_text("utf-8"))
    assert 'width="360" height="640"' in snippet
    people = sorted(p.name for p in (demo_site().output / "people").iterdir() if (p / "embed").is_dir())
    context = browser.new_context(viewport={"width": 360, "height": 640})
    page = context.new_page()
    tall = {}
    for handle in people:
        for variant in ("", "dark/"):
            page.goto(f"{served.root}people/{handle}/embed/{variant}")
            height = page.evaluate("document.documentElement.scrollHeight")
            if height > 640:
                tall[handle + "/" + variant] = height
    assert tall == {}
    context.close()


def _luminance(css_color: str) -> float:
    channels = [float(part) / 255 for part in css_color[css_color.index("(") + 1:].rstrip(")").split(",")[:3]]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def test_printing_from_a_dark_mode_browser_keeps_every_label_readable_on_paper(browser: Any, served: Served) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, color_scheme="dark")
    page = context.new_page()
    page.goto(served.root + PAGES["kudos"])
    page.emulate_media(media="print", color_scheme="dark")
    colours = page.evaluate("""[...document.querySelectorAll('main *')]
        .filter(e => e.childNodes.length && [...e.childNodes].some(n => n.nodeType === 3 && n.textContent.trim())
                     && e.getClientRects().length)
        .map(e => { const style = getComputedStyle(e);
                    // paper is white unless the element keeps its own background in print
                    const paper = style.printColorAdjust === 'exact' ? style.backgroundColor : 'rgb(255, 255, 255)';
                    return [e.className || e.tagName, style.color, paper]; })""")
    assert len(colours) > 20

    def contrast(ink: str, paper: str) -> float:
        lighter, darker = sorted((_luminance(ink), _luminance(paper)), reverse=True)
        return (lighter + 0.05) / (darker + 0.05)

    faint = {name: (ink, paper) for name, ink, paper in colours if contrast(ink, paper) < 4.5}
    assert faint == {}
    context.close()
