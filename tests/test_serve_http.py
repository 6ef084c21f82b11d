"""`kudoswall serve` over HTTP: live edits, the error overlay data, path traversal, Host checks,
404s, content types, many event streams, a port in use, and Ctrl-C."""

from __future__ import annotations

import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import html5lib
import pytest
from servekit import (
    KUDOS,
    KUDOS_PAGE,
    WAIT_SECONDS,
    copy_wall,
    git_in,
    request,
    running_preview,
    wait_until,
    write,
)

from kudoswall.build import build_site
from kudoswall.config import load_config
from kudoswall.serve import Preview
from kudoswall.serve_http import BadRequest, content_type, request_segments
from kudoswall.watch import Change, ChangeBatch

SECRET = "TOP-SECRET-MARKER"


def secret_wall(folder: Path) -> Path:
    root = copy_wall(folder)
    (folder / "secret.txt").write_text(SECRET)
    (root / "secret.txt").write_text(SECRET)
    (root / "kudos-leak").mkdir()
    (root / "kudos-leak" / "index.html").write_text(SECRET)
    return root


@pytest.fixture
def wall(tmp_path: Path) -> Path:
    return secret_wall(tmp_path)


@pytest.fixture(scope="module")
def shared_preview(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Preview]:
    """One server for the tests that only read."""
    with running_preview(secret_wall(tmp_path_factory.mktemp("shared")), watch=False) as preview:
        yield preview


def live_data(body: bytes) -> dict[str, object]:
    """The state serve injected into a page, read back the way the page's script reads it."""
    document = html5lib.parse(body, namespaceHTMLElements=False)
    element = document.find(".//script[@id='kudoswall-live']")
    assert element is not None, "no live-reload data in the page"
    data: dict[str, object] = json.loads(element.text or "")
    return data


def test_an_edit_is_served_within_seconds_and_a_broken_file_shows_its_error(wall: Path) -> None:
    with running_preview(wall) as preview:
        status, headers, body = request(preview, KUDOS_PAGE)
        assert status == 200 and headers["content-type"] == "text/html; charset=utf-8"
        assert b"safe through the outage" in body and live_data(body)["errors"] == []
        first_version = live_data(body)["version"]

        source = wall / KUDOS
        original = source.read_text()
        write(source, original.replace("safe through", "safe, calm and quick through"))
        wait_until(preview, lambda state: state.version != first_version and not state.errors)
        status, _, body = request(preview, KUDOS_PAGE)
        assert status == 200 and b"safe, calm and quick through" in body

        write(source, original.replace("from: ada-okafor", "from: ada-okafr"))
        state = wait_until(preview, lambda state: bool(state.errors))
        assert re.match(rf"{re.escape(KUDOS)}:2:7: unknown person 'ada-okafr' in 'from'", state.errors[0])
        for page in ("/kudos/", KUDOS_PAGE, "/kudos/people/", "/kudos/no-such-page/"):
            _, _, body = request(preview, page)
            assert live_data(body)["errors"] == list(state.errors)  # every page shows the overlay
        _, _, body = request(preview, KUDOS_PAGE)
        assert b"safe, calm and quick through" in body  # still the last good build

        write(source, original.replace("safe through", "safe and fixed through"))
        wait_until(preview, lambda state: not state.errors)
        _, _, body = request(preview, KUDOS_PAGE)
        assert b"safe and fixed through" in body and live_data(body)["errors"] == []


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_a_commit_that_changes_no_file_shows_the_new_history(wall: Path) -> None:
    """Pages show each kudos' revisions from git; `git commit` writes no file of the wall, only git's refs."""
    git = git_in(wall)
    (wall / ".gitignore").write_text(".kudoswall-cache/\n")
    git("init", "-q", "-b", "main")
    git("add", "-A")
    git("commit", "-q", "-m", "first")
    source = wall / KUDOS
    with running_preview(wall) as preview:
        _, _, body = request(preview, KUDOS_PAGE)
        assert b"2 revisions" not in body
        version = preview.live.current.version
        write(source, source.read_text().replace("safe through", "safe and sound through"))
        state = wait_until(preview, lambda state: state.version != version)
        assert b"2 revisions" not in request(preview, KUDOS_PAGE)[2]  # edited, not committed yet
        git("commit", "-q", "-am", "second")
        wait_until(preview, lambda later: later.version != state.version)
        assert b"2 revisions" in request(preview, KUDOS_PAGE)[2]
        rebuilds = preview.rebuilds
        branch = ChangeBatch((Change("history", ".git/refs/heads/elsewhere"),))
        git("branch", "elsewhere")
        preview._on_batch(branch)  # HEAD's history is the same: nothing to rebuild
        assert preview.rebuilds == rebuilds


def test_a_new_base_url_path_moves_the_site(wall: Path) -> None:
    with running_preview(wall) as preview:
        config = wall / "kudoswall.yaml"
        version = preview.live.current.version
        write(config, config.read_text().replace("https://example.org/kudos/", "https://example.org/team/kudos/"))
        wait_until(preview, lambda state: state.version != version)
        assert request(preview, "/team/kudos/people/")[0] == 200
        assert request(preview, "/kudos/people/")[0] == 404
        status, headers, _ = request(preview, "/team/")
        assert status == 301 and headers["location"] == "/team/kudos/"


