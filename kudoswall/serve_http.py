"""The preview's HTTP side: a small, strict server over the in-memory site.

Nothing is read from disk, so a request can only ever name a file of the site; paths are still
checked component by component and anything odd (.., encoded slashes, backslashes, NUL, huge
targets) is refused with 400. The Host header must name this machine, so a page on another
site that rebinds its DNS name to 127.0.0.1 cannot read the preview. HTML responses get the
live-reload script and the error list just before </body>; build output never has them.
"""

from __future__ import annotations

import contextlib
import errno
import ipaddress
import json
import socket
import socketserver
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from typing import Any
from urllib.parse import quote, unquote

import jinja2

from .serve_site import LiveSite, LiveState, RenderFailed

INTERNAL = "__kudoswall"
EVENTS_PATH, STATE_PATH, SCRIPT_PATH = f"/{INTERNAL}/events", f"/{INTERNAL}/state", f"/{INTERNAL}/live.js"
MAX_TARGET = 2048
KEEPALIVE_SECONDS = 15.0
LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".svg": "image/svg+xml",
    ".xml": "application/xml; charset=utf-8",
    ".json": "application/json",
    ".jwt": "application/jwt",
    ".webmanifest": "application/manifest+json",
    ".txt": "text/plain; charset=utf-8",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".avif": "image/avif",
    ".ico": "image/vnd.microsoft.icon",
    ".woff2": "font/woff2",
    ".pdf": "application/pdf",
}
SPECIAL_TYPES = {"feed.xml": "application/atom+xml; charset=utf-8", "feed.json": "application/feed+json"}

_TEMPLATES = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined, loader=jinja2.DictLoader({
    "inject": '<script type="application/json" id="kudoswall-live">{{ state | tojson }}</script>'
              '<script src="{{ script }}"></script>\n',
    "page": '<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>{{ title }}</title></head>\n'
            '<body><h1>{{ title }}</h1><p>{{ text }}</p>\n</body></html>\n',
}))


class BadRequest(Exception):
    pass


def content_type(path: str) -> str:
    name = path.rsplit("/", 1)[-1]
    if name in SPECIAL_TYPES:
        return SPECIAL_TYPES[name]
    suffix = "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""
    return CONTENT_TYPES.get(suffix, "application/octet-stream")


def request_segments(target: str) -> list[str]:
    """The decoded path segments of a request target; BadRequest for anything suspicious."""
    if len(target) > MAX_TARGET:
        raise BadRequest("request target too long")
    path = target.split("?", 1)[0].split("#", 1)[0]
    if not path.startswith("/") or "\\" in path or "\x00" in path:
        raise BadRequest("malformed path")
    segments = []
    for raw in path[1:].split("/"):
        try:
            segment = unquote(raw, errors="strict")
        except UnicodeDecodeError:
            raise BadRequest("path is not UTF-8") from None
        if "%" in raw and segment == raw:
            raise BadRequest("malformed percent-encoding")
        if segment in (".", "..") or any(ch in segment for ch in "/\\\x00"):
            raise BadRequest("path escapes its folder")
        segments.append(segment)
    return segments


def site_key(segments: list[str], mount: list[str]) -> str | None:
    """The site file a request names (directories name their index.html); None outside the mount."""
    rest = segments[len(mount):]
    if segments[: len(mount)] != mount or not rest:
        return None
    if rest[-1] == "":
        rest[-1] = "index.html"
    if "" in rest:
        return None  # '//' inside a path names no file
    return "/".join(rest)


def mount_segments(base_path: str) -> list[str]:
    """Where the site lives on the server: base_url's path, as it will when published, decoded as
    request paths are (`/caf%C3%A9/` is the folder café)."""
    return [unquote(segment) for segment in base_path.strip("/").split("/") if segment]


def allowed_hosts(bound_host: str) -> frozenset[str]:
    names = set(LOOPBACK_NAMES) | {bound_host.strip("[]").lower()}
    if is_wildcard(bound_host):
        names.add(socket.gethostname().lower())
    return frozenset(names)


