"""The sending half of a connection: messages and control frames as wire bytes (RFC 6455 §5.1-§5.6).

:class:`FrameSender` masks when our role must (a client masks every frame with a fresh key, §5.1),
compresses whole messages when permessage-deflate is in use (RSV1 on the first frame only, RFC 7692
§6), and cuts a message into fragments when asked (§5.4). It keeps no state of the connection: the
:class:`~wsexplorer.protocol.connection.Connection` decides what may be sent, then asks for the bytes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from ..codec.frame_header import Opcode
from ..codec.frames import serialize_frame

__all__ = ["Compressor", "FrameSender"]


class Compressor(Protocol):
    """What the sender needs from a negotiated permessage-deflate state (RFC 7692 §7.2.1)."""

    def compress(self, payload: bytes) -> bytes: ...


class FrameSender:
    """Wire bytes for our frames: masked with keys from ``rng`` when ``mask`` is on."""

    __slots__ = ("compressor", "mask", "rng")

    def __init__(self, *, mask: bool, rng: Callable[[int], bytes]) -> None:
        self.mask = mask
        self.rng = rng
        self.compressor: Compressor | None = None

    def frame(self, opcode: int, payload: bytes, *, fin: bool = True, rsv1: bool = False) -> bytes:
        """One frame; a masking key is drawn for every masked frame (§5.3)."""
        key = self.rng(4) if self.mask else None
        return serialize_frame(opcode, payload, fin=fin, rsv1=rsv1, mask_key=key)

    def message(self, opcode: int, payload: bytes, fragment_size: int | None = None) -> list[bytes]:
        """The frames of one data message, compressed first when an extension compresses, in frames
        of at most ``fragment_size`` payload bytes when given."""
        rsv1 = False
        if self.compressor is not None:
            payload = self.compressor.compress(payload)
            rsv1 = True
        if fragment_size is None or len(payload) <= fragment_size:
            return [self.frame(opcode, payload, rsv1=rsv1)]
        if fragment_size < 1:
            raise ValueError("fragment_size must be at least 1")
        chunks = [payload[i : i + fragment_size] for i in range(0, len(payload), fragment_size)]
        last = len(chunks) - 1
        return [
            self.frame(opcode if i == 0 else Opcode.CONTINUATION, chunk, fin=i == last, rsv1=rsv1 and i == 0)
            for i, chunk in enumerate(chunks)
        ]
