"""Frame table rows from the session's columns: order, numbering, filters, windows, previews, cells, HTML."""

from __future__ import annotations

import random

import numpy as np

from wsexplorer.codec.extensions import PerMessageDeflate
from wsexplorer.codec.frame_header import Opcode
from wsexplorer.codec.frames import Frame
from wsexplorer.codec.server_decision import ServerPolicy
from wsexplorer.protocol.connection import Connection
from wsexplorer.protocol.events import BinaryMessage, TextMessage
from wsexplorer.record.frame_index import FrameIndex
from wsexplorer.record.loopback import Loopback
from wsexplorer.record.session import C2S, S2C, Session
from wsexplorer.render.frame_table import (
    FLAGS_LEGEND,
    GRID_COLUMNS,
    GRID_WIDTHS,
    HEADER_TEXT,
    OPCODE_GROUPS,
    frame_rows,
    grid_columns,
    grid_row,
    opcode_name,
    pretty_json,
    preview,
    row_text,
    rows_html,
    table_rows,
)

KEY = b"\x01\x02\x03\x04"


def known_session() -> Session:
    """Frames of every kind, both ways, with known times; one frame arrives in two chunks."""
    s = Session("client", handshake=False)
    s.record(C2S, bytes(Frame.text("hello", mask=KEY)), 1_000)
    s.record(S2C, bytes(Frame.text("hello")), 2_000)
    s.record(C2S, bytes(Frame.ping(b"p1", mask=KEY)), 3_000)
    s.record(S2C, bytes(Frame.pong(b"p1")), 4_000)
    big = bytes(Frame.binary(bytes(range(200)), mask=KEY))  # 16-bit length form
    s.record(C2S, big[:10], 5_000)
    s.record(C2S, big[10:], 6_000)
    s.record(S2C, bytes(Frame.text("frag", fin=False)), 7_000)
    s.record(S2C, bytes(Frame.continuation("ment")), 8_000)
    s.record(S2C, bytes(Frame.build(0x3, b"\xff")), 9_000)
    s.record(S2C, bytes(Frame.text("<b>&amp;</b>", fin=True)), 10_000)
    s.record(C2S, bytes(Frame.close(1000, "bye", mask=KEY)), 11_000)
    s.record(S2C, bytes(Frame.close(1000, "bye")), 12_000)
    return s


def test_rows_in_time_order_with_header_bits_and_previews() -> None:
    rows = frame_rows(known_session())
    assert [(r.direction, r.opcode_name) for r in rows] == [
        (C2S, "TEXT"),
        (S2C, "TEXT"),
        (C2S, "PING"),
        (S2C, "PONG"),
        (C2S, "BINARY"),
        (S2C, "TEXT"),
        (S2C, "CONTINUATION"),
        (S2C, "0x3"),
        (S2C, "TEXT"),
        (C2S, "CLOSE"),
        (S2C, "CLOSE"),
    ]
    assert [r.position for r in rows] == list(range(11))
    assert [r.number for r in rows] == list(range(1, 12))  # #1 is the first frame
    first, second = rows[0], rows[1]
    assert (first.index, first.t_ns, first.time_s) == (0, 1_000, 0.0)
    assert first.flags == "F···M" and second.flags == "F····"
    assert (first.payload_length, first.wire_length) == (5, 11)
    assert first.preview == second.preview == "'hello'"
    binary = rows[4]
    assert binary.t_ns == 6_000  # completed by the second chunk
    assert (binary.payload_length, binary.wire_length) == (200, 208)
    assert binary.preview.startswith("00 01 02")
    # a fragmented message: each fragment shows the whole message and which part it is
    assert rows[5].flags == "·····" and rows[5].preview == "[1/2] 'fragment'"
    assert rows[6].preview == "[2/2] 'fragment'"
    assert rows[7].preview == "ff"  # reserved opcode: its own bytes (the receiver fails here)
    assert rows[8].preview == "'<b>&amp;</b>'"  # never read by the receiver: the frame's own text
    assert rows[9].preview == "1000 'bye'"
    assert rows[2].preview == "'p1'"
    assert rows[9].time_s == (11_000 - 1_000) / 1e9