def is_wildcard(host: str) -> bool:
    return host.strip("[]") in ("", "0.0.0.0", "::")


def is_loopback(host: str) -> bool:
    name = host.strip("[]").lower()
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def host_name(header: str) -> str:
    """The name part of a Host header: 'example.org:8000' → 'example.org', '[::1]:8000' → '::1'."""
    header = header.strip().lower()
    if header.startswith("["):
        return header[1:].split("]", 1)[0]
    return header.rsplit(":", 1)[0] if header.count(":") == 1 else header


def is_ip_literal(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


def inject(html: bytes, state: LiveState) -> bytes:
    """The page with the live-reload data and script just before </body> (or at the end)."""
    snippet = _TEMPLATES.get_template("inject").render(state=state.public(), script=SCRIPT_PATH).encode()
    at = html.lower().rfind(b"</body>")
    return html + snippet if at < 0 else html[:at] + snippet + html[at:]


def plain_page(title: str, text: str) -> bytes:
    return _TEMPLATES.get_template("page").render(title=title, text=text).encode()


def live_script() -> bytes:
    return resources.files("kudoswall").joinpath("serve_live.js").read_bytes()


class PreviewServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, host: str, port: int, live: LiveSite, mount: str) -> None:
        self.address_family = socket.AF_INET6 if ":" in host.strip("[]") else socket.AF_INET
        super().__init__((host.strip("[]"), port), PreviewHandler)
        self.live = live
        self.mount = mount_segments(mount)
        self.hosts = allowed_hosts(host)
        self.any_ip = is_wildcard(host)
        self.script = live_script()

    def handle_error(self, request: socket.socket | tuple[bytes, socket.socket], client_address: Any) -> None:
        """A browser that drops a connection (it does, reloading in a hurry) is no error to print; a
        traceback on the terminal looked like the preview had crashed. Anything else is printed."""
        if isinstance(sys.exc_info()[1], ConnectionError | TimeoutError):
            return
        super().handle_error(request, client_address)

    def server_bind(self) -> None:
        """Bind without HTTPServer's reverse DNS lookup of the host, which can hang offline."""
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = str(self.server_address[0]), int(self.server_address[1])


def bind(host: str, port: int, live: LiveSite, mount: str, tries: int = 20) -> tuple[PreviewServer, int]:
    """Bind `port`, or the next free one when it is taken (port 0: any free port)."""
    last_error: OSError | None = None
    for candidate in [port] if port == 0 else range(port, min(port + tries, 65536)):
        try:
            return PreviewServer(host, candidate, live, mount), candidate
        except OSError as exc:
            if exc.errno != errno.EADDRINUSE:
                raise
            last_error = exc
    assert last_error is not None
    raise last_error


