"""Frames shaped like recorded ones: a message sent again with its fragmentation and compression.

The relay forwards, and a replay re-sends, messages that came with a shape: a number of frames (RFC 6455
§5.4) and, under permessage-deflate, compressed or not (RSV1 on the first frame, RFC 7692 §6). These
helpers build the wire bytes on a given connection: compressed with that connection's own negotiated
state when the original was compressed and the connection can, masked when that connection masks
(§5.3: a fresh key per frame), cut into as many frames as the original had (exactly the same payload
lengths when the payload is unchanged and sent uncompressed).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence

from ..codec.frame_header import Opcode
from ..codec.frames import serialize_frame
from ..protocol.connection import Connection

__all__ = ["frame_bytes", "message_frames"]


def frame_bytes(
    connection: Connection,
    opcode: int,
    payload: bytes,
    *,
    fin: bool = True,
    rsv1: bool = False,
    rng: Callable[[int], bytes] = os.urandom,
) -> bytes:
    """One frame as ``connection`` must send it: masked with a fresh key if it masks (§5.3)."""
    key = rng(4) if connection.mask_outgoing else None
    return serialize_frame(opcode, payload, fin=fin, rsv1=rsv1, mask_key=key)


def message_frames(
    connection: Connection,
    opcode: int,
    payload: bytes,
    *,
    sizes: Sequence[int] = (),
    compress: bool = False,
    rng: Callable[[int], bytes] = os.urandom,
) -> list[bytes]:
    """The frames of one data message, shaped like an original of ``len(sizes)`` frames.

    ``compress``: the original was compressed; it is compressed again with the connection's negotiated
    permessage-deflate, if any (which advances that connection's compression context, RFC 7692
    §7.2.1). ``sizes`` are the original frames' payload lengths: reused exactly when they add up to the
    payload sent, else the payload is cut into as many near-equal frames.
    """
    deflate = next((e for e in connection.negotiated if e.rsv1), None) if compress else None
    data = deflate.compress(payload) if deflate is not None else payload  # type: ignore[attr-defined]
    count = max(len(sizes), 1)
    if len(sizes) > 1 and sum(sizes) == len(data):
        cuts = [0]
        for size in sizes:
            cuts.append(cuts[-1] + size)
    else:
        cuts = [len(data) * k // count for k in range(count + 1)]
    frames = []
    for k in range(count):
        frames.append(
            frame_bytes(
                connection,
                opcode if k == 0 else Opcode.CONTINUATION,
                data[cuts[k] : cuts[k + 1]],
                fin=k == count - 1,
                rsv1=deflate is not None and k == 0,
                rng=rng,
            )
        )
    return frames
