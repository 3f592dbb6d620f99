"""DeflateExplorer: a sequence of messages through permessage-deflate, with and without context takeover.

The codec does all the work (:mod:`wsexplorer.codec.extensions.permessage_deflate`):
:class:`PerMessageDeflate` negotiates (the client's offer, the server's ``accept``, the client's
``check_response``), the client's :class:`PerMessageDeflateState` compresses, the server's inflates, and
each :class:`CompressedMessage` knows its sizes and ratio. The widget shows the table, the figure
(:func:`wsexplorer.render.deflate_figure.ratio_figure`) and one message's bytes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import ipywidgets as widgets

from ..codec.extensions.permessage_deflate import CompressedMessage, PerMessageDeflate
from ..errors import WSExplorerError
from ..render.deflate import growth_note, messages_table_html, size_change
from ..render.deflate_figure import figure_img_html, figure_png, ratio_alt_text, ratio_figure
from ..render.dump import html_dump
from ._common import ExplorerBox, box, callout, e, heading, set_value, title

__all__ = ["DEFAULT_MESSAGES", "DeflateExplorer", "DeflateRun"]

DEFAULT_MESSAGES: tuple[str, ...] = (
    '{"type": "chat", "room": "general", "user": "alice", "text": "hello everyone"}',
    '{"type": "chat", "room": "general", "user": "bob", "text": "hello alice, how are you?"}',
    '{"type": "typing", "room": "general", "user": "carol"}',
    '{"type": "chat", "room": "general", "user": "carol", "text": "hello alice and bob"}',
    '{"type": "chat", "room": "general", "user": "alice", "text": "fine, thanks! how are you, carol?"}',
    '{"type": "chat", "room": "general", "user": "bob", "text": "see you later, everyone"}',
)
"""Chat messages in JSON that repeat the same keys and words: what context takeover is made for."""

# The dump's bit layout draws every bit of the payload as one field: noise here, so it is hidden.

ON = "context takeover on"
OFF = "no context takeover"


@dataclass(frozen=True)
class DeflateRun:
    """One pass of the messages through a negotiated permessage-deflate (client sends, server inflates).

    ``agreed`` is the server's response element; ``messages`` the client's compressed messages;
    ``inflated`` what the server's decompressor gave back for each.
    """

    agreed: str
    messages: list[CompressedMessage]
    inflated: list[bytes]

    @property
    def ratios(self) -> list[float | None]:
        return [m.ratio for m in self.messages]


def run_messages(messages: Sequence[str], *, takeover: bool, window_bits: int) -> DeflateRun:
    """Negotiate permessage-deflate as a client offering these settings would, then send ``messages``.

    The client offers ``client_no_context_takeover`` (when ``takeover`` is off) and
    ``client_max_window_bits=window_bits``; a default server accepts (RFC 7692 §5, §7.1); the client
    checks the answer and compresses, the server inflates.
    """
    client = PerMessageDeflate(client_no_context_takeover=not takeover, client_max_window_bits=window_bits)
    accepted = PerMessageDeflate().accept([client.offer()])
    if accepted is None:  # pragma: no cover - a default server accepts every valid offer
        raise WSExplorerError("the server declined the offer", section="RFC 7692 §5")
    response, server, _why = accepted
    sender = client.check_response(response)
    compressed: list[CompressedMessage] = []
    inflated: list[bytes] = []
    for text in messages:
        message = sender.compress_message(text.encode("utf-8"))
        compressed.append(message)
        inflated.append(server.decompress(message.compressed, fin=True))
    return DeflateRun(str(response), compressed, inflated)


class DeflateExplorer(ExplorerBox):
    """How much permessage-deflate saves, message by message, and why context takeover matters (RFC 7692).

    Type messages (one per line); choose context takeover and the window size (window bits 8..15, a
    window of 2**bits bytes). With takeover the compressor remembers earlier messages, so later ones can
    say "same as 40 bytes back" instead of repeating words: they shrink much more. The table shows each
    message's compressed bytes, the text the receiver inflates and the ratio; the figure compares
    takeover on and off on the same messages.

    After each update: ``runs`` (``{ON: DeflateRun, OFF: DeflateRun}``), ``ratios`` (the figure's data),
    ``figure_png`` (the figure as PNG bytes) and ``error``.
    """

    css_class = "wsx-deflate-explorer"

    def __init__(self, messages: Sequence[str] | None = None) -> None:
        super().__init__()
        lines = list(DEFAULT_MESSAGES if messages is None else messages)
        self.runs: dict[str, DeflateRun] = {}
        self.ratios: dict[str, list[float | None]] = {}
        self.figure_png: bytes = b""
        self._figures: dict[
            tuple[tuple[str, ...], int], bytes
        ] = {}  # drawn figures, so going back is instant
        self.error: str | None = None

        self.messages = widgets.Textarea(
            value="\n".join(lines),
            description="Messages (one per line):",
            rows=max(4, min(len(lines) + 1, 12)),
            continuous_update=False,
            style={"description_width": "initial"},
            layout=widgets.Layout(width="calc(100% - 8px)"),
        )
        self.messages.add_class("wsx-deflate-messages")
        self.takeover = widgets.Checkbox(
            value=True,
            description="context takeover: the compressor remembers earlier messages",
            indent=False,
            layout=widgets.Layout(width="auto", max_width="100%"),
        )
        self.takeover.add_class("wsx-deflate-takeover")
        self.window_bits = widgets.Dropdown(  # a dropdown, not a slider: sliders have no accessible name
            options=[(f"{bits} ({1 << bits:,} bytes)", bits) for bits in range(15, 7, -1)],
            value=15,
            description="window bits:",
            style={"description_width": "initial"},
            layout=widgets.Layout(width="auto"),
        )
        self.window_bits.add_class("wsx-deflate-bits")
        self.window_note = widgets.HTML()
        self.agreed = widgets.HTML()
        self.table = widgets.HTML()
        self.table.add_class("wsx-deflate-table")
        self.plot = widgets.HTML()  # an <img> with a text alternative (an Output's image has none)
        self.plot.add_class("wsx-deflate-plot")
        self.inspect = widgets.Dropdown(
            options=[("", 0)],
            description="Look inside message:",
            style={"description_width": "initial"},
            layout=widgets.Layout(width="44em", max_width="100%"),
        )
        self.inspect.add_class("wsx-deflate-inspect")
        self.detail = widgets.HTML()
        self.detail.add_class("wsx-deflate-detail")

        self.children = [
            title(
                "permessage-deflate: compressing messages",
                "With the permessage-deflate extension each message is compressed with DEFLATE (as in zip "
                "files) before it is put in frames, and the first frame gets RSV1 = 1. "
                "<span class='wsx-w-dim'>(RFC 7692)</span>",
            ),
            self.messages,
            widgets.HBox([self.takeover], layout=widgets.Layout(max_width="100%")),
            widgets.HBox(
                [self.window_bits, self.window_note],
                layout=widgets.Layout(align_items="center", flex_flow="row wrap"),
            ),
            self.agreed,
            heading("Message by message", "RFC 7692 §7.2.1"),
            self.table,
            heading("Context takeover on and off, same messages", "RFC 7692 §7.1.1"),
            self.plot,
            heading("Inside one compressed message", "RFC 7692 §7.2, RFC 1951"),
            self.inspect,
            self.detail,
        ]
        self.messages.observe(self._on_input, names="value")
        self.window_bits.observe(self._on_input, names="value")
        self.takeover.observe(self._on_view, names="value")
        self.inspect.observe(self._on_inspect, names="value")
        self.update()

    # -- public ------------------------------------------------------------------------------------

    @property
    def lines(self) -> list[str]:
        """The messages as typed, one per line (blank lines skipped)."""
        return [line for line in self.messages.value.splitlines() if line.strip()]

    @property
    def run(self) -> DeflateRun | None:
        """The run for the setting chosen with the checkbox."""
        return self.runs.get(ON if self.takeover.value else OFF)

    def update(self) -> None:
        """Compress the messages both ways, then redraw the table, the figure and the detail."""
        lines = self.lines
        bits = int(self.window_bits.value)
        self.error = None
        try:
            self.runs = {
                ON: run_messages(lines, takeover=True, window_bits=bits),
                OFF: run_messages(lines, takeover=False, window_bits=bits),
            }
        except (WSExplorerError, ValueError) as exc:
            self.runs = {}
            self.error = str(exc)
        self.ratios = {name: run.ratios for name, run in self.runs.items()}
        size = 2**bits
        set_value(
            self.window_note,
            box(
                f"<span class='wsx-w-dim'>&nbsp;a window of 2<sup>{bits}</sup> = {size:,} bytes: how "
                f"far back the compressor may point</span> <span class='wsx-w-dim wsx-w-small'>"
                "(RFC 7692 §7.1.2)</span>"
            ),
        )
        self._draw_table()
        self._draw_figure()
        options = [(f"#{i + 1}: {line[:50]}", i) for i, line in enumerate(lines)] or [("(no messages)", 0)]
        self.inspect.options = options
        self.inspect.value = options[-1][1] if len(options) > 1 else options[0][1]
        self._draw_detail()

    # -- observers -----------------------------------------------------------------------------------

    def _on_input(self, change: dict[str, Any]) -> None:
        self.update()

    def _on_view(self, change: dict[str, Any]) -> None:
        self._draw_table()
        self._draw_detail()

    def _on_inspect(self, change: dict[str, Any]) -> None:
        self._draw_detail()

    # -- drawing -------------------------------------------------------------------------------------

    def _draw_table(self) -> None:
        run = self.run
        if run is None:
            set_value(self.agreed, "")
            set_value(self.table, callout(f"✗ {e(self.error or 'no messages')}", "error"))
            return
        set_value(
            self.agreed,
            box(
                "<span class='wsx-w-small'>Negotiated (server's answer): "
                f"<span class='wsx-w-m'>Sec-WebSocket-Extensions: {e(run.agreed)}</span></span>"
            ),
        )
        if not run.messages:
            set_value(self.table, callout("Type some messages, one per line.", "info"))
            return
        table = messages_table_html(run.messages, run.inflated)
        takeover = bool(self.takeover.value)
        other_name = OFF if takeover else ON
        total_in = sum(len(m.inflated) for m in run.messages)
        total_out = sum(len(m.compressed) for m in run.messages)
        other_out = sum(len(m.compressed) for m in self.runs[other_name].messages)
        summary = (
            f"<div style='margin-top:6px'><b>In all:</b> {total_in:,} bytes of text became "
            f"<b>{total_out:,} bytes</b> on the wire with {ON if takeover else OFF} "
            f"({size_change(total_in, total_out)}; {other_out:,} bytes with {other_name}). "
            "<span class='wsx-w-dim'>The sender leaves off the final 00 00 ff ff of each message; the "
            "receiver adds it back before inflating (RFC 7692 §7.2.1, §7.2.2).</span></div>"
        )
        set_value(self.table, table + box(summary))

    def _draw_figure(self) -> None:
        """Redraw the figure: a PNG in an ``<img>`` whose alt text gives the figure's numbers."""
        if not self.ratios:
            self.figure_png = b""
            set_value(self.plot, "")
            return
        bits = int(self.window_bits.value)
        key = (tuple(self.lines), bits)
        png = self._figures.get(key)
        if png is None:
            figure = ratio_figure(self.ratios, title=f"compressed size ÷ original size (window bits {bits})")
            png = figure_png(figure, dpi=80)  # 80 dpi keeps a redraw near 60 ms
            if len(self._figures) >= 32:
                self._figures.pop(next(iter(self._figures)))
            self._figures[key] = png
        self.figure_png = png
        set_value(self.plot, figure_img_html(png, ratio_alt_text(self.ratios, bits)))

    def _draw_detail(self) -> None:
        run = self.run
        index = int(self.inspect.value or 0)
        if run is None or not 0 <= index < len(run.messages):
            set_value(self.detail, "")
            return
        message = run.messages[index]
        set_value(
            self.detail,
            box(
                f"<div class='wsx-w-small'>Message #{index + 1} as the client compressed it "
                f"({ON if self.takeover.value else OFF}): "
                f"{len(message.inflated):,} bytes became {len(message.compressed):,} on the wire "
                f"({size_change(len(message.inflated), len(message.compressed))}). BFINAL and BTYPE are "
                "the first block's header bits; DEFLATE reads bits from the least significant end of "
                f"each byte.</div>{_note(message)}"
            )
            + html_dump(message, sections=("hex", "fields", "violations")),
        )


def _note(message: CompressedMessage) -> str:
    """Why this message grew, if it did, as an information note."""
    note = growth_note(message)
    return f"<div class='wsx-w-call wsx-w-info'>{e(note)}</div>" if note else ""
