"""Ping round trips in a recording: each pong paired with the ping it answers (RFC 6455 §5.5.2, §5.5.3).

A pong answers the earliest waiting ping with the same payload sent the other way. Round trips are told
apart by who pinged (our pings, the peer's keepalives), and measured on the recording's clock: from the
ping's bytes recorded to the pong's.
"""

from __future__ import annotations

from collections import deque
from typing import Any

import numpy as np

from ..codec.frame_header import Opcode
from .frame_index import FrameIndex
from .session import C2S, S2C

__all__ = ["ping_round_trips"]


def ping_round_trips(index: FrameIndex) -> tuple[Any, Any, Any]:
    """(ping times, round-trip times, who pinged) for every answered ping: times in nanoseconds of
    the recording's clock, who pinged as a direction (0: the client, 1: the server).

    A pong answers the earliest waiting ping with the same payload sent the other way (RFC 6455
    §5.5.3). Only ping and pong frames are parsed, found through the opcode column. The round trip
    runs from the ping's bytes recorded to the pong's bytes recorded, as the recording saw them.
    """
    index.update()
    positions = np.flatnonzero((index.opcode == Opcode.PING) | (index.opcode == Opcode.PONG))
    waiting: dict[tuple[int, bytes], deque[int]] = {}
    sent: list[int] = []
    rtts: list[int] = []
    pinger: list[int] = []
    ping = int(Opcode.PING)
    frame = index.session.frame
    columns = (
        index.direction[positions],
        index.index[positions],
        index.t_ns[positions],
        index.opcode[positions],
    )
    for d, i, t, op in zip(*(c.tolist() for c in columns), strict=True):
        payload = frame(C2S if d == 0 else S2C, i).frame.payload
        if op == ping:
            waiting.setdefault((d, payload), deque()).append(t)
        else:
            queue = waiting.get((1 - d, payload))
            if queue:
                t_ping = queue.popleft()
                sent.append(t_ping)
                rtts.append(t - t_ping)
                pinger.append(1 - d)
    return np.asarray(sent, np.int64), np.asarray(rtts, np.int64), np.asarray(pinger, np.int8)
