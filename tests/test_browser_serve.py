"""`kudoswall serve` in a real browser (Debian's headless Chromium through Playwright): pages
reload by themselves after an edit — twelve tabs at once, beyond the browser's six connections
per host — and show the error overlay for a broken file until it is fixed."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from servekit import KUDOS, KUDOS_PAGE, copy_wall, running_preview, write

from kudoswall.serve import Preview

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
TIMEOUT_MS = 20_000

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium "
                                                     "(apt-get install chromium; .ci/run installs it)"),
]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    playwright_api = pytest.importorskip("playwright.sync_api")
    with playwright_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def preview(tmp_path: Path) -> Iterator[Preview]:
    with running_preview(copy_wall(tmp_path)) as running:
        yield running


def open_page(context: Any, preview: Preview, path: str = KUDOS_PAGE) -> Any:
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(f"http://127.0.0.1:{preview.port}{path}")
    page.evaluate("window.__notReloaded = true")  # gone once the page reloads
    return page


def wait_for_reload_with(page: Any, text: str) -> None:
    page.wait_for_function("text => !window.__notReloaded && !!document.body"
                           " && document.body.textContent.includes(text)", arg=text)


def test_an_open_page_reloads_with_the_edit_and_shows_then_clears_errors(browser: Any, preview: Preview) -> None:
    context = browser.new_context()
    try:
        page = open_page(context, preview)
        assert "safe through the outage" in page.text_content("main")
        source = preview.builder.root / KUDOS
        original = source.read_text()

        write(source, original.replace("safe through", "safe, said the browser, through"))
        wait_for_reload_with(page, "safe, said the browser, through")

        page.evaluate("window.__notReloaded = true")
        write(source, original.replace("date: 2023-01-10", "date: 2023-13-10"))
        overlay = page.wait_for_selector("#kudoswall-errors")
        assert overlay is not None
        message = overlay.text_content() or ""
        assert f"{KUDOS}:4" in message and "2023-13-10" in message
        assert "safe, said the browser, through" in page.text_content("main")  # the last good build below
        # a keyboard user: the overlay has the focus, and Tab never reaches the links it hides
        assert page.evaluate("document.activeElement.id") == "kudoswall-errors"
        for _ in range(6):
            page.keyboard.press("Tab")
            assert page.evaluate("!document.activeElement.closest('body > :not(#kudoswall-errors)')")

        page.evaluate("window.__notReloaded = true")
        write(source, original.replace("safe through", "safe and sound through"))
        wait_for_reload_with(page, "safe and sound through")
        assert page.query_selector("#kudoswall-errors") is None
    finally:
        context.close()


def test_twelve_tabs_all_reload_and_pages_still_load_meanwhile(browser: Any, preview: Preview) -> None:
    context = browser.new_context()
    try:
        # each tab loads fully only if no tab holds a connection for itself: with a stream per tab
        # the seventh would wait forever for one of the browser's six connections to this host
        pages = [open_page(context, preview, KUDOS_PAGE if n % 2 else "/kudos/people/grace-lindqvist/")
                 for n in range(12)]
        status = pages[0].evaluate("fetch('/kudos/people/').then(response => response.status)")
        assert status == 200
        source = preview.builder.root / KUDOS
        write(source, source.read_text().replace("safe through", "safe in twelve tabs through"))
        for page in pages:
            wait_for_reload_with(page, "safe in twelve tabs through")
        status = pages[-1].evaluate("fetch('/kudos/skills/').then(response => response.status)")
        assert status == 200
    finally:
        context.close()
