"""The installed wheel works on its own: `kudoswall init` then `kudoswall build` from a fresh venv.

This is the only test that sees the package as users get it, so it catches files missing from
the wheel (the theme, the schemas, the example wall) that a source checkout would hide. For
speed the wheel is built without build isolation (hatchling is in the test extra) and pip
installs into the new venv from the outside (`pip --python`), reusing pip's cache.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from sitecheck import REPO


def run(command: list[str | Path], cwd: Path) -> str:
    env = {key: value for key, value in os.environ.items() if key not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    result = subprocess.run([str(part) for part in command], cwd=cwd, env=env, capture_output=True, text=True,
                            check=False)
    assert result.returncode == 0, f"{command} failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout


@pytest.mark.slow
def test_init_then_build_with_the_installed_wheel(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    run([sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", dist, REPO], cwd=tmp_path)
    (wheel,) = dist.glob("kudoswall-*.whl")
    venv = tmp_path / "venv"
    run([sys.executable, "-m", "venv", "--without-pip", venv], cwd=tmp_path)
    python = venv / "bin" / "python"
    run([sys.executable, "-m", "pip", "--python", python, "install", "--quiet", wheel], cwd=tmp_path)

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    location = run([python, "-c", "import kudoswall; print(kudoswall.__file__)"], cwd=elsewhere)
    assert Path(location.strip()).is_relative_to(venv)

    kudoswall = venv / "bin" / "kudoswall"
    run([kudoswall, "init", "wall", "--title", "Wheel test"], cwd=elsewhere)
    assert (elsewhere / "wall" / ".kudoswall" / "schema" / "kudos.schema.json").is_file()
    assert "OK: 2 kudos from 2 people" in run([kudoswall, "check"], cwd=elsewhere / "wall")
    run([kudoswall, "build", "--source", "wall"], cwd=elsewhere)

    site = elsewhere / "wall" / "site"
    with zipfile.ZipFile(wheel) as archive:
        packaged_css = archive.read("kudoswall/themes/default/static/style.css")
    assert len(packaged_css) > 1000
    assert (site / "static" / "style.css").read_bytes() == packaged_css
    index = (site / "index.html").read_text("utf-8")
    assert re.search(r'<link rel="stylesheet" href="(\./)?static/style\.css"', index)
    assert "Wheel test" in index
