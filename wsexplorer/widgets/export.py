"""ExportBar: save the session, export its messages as CSV or JSON, copy the selected frame.

Files are written into a folder the user names (the notebook's folder by default), so they appear in
JupyterLab's file browser; each written file also gets a download link when it is small enough to
travel inside the page. The selected frame can be copied as hex or base64 (a
:class:`~wsexplorer.widgets.copy.CopyButton`, which uses the page's clipboard) and is shown in a
read-only box as well, for browsers that refuse the clipboard. What is exported comes from the record
layer (:meth:`Session.save`, :mod:`wsexplorer.record.export`); this widget only names files and shows.

Bounds: a download link is offered for files up to :data:`DOWNLOAD_LIMIT` bytes; a frame is copied
whole up to :data:`COPY_LIMIT` bytes (a longer one is copied cut, and the box says so).
"""

from __future__ import annotations

import base64
import html
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import ipywidgets as W

from ..record.export import messages_csv, messages_json
from ..record.session import FrameRecord, Session
from .copy import CopyButton

__all__ = ["COPY_LIMIT", "DOWNLOAD_LIMIT", "ExportBar"]

DOWNLOAD_LIMIT = 4 << 20
"""Largest file (bytes) offered as a download link inside the page; bigger ones are only written."""

COPY_LIMIT = 256 << 10
"""Largest frame (bytes) copied whole as hex or base64."""

_MIME = {".csv": "text/csv", ".json": "application/json", ".wsx": "application/zip"}


class ExportBar:
    """Buttons that export ``get_session()`` and copy ``selected_frame()`` (``None``: nothing chosen)."""

    def __init__(
        self,
        get_session: Callable[[], Session],
        selected_frame: Callable[[], FrameRecord | None],
        *,
        folder: str | Path = ".",
    ) -> None:
        self._get_session = get_session
        self._selected_frame = selected_frame
        self.written: list[Path] = []
        self.folder = W.Text(
            value=str(folder),
            description="folder",
            tooltip="where exported files are written (relative to the notebook)",
            layout=W.Layout(width="260px"),
        )
        self.folder.add_class("wsx-export-folder")
        self.save_button = self._button("save session", "wsx-export-save", "save the whole session (.wsx)")
        self.csv_button = self._button("messages as CSV", "wsx-export-csv", "one row per message")
        self.json_button = self._button("messages as JSON", "wsx-export-json", "one object per message")
        self.save_button.on_click(lambda _b: self._export("session", ".wsx"))
        self.csv_button.on_click(lambda _b: self._export("messages", ".csv"))
        self.json_button.on_click(lambda _b: self._export("messages", ".json"))
        self.result = W.HTML("")
        self.result.add_class("wsx-export-result")

        self.copy_hex = CopyButton("copy frame as hex", "wsx-copy-hex", hint="copy the selected frame")
        self.copy_base64 = CopyButton("copy frame as base64", "wsx-copy-base64")
        self.frame_text = W.Textarea(
            value="",
            description="frame bytes",
            placeholder="select a row to copy its frame",
            disabled=True,
            rows=2,
            layout=W.Layout(width="calc(100% - 8px)"),
        )
        self.frame_text.add_class("wsx-copy-text")
        self.copy_hex.observe(lambda _c: self._show_copied("hex"), names="attempts")
        self.copy_base64.observe(lambda _c: self._show_copied("base64"), names="attempts")
        self.copy_note = W.HTML("")
        self.copy_note.add_class("wsx-copy-note")
        row = W.Layout(flex_flow="row wrap", align_items="center", grid_gap="4px")
        self.widget = W.VBox(
            [
                W.HBox([self.folder, self.save_button, self.csv_button, self.json_button], layout=row),
                self.result,
                W.HBox([self.copy_hex, self.copy_base64, self.copy_note], layout=row),
                self.frame_text,
            ]
        )
        self.widget.add_class("wsx-export")
        self.selection_changed()

    @staticmethod
    def _button(label: str, css_class: str, tooltip: str) -> Any:
        button = W.Button(description=label, icon="download", tooltip=tooltip, layout=W.Layout(width="auto"))
        button.add_class(css_class)
        return button

    # -- files ------------------------------------------------------------------------------------------

    def export(self, what: str, suffix: str) -> Path:
        """Write the session (``.wsx``) or its messages (``.csv``/``.json``) and return the file's path."""
        session = self._get_session()
        folder = Path(self.folder.value.strip() or ".").expanduser()
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{what}-{time.strftime('%Y%m%d-%H%M%S')}{suffix}"
        n = 1
        while path.exists():
            n += 1
            path = folder / f"{what}-{time.strftime('%Y%m%d-%H%M%S')}-{n}{suffix}"
        if suffix == ".wsx":
            session.save(path)
        elif suffix == ".csv":
            path.write_text(messages_csv(session), encoding="utf-8")
        else:
            path.write_text(messages_json(session), encoding="utf-8")
        self.written.append(path)
        size = path.stat().st_size
        link = ""
        if size <= DOWNLOAD_LIMIT:
            data = base64.b64encode(path.read_bytes()).decode("ascii")
            link = (
                f' · <a download="{html.escape(path.name)}" href="data:{_MIME[suffix]};base64,{data}">'
                f"download {html.escape(path.name)}</a>"
            )
        self.result.value = (
            f"<span class='wsx-export-done'>wrote <code>{html.escape(str(path))}</code> "
            f"({size:,} bytes){link}</span>"
        )
        return path

    def _export(self, what: str, suffix: str) -> None:
        try:
            self.export(what, suffix)
        except (OSError, ValueError) as exc:
            self.result.value = (
                f"<span class='wsx-export-error'>could not write the file: {html.escape(str(exc))}</span>"
            )

    # -- copying the selected frame --------------------------------------------------------------------

    def selection_changed(self) -> None:
        """Load the selected frame's bytes into the copy buttons (call when the selection changes)."""
        record = self._selected_frame()
        if record is None:
            for button in (self.copy_hex, self.copy_base64):
                button.text = ""  # an empty text disables the button in the page
            self.frame_text.value = ""
            self.copy_note.value = ""
            return
        data = bytes(record.frame)
        cut = len(data) > COPY_LIMIT
        data = data[:COPY_LIMIT]
        self.copy_hex.text = data.hex(" ")
        self.copy_base64.text = base64.b64encode(data).decode("ascii")
        shown = self.copy_hex.text
        self.frame_text.value = shown[:3000] + (" …" if len(shown) > 3000 else "")
        note = f"frame of {len(bytes(record.frame)):,} bytes"
        if cut:
            note += f"; only its first {COPY_LIMIT:,} bytes are copied"
        self.copy_note.value = f"<span class='wsx-copy-size'>{note}</span>"

    def _show_copied(self, how: str) -> None:
        button = self.copy_hex if how == "hex" else self.copy_base64
        if button.error:
            self.copy_note.value = (
                "<span class='wsx-copy-error'>the browser refused the clipboard "
                f"({html.escape(button.error)}): select the text in the box below and copy it by hand</span>"
            )
        else:
            self.copy_note.value = f"<span class='wsx-copy-done'>copied as {how}</span>"