def test_a_percent_encoded_base_url_path_is_served_where_it_points(wall: Path) -> None:
    config = wall / "kudoswall.yaml"
    write(config, config.read_text().replace("https://example.org/kudos/", "https://example.org/caf%C3%A9%20wall/"))
    with running_preview(wall) as preview:
        assert preview.url.endswith("/caf%C3%A9%20wall/")
        assert request(preview, "/caf%C3%A9%20wall/people/")[0] == 200
        status, headers, _ = request(preview, "/")
        assert status == 301 and headers["location"] == "/caf%C3%A9%20wall/"


def test_the_reload_script_is_only_in_served_pages(wall: Path, tmp_path: Path) -> None:
    output = tmp_path / "built"
    build_site(load_config(wall), output)
    built = [path for path in output.rglob("*") if path.is_file()]
    assert built and not any(b"__kudoswall" in path.read_bytes() for path in built)
    with running_preview(wall) as preview:
        _, _, body = request(preview, "/kudos/")
        assert body.count(b'<script src="/__kudoswall/live.js"></script>') == 1
        assert body.index(b"/__kudoswall/live.js") < body.rindex(b"</body>")
        status, headers, script = request(preview, "/__kudoswall/live.js")
        assert status == 200 and headers["content-type"].startswith("text/javascript")
        assert b"EventSource" in script and b"textContent" in script and b"innerHTML" not in script


@pytest.mark.parametrize("target", [
    "/kudos/../secret.txt", "/../secret.txt", "/kudos/%2e%2e/secret.txt", "/kudos/%2E%2E/%2e%2e/secret.txt",
    "/kudos/..%2fsecret.txt", "/kudos/static%2f..%2f..%2fsecret.txt", "/kudos/..%5csecret.txt",
    "/kudos/..\\secret.txt", "/kudos/%00", "/kudos/index.html%00.css", "/kudos/\x00", "/kudos/%ff%fe",
    "/kudos/" + "a" * 5000, "/kudos/" + "../" * 300 + "etc/passwd", "//etc/passwd", "/kudos//etc/passwd",
    "/kudos-leak/", "/kudos-leak/index.html", "/kudos/static/../../secret.txt", "/secret.txt",
    "http://127.0.0.1/secret.txt", "*", "/kudos/%252e%252e/secret.txt",
])
def test_paths_never_leave_the_site(shared_preview: Preview, target: str) -> None:
    status, _, body = request(shared_preview, target)
    assert status in (400, 404)
    assert SECRET.encode() not in body
    assert request(shared_preview, "/kudos/")[0] == 200  # and the server is still there


def test_request_segments_decode_and_refuse() -> None:
    assert request_segments("/kudos/k/x%20y/?q=1") == ["kudos", "k", "x y", ""]
    for bad in ("/a/%2e%2e/b", "/a%2fb", "/a%5Cb", "/a/./b", "/%zz", "relative"):
        with pytest.raises(BadRequest):
            request_segments(bad)


@pytest.mark.parametrize(("host", "status"), [
    ("evil.example", 403), ("evil.example:{port}", 403), ("localhost.evil.example", 403), ("127.0.0.1.nip.io", 403),
    (None, 400), ("localhost:{port}", 200), ("LOCALHOST", 200), ("127.0.0.1:{port}", 200), ("[::1]:{port}", 200),
    ("[::1]", 200),
])
def test_only_local_host_names_are_answered(shared_preview: Preview, host: str | None, status: int) -> None:
    header = host.format(port=shared_preview.port) if host is not None else None
    assert request(shared_preview, "/kudos/", host=header)[0] == status
    assert request(shared_preview, "/__kudoswall/state", host=header)[0] == status


def test_two_host_headers_are_a_bad_request_and_head_of_the_event_stream_gets_its_headers(
        shared_preview: Preview) -> None:
    """RFC 9112 section 3.2: more than one Host line is a 400 (which one would the check trust?)."""
    local = f"localhost:{shared_preview.port}"
    for hosts in ((local, "evil.example"), ("evil.example", local)):
        lines = ["GET /kudos/ HTTP/1.1", *(f"Host: {host}" for host in hosts), "Connection: close", "", ""]
        with socket.create_connection(("127.0.0.1", shared_preview.port), timeout=10) as connection:
            connection.sendall("\r\n".join(lines).encode())
            response = http.client.HTTPResponse(connection, method="GET")
            response.begin()
            assert response.status == 400
    status, headers, body = request(shared_preview, "/__kudoswall/events", method="HEAD")
    assert (status, headers["content-type"], body) == (200, "text/event-stream", b"")


