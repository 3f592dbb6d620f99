"""Views for a terminal (the ``wsexplorer`` command line), drawn with ``rich``.

Every text here is the plain text of the one text renderer (:func:`~wsexplorer.render.describe.describe`
and the one-line forms below); colour is only laid over it. In a terminal each byte of a hex dump takes
its field's colour (the same :func:`~wsexplorer.render.palette.field_color` as the notebook views),
bytes that break a rule are red, and checks that pass or fail are green or red. When the output is
piped, or ``NO_COLOR`` is set (https://no-color.org), the characters are the same and no escape code
is written, so scripts can parse what a person reads.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import IO, Any, Literal

from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table
from rich.text import Text

from ..anatomy import Violation
from ..record.replay import ReplayedFrame
from ..record.session import FrameRecord
from .palette import BAD, GOOD, INK, SPLIT_TOP, UNLABELLED
from .view import View, answer, byte_owners, make_view, where

__all__ = [
    "ColorChoice",
    "error_text",
    "frame_line",
    "located_violation",
    "make_console",
    "progress_bar",
    "styled",
    "table",
]

ColorChoice = Literal["auto", "always", "never"]

_SENT, _RECEIVED, _CONTROL = "bold cyan", "bold green", "magenta"
_BAD_STYLE = f"bold {BAD}"
_BAD_BYTE = f"bold white on {BAD}"

# Lines of the text renderers, recognised to colour them (the text itself is never changed).
_HEX_HEADER = re.compile(r"^offset  hex")
_HEX_ROW = re.compile(r"^ {0,5}(\d+)  ((?:[0-9a-f]{2} ?)+)")
_FIELD_ROW = re.compile(r"^  (!| ) +([A-Za-z0-9?])  ")
_HIGHLIGHTS: tuple[tuple[str, str], ...] = (
    (r"\[pass\]", f"bold {GOOD}"),
    (r"\[(?:fail|FAILED)\]", _BAD_STYLE),
    (r"\[note\]", "dim"),
    (r"^=> .*", f"bold {GOOD}"),
    (r"^  ! .*", _BAD_STYLE),
    (r"<- breaks a rule", _BAD_STYLE),
    (r"^violations \(\d+\):|^Violations:", _BAD_STYLE),
    (r"^violations: none", GOOD),
    (r"^  - .*", BAD),
    (r"-> (?:HTTP|close) \d+", _BAD_STYLE),
    (r"\[RFC [^\]]*\]|\(RFC [^)]*\)", "dim"),
    (r"^ +\d+ (?:changed|only in \S+(?: \S+)?) ", "yellow"),
)


def make_console(file: IO[str], *, color: ColorChoice = "auto") -> Console:
    """A console writing to ``file``: colour on a terminal, none when piped or with ``NO_COLOR`` set.

    ``color="always"`` colours even a pipe (``NO_COLOR`` still removes the colours, keeping bold);
    ``"never"`` writes no escape code at all. Piped output is never wrapped (lines stay whole for
    ``grep`` and ``cut``).
    """
    forced: bool | None = {"always": True, "never": False}.get(color)
    return Console(
        file=file,
        force_terminal=forced,
        no_color=True if os.environ.get("NO_COLOR") else None,
        color_system="auto" if forced is not False else None,
        width=None if file.isatty() else 4096,
        highlight=False,
        markup=False,
        emoji=False,
        soft_wrap=True,
    )


def styled(text: str, obj: object | None = None) -> Text:
    """``text`` (a renderer's plain output) with colour laid over it, characters unchanged.

    With ``obj`` (the inspectable object the text describes: a frame, a frame in context, a handshake
    message), each byte of its hex dump takes its field's colour and bytes that break a rule are red.
    """
    out = Text(text)
    view = _view_of(obj)
    lines = text.split("\n")
    starts = [0]
    for line in lines[:-1]:
        starts.append(starts[-1] + len(line) + 1)
    if lines:
        out.stylize("bold", 0, len(lines[0]))
    in_hex = in_fields = False
    last_row: int | None = None
    for number, (line, start) in enumerate(zip(lines, starts, strict=True)):
        if _HEX_HEADER.match(line):
            in_hex, last_row = True, None
            continue
        if line == "fields:":
            in_fields = True
            continue
        if not line.strip():
            in_hex = in_fields = False
            continue
        if view is None:
            continue
        row = _HEX_ROW.match(line) if in_hex else None
        if row is not None:
            last_row = int(row.group(1))
            _style_hex_row(out, view, start, last_row, len(row.group(2).split()))
        elif in_hex and last_row is not None and number and _HEX_ROW.match(lines[number - 1]):
            _style_label_row(out, view, line, start)
        elif in_fields and (match := _FIELD_ROW.match(line)) and match.group(2) in view.keys:
            color = view.colors[view.keys.index(match.group(2))]
            out.stylize(f"{INK} on {color}", start + match.start(2), start + match.end(2))
    for pattern, style in _HIGHLIGHTS:
        out.highlight_regex(re.compile(pattern, re.MULTILINE), style)
    return out


def _view_of(obj: object | None) -> View | None:
    if isinstance(obj, FrameRecord):
        obj = obj.in_context()
    if isinstance(obj, ReplayedFrame):
        return make_view(obj.frame, violations=obj.violations)
    if obj is not None and hasattr(obj, "fields") and hasattr(obj, "violations"):
        try:
            return make_view(obj)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            return None
    return None


def _style_hex_row(out: Text, view: View, start: int, offset: int, count: int) -> None:
    owners = view.owners(offset, offset + count)
    bad = view.bad_bytes(offset + count)
    for k in range(count):
        i = offset + k
        owned = byte_owners(owners, k)
        if i in bad:
            style = _BAD_BYTE
        elif len(owned) > 1:
            style = f"bold {INK} on {SPLIT_TOP}"
        else:
            color = view.colors[owned[0]] if owned[0] >= 0 else UNLABELLED
            style = f"{INK} on {color}"
        column = start + 8 + 3 * k
        out.stylize(style, column, column + 2)


def _style_label_row(out: Text, view: View, line: str, start: int) -> None:
    for match in re.finditer(r"([A-Za-z0-9?])(-*)", line):
        key = match.group(1)
        if key in view.keys:
            color = view.colors[view.keys.index(key)]
            out.stylize(f"{INK} on {color}", start + match.start(), start + match.end())


def frame_line(frame: ReplayedFrame, *, sent: bool, prefix: str = "") -> Text:
    """One frame in one line (``>`` sent, ``<`` received, as ``wscat`` prints them), then one line per
    rule it breaks in its connection's context, with the byte, the RFC section and the answer."""
    arrow = ">" if sent else "<"
    where_in = ""
    if frame.message is not None and frame.message.frames > 1:
        where_in = f" (fragment {frame.fragment} of {frame.message.frames})"
    line = Text(prefix)
    summary = frame.frame.summary()
    style = _CONTROL if frame.frame.is_control else (_SENT if sent else _RECEIVED)
    line.append(f"{arrow} ", style=_SENT if sent else _RECEIVED)
    line.append(summary, style=style)
    line.append(where_in, style="dim")
    message = frame.message
    if message is not None and message.compressed and message.last == frame.index:
        shown = message.head_text()
        more = "…" if message.size > len(message.head) else ""
        preview = repr(shown) if message.is_text else shown
        line.append(f"  inflated: {preview}{more} ({message.size} bytes)", style="dim")
    for v in frame.violations:
        line.append(f"\n{prefix}  ! {violation_words(v)}", style=_BAD_STYLE)
    return line


def violation_words(v: Violation, *, base: int = 0) -> str:
    """A rule broken, in one line: the rule, where (``base`` added to its byte offsets), the RFC
    section and how a compliant peer answers."""
    shifted = Violation(v.rule, v.start + base, v.end + base, v.section, v.close_code, v.http_status)
    reply = f" -> {answer(v)}" if answer(v) else ""
    field = f", field {v.field}" if v.field else ""
    return f"{v.rule} ({where(shifted)}{field}; {v.section or 'no section'}){reply}"


def located_violation(location: str, v: Violation, *, base: int = 0) -> Text:
    """``location: rule (bytes, section) -> answer``: one line per rule, like a compiler's error."""
    line = Text(f"{location}: ", style="bold")
    line.append(violation_words(v, base=base), style=BAD)
    return line


def error_text(message: str, *, program: str = "wsexplorer") -> Text:
    """``wsexplorer: error: message`` on one line (newlines in ``message`` folded)."""
    line = Text(f"{program}: ")
    line.append("error: ", style=_BAD_STYLE)
    line.append(" ".join(message.split()))
    return line


def table(header: Iterable[str], rows: Iterable[Iterable[object]], *, title: str | None = None) -> Table:
    """Rows as a table: ruled in a terminal, plain aligned columns when piped."""
    grid = Table(title=title, title_justify="left", box=None, show_edge=False, pad_edge=False)
    for name in header:
        grid.add_column(name, header_style="bold", overflow="fold")
    for row in rows:
        grid.add_row(*(str(cell) for cell in row))
    return grid


@contextmanager
def progress_bar(console: Console, description: str, total: int) -> Iterator[Any]:
    """A byte progress bar on ``console`` while the block runs (none when it is not a terminal).

    Yields ``update(done, total)``, the shape of :func:`~wsexplorer.record.pcap.import_capture`'s
    ``progress`` callback.
    """
    if not console.is_terminal:
        yield lambda done, total: None
        return
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=console, transient=True) as bar:
        task = bar.add_task(description, total=total)

        def update(done: int, size: int) -> None:
            bar.update(task, completed=done, total=size)

        yield update
