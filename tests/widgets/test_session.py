"""SessionBrowser headless: saved files (small at once, big in slices with progress), scrolling, search,
export, and every frame opened in its connection's context."""

from __future__ import annotations

import asyncio
import zipfile
from pathlib import Path

import pytest

from wsexplorer.codec.extensions import PerMessageDeflate
from wsexplorer.codec.frames import Frame
from wsexplorer.codec.server_decision import ServerPolicy
from wsexplorer.errors import SessionFormatError
from wsexplorer.live import connect, serve_echo
from wsexplorer.protocol.connection import Connection
from wsexplorer.protocol.events import TextMessage
from wsexplorer.record.loopback import Loopback
from wsexplorer.record.session import C2S, S2C, Session
from wsexplorer.render.frame_table import frame_rows
from wsexplorer.widgets.session import SessionBrowser

KEY = b"\x01\x02\x03\x04"


def big_session(frames_per_chunk: int = 1, chunks: int = 30_000) -> Session:
    """Echoed text frames, ``frames_per_chunk`` per recorded chunk, 1 ms between chunks."""
    s = Session("client", handshake=False, meta={"url": "ws://example.test/"})
    c2s = bytes(Frame.text("ping?", mask=KEY)) * frames_per_chunk
    s2c = bytes(Frame.text("ping?")) * frames_per_chunk
    for i in range(chunks // 2):
        s.record(C2S, c2s, i * 2_000_000)
        s.record(S2C, s2c, i * 2_000_000 + 1_000_000)
    return s


async def test_loads_a_saved_live_session(tmp_path: Path) -> None:
    async with serve_echo() as server, connect(server.url) as ws:
        await ws.send("hello")
        assert await ws.recv() == "hello"
        await ws.ping(b"p")
    path = tmp_path / "echo.wsx"
    ws.session.save(path)
    browser = SessionBrowser(path)
    assert browser.load_task is None  # small: loaded at once
    rows = browser.table_rows()
    assert [(r.direction, r.opcode_name) for r in rows] == [
        (C2S, "TEXT"),
        (S2C, "TEXT"),
        (C2S, "PING"),
        (S2C, "PONG"),
        (C2S, "CLOSE"),
        (S2C, "CLOSE"),
    ]
    assert [r.preview for r in rows] == [r.preview for r in frame_rows(ws.session)]
    assert browser.session.stream(C2S) == ws.session.stream(C2S)
    assert "HTTP 101" in browser.info.value and "permessage-deflate" in browser.info.value
    assert browser.progress.value == browser.progress.max
    browser.select(1)
    assert browser.inspector.frame == ws.session.frame(S2C, 0).frame
    assert browser.inspector.deflate.value  # RSV1 is allowed: deflate was negotiated
    assert "wsx-session" in browser.widget._dom_classes
    assert "wsx-session-progress" in browser.progress._dom_classes


def test_an_in_memory_session_and_no_loop() -> None:
    s = big_session(chunks=10)
    browser = SessionBrowser(s)
    assert browser.session is s and len(browser.table_rows()) == 10
    assert browser.progress.layout.display == "none"
    assert "(in memory)" in browser.info.value


def test_a_big_file_without_a_loop_loads_at_once(tmp_path: Path) -> None:
    path = tmp_path / "big.wsx"
    big_session().save(path)
    browser = SessionBrowser(path, slice_chunks=1_000)
    assert browser.load_task is None and browser.session.frame_count() == 30_000


async def test_a_big_file_loads_in_slices_with_progress(tmp_path: Path) -> None:
    path = tmp_path / "big.wsx"
    original = big_session()
    original.save(path)
    browser = SessionBrowser(path, slice_chunks=5_000)
    assert browser.load_task is not None
    assert browser.progress.max == 30_000 and browser.progress.value == 0
    seen: list[int] = []
    browser.progress.observe(lambda change: seen.append(change["new"]), names="value")
    await browser.loaded()
    assert seen == [5_000, 10_000, 15_000, 20_000, 25_000, 30_000]
    assert "30,000 chunks loaded" in browser.progress_label.value
    assert browser.session.frame_count() == original.frame_count()
    assert browser.session.stream(S2C) == original.stream(S2C)
    rows = browser.table_rows()
    assert len(rows) == browser.browser.grid.window and rows[0].position == 0


async def test_the_table_fills_while_loading(tmp_path: Path) -> None:
    path = tmp_path / "big.wsx"
    big_session().save(path)
    browser = SessionBrowser(path, slice_chunks=2_000)
    browser.browser.min_interval = 0.0
    counts: list[int] = []
    while not browser.load_task.done():  # type: ignore[union-attr]
        await asyncio.sleep(0)
        counts.append(browser.browser.grid.total)
    await browser.loaded()
    assert any(0 < c < 30_000 for c in counts)  # partial tables were shown
    assert browser.browser.grid.total == 30_000


def test_scrolling_filtering_and_searching_100k_frames(tmp_path: Path) -> None:
    path = tmp_path / "100k.wsx"
    big_session(frames_per_chunk=1_000, chunks=100).save(path)
    browser = SessionBrowser(path, visible_rows=20)
    table = browser.browser
    grid = table.grid
    assert grid.total == 100_000 and len(grid.rows) == 60
    assert "100,000 of 100,000 frames shown" in table.count_label.value
    table.last_button.click()
    assert browser.table_rows()[-1].position == 99_999 and grid.selected == 99_999
    assert table.selected == (S2C, 49_999)
    table.direction_filter.value = "s2c"
    assert grid.total == 50_000 and grid.selected == 49_999  # the selection kept its frame
    assert all(r.direction == S2C for r in browser.table_rows())
    table.opcode_filters["text"].value = False
    assert grid.total == 0 and browser.table_rows() == [] and grid.rows == []
    with pytest.raises(IndexError):
        browser.select(0)
    table.opcode_filters["text"].value = True
    table.search.value = "nothing like this"
    assert grid.total == 0
    table.search.value = "ping?"
    assert grid.total == 50_000


def test_a_json_message_is_indented_in_the_inspector() -> None:
    s = Session("client", handshake=False)
    s.record(S2C, bytes(Frame.text('{"user": "ada", "tags": ["a", "b"]}')), 1)
    browser = SessionBrowser(s)
    browser.select(0)
    view = browser.inspector.messages_view.value
    assert "JSON, indented" in view and "&quot;user&quot;: &quot;ada&quot;,\n  &quot;tags&quot;" in view


def test_export_writes_the_session_and_the_messages(tmp_path: Path) -> None:
    s = big_session(chunks=6)
    browser = SessionBrowser(s)
    export = browser.export
    export.folder.value = str(tmp_path / "out")
    export.save_button.click()
    export.csv_button.click()
    export.json_button.click()
    saved, csv_file, json_file = export.written
    assert Session.load(saved).stream(S2C) == s.stream(S2C)
    assert csv_file.read_text().splitlines()[0].startswith("time_s,direction,kind")
    assert len(csv_file.read_text().splitlines()) == 7
    assert '"text": "ping?"' in json_file.read_text()
    assert "download" in export.result.value and json_file.name in export.result.value
    assert export.copy_hex.text == "" and export.frame_text.value == ""  # nothing selected yet
    browser.select(1)
    frame = bytes(s.frame(S2C, 0).frame)
    assert export.copy_hex.text == frame.hex(" ")
    assert export.copy_base64.text == __import__("base64").b64encode(frame).decode()
    assert frame.hex(" ") in export.frame_text.value
    export.copy_hex.attempts += 1  # the page's click: copied
    export.copy_hex.copied += 1
    assert "copied as hex" in export.copy_note.value
    export.copy_base64.error = "NotAllowedError: denied"
    export.copy_base64.attempts += 1
    assert "refused the clipboard" in export.copy_note.value
    export.folder.value = str(tmp_path / "a-file")
    (tmp_path / "a-file").write_text("")
    export.csv_button.click()
    assert "could not write" in export.result.value


def test_timeline_tab(tmp_path: Path) -> None:
    browser = SessionBrowser(big_session(chunks=2_000))
    browser.browser.tabs.selected_index = 1
    timeline = browser.browser.timeline
    assert timeline.png.startswith(b"\x89PNG")
    assert "2,000 frames" in timeline.label.value
    assert 'alt="' in timeline.image.value and "2,000 frames" in timeline.image.value


def test_not_a_session_file(tmp_path: Path) -> None:
    path = tmp_path / "other.zip"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("session.json", '{"format": "something else"}')
    with pytest.raises(SessionFormatError, match="not a wsexplorer session file"):
        SessionBrowser(path)


def deflate_session(messages: int) -> Session:
    """A client's recording of an echo over permessage-deflate (sans-I/O, both ends in memory)."""
    wire = Loopback(
        Connection("client", url="ws://h/", extensions=["permessage-deflate"]),
        Connection("server", policy=ServerPolicy(extensions=[PerMessageDeflate()])),
        session=Session("client", meta={"url": "ws://h/"}),
    )
    wire.pump()
    for i in range(messages):
        wire.client.send_text(f"message {i}")
        _, server_events = wire.pump()
        for event in server_events:
            if isinstance(event, TextMessage):
                wire.server.send_text(event.data)
        wire.pump()
    return wire.session


async def test_inflating_a_big_session_never_blocks_the_page() -> None:
    browser = SessionBrowser(deflate_session(3_000))
    table = browser.browser
    assert browser.table_rows()[0].preview == "compressed → 'message 0'"  # the first rows: at once
    table.decode_frames = 500
    table.grid.start = table.grid.total - table.grid.window  # scrolled to the end
    assert browser.table_rows()[-1].preview.startswith("compressed: ")  # shown now, inflated later

    async def inflated() -> None:
        while not browser.table_rows()[-1].preview.startswith("compressed →"):
            await asyncio.sleep(0)

    await asyncio.wait_for(inflated(), 10)
    assert browser.table_rows()[-1].preview == "compressed → 'message 2999'"


async def test_a_frame_deep_in_a_compressed_session_opens_when_the_replay_gets_there() -> None:
    browser = SessionBrowser(deflate_session(3_000))
    table = browser.browser
    table.decode_frames = 500
    row = browser.select(table.grid.total - 1)  # the receiver has 3,000 frames to take first
    assert "reading the frames before it" in table.selection_label.value
    assert table.inspector.layout.display == "none"  # nothing stale meanwhile

    async def opened() -> None:
        while table.inspector.layout.display == "none":
            await asyncio.sleep(0)

    await asyncio.wait_for(opened(), 10)
    assert table.inspector.number == row.number and table.inspector.violations == []
    assert "message 2999" in table.inspector.messages_view.value
    assert f"Frame #{row.number}" in table.selection_label.value


@pytest.mark.parametrize("takeover", [True, False])
def test_every_row_of_a_valid_deflate_session_opens_without_violations(takeover: bool) -> None:
    """The table and the inspector judge recorded frames through the one replay path (context)."""
    from tests.record.test_replay import echo_session

    session, _ = echo_session(takeover=takeover)
    browser = SessionBrowser(session, visible_rows=100)
    rows = browser.table_rows()
    assert len(rows) == session.frame_count()
    assert any(r.rsv1 for r in rows) and any(r.opcode_name == "CONTINUATION" for r in rows)
    for k, row in enumerate(rows):
        browser.select(k)
        inspector = browser.inspector
        assert inspector.violations == [], (k, row, inspector.violations)
        assert "No rule broken" in inspector.violations_view.value
        assert "recorded connection" in inspector.violations_view.value
        if row.opcode_name in ("TEXT", "BINARY", "CONTINUATION"):
            assert "message #" in inspector.messages_view.value
        assert f"frame #{row.number:,}" in inspector.status.value
    assert all("invalid" not in r.preview for r in rows)