class PreviewHandler(BaseHTTPRequestHandler):
    server: PreviewServer
    protocol_version = "HTTP/1.1"
    server_version = "kudoswall-serve"
    timeout = 120  # an idle keep-alive connection is closed after this

    def log_message(self, format: str, *args: Any) -> None:
        pass  # the terminal shows rebuilds and errors, not every request

    def do_HEAD(self) -> None:
        self._handle(send_body=False)

    def do_GET(self) -> None:
        self._handle(send_body=True)

    def _unsupported(self) -> None:
        self.close_connection = True  # the request body is not read, so this connection cannot go on
        self._send(405, b"method not allowed\n", "text/plain; charset=utf-8", True, {"Allow": "GET, HEAD"})

    do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = _unsupported

    def _handle(self, send_body: bool) -> None:
        try:
            self._route(send_body)
        except (BrokenPipeError, ConnectionResetError, TimeoutError):
            self.close_connection = True
        except Exception:  # noqa: BLE001 - one bad request must never stop the preview
            import traceback

            traceback.print_exc(file=sys.stderr)
            self.close_connection = True
            with contextlib.suppress(OSError):
                self._send(500, b"internal error\n", "text/plain; charset=utf-8", send_body)

    def _host_allowed(self) -> bool:
        name = host_name(self.headers["Host"])
        return name in self.server.hosts or (self.server.any_ip and is_ip_literal(name))

    def _route(self, send_body: bool) -> None:
        if len(self.headers.get_all("Host") or []) != 1:  # RFC 9112 section 3.2: none, or two, is a bad request
            self.close_connection = True
            self._send(400, b"bad request: exactly one Host header is required\n", "text/plain; charset=utf-8",
                       send_body)
            return
        if not self._host_allowed():
            self._send(403, b"this preview only answers to localhost\n", "text/plain; charset=utf-8", send_body)
            return
        try:
            segments = request_segments(self.path)
        except BadRequest as exc:
            self._send(400, f"bad request: {exc}\n".encode(), "text/plain; charset=utf-8", send_body)
            return
        state = self.server.live.current
        if segments and segments[0] == INTERNAL:
            self._internal("/" + "/".join(segments), state, send_body)
            return
        key = site_key(segments, self.server.mount)
        files = state.snapshot.files
        mount_path = "/" + "".join(f"{segment}/" for segment in self.server.mount)
        asked = "/" + "/".join(segments)
        if mount_path != asked and mount_path.startswith(asked.rstrip("/") + "/"):
            self._redirect(quote(mount_path))  # the site lives under base_url's path, as it will when published
            return
        if key is not None and key not in files and f"{key}/index.html" in files:
            path, _, query = self.path.partition("?")
            self._redirect(path + "/" + ("?" + query if query else ""))  # relative links need the slash
            return
        status = 200
        if key is None or key not in files:
            status, key = 404, "404.html"
        self._send_site_file(status, key, state, send_body)

    def _send_site_file(self, status: int, key: str, state: LiveState, send_body: bool) -> None:
        file = state.snapshot.files.get(key)
        if file is None:
            body, kind = plain_page("Not found", "There is no page here (yet)."), "text/html; charset=utf-8"
        else:
            kind = content_type(key)
            try:
                body = file.content()
            except RenderFailed as failure:
                state = self.server.live.report_render_failure(failure, state.snapshot)
                status, kind = 500, "text/html; charset=utf-8"
                body = plain_page("Template error", str(failure))
        if kind.startswith("text/html"):
            body = inject(body, state)
        self._send(status, body, kind, send_body)

    def _internal(self, path: str, state: LiveState, send_body: bool) -> None:
        if path == EVENTS_PATH:
            self._events(send_body)
        elif path == STATE_PATH:
            self._send(200, json.dumps(state.public()).encode(), "application/json", send_body)
        elif path == SCRIPT_PATH:
            self._send(200, self.server.script, "text/javascript; charset=utf-8", send_body)
        else:
            self._send(404, b"not found\n", "text/plain; charset=utf-8", send_body)

    def _events(self, send_body: bool) -> None:
        """Server-Sent Events: the state now, then every new version (one connection per browser).
        HEAD gets the same header lines and no stream."""
        self.close_connection = True
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-store")
        self.send_header("Connection", "close")
        self.end_headers()
        if not send_body:
            return
        self.wfile.write(b"retry: 1000\n\n")
        live, version = self.server.live, None
        while not live.closed:
            state = live.wait(version, KEEPALIVE_SECONDS)
            if live.closed:
                break
            if state.version == version:
                self.wfile.write(b": keep-alive\n\n")  # finds connections the browser dropped
            else:
                version = state.version
                self.wfile.write(f"data: {json.dumps(state.public())}\n\n".encode())
            self.wfile.flush()

    def _redirect(self, location: str) -> None:
        self.send_response(301)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _send(self, status: int, body: bytes, kind: str, send_body: bool, extra: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        for name, value in (extra or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if send_body:
            self.wfile.write(body)
