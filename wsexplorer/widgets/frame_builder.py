"""The controls that build a WebSocket frame by hand, valid or not (RFC 6455 §5.2): part of FrameInspector.

Any FIN/RSV bits, any opcode (reserved ones included), mask on or off with its key, a text or hex
payload, and any length encoding. :meth:`FrameBuilder.build` hands the choices to
:meth:`Frame.build <wsexplorer.codec.frames.Frame.build>`; the widget checks nothing itself.
"""

from __future__ import annotations

from collections.abc import Callable

import ipywidgets as widgets

from ..codec.frame_header import DEFINED_OPCODES, Opcode, minimal_form
from ..codec.frames import Frame
from ._common import button, callout, e, parse_hex, set_value

__all__ = ["FrameBuilder"]


def _opcode_label(value: int) -> str:
    if value in DEFINED_OPCODES:
        return f"0x{value:X} {Opcode(value).name.lower()}"
    kind = "control" if value & 0x08 else "data"
    return f"0x{value:X} reserved ({kind}) ✗"


class FrameBuilder:
    """The build tab's controls (``box``) and :meth:`build`; ``rng`` draws random masking keys."""

    CONTROLS = (
        "fin",
        "rsv1",
        "rsv2",
        "rsv3",
        "opcode",
        "mask",
        "mask_key",
        "random_mask",
        "payload",
        "payload_kind",
        "length_form",
        "build_error",
    )

    def __init__(self, rng: Callable[[int], bytes]) -> None:
        self._rng = rng
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
            value="Hello", description="payload:", rows=2, layout=widgets.Layout(width="calc(100% - 8px)")
        )
        self.payload_kind = widgets.ToggleButtons(
            options=[("text (UTF-8)", "text"), ("hex bytes", "hex")],
            value="text",
            style={"button_width": "auto"},
        )
        self.length_form = widgets.Dropdown(
            options=[
                ("shortest (as RFC 6455 §5.2 requires)", "shortest"),
                ("7-bit (0-125)", "7-bit"),
                ("16-bit: 126 + 2 bytes", "16-bit"),
                ("64-bit: 127 + 8 bytes", "64-bit"),
            ],
            value="shortest",  # a string, not None: None would leave the dropdown showing nothing
            description="length encoding:",
            style={"description_width": "initial"},
            layout=widgets.Layout(width="26em"),
        )
        self.build_error = widgets.HTML()
        self.box = widgets.VBox(
            [
                widgets.HBox([self.fin, self.rsv1, self.rsv2, self.rsv3, self.opcode]),
                widgets.HBox([self.mask, self.mask_key, self.random_mask]),
                widgets.HBox([self.payload_kind, self.length_form]),
                self.payload,
                self.build_error,
            ]
        )
        self.random_mask.on_click(lambda _: self.random_key())

    def random_key(self) -> None:
        """Turn masking on with a fresh key from ``rng``."""
        key = self._rng(4)
        self.mask.value = True
        self.mask_key.value = key.hex(" ")

    def load(self, frame: Frame) -> None:
        """Set every control from ``frame``, so building starts from the frame on show."""
        self.fin.value = frame.fin
        self.rsv1.value = frame.rsv1
        self.rsv2.value = frame.rsv2
        self.rsv3.value = frame.rsv3
        self.opcode.value = int(frame.opcode)
        key = frame.masking_key
        self.mask.value = key is not None
        if key is not None:
            self.mask_key.value = key.hex(" ")
        payload = frame.payload
        try:
            text = payload.decode("utf-8") if int(frame.opcode) in (0x1, 0x0) else None
        except UnicodeDecodeError:
            text = None
        if text is not None and not frame.rsv1:
            self.payload_kind.value = "text"
            self.payload.value = text
        else:
            self.payload_kind.value = "hex"
            self.payload.value = payload.hex(" ")
        shortest = frame.length_form == minimal_form(frame.payload_length)
        self.length_form.value = "shortest" if shortest else frame.length_form.label

    def build(self) -> Frame | None:
        """A frame from the controls (:meth:`Frame.build`); ``None``, with a message, if they conflict."""
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
                length_form=None if self.length_form.value == "shortest" else self.length_form.value,
            )
        except ValueError as exc:
            set_value(self.build_error, callout(f"<b>Cannot build this frame:</b> {e(exc)}", "error"))
            return None
        set_value(self.build_error, "")
        return frame