def test_missing_pages_directories_and_content_types(wall: Path) -> None:
    with running_preview(wall) as preview:
        status, headers, body = request(preview, "/kudos/no/such/page/")
        assert status == 404 and headers["content-type"] == "text/html; charset=utf-8"
        not_found = preview.builder.snapshot.files["404.html"].content()
        assert body.startswith(not_found[: not_found.rindex(b"</body>")])
        status, headers, _ = request(preview, "/kudos/people")
        assert status == 301 and headers["location"] == "/kudos/people/"
        status, headers, _ = request(preview, "/")
        assert status == 301 and headers["location"] == "/kudos/"  # the site lives under base_url's path
        assert request(preview, "/kudos/people/")[0] == 200
        assert request(preview, "/kudos/people/index.html")[0] == 200
        expected = {"/kudos/static/style.css": "text/css; charset=utf-8", "/kudos/feed.xml": "application/atom+xml",
                    "/kudos/sitemap.xml": "application/xml", "/kudos/kudos.json": "application/json",
                    "/kudos/feed.json": "application/feed+json", "/kudos/robots.txt": "text/plain"}
        for path, kind in expected.items():
            status, headers, body = request(preview, path)
            assert status == 200 and headers["content-type"].startswith(kind), path
            assert b"__kudoswall" not in body
            assert headers["x-content-type-options"] == "nosniff"
        status, headers, body = request(preview, "/kudos/", method="HEAD")
        assert status == 200 and body == b"" and int(headers["content-length"]) > 0
        assert request(preview, "/kudos/", method="POST")[0] == 405
    for name, kind in {"a.svg": "image/svg+xml", "a.webmanifest": "application/manifest+json", "a.png": "image/png",
                       "a.jpg": "image/jpeg", "a.webp": "image/webp", "a.js": "text/javascript; charset=utf-8",
                       "a.ico": "image/vnd.microsoft.icon", "noext": "application/octet-stream"}.items():
        assert content_type(f"static/{name}") == kind


def test_a_connection_the_browser_resets_prints_no_traceback(
        shared_preview: Preview, capfd: pytest.CaptureFixture[str]) -> None:
    """Chromium resets keep-alive connections while reloading in a hurry: each printed a traceback."""
    import struct
    import time

    capfd.readouterr()
    for _ in range(3):
        connection = socket.create_connection(("127.0.0.1", shared_preview.port), timeout=WAIT_SECONDS)
        connection.sendall(f"GET /kudos/ HTTP/1.1\r\nHost: 127.0.0.1:{shared_preview.port}\r\n\r\n".encode())
        connection.recv(65536)
        connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        connection.close()  # RST: the server's next read of this keep-alive connection fails
    time.sleep(0.5)  # the handler threads notice the reset
    assert request(shared_preview, "/kudos/")[0] == 200
    assert "Traceback" not in capfd.readouterr().err


def test_many_open_event_streams_do_not_block_pages(wall: Path) -> None:
    with running_preview(wall) as preview:
        streams = []
        try:
            for _ in range(12):
                stream = socket.create_connection(("127.0.0.1", preview.port), timeout=WAIT_SECONDS)
                stream.sendall(f"GET /__kudoswall/events HTTP/1.1\r\nHost: localhost:{preview.port}\r\n\r\n".encode())
                streams.append(stream)
            received = [read_events(stream, 1) for stream in streams]
            assert all(b"text/event-stream" in start for start in received)
            assert request(preview, "/kudos/people/")[0] == 200
            write(wall / KUDOS, (wall / KUDOS).read_text().replace("safe through", "safe again through"))
            for stream, start in zip(streams, received, strict=True):  # every stream hears of the rebuild
                assert read_events(stream, 2, start).count(b"data:") == 2
        finally:
            for stream in streams:
                stream.close()


def read_events(stream: socket.socket, count: int, received: bytes = b"") -> bytes:
    while received.count(b"data:") < count or not received.endswith(b"\n\n"):
        chunk = stream.recv(4096)
        assert chunk, "the event stream closed"
        received += chunk
    return received


def test_a_port_in_use_moves_to_the_next_and_says_so(wall: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        messages: list[str] = []
        with Preview(wall, "127.0.0.1", port, say=messages.append, watch=False) as preview:
            assert preview.port != port
            assert f"Port {port} is in use; serving on port {preview.port} instead." in messages
            assert request(preview, "/kudos/")[0] == 200


def test_binding_all_interfaces_warns(wall: Path) -> None:
    messages: list[str] = []
    with Preview(wall, "0.0.0.0", 0, say=messages.append, watch=False) as preview:
        assert any("exposes the preview to the network" in message for message in messages)
        assert request(preview, "/kudos/", host="evil.example")[0] == 403
        assert request(preview, "/kudos/", host=f"192.0.2.10:{preview.port}")[0] == 200  # an address: no rebinding


def test_ctrl_c_stops_the_server_without_a_traceback(wall: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[1])}
    process = subprocess.Popen([sys.executable, "-m", "kudoswall", "serve", "--source", str(wall), "--port", "0"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        assert process.stderr is not None
        lines: list[str] = []
        while not any("Serving http://127.0.0.1:" in line for line in lines):
            line = process.stderr.readline()
            assert line, "".join(lines)
            lines.append(line)
        process.send_signal(signal.SIGINT)
        _, rest = process.communicate(timeout=WAIT_SECONDS)
    finally:
        process.kill()
    assert process.returncode == 0
    assert "Traceback" not in rest and "Stopped." in rest
