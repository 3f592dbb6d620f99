"""What the receiver of one direction knew before its first frame, and a receiver set up that way.

The context of a direction is who sends its frames (the masking rule, RFC 6455 §5.1) and what the
handshake agreed (RSV1 under permessage-deflate, RFC 7692 §6; context takeover, §7.1.1). The replay path
(:mod:`.replay`) receives recorded or pasted frames with a :class:`~wsexplorer.protocol.connection.
Connection` built here: already open, answering nothing, counting offsets from the stream's start.

A recording that missed the opening handshake (a capture started mid-connection) may name the
extensions to assume in ``meta["assumed_extensions"]`` (:func:`assumed_extensions`). Its receiver then
inflates with :class:`AssumedDeflateState`: a message compressed against history sent before the
recording began (context takeover, RFC 7692 §7.2.3) is marked not inflated instead of failing the
connection, and the next message is tried with an empty window.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ..codec.extensions import ExtensionOffer, NegotiatedExtension
from ..codec.extensions.permessage_deflate import EXTENSION_NAME, PerMessageDeflateState
from ..codec.extensions.permessage_deflate.params import parse_element
from ..codec.role import Role, peer_of
from ..errors import InvalidPayloadData, NegotiationError
from ..protocol.connection import Connection

__all__ = [
    "ASSUMED_EXTENSIONS",
    "HISTORY_MISSING",
    "AssumedDeflateState",
    "Context",
    "assumed_extensions",
    "direction_context",
    "listening_receiver",
]

ASSUMED_EXTENSIONS = "assumed_extensions"
"""The ``Session.meta`` key naming the extension elements to assume when the handshake was not recorded."""
HISTORY_MISSING = (
    "not inflated: its compression history (context takeover, RFC 7692 §7.2.3) precedes the capture"
)
"""What a message that refers back to bytes the recording does not hold is shown as."""


@dataclass(frozen=True, slots=True)
class Context:
    """What the receiver knew about a direction's frames before any of them arrived.

    ``sender`` is ``None`` when nobody knows who sent the bytes (the masking rule is not checked);
    ``extensions`` are the agreed extension elements; ``assumptions`` say what was assumed rather
    than recorded (for bytes pasted by hand).
    """

    sender: Role | None
    extensions: tuple[str, ...] = ()
    rsv1_allowed: bool = False
    takeover: bool | None = None
    assumptions: tuple[str, ...] = ()


def direction_context(
    sender: Role | None, elements: list[str], *, assumed: tuple[str, ...], history_known: bool = True
) -> tuple[Context, Callable[[], list[NegotiatedExtension]]]:
    """The context of a direction, and a factory of fresh negotiated states for its receiver.

    ``history_known=False`` (a recording that missed the handshake) receives compressed messages
    with :class:`AssumedDeflateState`.
    """
    receiver: Role = peer_of(sender) if sender is not None else "server"
    deflate = [parse_element(e) for e in elements if e.split(";")[0].strip().lower() == EXTENSION_NAME]
    takeover = None
    if deflate:
        state = PerMessageDeflateState.from_agreed(deflate[0], receiver)
        takeover = not state.remote_no_context_takeover
    kind = PerMessageDeflateState if history_known else AssumedDeflateState

    def negotiated() -> list[NegotiatedExtension]:
        return [kind.from_agreed(d, receiver) for d in deflate[:1]]

    context = Context(sender, tuple(elements), bool(deflate), takeover, assumed)
    return context, negotiated


def listening_receiver(
    role: Role,
    negotiated: list[NegotiatedExtension],
    subprotocol: str | None,
    base: int,
    max_message_size: int | None,
    *,
    check_masking: bool = True,
) -> Connection:
    """A receiver that only listens: already open, no pongs, no close replies, offsets from ``base``."""
    return Connection(
        role,
        opened=True,
        negotiated=negotiated,
        subprotocol=subprotocol,
        max_message_size=max_message_size,
        auto_pong=False,
        auto_close_reply=False,
        stream_base=base,
        check_masking=check_masking,
    )


def assumed_extensions(meta: Mapping[str, Any]) -> tuple[list[str], tuple[str, ...]]:
    """The extension elements a recording without handshake assumes (``meta["assumed_extensions"]``),
    and the assumption in words.

    Only permessage-deflate elements that parse and whose parameters a server could answer with
    (RFC 7692 §7.1) are taken, at most one: ``meta`` may come from a file, so anything else there is
    left out (and said so), never raised.
    """
    value = meta.get(ASSUMED_EXTENSIONS)
    if not value:
        return [], ()
    taken: list[str] = []
    for element in value if isinstance(value, list) else []:
        if not isinstance(element, str) or len(element) > 1000:
            continue
        try:
            offer = parse_element(element)
            PerMessageDeflateState.from_agreed(offer, "client")
        except (ValueError, NegotiationError):
            continue
        if offer.name.lower() == EXTENSION_NAME:
            taken = [element]
            break
    if not taken:
        return [], ("the assumed extensions recorded with the session were not usable: none assumed",)
    why = (
        f"{taken[0]} assumed (the handshake was not recorded); a message compressed against history "
        "sent before the recording began is shown as not inflated (RFC 7692 §7.2.3)"
    )
    return taken, (why,)


class AssumedDeflateState(PerMessageDeflateState):
    """permessage-deflate assumed for a recording that began after the handshake (RFC 7692 §7.2.2).

    With context takeover (§7.1.1) a message may refer back to earlier messages of its direction,
    which the recording may not hold. zlib starts with an empty window and fails a back-reference
    past the bytes inflated since ("invalid distance too far back"), so what inflates is exactly
    what was sent, and what refers further back fails. Such a message is not failed here: it is
    delivered empty, its ordinal (0 for the first compressed message) is kept in
    :meth:`note`, and the next message is tried with an empty window again. Any other DEFLATE error,
    and a message over the size limit, fail the connection as usual.

    A message's frames are inflated as they come but handed over whole at its last frame, so that a
    message cut short by missing history is never delivered in part (its text would be judged as
    truncated UTF-8).
    """

    def __init__(self, agreed: ExtensionOffer, role: Role, **settings: Any) -> None:
        super().__init__(agreed, role, **settings)
        self._held: list[bytes] = []
        self._skipping = False  # inside a message that cannot be inflated: its frames are passed over
        self._started = 0  # compressed messages begun
        self._notes: dict[int, str] = {}

    def decompress(self, fragment: bytes, *, fin: bool, max_size: int | None = None) -> bytes:
        if not self._skipping:
            if not self.receiving:
                self._started += 1
                self._held = []
            try:
                self._held.append(super().decompress(fragment, fin=fin, max_size=max_size))
            except InvalidPayloadData as exc:
                if "too far back" not in exc.rule:
                    raise
                self._skipping, self._held = True, []  # the base state starts afresh next message
                self._notes[self._started - 1] = HISTORY_MISSING
        if not fin:
            return b""
        self._skipping = False
        out, self._held = b"".join(self._held), []
        return out

    def note(self, ordinal: int) -> str:
        """Why compressed message ``ordinal`` (counted from 0) was not inflated; "" when it was.
        Each note is given once (then forgotten, so the notes kept stay bounded)."""
        return self._notes.pop(ordinal, "")
