"""Helpers for the `kudoswall serve` tests: a copy of the serve-wall fixture, a running preview,
raw HTTP requests (http.client sends the target exactly as given), and waiting for rebuilds
by waiting on the live state rather than sleeping."""

from __future__ import annotations

import http.client
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from kudoswall.serve import Preview
from kudoswall.serve_site import LiveState

FIXTURE = Path(__file__).parent / "fixtures" / "serve-wall"
KUDOS = "content/kudos/2023-01-10-ada-on-grace-outage.md"
KUDOS_PAGE = "/kudos/k/2023-01-10-ada-on-grace-outage/"
WAIT_SECONDS = 20.0


def copy_wall(destination: Path) -> Path:
    root = destination / "wall"
    shutil.copytree(FIXTURE, root)
    return root


@contextmanager
def running_preview(root: Path, **options: Any) -> Iterator[Preview]:
    messages: list[str] = []
    options.setdefault("say", messages.append)
    options.setdefault("quiet", 0.05)
    with Preview(root, "127.0.0.1", 0, **options) as preview:
        yield preview


def request(preview: Preview, target: str, host: str | None = "default", method: str = "GET"
            ) -> tuple[int, dict[str, str], bytes]:
    """One request with the target sent byte for byte (NUL and all); host=None sends no Host."""
    lines = [f"{method} {target} HTTP/1.1"]
    if host is not None:
        lines.append("Host: " + (f"127.0.0.1:{preview.port}" if host == "default" else host))
    lines += ["Connection: close", "", ""]
    with socket.create_connection(("127.0.0.1", preview.port), timeout=WAIT_SECONDS) as connection:
        connection.sendall("\r\n".join(lines).encode("latin-1"))
        response = http.client.HTTPResponse(connection, method=method)
        response.begin()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()


def wait_until(preview: Preview, condition: Callable[[LiveState], bool]) -> LiveState:
    """Wait (on the live state, not a sleep loop) until `condition` holds; fail after a while."""
    deadline = time.monotonic() + WAIT_SECONDS
    state = preview.live.current
    while not condition(state):
        left = deadline - time.monotonic()
        assert left > 0, f"gave up waiting; last state: {state.public()}"
        state = preview.live.wait(state.version, left)
    return state


def write(path: Path, text: str) -> None:
    """Save like an editor doing an atomic save: a temporary file renamed over the original."""
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)


GIT_ENV = {**os.environ, "GIT_AUTHOR_NAME": "X", "GIT_AUTHOR_EMAIL": "x@example.org", "GIT_COMMITTER_NAME": "X",
           "GIT_COMMITTER_EMAIL": "x@example.org", "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}


def git_in(folder: Path) -> Callable[..., None]:
    """`git -C folder ...` as a fixed author, whatever the machine's git configuration."""

    def git(*args: str) -> None:
        subprocess.run(["git", "-C", str(folder), *args], env=GIT_ENV, check=True, capture_output=True)

    return git
