"""SessionBrowser headless: saved files (small at once, big in slices with progress), paging, inspector."""

from __future__ import annotations

import asyncio
import zipfile
from pathlib import Path

import pytest

from wsexplorer.codec.extensions import PerMessageDeflate
from wsexplorer.codec.frames import Frame
from wsexplorer.codec.server_decision import ServerPolicy
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
    assert rows == frame_rows(ws.session)
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
    assert len(browser.table_rows()) == 50 and browser.table_rows()[0].position == 0


async def test_the_table_fills_while_loading(tmp_path: Path) -> None:
    path = tmp_path / "big.wsx"
    big_session().save(path)
    browser = SessionBrowser(path, slice_chunks=2_000)
    browser.browser.min_interval = 0.0
    counts: list[int] = []
    while not browser.load_task.done():  # type: ignore[union-attr]
        await asyncio.sleep(0)
        counts.append(browser.browser.row_count)
    await browser.loaded()
    assert any(0 < c < 30_000 for c in counts)  # partial tables were shown
    assert browser.browser.row_count == 30_000


def test_paging_100k_frames_renders_at_most_a_page(tmp_path: Path) -> None:
    path = tmp_path / "100k.wsx"
    big_session(frames_per_chunk=1_000, chunks=100).save(path)
    browser = SessionBrowser(path, page_size=25)
    table = browser.browser
    assert table.row_count == 100_000
    assert len(browser.table_rows()) == 25 and table.page_label.value == "rows 1–25 of 100,000"
    assert table.prev_button.disabled and not table.next_button.disabled
    table.last_button.click()
    assert browser.table_rows()[-1].position == 99_999 and table.next_button.disabled
    table.prev_button.click()
    assert browser.table_rows()[0].position == 99_950
    table.direction_filter.value = "s2c"
    assert table.row_count == 50_000 and table.page_start == 0
    assert all(r.direction == S2C for r in browser.table_rows())
    table.opcode_filters["text"].value = False
    assert table.row_count == 0 and browser.table_rows() == []
    assert sum(b.layout.display != "none" for b in table.row_buttons) == 0
    with pytest.raises(IndexError):
        browser.select(0)


def test_timeline_tab(tmp_path: Path) -> None:
    browser = SessionBrowser(big_session(chunks=2_000))
    browser.browser.tabs.selected_index = 1
    assert bytes(browser.browser.timeline_image.value).startswith(b"\x89PNG")
    assert "2,000 frames" in browser.browser.timeline_label.value


def test_not_a_session_file(tmp_path: Path) -> None:
    path = tmp_path / "other.zip"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("session.json", '{"format": "something else"}')
    with pytest.raises(ValueError, match="not a wsexplorer session file"):
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
    assert browser.table_rows()[0].preview == "inflated 'message 0'"  # the first page: at once
    table.decode_frames = 500
    table.last_page()
    assert browser.table_rows()[-1].preview.startswith("deflated: ")  # shown now, inflated later
    assert "inflating compressed messages" in table.page_label.value

    async def inflated() -> None:
        while not browser.table_rows()[-1].preview.startswith("inflated"):
            await asyncio.sleep(0)

    await asyncio.wait_for(inflated(), 10)
    assert browser.table_rows()[-1].preview == "inflated 'message 2999'"
    assert "inflating" not in table.page_label.value


@pytest.mark.parametrize("takeover", [True, False])
def test_every_row_of_a_valid_deflate_session_opens_without_violations(takeover: bool) -> None:
    """The table and the inspector judge recorded frames through the one replay path (context)."""
    from tests.record.test_replay import echo_session

    session, _ = echo_session(takeover=takeover)
    browser = SessionBrowser(session, page_size=100)
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
    assert all("invalid" not in r.preview for r in rows)