def test_filters_and_windows() -> None:
    s = known_session()
    server = frame_rows(s, directions=[S2C])
    assert len(server) == 7 and {r.direction for r in server} == {S2C}
    assert [r.position for r in server] == list(range(7))
    assert [r.number for r in server] == [2, 4, 6, 7, 8, 9, 11]  # numbers stay the session's
    control = frame_rows(s, opcodes=[0x8, 0x9, 0xA])
    assert [r.opcode_name for r in control] == ["PING", "PONG", "CLOSE", "CLOSE"]
    both = frame_rows(s, directions=[C2S], opcodes=OPCODE_GROUPS["close"])
    assert [(r.direction, r.index) for r in both] == [(C2S, 3)]
    window = frame_rows(s, start=3, stop=5)
    assert [r.position for r in window] == [3, 4]
    assert [r.opcode_name for r in window] == ["PONG", "BINARY"]
    assert frame_rows(s, start=-2)[0].position == 9
    assert frame_rows(s, opcodes=[]) == []


def test_order_matches_session_frame_order_with_ties() -> None:
    rng = random.Random(7)
    s = Session("client", handshake=False)
    t = 0
    for _ in range(300):
        t += rng.choice((0, 0, 5))  # many equal times across directions
        d = rng.choice((C2S, S2C))
        s.record(d, bytes(Frame.text("x" * rng.randrange(0, 300), mask=KEY if d == C2S else False)), t)
    rows = frame_rows(s)
    assert [r.key for r in rows] == s.frame_order()
    index = FrameIndex(s)
    assert np.array_equal(index.t_ns, np.sort(index.t_ns))


def test_index_follows_a_growing_session() -> None:
    s = known_session()
    index = FrameIndex(s)
    version = index.version
    assert not index.update() and index.version == version
    assert len(index) == 11
    assert index.group_counts() == {
        "text": 4,
        "binary": 1,
        "continuation": 1,
        "close": 2,
        "ping": 1,
        "pong": 1,
        "reserved": 1,
    }
    assert index.group_counts([C2S])["text"] == 1
    s.record(C2S, bytes(Frame.text("more", mask=KEY)), 20_000)
    assert index.update() and index.version == version + 1
    assert len(index) == 12
    rows = frame_rows(index, start=-1)
    assert rows[0].preview == "'more'" and rows[0].position == 11


def test_times_count_from_the_first_recorded_byte() -> None:
    s = Session("client")
    s.record(C2S, b"GET / HTTP/1.1\r\nHost: h\r\n\r\n", 500)
    s.record(C2S, bytes(Frame.text("a", mask=KEY)), 2_500)
    (row,) = frame_rows(s)
    assert row.time_s == 2_000 / 1e9


def test_previews() -> None:
    assert preview(Frame.text("")) == "(empty)"
    assert preview(Frame.close()) == "(no status code)"
    assert preview(Frame.build(Opcode.CLOSE, b"\x03")) == "(malformed) 03"
    assert preview(Frame.build(Opcode.TEXT, b"\x01\x02", rsv1=True)).startswith("compressed: 01 02")
    long = Frame.text("é" * 200)  # a 2-byte character cut at the preview's end still decodes
    assert preview(long).startswith("'éé") and preview(long).endswith("…")
    assert 100 <= len(preview(long)) <= 120
    assert preview(Frame.binary(b"\x00\x01")) == "00 01"
    assert preview(Frame.continuation(b"\xff\xfe")) == "ff fe"
    assert preview(Frame.ping(b"\x00\x01")) == "00 01"  # not printable: hex
    assert preview(Frame.ping(b"r[S\xfd")) == "72 5b 53 fd"  # not UTF-8: hex, no replacement character
    truncated = Frame.parse(bytes(Frame.binary(b"abcdef"))[:5], allow_truncated=True)
    assert "missing" in preview(truncated)
    assert opcode_name(0x1) == "TEXT" and opcode_name(0xB) == "0xB"


