"""Helpers shared by the permessage-deflate tests: hand-made elements, states, and websockets' codec."""

from __future__ import annotations

import itertools
import os
from typing import Any

from websockets.extensions.permessage_deflate import PerMessageDeflate as WsDeflate
from websockets.frames import Frame, Opcode

from wsexplorer.codec.extensions import ExtensionOffer
from wsexplorer.codec.extensions.permessage_deflate import PerMessageDeflate, PerMessageDeflateState

HELLO = b"Hello"


def element(text: str) -> ExtensionOffer:
    """A header element from a simple string (no quoting); loose on purpose, to build bad input."""
    name, *parts = [p.strip() for p in text.split(";")]
    params: list[tuple[str, str | None]] = []
    for part in parts:
        key, sep, value = part.partition("=")
        params.append((key.strip(), value.strip() if sep else None))
    return ExtensionOffer(name, tuple(params))


def payload_of(frame_hex: str) -> tuple[int, bytes]:
    """First byte and payload of an unmasked frame with a 7-bit length, as in RFC 7692 §7.2.3."""
    frame = bytes.fromhex(frame_hex)
    length = frame[1] & 0x7F
    assert not frame[1] & 0x80 and length < 126 and len(frame) == 2 + length
    return frame[0], frame[2:]


def state(role: str = "client", **kwargs: Any) -> PerMessageDeflateState:
    return PerMessageDeflateState(ExtensionOffer("permessage-deflate"), role, **kwargs)  # type: ignore[arg-type]


def pair(**kwargs: Any) -> tuple[PerMessageDeflateState, PerMessageDeflateState]:
    """A client state and a server state that agreed on the same parameters."""
    return state("client", **kwargs), state("server", **kwargs)


TEXT = b"The quick brown fox jumps over the lazy dog. " * 3


def negotiate(client: PerMessageDeflate, server: PerMessageDeflate) -> tuple[Any, Any]:
    result = server.accept([client.offer()])
    assert result is not None
    return client.check_response(result[0]), result[1]


def ws_deflate(remote_nct: bool, local_nct: bool, remote_bits: int, local_bits: int) -> WsDeflate:
    return WsDeflate(remote_nct, local_nct, remote_bits, local_bits)


def ws_decode(ext: WsDeflate, parts: list[bytes]) -> bytes:
    out = b""
    for i, part in enumerate(parts):
        opcode = Opcode.BINARY if i == 0 else Opcode.CONT
        frame = Frame(opcode, part, fin=i == len(parts) - 1, rsv1=i == 0)
        out += bytes(ext.decode(frame, max_size=None).data)
    return out


def split(data: bytes, pieces: int) -> list[bytes]:
    cuts = [len(data) * k // pieces for k in range(pieces + 1)]
    return [data[a:b] for a, b in itertools.pairwise(cuts)]


MESSAGES = [HELLO, b"", TEXT, TEXT, bytes(5000), os.urandom(3000), TEXT[::-1] * 20, HELLO]
