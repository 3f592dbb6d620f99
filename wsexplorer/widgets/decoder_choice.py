"""The frame browser's "decode as" control: which subprotocol decoder the table and inspector use.

The handshake's ``Sec-WebSocket-Protocol`` (RFC 6455 §1.9, §4.2.2) picks a decoder by default; most
Socket.IO and plain-JSON servers negotiate none, so the user may pick any registered decoder
(:func:`wsexplorer.codec.subprotocols.registered`), or none to see the messages raw. The choice is a
decoder name as :func:`wsexplorer.record.decoding.decoding_for` takes it: ``None`` for the negotiated
one, :data:`~wsexplorer.record.decoding.RAW` for none. It only displays: the notes shown (a close code's
meaning in the subprotocol, the graphql-ws name clash) come from the decoders.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import Any

import ipywidgets as W

from ..codec.frame_header import Opcode
from ..codec.subprotocols import DecodedMessage, lookup, registered
from ..record.decoding import RAW, SubprotocolDecoding, decoding_for
from ..record.replay import MessageInfo
from ..record.session import Direction, FrameRecord, Session
from ..render.frame_table import grid_columns
from .grid import FrameGrid

__all__ = ["DecoderChoice", "close_note", "decoded_message"]

# Dropdown values that no decoder name can be (a registered name is a token: no parentheses).
_NEGOTIATED = "(negotiated)"
_RAW = "(raw)"


def _check(decoder: str | None) -> None:
    """ValueError for a name no decoder answers to (the same refusal the registry gives)."""
    if decoder not in (None, RAW, "raw"):
        lookup(choice=decoder)


class DecoderChoice:
    """A "decode as" dropdown and a note; ``on_change`` gets the new choice (see :attr:`value`)."""

    def __init__(self, on_change: Callable[[str | None], None], decoder: str | None = None) -> None:
        _check(decoder)
        self._on_change = on_change
        self.dropdown = W.Dropdown(description="decode as", options=self._options(None))
        self.dropdown.add_class("wsx-decode-as")
        self.dropdown.layout.width = "auto"
        self.note = W.HTML("")
        self.note.add_class("wsx-decode-note")
        self.widget = W.HBox([self.dropdown, self.note], layout=W.Layout(align_items="center"))
        self.dropdown.value = self._key(decoder)
        self._handshake: tuple[Session, str | None, str | None] | None = None  # read once it is whole
        self.dropdown.observe(self._changed, names="value")

    @staticmethod
    def _options(negotiated: str | None) -> list[tuple[str, str]]:
        first = f"negotiated: {negotiated}" if negotiated else "none negotiated"
        names = [(r.name, r.name) for r in registered()]
        return [(first, _NEGOTIATED), *names, ("raw (no decoder)", _RAW)]

    @staticmethod
    def _key(decoder: str | None) -> str:
        if decoder is None:
            return _NEGOTIATED
        if decoder == RAW or (decoder == "raw" and all(r.name != "raw" for r in registered())):
            return _RAW
        return decoder

    @property
    def value(self) -> str | None:
        """The choice: ``None`` the negotiated decoder, :data:`RAW` none, else a decoder's name."""
        key = str(self.dropdown.value)
        return None if key == _NEGOTIATED else RAW if key == _RAW else key

    @value.setter
    def value(self, decoder: str | None) -> None:
        _check(decoder)
        self.dropdown.value = self._key(decoder)

    def _changed(self, _change: Any) -> None:
        self._on_change(self.value)

    def _read_handshake(self, session: Session) -> tuple[str | None, str | None]:
        """The negotiated subprotocol and the name-clash note, read again only until the response is
        recorded (a browser refreshes often; the handshake does not change once it is whole)."""
        known = self._handshake
        if known is not None and known[0] is session:
            return known[1], known[2]
        response = session.response
        negotiated = response.subprotocol if response is not None else None
        clash = session.decoding().clash_note()
        if response is not None or not session.handshake:
            self._handshake = (session, negotiated, clash)
        return negotiated, clash

    def show_session(self, session: Session, grid: FrameGrid) -> bool:
        """Name the session's negotiated subprotocol in the first option, keep the choice, say which
        decoder applies (and where the graphql-ws name clash bites), and give ``grid`` a "decoded"
        column titled with its name only when one applies; whether it does."""
        negotiated, clash = self._read_handshake(session)
        options = self._options(negotiated)
        if list(self.dropdown.options) != options:
            key = str(self.dropdown.value)
            with self.dropdown.hold_trait_notifications():
                self.dropdown.options = options
                self.dropdown.value = key if any(v == key for _, v in options) else _NEGOTIATED
        decoding = decoding_for(session, self.value)
        parts = []
        if decoding is None or decoding.name is None:
            parts.append("messages shown raw" if decoding is None else "no decoder applies")
        elif decoding.registration is not None:
            parts.append(f"decoded as {decoding.registration.title}")
        if clash:
            parts.append(f"⚠ {clash}")
        self.note.value = " · ".join(html.escape(p) for p in parts)
        name = decoding.name if decoding is not None else None
        columns, widths = grid_columns(name)
        if list(grid.columns) != columns:
            with grid.hold_sync():
                grid.widths = widths
                grid.columns = columns
        return name is not None


def decoded_message(
    decoding: SubprotocolDecoding | None, direction: Direction, info: MessageInfo | None
) -> list[DecodedMessage]:
    """What ``decoding``'s decoder made of the message ``info`` (the inspector's decoded view)."""
    if decoding is None or decoding.name is None or info is None:
        return []
    return decoding.decoded(direction, info.number)


def close_note(decoding: SubprotocolDecoding | None, record: FrameRecord) -> str:
    """What a close frame's code means in the subprotocol decoding it (RFC 6455 §7.4.2: 4000-4999
    are the application's), as an HTML-escaped sentence; ``""`` for other frames or codes it gives
    no meaning."""
    frame = record.frame
    if decoding is None or decoding.name is None or frame.opcode != Opcode.CLOSE:
        return ""
    code = frame.close_code
    meaning = decoding.close_meaning(code) if code is not None else None
    return "" if meaning is None else html.escape(f"close code {code} in {decoding.name}: {meaning}")
