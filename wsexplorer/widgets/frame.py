"""FrameInspector: paste or build WebSocket frames and see every bit, the unmasking, and the rules broken.

Everything shown comes from the codec: :class:`~wsexplorer.codec.frames.Frame` parses and builds,
:meth:`Frame.check <wsexplorer.codec.frames.Frame.check>` finds the violations for the chosen sender,
:class:`~wsexplorer.codec.frames.FrameParser` and :class:`~wsexplorer.codec.assembler.MessageAssembler`
split a stream and put messages together, and :mod:`wsexplorer.dump` / :mod:`wsexplorer.render.walkthrough`
draw them. The widget turns typed hex into bytes and lays the pieces out.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import Any, Literal

import ipywidgets as widgets

from ..anatomy import Field, Violation
from ..codec.assembler import Message, MessageAssembler
from ..codec.close import describe_close_code
from ..codec.deflate import EXTENSION_NAME, PerMessageDeflateState
from ..codec.extensions import ExtensionOffer
from ..codec.frames import Frame, FrameParser, Opcode
from ..dump import bit_diagram_html, html_dump
from ..errors import IncompleteInput, ProtocolError, TrailingBytes
from ..render.walkthrough import unmasking_html
from ._common import ExplorerBox, box, button, callout, e, heading, hex_preview, parse_hex, set_value, title

__all__ = ["FrameInspector"]

SenderChoice = Literal["client", "server", "unknown"]
FrameSource = Frame | bytes | bytearray | memoryview | str | Sequence[Frame] | None

_MAX_HEX_BYTES = 16384  # bytes written back into the hex box when showing a frame given as an object
_MAX_LISTED = 200  # frames listed in the chooser and the messages panel

# Hide the parts of html_dump that this widget shows in its own sections (bit diagram, violations).
_DUMP_CSS = (
    "<style>.wsx-frame-dump details.wsx-det, .wsx-frame-dump .wsx-viol, .wsx-frame-dump .wsx-ok "
    "{ display: none; }</style>"
)


_DEFINED = frozenset(int(op) for op in Opcode)


def _opcode_label(value: int) -> str:
    if value in _DEFINED:
        return f"0x{value:X} {Opcode(value).name.lower()}"
    kind = "control" if value & 0x08 else "data"
    return f"0x{value:X} reserved ({kind}) ✗"


class _FrameInContext:
    """A frame with the violations found for one sender and negotiation, for :func:`html_dump`.

    The dump outlines the bytes of ``obj.violations``; a frame's own ``violations`` know neither who
    sent it nor whether permessage-deflate is on, so the checked list is carried alongside.
    """

    def __init__(self, frame: Frame, violations: list[Violation]) -> None:
        self.frame = frame
        self.violations = violations

    def __bytes__(self) -> bytes:
        return bytes(self.frame)

    @property
    def fields(self) -> list[Field]:
        return self.frame.fields

    def summary(self) -> str:
        return self.frame.summary()


_FrameInContext.__name__ = _FrameInContext.__qualname__ = "Frame"  # the dump titles objects by type name


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

        # -- paste ---------------------------------------------------------------------------------
        self.hex = widgets.Textarea(
            placeholder="frame bytes in hex, e.g. 81 85 37 fa 21 3d 7f 9f 4d 51 58 (several frames in a "
            "row are fine)",
            rows=4,
            layout=widgets.Layout(width="100%"),
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

        # -- build ---------------------------------------------------------------------------------
        self.fin = widgets.Checkbox(value=True, description="FIN (last fragment)", indent=False)
        self.rsv1 = widgets.Checkbox(value=False, description="RSV1", indent=False)
        self.rsv2 = widgets.Checkbox(value=False, description="RSV2", indent=False)
        self.rsv3 = widgets.Checkbox(value=False, description="RSV3", indent=False)
        for cb in (self.fin, self.rsv1, self.rsv2, self.rsv3):
            cb.layout = widgets.Layout(width="auto", margin="0 14px 0 0")
        self.opcode = widgets.Dropdown(
            options=[(_opcode_label(v), v) for v in range(16)],
            value=0x1,
            description="opcode:",
            style={"description_width": "initial"},
            layout=widgets.Layout(width="16em"),
        )
        self.mask = widgets.Checkbox(value=True, description="MASK (clients mask)", indent=False)
        self.mask.layout = widgets.Layout(width="auto", margin="0 10px 0 0")
        self.mask_key = widgets.Text(
            value="37 fa 21 3d",
            description="masking key (hex):",
            style={"description_width": "initial"},
            layout=widgets.Layout(width="18em"),
        )
        self.random_mask = button("random key", "wsx-frame-random-key", icon="random")
        self.payload = widgets.Textarea(
            value="Hello", description="payload:", rows=2, layout=widgets.Layout(width="100%")
        )
        self.payload_kind = widgets.ToggleButtons(
            options=[("text (UTF-8)", "text"), ("hex bytes", "hex")],
            value="text",
            style={"button_width": "auto"},
        )
        self.length_form = widgets.Dropdown(
            options=[
                ("shortest (as RFC 6455 §5.2 requires)", None),
                ("7-bit (0-125)", "7-bit"),
                ("16-bit: 126 + 2 bytes", "16-bit"),
                ("64-bit: 127 + 8 bytes", "64-bit"),
            ],
            value=None,
            description="length encoding:",
            style={"description_width": "initial"},
            layout=widgets.Layout(width="26em"),
        )
        self.build_error = widgets.HTML()
        build_box = widgets.VBox(
            [
                widgets.HBox([self.fin, self.rsv1, self.rsv2, self.rsv3, self.opcode]),
                widgets.HBox([self.mask, self.mask_key, self.random_mask]),
                widgets.HBox([self.payload_kind, self.length_form]),
                self.payload,
                self.build_error,
            ]
        )
        self.source_tabs = widgets.Tab(
            children=[paste_box, build_box], titles=("Paste bytes", "Build a frame")
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
        self.random_mask.on_click(lambda _: self._random_mask())
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
            self._load([], None)
        elif isinstance(source, Frame):
            self._silently(self.hex, _hex_lines(bytes(source)))
            self._load([source], None)
        elif isinstance(source, str):
            self._silently(self.hex, source)
            self._read_hex(source)
        elif isinstance(source, (bytes, bytearray, memoryview)):
            data = bytes(source)
            self._silently(self.hex, _hex_lines(data))
            self._read_bytes(data)
        else:
            frames = list(source)
            self._silently(self.hex, _hex_lines(b"".join(bytes(f) for f in frames)))
            self._load(frames, None)

    def build(self) -> Frame | None:
        """Build a frame from the controls (:meth:`Frame.build`) and show it; ``None`` if they conflict."""
        try:
            payload: bytes | str = (
                self.payload.value if self.payload_kind.value == "text" else parse_hex(self.payload.value)
            )
            mask: bool | bytes = parse_hex(self.mask_key.value) if self.mask.value else False
            frame = Frame.build(
                int(self.opcode.value),
                payload,
                fin=bool(self.fin.value),
                rsv1=bool(self.rsv1.value),
                rsv2=bool(self.rsv2.value),
                rsv3=bool(self.rsv3.value),
                mask=mask,
                length_form=self.length_form.value,
            )
        except ValueError as exc:
            set_value(self.build_error, callout(f"<b>Cannot build this frame:</b> {e(exc)}", "error"))
            return None
        set_value(self.build_error, "")
        self._silently(self.hex, _hex_lines(bytes(frame)))
        self._load([frame], None)
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
        if not self._syncing and change["new"] == 1:
            self.build()

    def _on_context(self, change: dict[str, Any]) -> None:
        self._render_frame()
        self._render_messages()

    def _on_choose(self, change: dict[str, Any]) -> None:
        if self._syncing:
            return
        index = int(change["new"] or 0)
        if 0 <= index < len(self.frames):
            self.frame = self.frames[index]
            self._render_frame()

    def _random_mask(self) -> None:
        key = self._rng(4)
        self.mask.value = True
        self.mask_key.value = key.hex(" ")

    # -- reading input -------------------------------------------------------------------------------

    def _read_hex(self, text: str) -> None:
        if not text.strip():
            self._load([], None)
            return
        try:
            data = parse_hex(text)
        except ValueError as exc:
            self._load([], f"Not hex: {exc}")
            return
        self._read_bytes(data)

    def _read_bytes(self, data: bytes) -> None:
        try:
            frame = Frame.parse(data)
        except IncompleteInput as exc:
            self._load(*_incomplete(data, exc, base=0, complete=[]))
            return
        except TrailingBytes:
            parser = FrameParser()
            frames = parser.feed(data)
            if not parser.buffered:
                self._load(frames, None)
                return
            tail = data[len(data) - parser.buffered :]
            try:
                Frame.parse(tail)  # raises: the parser kept these bytes because the frame is not complete
            except IncompleteInput as exc:
                self._load(*_incomplete(tail, exc, base=len(data) - len(tail), complete=frames))
                return
            self._load(frames, None)  # pragma: no cover - FrameParser and Frame.parse agree
            return
        self._load([frame], None)

    def _load(self, frames: list[Frame], error: str | None) -> None:
        self.frames = frames
        self.error = error
        self.frame = frames[0] if frames else None
        self._syncing = True
        try:
            if len(frames) > 1:
                self.chooser.options = [
                    (f"#{i + 1} at byte {f.offset}: {f.summary()[:70]}", i)
                    for i, f in enumerate(frames[:_MAX_LISTED])
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

    def _check(self, frame: Frame) -> list[Violation]:
        sender = self.sender.value
        return frame.check(
            sender=None if sender == "unknown" else sender,
            rsv1_allowed=bool(self.deflate.value),
        )

    def _render_frame(self) -> None:
        frame = self.frame
        status = []
        if self.error is not None:
            status.append(callout(f"<b>✗ Cannot read the input whole.</b> {e(self.error)}", "error"))
        if frame is None:
            if self.error is None:
                status.append(callout("Paste the bytes of a frame, or build one.", "info"))
            set_value(self.status, "".join(status))
            self.violations = []
            for view in (self.violations_view, self.diagram, self.dump, self.unmasking):
                set_value(view, "")
            return
        violations = self._check(frame)
        self.violations = violations
        count = f"{len(self.frames)} frames in the input · " if len(self.frames) > 1 else ""
        missing = f" · <b>{frame.missing:,} payload bytes missing</b>" if frame.missing else ""
        status.append(
            box(
                f"<div class='wsx-w-m' style='font-size:13.5px;margin:4px 0'>{count}{e(frame.summary())}"
                f"<span class='wsx-w-dim'> · header {frame.header_length} bytes · payload "
                f"{frame.payload_length:,} bytes</span>{missing}</div>"
            )
        )
        set_value(self.status, "".join(status))
        set_value(self.violations_view, self._violations_html(violations))
        set_value(self.diagram, bit_diagram_html(_FrameInContext(frame, violations)))
        set_value(self.dump, _DUMP_CSS + html_dump(_FrameInContext(frame, violations)))
        set_value(self.unmasking, unmasking_html(frame))

    def _violations_html(self, violations: list[Violation]) -> str:
        sender = self.sender.value
        context = {
            "client": "as sent by a client",
            "server": "as sent by a server",
            "unknown": "sender unknown: the masking rule (§5.1) is not checked; choose who sent it above",
        }[sender]
        deflate = "permessage-deflate negotiated" if self.deflate.value else "no extension negotiated"
        if not violations:
            return callout(
                f"<b>✓ No rule broken</b> <span class='wsx-w-dim'>({e(context)}; {deflate})</span>", "ok"
            )
        items = []
        for v in violations:
            where = f"byte {v.start}" if v.end - v.start <= 1 else f"bytes {v.start}..{v.end - 1}"
            field = f", field <b>{e(v.field)}</b>" if v.field else ""
            answer = ""
            if v.close_code is not None:
                answer = (
                    f"<br>→ The receiver must <b>fail the connection</b>: send a close frame with code "
                    f"<b>{v.close_code}</b> ({e(describe_close_code(v.close_code))}) and close "
                    "<span class='wsx-w-dim'>(RFC 6455 §7.1.7)</span>."
                )
            who = "the sender broke this rule" if v.fault == "peer" else "our side broke this rule"
            items.append(
                f"<li style='margin:4px 0'><b>{e(v.rule)}</b><br><span class='wsx-w-small'>{where}{field} · "
                f"{e(v.section)} · {who}</span>{answer}</li>"
            )
        n = len(violations)
        return callout(
            f"<b>✗ {n} rule{'s' if n != 1 else ''} broken</b> <span class='wsx-w-dim'>({e(context)}; "
            f"{deflate})</span><ul style='margin:4px 0;padding-left:20px'>{''.join(items)}</ul>",
            "error",
        )

    def _render_messages(self) -> None:
        """What a receiver makes of the frames, in order: the MessageAssembler's verdict on each.

        Every frame is assembled (cheap); only the first ``_MAX_LISTED`` get a line.
        """
        frames = self.frames
        self.messages = []
        if not frames:
            set_value(self.messages_view, "")
            return
        inflater = None
        if self.deflate.value:
            receiver: Literal["client", "server"] = "server" if self.sender.value == "client" else "client"
            inflater = PerMessageDeflateState.from_agreed(ExtensionOffer(EXTENSION_NAME), receiver)
        assembler = MessageAssembler(inflater=inflater)
        lines: list[str] = []
        stopped = False

        def say(index: int, frame: Frame, text: str, *, bad: bool = False) -> None:
            if len(lines) >= _MAX_LISTED and not bad:
                return
            label = f"frame #{index + 1} ({_kind(frame)}, FIN={int(frame.fin)})"
            broken = len(self._check(frame))
            if broken:
                label += f" ⚠ breaks {broken} rule{'s' if broken != 1 else ''}"
            style = " style='color:#d93025'" if bad else ""
            lines.append(f"<li{style}>{e(label)}: {text}</li>")

        for i, frame in enumerate(frames):
            if frame.missing:
                say(i, frame, f"incomplete ({frame.missing:,} bytes missing): not read yet.")
                stopped = True
                break
            if frame.is_control:
                say(i, frame, "a control frame, handled on its own even inside a fragmented message.")
                continue
            try:
                message = assembler.add(frame)
            except ProtocolError as exc:
                code = exc.close_code or 1002
                say(
                    i,
                    frame,
                    f"<b>{e(exc.rule)}</b> ({e(exc.section)}) → the receiver fails the connection with close "
                    f"code {code} ({e(describe_close_code(code))}).",
                    bad=True,
                )
                stopped = True
                break
            except ValueError:
                say(
                    i,
                    frame,
                    "<b>a reserved opcode</b>: no receiver knows what it means, so it fails the "
                    "connection with "
                    "close code 1002 (RFC 6455 §5.2).",
                    bad=True,
                )
                stopped = True
                break
            if message is None:
                say(i, frame, "a fragment; the message continues in the next data frame.")
            else:
                self.messages.append(message)
                say(i, frame, "completes " + _message_html(message, len(self.messages)))
        if len(lines) >= _MAX_LISTED:
            lines.append(f"<li>… only the first {_MAX_LISTED} frames are listed.</li>")
        if not stopped and assembler.in_progress:
            lines.append(
                "<li><b>The last message is not finished</b>: a receiver waits for a continuation frame with "
                "FIN = 1.</li>"
            )
        n, m = len(self.messages), len(frames)
        summary = f"{n} complete message{'s' if n != 1 else ''} from {m} frame{'s' if m != 1 else ''}."
        set_value(
            self.messages_view, box(f"<div>{summary}</div><ul style='margin:4px 0'>{''.join(lines)}</ul>")
        )


def _kind(frame: Frame) -> str:
    op = frame.opcode
    return op.name.lower() if isinstance(op, Opcode) else f"reserved opcode 0x{op:X}"


def _message_html(message: Message, number: int) -> str:
    how = f"{message.fragments} frame{'s' if message.fragments != 1 else ''}"
    if message.compressed:
        how += f", compressed: {message.wire_size:,} bytes on the wire → {len(message.payload):,} bytes"
    if message.is_text:
        text = message.text
        shown = e(repr(text[:200])) + ("…" if len(text) > 200 else "")
        return f"<b>message {number}: text</b> {shown} <span class='wsx-w-dim'>({how})</span>"
    return (
        f"<b>message {number}: binary</b>, {len(message.payload):,} bytes "
        f"<span class='wsx-w-m'>{e(hex_preview(message.payload, 16))}</span> <span "
        f"class='wsx-w-dim'>({how})</span>"
    )


def _hex_lines(data: bytes, per_line: int = 16) -> str:
    """``data`` as hex, ``per_line`` bytes a line, for the paste box (only the first bytes if large)."""
    data = data[:_MAX_HEX_BYTES]
    return "\n".join(data[i : i + per_line].hex(" ") for i in range(0, len(data), per_line))


def _incomplete(
    data: bytes, exc: IncompleteInput, *, base: int, complete: list[Frame]
) -> tuple[list[Frame], str]:
    """The frames to show and the message for input that stops inside a frame starting at ``base``.

    With the header complete, the frame is shown as far as it goes (``Frame.parse(allow_truncated=True)``).
    """
    rule = exc.rule[:1].upper() + exc.rule[1:]
    if complete:
        n = len(complete)
        rule = f"{n} complete frame{'s' if n != 1 else ''}, then: {exc.rule}"
    missing = (
        f" A receiver waits for {exc.missing:,} more byte{'s' if exc.missing != 1 else ''}."
        if exc.missing
        else ""
    )
    message = f"{rule} ({exc.section}).{missing}"
    try:
        partial = Frame.parse(data, allow_truncated=True)
    except IncompleteInput:
        return complete, message + " The header itself is cut short, so there is nothing more to show."
    partial.offset = base
    return [*complete, partial], message + " Showing the part that arrived."
