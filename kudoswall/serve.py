"""`kudoswall serve`: build the wall in memory, serve it on localhost, rebuild on every change.

Pieces: watch.py notices changes and debounces them; serve_site.py rebuilds with the build
pipeline (nothing is written to disk) and keeps the live state; serve_http.py answers requests
and adds the live-reload script to pages. This module wires them together and talks to the
terminal.
"""

from __future__ import annotations

import signal
import sys
import threading
import webbrowser
from collections.abc import Callable
from pathlib import Path
from types import FrameType, TracebackType
from urllib.parse import quote

from .config import Config
from .errors import Problem, UsageError, format_problem
from .serve_http import PreviewServer, bind, is_loopback, is_wildcard, mount_segments
from .serve_site import LiveSite, RebuildResult, RenderAhead, SiteBuilder
from .watch import ChangeBatch, WallWatcher


def _stderr(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


class Preview:
    """A running preview: builder, watcher and HTTP server. Also the handle tests use."""

    def __init__(self, root: Path, host: str = "127.0.0.1", port: int = 8000, *, config: Config | None = None,
                 drafts: bool = False, say: Callable[[str], None] = _stderr, watch: bool = True,
                 quiet: float = 0.1, max_wait: float = 1.0, render_ahead: bool = True) -> None:
        self.host, self.requested_port, self.say = host, port, say
        self.builder = SiteBuilder(root, config, drafts)
        self.live = LiveSite(self.builder.root, say)
        self.rebuilds = 0
        self._watch, self._quiet, self._max_wait = watch, quiet, max_wait
        self._render_ahead = render_ahead
        self._renderer: RenderAhead | None = None
        self._layout_config: Config | None = None
        self._watcher: WallWatcher | None = None
        self._server: PreviewServer | None = None
        self._thread: threading.Thread | None = None
        self._warnings: list[str] = []
        self._lock = threading.Lock()

    @property
    def port(self) -> int:
        assert self._server is not None
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        shown = "localhost" if is_wildcard(self.host) else self.host
        shown = f"[{shown}]" if ":" in shown else shown
        mount = "/" + "".join(f"{quote(segment)}/" for segment in self._server.mount) if self._server else "/"
        return f"http://{shown}:{self.port}{mount}"

    def start(self) -> None:
        """Build, bind and watch; returns once the first build is served (serve_forever next)."""
        result = self.builder.rebuild()
        self._layout_config = self.builder.config
        self._report(result, None)
        self.live.publish(result)
        mount = self.builder.config.base_path if self.builder.config is not None else "/"
        try:
            self._server, port = bind(self.host, self.requested_port, self.live, mount)
        except OSError as exc:
            raise UsageError(f"cannot serve on {self.host}:{self.requested_port}: {exc.strerror or exc}; "
                             "choose another port with --port") from None
        if port != self.requested_port and self.requested_port != 0:
            self.say(f"Port {self.requested_port} is in use; serving on port {port} instead.")
        if not is_loopback(self.host):
            self.say(f"warning: --host {self.host} exposes the preview to the network: anyone who can reach "
                     "this machine can read the wall. Use the default 127.0.0.1 to keep it private.")
        if self._watch:
            self._watcher = WallWatcher(self.builder.layout(), self._on_batch, self._quiet, self._max_wait)
            self._watcher.start()
        if self._render_ahead:
            self._renderer = RenderAhead(self.live)
            self._renderer.start()
            if result.snapshot is not None:
                self._renderer.submit(result.snapshot, result.changed)

    def serve_forever(self) -> None:
        assert self._server is not None
        self._server.serve_forever(poll_interval=0.2)

    def start_in_thread(self) -> Preview:
        self.start()
        self._thread = threading.Thread(target=self.serve_forever, name="kudoswall-http", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.live.close()
        if self._watcher is not None:
            self._watcher.stop()
        if self._server is not None:
            if self._thread is not None:
                self._server.shutdown()
            self._server.server_close()

    def __enter__(self) -> Preview:
        return self.start_in_thread()

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()

    def rebuild(self, batch: ChangeBatch | None = None) -> RebuildResult:
        """Rebuild for a batch of changes (all of them when None) and tell open pages."""
        with self._lock:
            if batch is None:
                result = self.builder.rebuild()
            else:
                result = self.builder.rebuild(batch.kinds, [c.path for c in batch.changes if c.kind == "content"])
            self.rebuilds += 1
            self._report(result, batch)
            config = self.builder.config
            if result.snapshot is not None and config is not None and config is not self._layout_config:
                self._layout_config = config  # kudoswall.yaml was read again: folders or base path may differ
                if self._watcher is not None:
                    self._watcher.relayout(self.builder.layout())
                if self._server is not None:
                    self._server.mount = mount_segments(config.base_path)
            self.live.publish(result)
            if self._renderer is not None and result.snapshot is not None:
                self._renderer.submit(result.snapshot, result.changed)
            return result

    def _on_batch(self, batch: ChangeBatch) -> None:
        with self._lock:
            unmoved = batch.kinds == {"history"} and not self.builder.history_moved()
        if not unmoved:  # else a branch was made or moved elsewhere: the pages read HEAD's history only
            self.rebuild(batch)

    def _report(self, result: RebuildResult, batch: ChangeBatch | None) -> None:
        what = f" ({batch.describe()})" if batch is not None else ""
        ms = result.seconds * 1000
        if result.errors:
            for problem in result.errors:
                self.say(format_problem(problem))
            count = len(result.errors)
            self.say(f"Build failed{what}: {count} error{'s' if count != 1 else ''}; still serving the last "
                     "good build, with the errors shown on every page.")
            return
        self._show_warnings(result.warnings)
        if batch is None:
            self.say(f"Built {result.kudos:,} kudos into {len(self.builder.snapshot.files):,} files in {ms:.0f} ms "
                     "(in memory; nothing is written to disk).")
        else:
            self.say(f"Rebuilt in {ms:.0f} ms{what}: {len(result.changed):,} file"
                     f"{'s' if len(result.changed) != 1 else ''} changed.")

    def _show_warnings(self, warnings: list[Problem]) -> None:
        lines = [format_problem(problem) for problem in warnings]
        if lines != self._warnings:
            for line in lines:
                self.say(line)
        self._warnings = lines


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def serve(config: Config, host: str = "127.0.0.1", port: int = 8000, open_browser: bool = False,
          drafts: bool = False) -> int:
    """Run the preview until Ctrl-C (or SIGTERM); returns the exit code."""
    if not 0 <= port <= 65535:
        raise UsageError(f"--port {port} is not a port number (0-65535)")
    preview = Preview(config.root, host, port, config=config, drafts=drafts)
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _interrupt)
    try:
        preview.start()
        _stderr(f"Serving {preview.url} — press Ctrl-C to stop.")
        if open_browser:
            threading.Thread(target=webbrowser.open, args=(preview.url,), daemon=True).start()
        preview.serve_forever()
    except KeyboardInterrupt:
        _stderr("\nStopped.")
    finally:
        preview.stop()
    return 0
