"""What the receiver of one direction knew before its first frame, and a receiver set up that way.

The context of a direction is who sends its frames (the masking rule, RFC 6455 §5.1) and what the
handshake agreed (RSV1 under permessage-deflate, RFC 7692 §6; context takeover, §7.1.1). The replay path
(:mod:`.replay`) receives recorded or pasted frames with a :class:`~wsexplorer.protocol.connection.
Connection` built here: already open, answering nothing, counting offsets from the stream's start.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ..codec.extensions import NegotiatedExtension
from ..codec.extensions.permessage_deflate import EXTENSION_NAME, PerMessageDeflateState
from ..codec.extensions.permessage_deflate.params import parse_element
from ..codec.role import Role, peer_of
from ..protocol.connection import Connection

__all__ = ["Context", "direction_context", "listening_receiver"]


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
    sender: Role | None, elements: list[str], *, assumed: tuple[str, ...]
) -> tuple[Context, Callable[[], list[NegotiatedExtension]]]:
    """The context of a direction, and a factory of fresh negotiated states for its receiver."""
    receiver: Role = peer_of(sender) if sender is not None else "server"
    deflate = [parse_element(e) for e in elements if e.split(";")[0].strip().lower() == EXTENSION_NAME]
    takeover = None
    if deflate:
        state = PerMessageDeflateState.from_agreed(deflate[0], receiver)
        takeover = not state.remote_no_context_takeover

    def negotiated() -> list[NegotiatedExtension]:
        return [PerMessageDeflateState.from_agreed(d, receiver) for d in deflate[:1]]

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