def test_rows_html_is_escaped_and_classed() -> None:
    rows = frame_rows(known_session())
    page = rows_html(rows, caption="a <caption>")
    assert page.count('class="wsx-frame-row') == len(rows)
    assert '<table class="wsx-frame-table">' in page
    assert "<b>&amp;</b>" not in page and "&lt;b&gt;&amp;amp;&lt;/b&gt;" in page
    assert "a &lt;caption&gt;" in page
    assert "wsx-dir-s2c" in page and "wsx-dir-c2s" in page
    assert ">PING<" in page and ">CLOSE<" in page
    assert escape_free(FLAGS_LEGEND) in page  # the flags column is explained under the table
    empty = rows_html([], style=False)
    assert empty.startswith('<table class="wsx-frame-table"><thead><tr><th>#</th><th>time (s)</th>')
    assert "<tbody></tbody></table>" in empty


def escape_free(text: str) -> str:
    return text.replace("&", "&amp;")


def test_grid_cells_match_the_columns() -> None:
    rows = frame_rows(known_session())
    cells = grid_row(rows[1])
    assert len(cells["c"]) == len(GRID_COLUMNS)
    assert cells["c"][:4] == ["#2", "0.000001", "S→C", "TEXT"]
    assert "wsx-s2c" in cells["k"] and "wsx-op-text" in cells["k"]
    assert cells["t"].startswith("frame #2, server → client")
    assert "wsx-op-reserved" in grid_row(rows[7])["k"]


def test_clock_time_needs_the_session_clock() -> None:
    s = known_session()
    (row,) = frame_rows(s, stop=1)
    assert row.wall is None and row.clock(absolute=True) == row.clock() == "0.000000"
    s.meta["clock"] = {"wall": 1_800_000_000.25, "monotonic_ns": 1_000}
    (row,) = frame_rows(s, stop=1)
    assert row.wall == 1_800_000_000.25
    assert row.clock(absolute=True).endswith(":00.250000")


def test_pretty_json() -> None:
    assert pretty_json('{"a":[1,2]}') == '{\n  "a": [\n    1,\n    2\n  ]\n}'
    assert pretty_json("plain words") is None
    assert pretty_json("{not json") is None
    assert pretty_json("[" + "1," * 20_000 + "1]") is None  # too long to indent


def test_row_text_lines_up_with_the_header() -> None:
    row = frame_rows(known_session())[0]
    line = row_text(row)
    assert line.index("TEXT") == HEADER_TEXT.index("opcode")
    assert line.index("'hello'") == HEADER_TEXT.index("message or payload")


def test_big_session_builds_only_the_window() -> None:
    s = Session("client", handshake=False)
    frame = bytes(Frame.text("abc"))
    for chunk in range(100):
        s.record(S2C, frame * 1000, chunk * 1_000_000)
    index = FrameIndex(s)
    assert len(index) == 100_000
    positions = index.select([S2C], [0x1])
    rows = table_rows(index, positions, 50_000, 50_050)
    assert len(rows) == 50 and rows[0].position == 50_000 and rows[0].index == 50_000


def deflate_session(messages: int, *, fragment_every: int = 0) -> Session:
    """A client's recording of an echo over permessage-deflate (sans-I/O, both ends in memory)."""
    wire = Loopback(
        Connection("client", url="ws://h/", extensions=["permessage-deflate"]),
        Connection("server", policy=ServerPolicy(extensions=[PerMessageDeflate()])),
        session=Session("client", meta={"url": "ws://h/"}),
    )
    wire.pump()
    for i in range(messages):
        fragment = 8 if fragment_every and i % fragment_every == 0 else None
        wire.client.send_text(f"message {i} " + "abc" * (i % 7), fragment_size=fragment)
        if i % 5 == 4:
            wire.client.send_binary(bytes([i % 256]) * 10)
        _, server_events = wire.pump()
        for event in server_events:
            if isinstance(event, TextMessage):
                wire.server.send_text(event.data)
            elif isinstance(event, BinaryMessage):
                wire.server.send_binary(event.data)
        wire.pump()
    return wire.session


