"""The sending half of a connection: messages and control frames as wire bytes (RFC 6455 §5.1-§5.6).

:class:`FrameSender` masks when our role must (a client masks every frame with a fresh key, §5.1),
compresses whole messages when permessage-deflate is in use (RSV1 on the first frame only, RFC 7692
§6), and cuts a message into fragments when asked (§5.4). It keeps no state of the connection: the
:class:`~wsexplorer.protocol.connection.Connection` decides what may be sent, then asks for the bytes.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Protocol

from ..codec.frame_header import Opcode
from ..codec.frames import serialize_frame

__all__ = ["Compressor", "FrameSender"]

_KEYS_PER_DRAW = 64
"""Masking keys taken from one ``os.urandom`` call (256 bytes): one system call per 64 frames instead of
one per frame. Each key is still four fresh bytes of the operating system's strong random source, used
once (RFC 6455 §5.3, §10.3)."""


class Compressor(Protocol):
    """What the sender needs from a negotiated permessage-deflate state (RFC 7692 §7.2.1)."""

    def compress(self, payload: bytes) -> bytes: ...


class FrameSender:
    """Wire bytes for our frames: masked with keys from ``rng`` when ``mask`` is on."""

    __slots__ = ("_keys", "_used", "compressor", "mask", "rng")

    def __init__(self, *, mask: bool, rng: Callable[[int], bytes]) -> None:
        self.mask = mask
        self.rng = rng
        self.compressor: Compressor | None = None
        self._keys = b""  # keys drawn ahead from os.urandom (only when rng is os.urandom)
        self._used = 0

    def frame(self, opcode: int, payload: bytes, *, fin: bool = True, rsv1: bool = False) -> bytes:
        """One frame; a fresh masking key for every masked frame (§5.3)."""
        key = self._key() if self.mask else None
        return serialize_frame(opcode, payload, fin=fin, rsv1=rsv1, mask_key=key)

    def single(self, opcode: int, payload: bytes) -> bytes:
        """A data message as one frame, compressed first when an extension compresses."""
        if self.compressor is None:
            return self.frame(opcode, payload)
        return self.frame(opcode, self.compressor.compress(payload), rsv1=True)

    def _key(self) -> bytes:
        if self.rng is not os.urandom:  # a chosen source (tests, lessons): asked for every key
            return self.rng(4)
        used = self._used
        if used >= len(self._keys):
            self._keys, used = os.urandom(4 * _KEYS_PER_DRAW), 0
        self._used = used + 4
        return self._keys[used : used + 4]

    def message(self, opcode: int, payload: bytes, fragment_size: int | None = None) -> list[bytes]:
        """The frames of one data message, compressed first when an extension compresses, in frames
        of at most ``fragment_size`` payload bytes when given."""
        if fragment_size is None:
            return [self.single(opcode, payload)]
        rsv1 = False
        if self.compressor is not None:
            payload = self.compressor.compress(payload)
            rsv1 = True
        if len(payload) <= fragment_size:
            return [self.frame(opcode, payload, rsv1=rsv1)]
        if fragment_size < 1:
            raise ValueError("fragment_size must be at least 1")
        chunks = [payload[i : i + fragment_size] for i in range(0, len(payload), fragment_size)]
        last = len(chunks) - 1
        return [
            self.frame(opcode if i == 0 else Opcode.CONTINUATION, chunk, fin=i == last, rsv1=rsv1 and i == 0)
            for i, chunk in enumerate(chunks)
        ]
