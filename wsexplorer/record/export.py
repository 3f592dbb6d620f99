"""A session's messages as CSV or JSON, and its frames as a pandas DataFrame, for a spreadsheet, a
script, or a bug report.

One row per complete message in time order, both directions, taken from the one replay path (so
compressed messages are inflated and fragmented ones joined): when it completed (seconds since the
first byte), who sent it, text or binary, its size on the wire and after inflation, how many frames,
and its content (text as is; binary as base64). Control frames (ping, pong, close) are listed too,
with their payloads, because a conversation is not complete without them.
"""

from __future__ import annotations

import base64
import csv
import io
import json
from typing import Any

from ..codec.frame_header import DEFINED_OPCODES, Opcode
from .decoding import decoding_for
from .session import C2S, DIRECTION_NAMES, S2C, Session

__all__ = ["frames_dataframe", "message_records", "messages_csv", "messages_json"]

_FIELDS = ["time_s", "direction", "kind", "wire_bytes", "bytes", "frames", "compressed", "text", "base64"]


def message_records(session: Session) -> list[dict[str, Any]]:
    """Every message and control frame of ``session`` as a plain dict, in time order."""
    first = next(iter(session.chunks()), None)
    t0 = first[3] if first is not None else 0
    out: list[dict[str, Any]] = []
    for d, i in session.frame_order():
        record = session.frame(d, i)
        frame, base = (
            record.frame,
            {"time_s": round((record.t_ns - t0) / 1e9, 9), "direction": DIRECTION_NAMES[d]},
        )
        op = frame.opcode
        if op in (Opcode.PING, Opcode.PONG):
            kind = "ping" if op == Opcode.PING else "pong"
            out.append(base | {"kind": kind, "bytes": frame.payload_length, "base64": _b64(frame.payload)})
        elif op == Opcode.CLOSE:
            text = f"{frame.close_code} {frame.close_reason}".strip() if frame.close_code is not None else ""
            out.append(base | {"kind": "close", "bytes": frame.payload_length, "text": text})
        else:
            replay = session.replay(d)
            info = replay.message_of(i)
            if info is None or info.last != i:
                continue  # not the frame that completes a message
            message = replay.message(info.number)
            is_text = message.opcode == Opcode.TEXT
            out.append(
                base
                | {
                    "kind": "text" if is_text else "binary",
                    "wire_bytes": message.wire_size,
                    "bytes": len(message.payload),
                    "frames": message.fragments,
                    "compressed": message.compressed,
                    "text": message.data if is_text else "",
                    "base64": "" if is_text else _b64(message.payload),
                }
            )
    return out


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def messages_json(session: Session) -> str:
    """The records of :func:`message_records` as an indented JSON array."""
    return json.dumps(message_records(session), indent=2, ensure_ascii=False)


def messages_csv(session: Session) -> str:
    """The records of :func:`message_records` as CSV with a header line."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=_FIELDS, extrasaction="ignore")
    writer.writeheader()
    for record in message_records(session):
        writer.writerow(record)
    return buffer.getvalue()


def frames_dataframe(session: Session, decoder: str | None = None) -> Any:
    """One row per frame (both directions, in time order) as a pandas DataFrame.

    Columns: ``direction``, ``index`` (within its direction), ``t_ns`` (the recording's monotonic
    clock), ``time_s`` (seconds since the first recorded byte), ``wall_time`` (UTC clock time, when
    the recording tied its clock to the wall clock: ``meta["clock"]``), ``opcode`` and
    ``opcode_name`` (``TEXT``, ``PING``... or ``0x3`` for a reserved opcode), the header bits and
    lengths of :meth:`Session.frame_columns`, and, when the session's subprotocol has a decoder,
    ``subprotocol``: what it made of the message a frame completes.
    """
    try:
        import pandas as pd
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError("Session.to_dataframe() needs pandas: pip install 'wsexplorer[pandas]'") from exc
    import numpy as np

    parts = []
    for d in (C2S, S2C):
        frame = pd.DataFrame(session.frame_columns(d))
        frame.insert(0, "direction", DIRECTION_NAMES[d])
        frame.insert(1, "index", np.arange(len(frame)))
        parts.append(frame)
    df = pd.concat(parts, ignore_index=True)
    df = df.sort_values(["t_ns", "direction"], kind="stable").reset_index(drop=True)
    first = next(iter(session.chunks()), None)
    t0 = first[3] if first is not None else 0
    df.insert(3, "time_s", (df["t_ns"] - t0) / 1e9)
    clock = session.meta.get("clock") or {}
    if "wall" in clock and "monotonic_ns" in clock:
        wall_ns = (df["t_ns"] - int(clock["monotonic_ns"])) + int(float(clock["wall"]) * 1e9)
        df.insert(4, "wall_time", pd.to_datetime(wall_ns, unit="ns", utc=True))
    decoding = decoding_for(session, decoder)
    if decoding is not None and decoding.name is not None:  # the message's last frame carries it
        done: dict[tuple[str, int], str] = {}
        for d, number, label in decoding.labels():
            done[DIRECTION_NAMES[d], session.replay(d).messages[number].last] = label.text()
        df["subprotocol"] = [done.get((d, i), "") for d, i in zip(df["direction"], df["index"], strict=True)]
    names = {v: Opcode(v).name for v in DEFINED_OPCODES}
    df.insert(
        df.columns.get_loc("opcode") + 1, "opcode_name", [names.get(v, f"0x{v:X}") for v in df["opcode"]]
    )
    return df