def test_compressed_frames_show_their_inflated_message() -> None:
    s = deflate_session(10, fragment_every=3)
    rows = frame_rows(s)
    assert all(r.rsv1 for r in rows if r.opcode_name in ("TEXT", "BINARY"))
    assert [(r.direction, r.opcode_name, r.preview) for r in rows[:3]] == [
        (C2S, "TEXT", "[1/2] compressed → 'message 0 '"),  # fragment_size=8: two frames
        (C2S, "CONTINUATION", "[2/2] compressed → 'message 0 '"),
        (S2C, "TEXT", "compressed → 'message 0 '"),
    ]
    first_fragments = [r for r in rows if r.opcode_name == "TEXT" and not r.fin]
    assert first_fragments and all(r.preview.startswith("[1/") for r in first_fragments)
    assert any(r.opcode_name == "CONTINUATION" and r.preview.startswith("[2/") for r in rows)
    binary = [r for r in rows if r.opcode_name == "BINARY"]
    assert binary and binary[0].preview == "compressed → " + ("04 " * 10).strip()
    # without the handshake's agreement nothing is inflated, and nothing uncompressed says so
    plain = frame_rows(known_session())
    assert not any("compressed" in r.preview for r in plain)


def test_inflating_a_big_session_can_be_spread_over_steps() -> None:
    s = deflate_session(1_500)
    index = FrameIndex(s)
    positions = index.select()
    last = table_rows(index, positions, len(positions) - 4, decode_limit=500)
    assert all(r.preview.startswith("compressed: ") for r in last)  # too far: not inflated yet
    assert index.decode_pending
    steps = 0
    while index.decode_step(500):
        steps += 1
    assert steps >= 2 and not index.decode_pending
    last = table_rows(index, positions, len(positions) - 4, decode_limit=500)
    text, binary = "compressed → 'message 1499 abc'", "compressed → " + "db " * 9 + "db"
    assert [r.preview for r in last] == [text, binary, text, binary]
    first = table_rows(index, positions, 0, 1, decode_limit=0)[0]
    assert first.preview == "compressed → 'message 0 '"  # kept from before


def json_session() -> Session:
    """Two JSON messages, the second in two fragments, with no subprotocol negotiated."""
    wire = Loopback(Connection("client", url="ws://h/"), Connection("server"))
    wire.pump()
    wire.client.send_text('{"say": "hi"}')
    wire.pump()
    wire.server.send_text('{"answer": [1, 2]}', fragment_size=8)
    wire.pump()
    return wire.session


def test_a_chosen_decoder_fills_a_decoded_column() -> None:
    s = json_session()
    negotiated = frame_rows(s)  # nothing negotiated: no decoding
    assert [r.decoded for r in negotiated] == [""] * len(negotiated)
    rows = frame_rows(s, decoder="json")
    assert [r.preview for r in rows] == [r.preview for r in negotiated]  # the preview stays the message's
    assert [r.opcode_name for r in rows] == ["TEXT", "TEXT", "CONTINUATION", "CONTINUATION"]
    assert [bool(r.decoded) for r in rows] == [True, False, False, True]  # on the frame ending a message
    assert "⟨" not in "".join(r.preview for r in rows)
    columns, widths = grid_columns("json")
    assert columns[-2] == "decoded (json)" and len(widths) == len(columns) == len(GRID_COLUMNS) + 1
    assert grid_columns() == (GRID_COLUMNS, GRID_WIDTHS)
    cells = grid_row(rows[0], decoded=True)["c"]
    assert len(cells) == len(columns) and cells[-2] == rows[0].decoded and cells[-1] == rows[0].preview
    assert len(grid_row(rows[0])["c"]) == len(GRID_COLUMNS)


def test_the_html_table_has_the_decoded_column_only_with_a_decoding() -> None:
    s = json_session()
    page = rows_html(frame_rows(s, decoder="json"), style=False)
    assert page.count("<th>") == len(GRID_COLUMNS) + 1 and "<th>decoded</th>" in page
    assert page.count('class="wsx-decoded"') == 4  # a cell on every row, filled where a message ends
    plain = rows_html(frame_rows(s), style=False)
    assert "decoded" not in plain and plain.count("<th>") == len(GRID_COLUMNS)
    forced = rows_html(frame_rows(s), style=False, decoded=True)
    assert "<th>decoded</th>" in forced
