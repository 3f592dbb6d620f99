"""Browse a recorded session like a live one: the same frame table, filters, inspector and timeline.

:class:`SessionBrowser` takes a :class:`~wsexplorer.record.session.Session` or the path of a file written
by :meth:`Session.save`. A big file is replayed into the session in slices of chunks, yielding to the
kernel's loop between slices, with a progress bar; the table fills in as it loads.
"""

from __future__ import annotations

import asyncio
import html
import time
from pathlib import Path
from typing import Any

import ipywidgets as W

from ..record.session import C2S, S2C, Session
from ..record.storage import SessionLoader
from ..render.notes import status_html, styled
from ._browses import BrowsesFrames
from .browser import FrameBrowser

__all__ = ["SessionBrowser"]


class SessionBrowser(BrowsesFrames):
    """A saved (or in-memory) session in a widget: summary, frame table, inspector and timeline.

    ``slice_chunks`` is how many recorded chunks are replayed between two yields to the loop when a
    file is loaded in the background (files with more chunks than that, when a loop is running).
    ``decoder`` presets the frame table's "decode as" choice (see :attr:`FrameBrowser.decoder`):
    ``None`` the negotiated subprotocol's decoder, a registered decoder's name (``"socket.io"`` for
    servers that negotiate none), or ``"raw"``.
    """

    def __init__(
        self,
        session_or_path: Session | str | Path,
        *,
        visible_rows: int = 16,
        slice_chunks: int = 10_000,
        decoder: str | None = None,
    ) -> None:
        self.slice_chunks = slice_chunks
        self.status_text = ""
        self.path: Path | None = None
        self.load_task: asyncio.Task[None] | None = None
        self.load_seconds: float | None = None
        self.progress = W.IntProgress(value=0, min=0, max=1, description="loading")
        self.progress.add_class("wsx-session-progress")
        self.progress_label = W.Label("")
        self.info = W.HTML("")
        self.info.add_class("wsx-session-info")
        self.status = W.HTML("")
        self.status.add_class("wsx-session-status")

        replay: SessionLoader | None = None
        if isinstance(session_or_path, Session):
            session = session_or_path
        else:
            self.path = Path(session_or_path)
            replay = SessionLoader(self.path)
            session = replay.session
        self._session = session
        self.browser = FrameBrowser(session, visible_rows=visible_rows, on_error=self._error, decoder=decoder)
        self.widget = W.VBox(
            [W.HBox([self.progress, self.progress_label]), self.info, self.status, self.browser.widget]
        )
        self.widget.add_class("wsx-session")

        if replay is None:
            self._finish(None, 0.0)
            return
        self.progress.max = max(replay.total, 1)
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            loop = None
        if loop is None or replay.total <= slice_chunks:
            started = time.perf_counter()
            replay.step(replay.total)
            self._finish(replay, time.perf_counter() - started)
        else:
            self.load_task = loop.create_task(self._load(replay))
            self.load_task.add_done_callback(self._load_done)

    # -- display ------------------------------------------------------------------------------------------

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self.widget._repr_mimebundle_(**kwargs)

    # -- loading --------------------------------------------------------------------------------------------

    async def _load(self, replay: SessionLoader) -> None:
        started = time.perf_counter()
        while replay.done < replay.total:
            replay.step(self.slice_chunks)
            self.progress.value = replay.done
            self.progress_label.value = f"{replay.done:,} / {replay.total:,} chunks"
            self.browser.schedule_refresh()
            await asyncio.sleep(0)  # let the kernel handle widget messages between slices
        self._finish(replay, time.perf_counter() - started)

    def _load_done(self, task: asyncio.Task[None]) -> None:
        if task.cancelled():
            self._error("loading cancelled")
            return
        exc = task.exception()
        if exc is not None:
            self._error(f"loading failed: {type(exc).__name__}: {exc}")

    async def loaded(self) -> None:
        """Wait until the file is loaded (returns at once for an in-memory session)."""
        if self.load_task is not None:
            await self.load_task

    def _finish(self, replay: SessionLoader | None, seconds: float) -> None:
        self.load_seconds = seconds
        if replay is not None:
            self.progress.value = self.progress.max
            self.progress_label.value = f"{replay.total:,} chunks loaded"  # (load_seconds has the time)
        else:
            self.progress.layout.display = "none"
        self.progress.description = "loaded"
        self.browser.cancel()
        self.browser.refresh()
        self._show_info()

    def _show_info(self) -> None:
        s = self._session
        meta = s.meta
        facts = [
            ("file", str(self.path) if self.path else "(in memory)"),
            ("recorded by", s.role),
            ("URL", meta.get("url") or meta.get("server") or "–"),
            ("frames", f"{s.frame_count(C2S):,} client→server, {s.frame_count(S2C):,} server→client"),
            ("bytes", f"{s.byte_count(C2S):,} client→server, {s.byte_count(S2C):,} server→client"),
        ]
        response = s.response
        if response is not None:
            facts.append(("handshake", f"HTTP {response.status} {response.reason}"))
        if meta.get("subprotocol"):
            facts.append(("subprotocol", str(meta["subprotocol"])))
        if meta.get("extensions"):
            facts.append(("extensions", ", ".join(map(str, meta["extensions"]))))
        rows = "".join(
            f"<tr><th scope='row'>{html.escape(name)}</th><td>{html.escape(str(value))}</td></tr>"
            for name, value in facts
        )
        self.info.value = styled(f"<table class='wsx-w-table wsx-w-facts'><tbody>{rows}</tbody></table>")

    def _error(self, message: str) -> None:
        self.status_text = message
        self.status.value = status_html(message, "error")

    # -- public API -----------------------------------------------------------------------------------------

    @property
    def session(self) -> Session:
        return self._session
