"""FrameInspector: paste or build WebSocket frames and see every bit, the unmasking, and the rules broken.

Everything shown comes from the lower layers: :class:`~wsexplorer.codec.frames.Frame` parses and builds,
:func:`~wsexplorer.codec.frame_parser.split_frames` takes a stream apart, the one replay path
(:class:`~wsexplorer.record.replay.Replay`) receives the frames in the chosen context and says what a
receiver makes of them, and :mod:`wsexplorer.render` draws. A frame opened from a recorded session
arrives with its connection's context (:meth:`FrameInspector.show_in_context`). The widget turns typed
hex into bytes and lays the pieces out.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import Any, Literal

import ipywidgets as widgets

from ..anatomy import Violation
from ..codec.assembler import Message
from ..codec.extensions.permessage_deflate import EXTENSION_NAME
from ..codec.frame_parser import split_frames
from ..codec.frames import Frame
from ..codec.subprotocols import DecodedMessage
from ..record.replay import Replay, ReplayedFrame
from ..render.bitdiagram import bit_diagram_html
from ..render.describe import context_words
from ..render.dump import html_dump
from ..render.fields import violations_view
from ..render.messages import (
    frame_status_html,
    in_context_html,
    incomplete_input_text,
    receiver_report_html,
)
from ..render.walkthrough import unmasking_html
from ._common import (
    HEX_BOX_BYTES,
    ExplorerBox,
    box,
    heading,
    hex_lines,
    parse_hex,
    set_value,
    title,
)
from .frame_builder import FrameBuilder
from .panels import Switch

__all__ = ["FrameInspector"]

SenderChoice = Literal["client", "server", "unknown"]
FrameSource = Frame | bytes | bytearray | memoryview | str | Sequence[Frame] | None

_MAX_HEX_BYTES = HEX_BOX_BYTES
_MAX_LISTED = 200  # frames listed in the chooser and the messages panel


class FrameInspector(ExplorerBox):
    """One WebSocket frame (or a stream of them) taken apart (RFC 6455 §5).

    Paste hex (spaces and line breaks are fine) or build a frame with the controls — any FIN/RSV bits,
    any opcode including reserved ones, mask on/off with its key, text or hex payload, and non-minimal
    length encodings. You see the header as the RFC §5.2 bit diagram with the actual bits, the
    colour-coded bytes and fields, the unmasking byte by byte (§5.3), the messages the frames make
    (§5.4), and every rule broken with the close code a receiver answers with. "Sent by" turns on the
    masking rule (§5.1); "permessage-deflate negotiated" allows RSV1 (RFC 7692 §6).

    ``show(frame_or_bytes)`` loads a new input (used by other widgets). ``frame`` is the frame on show
    (``None`` when nothing could be read), ``frames`` every complete frame of the input, ``messages``
    the reassembled messages, ``error`` why the input could not be read whole (``None`` when it could).
    ``rng`` draws random masking keys.
    """

    css_class = "wsx-frame-inspector"

    def __init__(
        self,
        source: FrameSource = None,
        *,
        sender: SenderChoice = "unknown",
        rng: Callable[[int], bytes] = os.urandom,
    ) -> None:
        super().__init__()
        self._rng = rng
        self._syncing = False
        self.frames: list[Frame] = []
        self.frame: Frame | None = None
        self.error: str | None = None
        self.messages: list[Message] = []
        self.violations: list[Violation] = []
        self.replay: Replay | None = None  # how a receiver took the frames shown
        self.in_context: ReplayedFrame | None = None  # set when shown from a recorded connection
        self.number: int | None = None  # the frame's number where it was chosen (a table's row)
        self.decoded: list[DecodedMessage] = []  # its message decoded by the subprotocol, if any

        # -- paste ---------------------------------------------------------------------------------
        self.hex = widgets.Textarea(
            placeholder="frame bytes in hex, e.g. 81 85 37 fa 21 3d 7f 9f 4d 51 58 (several frames in a "
            "row are fine)",
            rows=4,
            layout=widgets.Layout(width="calc(100% - 8px)"),
        )
        self.hex.add_class("wsx-frame-hex")
        paste_box = widgets.VBox(
            [
                widgets.HTML(
                    box(
                        "<span class='wsx-w-small wsx-w-dim'>Hex digits, spaces and line breaks ignored. "
                        "Try <span class='wsx-w-m'>81 85 37 fa 21 3d 7f 9f 4d 51 58</span> (RFC 6455 §5.7), "
                        "or paste several frames one after the other.</span>"
                    )
                ),
                self.hex,
            ]
        )

        # -- build (frame_builder.py); its controls are this widget's too, for tests and notebooks ---------
        self.builder = FrameBuilder(rng)
        for name in FrameBuilder.CONTROLS:
            setattr(self, name, getattr(self.builder, name))
        build_box = self.builder.box
        self.source_tabs = Switch(
            [paste_box, build_box], ("Paste bytes", "Build a frame"), css_class="wsx-frame-source"
        )

        # -- context -------------------------------------------------------------------------------
        self.sender = widgets.ToggleButtons(
            options=[("client → server", "client"), ("server → client", "server"), ("unknown", "unknown")],
            value=sender,
            description="Sent by:",
            tooltip="Clients must mask every frame, servers must not (RFC 6455 §5.1)",
            style={"button_width": "auto"},
        )
        self.sender.add_class("wsx-frame-sender")
        self.deflate = widgets.Checkbox(
            value=False,
            description="permessage-deflate negotiated (RSV1 allowed, RFC 7692)",
            indent=False,
            layout=widgets.Layout(width="auto", margin="0 0 0 16px"),
        )
        self.deflate.add_class("wsx-frame-deflate")

        # -- views ---------------------------------------------------------------------------------
        self.status = widgets.HTML()
        self.status.add_class("wsx-frame-status")
        self.chooser = widgets.Dropdown(
            options=[("", 0)],
            description="frame shown:",
            style={"description_width": "initial"},
            layout=widgets.Layout(width="44em", display="none"),
        )
        self.chooser.add_class("wsx-frame-chooser")
        self.violations_view = widgets.HTML()
        self.violations_view.add_class("wsx-frame-violations")
        self.diagram = widgets.HTML()
        self.diagram.add_class("wsx-frame-diagram")
        self.dump = widgets.HTML()
        self.dump.add_class("wsx-frame-dump")
        self.unmasking = widgets.HTML()
        self.unmasking.add_class("wsx-frame-unmasking")
        self.messages_view = widgets.HTML()
        self.messages_view.add_class("wsx-frame-messages")

        self.children = [
            title(
                "WebSocket frame inspector",
                "Every WebSocket message travels in frames: a small header (2 to 14 bytes) and the payload. "
                "Paste the bytes of a frame or build one, and see what every bit means and which rules it "
                "breaks. <span class='wsx-w-dim'>(RFC 6455 §5)</span>",
            ),
            self.source_tabs,
            widgets.HBox([self.sender, self.deflate], layout=widgets.Layout(align_items="center")),
            self.status,
            self.chooser,
            heading("Rules checked", "RFC 6455 §5, §7.4.1"),
            self.violations_view,
            heading("The header, bit by bit", "RFC 6455 §5.2"),
            self.diagram,
            heading("Bytes and fields (hover a byte)", "RFC 6455 §5.2"),
            self.dump,
            heading("Unmasking, byte by byte", "RFC 6455 §5.3"),
            self.unmasking,
            heading("Messages: what a receiver puts together", "RFC 6455 §5.4"),
            self.messages_view,
        ]

        self.hex.observe(self._on_hex, names="value")
        for control in (
            self.fin,
            self.rsv1,
            self.rsv2,
            self.rsv3,
            self.opcode,
            self.mask,
            self.mask_key,
            self.payload,
            self.payload_kind,
            self.length_form,
        ):
            control.observe(self._on_build_control, names="value")
        self.source_tabs.observe(self._on_tab, names="selected_index")
        self.sender.observe(self._on_context, names="value")
        self.deflate.observe(self._on_context, names="value")
        self.chooser.observe(self._on_choose, names="value")

        if source is None:
            self._syncing = True
            self.source_tabs.selected_index = 1
            self._syncing = False
            self.build()
        else:
            self.show(source)

    # -- public ------------------------------------------------------------------------------------

    def show(self, source: FrameSource, *, sender: SenderChoice | None = None) -> None:
        """Inspect ``source``: a Frame, a list of Frames, raw bytes (one or more frames), or hex text.

        ``sender`` (``"client"``, ``"server"``, ``"unknown"``) sets who sent it, when known.
        """
        if sender is not None:
            self._silently(self.sender, sender)
        self._silently(self.source_tabs, 0, attr="selected_index")
        if source is None:
            self._silently(self.hex, "")
            self._read_bytes(b"")
        elif isinstance(source, str):
            self._silently(self.hex, source)
            self._read_hex(source)
        elif isinstance(source, (bytes, bytearray, memoryview)):
            self._silently(self.hex, hex_lines(bytes(source)))
            self._read_bytes(bytes(source))
        else:
            given = [source] if isinstance(source, Frame) else list(source)
            data = b"".join(bytes(f) for f in given)
            self._silently(self.hex, hex_lines(data))
            self._read_bytes(data)
            if len(given) == len(self.frames):  # keep the caller's objects on show
                self.frames = given
                self.frame = given[0] if given else None

    def show_in_context(
        self,
        replayed: ReplayedFrame,
        *,
        number: int | None = None,
        replay: Replay | None = None,
        decoded: Sequence[DecodedMessage] = (),
    ) -> None:
        """Inspect one frame of a recorded connection as its receiver took it (the one replay path):
        its sender and negotiated extensions, its message, the rules broken in that context.

        ``number`` is the frame's number where the reader found it (a table row); ``replay`` is its
        direction's replay, from which the whole message is shown (JSON indented); ``decoded`` is what
        the connection's subprotocol decoder made of that message.
        """
        self.decoded = list(decoded)
        ctx = replayed.context
        self._silently(self.sender, ctx.sender or "unknown")
        self._silently(self.deflate, ctx.rsv1_allowed)
        self._silently(self.source_tabs, 0, attr="selected_index")
        self._silently(self.hex, hex_lines(bytes(replayed.frame)))
        self.in_context = replayed
        self.number = number
        self.replay = replay
        self.frames = [replayed.frame]
        self.frame = replayed.frame
        self.error = None
        info = replayed.message
        self.messages = [replay.message(info.number)] if replay is not None and info is not None else []
        self.chooser.layout.display = "none"
        self._render_frame()
        self._render_messages()

    def build(self) -> Frame | None:
        """Build a frame from the controls (:meth:`Frame.build`) and show it; ``None`` if they conflict."""
        frame = self.builder.build()
        if frame is not None:
            self._silently(self.hex, hex_lines(bytes(frame)))
            self._read_bytes(bytes(frame))
        return frame

    # -- observers -----------------------------------------------------------------------------------

    def _silently(self, widget: Any, value: Any, attr: str = "value") -> None:
        """Set a control without running this widget's observers (it is an output, not an input, here)."""
        self._syncing = True
        try:
            if (
                attr == "value"
                and widget is self.hex
                and isinstance(value, str)
                and len(value) > 3 * _MAX_HEX_BYTES
            ):
                value = value[: 3 * _MAX_HEX_BYTES]
            if getattr(widget, attr) != value:
                setattr(widget, attr, value)
        finally:
            self._syncing = False

    def _on_hex(self, change: dict[str, Any]) -> None:
        if not self._syncing:
            self._silently(self.source_tabs, 0, attr="selected_index")
            self._read_hex(str(change["new"]))

    def _on_build_control(self, change: dict[str, Any]) -> None:
        if not self._syncing:
            self._silently(self.source_tabs, 1, attr="selected_index")
            self.build()

    def _on_tab(self, change: dict[str, Any]) -> None:
        """Switching to "Build a frame" starts from the frame on show (not from a default frame)."""
        if self._syncing or change["new"] != 1:
            return
        frame = self.frame
        if frame is not None and not frame.missing and frame.payload_length <= _MAX_HEX_BYTES:
            self._syncing = True
            try:
                self.builder.load(frame)
            finally:
                self._syncing = False
        self.build()

    def _on_context(self, change: dict[str, Any]) -> None:
        if self._syncing:
            return
        data = b"".join(bytes(f) for f in self.frames)
        self._read_bytes(data, keep_error=True)

    def _on_choose(self, change: dict[str, Any]) -> None:
        if self._syncing:
            return
        index = int(change["new"] or 0)
        if 0 <= index < len(self.frames):
            self.frame = self.frames[index]
            self._render_frame()

    # -- reading input -------------------------------------------------------------------------------

    def _read_hex(self, text: str) -> None:
        if not text.strip():
            self._read_bytes(b"")
            return
        try:
            data = parse_hex(text)
        except ValueError as exc:
            self._load(b"", f"Not hex: {exc}")
            return
        self._read_bytes(data)

    def _read_bytes(self, data: bytes, *, keep_error: bool = False) -> None:
        error = self.error if keep_error else None
        if not keep_error:
            error = incomplete_input_text(split_frames(data))
        self._load(data, error)

    def _context_choice(self) -> tuple[Literal["client", "server"] | None, list[str]]:
        sender = self.sender.value
        return (None if sender == "unknown" else sender), ([EXTENSION_NAME] if self.deflate.value else [])

    def _load(self, data: bytes, error: str | None) -> None:
        """Receive ``data`` in the chosen context through the replay path, then draw."""
        split = split_frames(data)
        sender, extensions = self._context_choice()
        self.in_context = None
        self.number = None
        self.replay = Replay.of_bytes(data, sender=sender, extensions=extensions)
        self.replay.advance()
        self.frames = list(split.shown)
        self.error = error
        self.frame = self.frames[0] if self.frames else None
        self.messages = [self.replay.message(m.number) for m in self.replay.messages]
        self._syncing = True
        try:
            if len(self.frames) > 1:
                self.chooser.options = [
                    (f"#{i + 1} at byte {f.offset}: {f.summary()[:70]}", i)
                    for i, f in enumerate(self.frames[:_MAX_LISTED])
                ]
                self.chooser.value = 0
                self.chooser.layout.display = None
            else:
                self.chooser.layout.display = "none"
        finally:
            self._syncing = False
        self._render_frame()
        self._render_messages()

    # -- drawing -------------------------------------------------------------------------------------

    def _replayed(self, frame: Frame) -> ReplayedFrame | None:
        """``frame`` as the receiver took it (``None`` for a frame cut short, which no receiver reads)."""
        if self.in_context is not None:
            return self.in_context
        if self.replay is None or frame.missing:
            return None
        index = next((i for i, f in enumerate(self.frames) if f is frame), -1)
        return self.replay.frame(index) if 0 <= index < self.replay.available else None

    def _check(self, frame: Frame) -> list[Violation]:
        replayed = self._replayed(frame)
        if replayed is not None:
            return list(replayed.violations)
        sender, extensions = self._context_choice()
        return frame.check(sender=sender, rsv1_allowed=bool(extensions))

    def _render_frame(self) -> None:
        frame = self.frame
        count = len(self.frames)
        set_value(self.status, frame_status_html(frame, self.error, frames=count, number=self.number))
        if frame is None:
            self.violations = []
            for view in (self.violations_view, self.diagram, self.dump, self.unmasking):
                set_value(view, "")
            return
        violations = self._check(frame)
        self.violations = violations
        set_value(self.violations_view, violations_view(violations, context=self._context_words()))
        set_value(self.diagram, bit_diagram_html(frame, violations=violations))
        set_value(self.dump, html_dump(frame, violations=violations, sections=("hex", "fields")))
        set_value(self.unmasking, unmasking_html(frame))

    def _context_words(self) -> str:
        """The context the rules were checked in, and what was assumed rather than known."""
        if self.in_context is not None:
            return context_words(self.in_context.context, recorded=True)
        return context_words(self.replay.context, recorded=False) if self.replay is not None else ""

    def _render_messages(self) -> None:
        """What a receiver makes of the frames, from the replay path (render/messages.py draws it)."""
        if self.in_context is not None:
            label = f"frame #{self.number:,}" if self.number is not None else None
            message = self.messages[0] if self.messages else None
            html = in_context_html(
                self.in_context, self.replay, message=message, label=label, decoded=self.decoded
            )
            set_value(self.messages_view, html)
        elif self.replay is None or not self.frames:
            set_value(self.messages_view, "")
        else:
            set_value(self.messages_view, receiver_report_html(self.replay, self.frames))
