"""Widget latency: from an input event to the widget state being updated, on 1,000 and 100,000 frames.

Targets (issue 8): on a 100,000-frame session a search or filter updates the table in at most 100 ms,
paging or scrolling in at most 50 ms, and 1,000 frames arriving live keep the kernel responsive (at most
4 redraws per second, each at most 50 ms); measured in the kernel from the input event to the widget
state being updated.

Usage (from the repository root)::

    .venv/bin/python benchmarks/widgets.py            # full run, rewrites the widgets section of RESULTS.md
    .venv/bin/python benchmarks/widgets.py --quick    # 5 runs, 1,000 and 20,000 frames, writes nothing

Sessions are built sans-I/O (``Session.record`` of generated frames with timestamps, one chunk per
frame as the live layer records them): an echo conversation of text and binary messages of mixed sizes,
a ping every 100 frames with its pong 0.3 ms later, and a closing handshake. Each input is fired the way
the front end's message would be handled in the kernel (a button's ``click()``, a control's ``value``
set, which runs the same observers), and timed until it returns: every observer has then run and
every trait the widgets changed has been serialized for the front end. Widgets get a comm that
JSON-encodes each message as the kernel would before sending it, so serialization is in the timing.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import comm
from _common import RESULTS, ROOT, git_tree, write_section

from wsexplorer.codec.frames import Frame
from wsexplorer.record.session import C2S, S2C, Session

START_MARK = "<!-- widgets:start -->"
END_MARK = "<!-- widgets:end -->"


# -- a comm that costs what a kernel's does before the socket ----------------------------------------


class JsonComm(comm.DummyComm):  # type: ignore[misc]
    """Encodes every message to JSON (buffers counted), as the kernel's session does before sending."""

    sent_bytes = 0

    def publish_msg(
        self, msg_type: str, data: Any = None, metadata: Any = None, buffers: Any = None, **keys: Any
    ) -> None:
        JsonComm.sent_bytes += len(json.dumps({"data": data, "metadata": metadata or {}}, default=str))
        for b in buffers or ():
            JsonComm.sent_bytes += memoryview(b).nbytes


comm.create_comm = lambda *args, **kwargs: JsonComm(*args, **kwargs)


# -- sessions -----------------------------------------------------------------------------------------------


def build_session(frames: int, seed: int = 6455) -> Session:
    """An echo conversation of about ``frames`` frames, one recorded chunk per frame, 1 ms apart."""
    rng = random.Random(seed)
    s = Session("client", handshake=False, meta={"url": "ws://bench.invalid/"})
    t = 0
    n = 0
    ping = 0
    while n < frames - 2:
        t += 1_000_000 + rng.randrange(200_000)
        if n % 100 == 98:
            ping += 1
            payload = ping.to_bytes(4, "big")
            s.record(C2S, bytes(Frame.ping(payload, mask=rng.randbytes(4))), t)
            s.record(S2C, bytes(Frame.pong(payload)), t + 300_000)
        elif rng.random() < 0.1:
            data = rng.randbytes(rng.choice((16, 200, 4000)))
            s.record(C2S, bytes(Frame.binary(data, mask=rng.randbytes(4))), t)
            s.record(S2C, bytes(Frame.binary(data)), t + 250_000)
        else:
            text = f"message {n} " + "x" * rng.choice((0, 10, 100, 1000))
            s.record(C2S, bytes(Frame.text(text, mask=rng.randbytes(4))), t)
            s.record(S2C, bytes(Frame.text(text)), t + 250_000)
        n += 2
    s.record(C2S, bytes(Frame.close(1000, "bye", mask=rng.randbytes(4))), t + 1_000_000)
    s.record(S2C, bytes(Frame.close(1000, "bye")), t + 1_200_000)
    return s


def build_deflate_session(frames: int) -> Session:
    """An echo over permessage-deflate (both ends sans-I/O in memory), recorded by the client."""
    import itertools

    from wsexplorer.codec.extensions import PerMessageDeflate
    from wsexplorer.codec.server_decision import ServerPolicy
    from wsexplorer.protocol.connection import Connection
    from wsexplorer.protocol.events import TextMessage
    from wsexplorer.record.loopback import Loopback

    wire = Loopback(
        Connection("client", url="ws://bench.invalid/", extensions=["permessage-deflate"]),
        Connection("server", policy=ServerPolicy(extensions=[PerMessageDeflate()])),
        session=Session("client", meta={"url": "ws://bench.invalid/"}),
        clock=itertools.count(1_000_000, 1_000_000).__next__,
    )
    wire.pump()
    for i in range(frames // 2):
        wire.client.send_text(f"message {i} " + "abc" * (i % 20))
        _, server_events = wire.pump()
        for event in server_events:
            if isinstance(event, TextMessage):
                wire.server.send_text(event.data)
        wire.pump()
    return wire.session


# -- timing -------------------------------------------------------------------------------------------------


@dataclass
class Result:
    frames: int
    widget: str
    action: str
    times: list[float]
    target: float | None
    unit: str = "s"  # "s": times in seconds (shown in ms); "/s": a rate

    @property
    def median(self) -> float:
        return statistics.median(self.times)

    def show(self, value: float) -> str:
        return f"{value:,.1f} /s" if self.unit == "/s" else f"{value * 1e3:,.1f} ms"

    @property
    def verdict(self) -> str:
        if self.target is None:
            return "info"
        return "PASS" if self.median <= self.target else "MISS"


def timed(runs: int, prepare: Callable[[int], None], act: Callable[[int], None]) -> list[float]:
    """One warm-up, then ``runs`` timed calls of ``act(k)``, each after an untimed ``prepare(k)``."""
    out = []
    for k in range(runs + 1):
        prepare(k)
        gc.collect()
        started = time.perf_counter()
        act(k)
        elapsed = time.perf_counter() - started
        if k:
            out.append(elapsed)
    return out


def nothing(_k: int) -> None:
    pass


async def bench_browser(name: str, browser: Any, frames: int, runs: int) -> list[Result]:
    """Every input of the frame table on one FrameBrowser (a SessionBrowser's or a LiveConnection's),
    in a running event loop as in a kernel (a search takes a first slice, then goes on between turns)."""
    import asyncio

    filter_target, scroll_target = (0.1, 0.05)
    results = []
    rng = random.Random(1)

    def add(
        action: str,
        act: Callable[[int], None],
        target: float | None,
        prepare: Callable[[int], None] = nothing,
    ) -> None:
        results.append(Result(frames, name, action, timed(runs, prepare, act), target))

    def toggle_text(k: int) -> None:
        browser.opcode_filters["text"].value = k % 2 == 0

    add("opcode filter (text on/off)", toggle_text, filter_target)
    browser.set_filters(opcodes=set(browser.opcode_filters))
    cycle = ("c2s", "s2c", "both")

    def direction(k: int) -> None:
        browser.direction_filter.value = cycle[k % 3]

    add("direction filter", direction, filter_target)
    browser.direction_filter.value = "both"

    def length(k: int) -> None:
        browser.min_length.value = ("", "100", "1000")[k % 3]

    add("length filter (payload ≥ n bytes)", length, filter_target)
    browser.min_length.value = ""

    async def whole_search(pattern: str, regex: bool) -> float:
        """From typing ``pattern`` to the table showing every match (the background slices included)."""
        browser.regex.value = regex
        started = time.perf_counter()
        browser.search.value = pattern
        while not browser._index.search_complete or browser._ticker.running:
            await asyncio.sleep(0)
        browser.refresh()
        return time.perf_counter() - started

    first = await whole_search("message 12", False)  # replays every message once (deflate: inflates)
    results.append(
        Result(frames, name, "first search: every message replayed and searched (info)", [first], None)
    )
    browser.search.value = ""
    whole = [await whole_search(f"message {k}7", False) for k in range(3)]
    results.append(Result(frames, name, "search (plain): until every match is shown (info)", whole, None))
    whole = [await whole_search(rf"message \d*{k}7 ", True) for k in range(3)]
    results.append(Result(frames, name, "search (regex): until every match is shown (info)", whole, None))
    browser.search.value = ""
    browser.regex.value = False
    words = ("message 1", "nothing matches this", "xxxxxxxxxx", "bye")

    def search(k: int) -> None:
        browser.search.value = words[k % len(words)] + " " * (k // len(words))

    add("search (plain text): the table's first update", search, filter_target)
    browser.regex.value = True

    patterns = (r"message \d+5 ", r"^message 9\d*", r"x{50,}")

    def regex(k: int) -> None:  # a new pattern each time (the same value would not fire the observer)
        browser.search.value = patterns[k % 3] + "|qqq" * (k // 3)

    add("search (regular expression): the table's first update", regex, filter_target)
    browser.regex.value = False
    browser.search.value = ""
    grid = browser.grid
    total = grid.total

    def scroll(k: int) -> None:
        grid.start = rng.randrange(max(total - grid.window, 1))

    add("scroll to a random place (the rows in view sent)", scroll, scroll_target)

    def page_down(k: int) -> None:
        grid.start = min(grid.start + grid.visible_rows, max(total - grid.window, 0))

    add("page down", page_down, scroll_target)

    def select(k: int) -> None:
        position = grid.start + k % grid.visible_rows
        grid.selected = position
        assert browser.selected == browser._row_at(position)

    add("select a row (inspector filled)", select, None)

    def clock(k: int) -> None:
        browser.clock.value = ("absolute", "relative")[k % 2]

    add("time column: clock time / since first byte", clock, scroll_target)
    browser.tabs.selected_index = 1
    add("timeline redraw", lambda _k: browser.timeline.button.click(), None)
    browser.tabs.selected_index = 0
    return results


async def bench_size(frames: int, runs: int) -> tuple[list[Result], float]:
    """Every input on SessionBrowser and LiveConnection tables over a session of ``frames`` frames."""
    from wsexplorer.widgets.live import LiveConnection
    from wsexplorer.widgets.session import SessionBrowser

    results: list[Result] = []
    started = time.perf_counter()
    session = build_session(frames)
    build_seconds = time.perf_counter() - started
    assert session.frame_count() == frames, session.frame_count()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.wsx"
        session.save(path)
        load_times = []
        for k in range(max(runs // 2, 3) + 1):
            gc.collect()
            started = time.perf_counter()
            browser = SessionBrowser(path)
            await browser.loaded()  # a big file loads in slices between loop turns
            if k:
                load_times.append(time.perf_counter() - started)
        results.append(Result(frames, "SessionBrowser", "open a saved file (info)", load_times, None))
    assert browser.browser.grid.total == frames
    results += await bench_browser("SessionBrowser", browser.browser, frames, runs)
    live = LiveConnection("ws://127.0.0.1:9/")  # no connection: the table is what is measured
    live.browser.set_session(build_session(frames))
    results += await bench_browser("LiveConnection", live.browser, frames, runs)
    live.browser.cancel()
    browser.browser.cancel()
    return results, build_seconds


def bench_live_arrivals(existing: int, arriving: int = 1_000, seconds: float = 2.0) -> list[Result]:
    """``arriving`` frames recorded over ``seconds`` on a running loop (as the live layer does), each
    scheduling a refresh as LiveConnection's event handler does: redraws per second, each redraw's
    time, and how late a 10 ms ticker on the same loop ran (the kernel's responsiveness)."""
    import asyncio

    from wsexplorer.widgets.live import LiveConnection

    async def main() -> tuple[list[float], float, list[float]]:
        live = LiveConnection("ws://127.0.0.1:9/")
        session = build_session(existing) if existing else Session("client", handshake=False)
        live.browser.set_session(session)
        browser = live.browser
        durations: list[float] = []
        refresh = browser.refresh

        def timed_refresh() -> None:
            t = time.perf_counter()
            refresh()
            durations.append(time.perf_counter() - t)

        browser._refresher.callback = timed_refresh  # what schedule_refresh() ends up calling
        chunks = list(build_session(arriving + 2, seed=2).chunks())[:arriving]
        t0 = int(browser._index.t_ns[-1]) if len(browser._index) else 0
        lags: list[float] = []
        stop = False

        async def ticker() -> None:
            loop = asyncio.get_running_loop()
            while not stop:
                due = loop.time() + 0.01
                await asyncio.sleep(0.01)
                lags.append(max(0.0, loop.time() - due))

        tick = asyncio.create_task(ticker())
        began = time.perf_counter()
        gap = seconds / len(chunks)
        for k, (d, _off, data, t) in enumerate(chunks):
            session.record(d, data, t0 + t)
            browser.schedule_refresh()
            delay = began + (k + 1) * gap - time.perf_counter()
            await asyncio.sleep(max(delay, 0))
        elapsed = time.perf_counter() - began
        await asyncio.sleep(browser.min_interval * 2)
        stop = True
        await tick
        assert browser.grid.total == len(session.frame_order())
        return durations, elapsed, lags

    durations, elapsed, lags = asyncio.run(main())
    n = existing + arriving
    per_second = len(durations) / (elapsed + 0.5)  # the last refresh may come up to 0.5 s after
    what = f"{arriving:,} frames arriving in {seconds:.0f} s"
    return [
        Result(n, "LiveConnection", f"{what}: one redraw", durations, 0.05),
        Result(n, "LiveConnection", f"{what}: redraws per second", [per_second], 4.0, unit="/s"),
        Result(n, "LiveConnection", f"{what}: lateness of a 10 ms ticker on the loop (info)", lags, None),
    ]


def bench_deflate(frames: int, runs: int) -> list[Result]:
    """Scrolling to the end of a permessage-deflate session in a running loop (as in the kernel): the
    rows show at once with the compressed bytes, and inflating the messages up to them goes on between
    loop turns."""
    import asyncio

    from wsexplorer.widgets.session import SessionBrowser

    sessions = [build_deflate_session(frames) for _ in range(runs + 1)]  # fresh: nothing inflated yet
    clicks: list[float] = []
    inflated: list[float] = []

    async def one(session: Session) -> None:
        browser = SessionBrowser(session)
        table = browser.browser
        gc.collect()
        started = time.perf_counter()
        table.last_button.click()
        clicks.append(time.perf_counter() - started)
        while table._pending is not None or not table.table_rows()[-1].preview.startswith("compressed →"):
            await asyncio.sleep(0)
        assert table.inspector.violations == [] and table.inspector.number == len(table._positions)
        inflated.append(time.perf_counter() - started)

    async def main() -> None:
        for session in sessions:
            await one(session)

    asyncio.run(main())
    return [
        Result(frames, "SessionBrowser", "select the last frame of a deflate session", clicks[1:], 0.05),
        Result(
            frames,
            "SessionBrowser",
            "… until it opens in context, inflated (background replay, info)",
            inflated[1:],
            None,
        ),
    ]


def run(sizes: Sequence[int], runs: int) -> tuple[list[Result], dict[str, float]]:
    results: list[Result] = []
    facts: dict[str, float] = {}
    import asyncio

    for frames in sizes:
        more, facts[f"build {frames}"] = asyncio.run(bench_size(frames, runs))
        results += more
        results += bench_deflate(frames, runs)
    results += bench_live_arrivals(0)
    results += bench_live_arrivals(max(sizes) - 1_000)
    return results, facts


# -- report -------------------------------------------------------------------------------------------------


def table(results: list[Result]) -> str:
    lines = [
        "| frames | widget | input | median | min | max | target | verdict |",
        "|---:|---|---|---:|---:|---:|---:|---|",
    ]
    for r in results:
        target = "–" if r.target is None else "≤ " + r.show(r.target)
        lines.append(
            f"| {r.frames:,} | {r.widget} | {r.action} | {r.show(r.median)} "
            f"| {r.show(min(r.times))} | {r.show(max(r.times))} | {target} | {r.verdict} |"
        )
    return "\n".join(lines)


def section(results: list[Result], runs: int, command: str) -> str:
    import ipywidgets
    import matplotlib

    load = os.getloadavg() if hasattr(os, "getloadavg") else (0.0, 0.0, 0.0)
    misses = [r for r in results if r.verdict == "MISS"]
    return "\n".join(
        [
            START_MARK,
            "## Widgets: latency from an input to the widget state updated",
            "",
            f"Command (from the repository root): `{command}`",
            "",
            f"- Date: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}",
            f"- Python: {platform.python_implementation()} {platform.python_version()}; ipywidgets "
            f"{ipywidgets.__version__}, matplotlib {matplotlib.__version__}; wsexplorer ({git_tree()})",
            f"- Machine: {platform.system()} {platform.machine()}, nproc={os.cpu_count()}, load average "
            f"{load[0]:.2f} / {load[1]:.2f} / {load[2]:.2f} at start",
            f"- Method: median of {runs} timed inputs after 1 warm-up; `time.perf_counter` around the input "
            "(`Button.click()` or a control's `value` set, which runs the same observers as a front-end "
            "message), in the kernel's process; widget messages JSON-encoded as a kernel would before "
            "sending; in a running event loop, as in a kernel.",
            "",
            table(results),
            "",
            "```",
            *[
                f"{r.verdict} {r.frames:>7,} frames  {r.widget:<15} {r.action:<60} {r.show(r.median):>10}"
                for r in results
                if r.target is not None
            ],
            "```",
            "",
            "Notes:",
            "",
            "- Targets (issue 8): on a 100,000-frame session a search or filter updates the table in at most "
            "100 ms, paging or scrolling in at most 50 ms; 1,000 frames arriving live keep the kernel "
            "responsive: at most 4 redraws per second, each at most 50 ms. Rows without a target are "
            "informational.",
            "- The table is a virtualised grid (an anywidget front end): Python sends only the rows around "
            "the view (three screens), so scrolling anywhere in 100,000 frames costs the same as in 1,000. "
            "Filters are numpy masks over the session's frame columns.",
            "- Search runs in a running loop as in the kernel: the first update searches for at most 30 ms "
            "(and shows what it found), the rest of the session is searched between loop turns; "
            '"until every match is shown" is that whole time. The first search of a session replays every '
            "message once (inflating compressed ones); later searches scan a lower-cased, block-stored text "
            "of the messages (4 KiB of each; record/search.py).",
            "- Live arrivals: frames are recorded on the loop as the live layer does, each scheduling a "
            "refresh as LiveConnection's event handler does; refreshes are coalesced to at most 4 per "
            'second. "lateness of a 10 ms ticker" is how late a timer on the same loop ran (the kernel\'s '
            "responsiveness).",
            "- Selecting a frame deep in a permessage-deflate session opens it at once with its header and "
            "bytes; judging it in context needs every earlier compressed message inflated, which runs "
            '2,000 frames per loop turn ("until it opens in context").',
            "- The timeline is a decimated matplotlib figure (at most 5,000 markers), redrawn only while its "
            "tab is shown, at most every 2 s during a live connection.",
            *(
                [f"- {len(misses)} input(s) missed the target."]
                if misses
                else ["- Every input met its target."]
            ),
            END_MARK,
        ]
    )


def write_results(text: str) -> None:
    write_section(text, START_MARK, END_MARK)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument(
        "--quick", action="store_true", help="1,000 and 20,000 frames, 5 runs; writes nothing"
    )
    parser.add_argument(
        "--runs", type=int, default=None, help="timed inputs per case (default 9, at least 5)"
    )
    parser.add_argument("--no-write", action="store_true", help="do not touch benchmarks/RESULTS.md")
    args = parser.parse_args(argv)
    runs = args.runs or (5 if args.quick else 9)
    if runs < 5:
        parser.error("--runs: the median needs at least 5 runs")
    os.environ.setdefault("MPLBACKEND", "Agg")
    sizes = (1_000, 20_000) if args.quick else (1_000, 100_000)
    results, facts = run(sizes, runs)
    print(table(results))
    print()
    for r in results:
        if r.target is not None:
            print(f"{r.verdict} {r.frames:>7,} frames  {r.widget:<15} {r.action:<60} {r.show(r.median):>10}")
    print("session build: " + ", ".join(f"{k} frames {v:.2f} s" for k, v in facts.items()), file=sys.stderr)
    if args.quick or args.no_write:
        print("RESULTS.md not written (--quick / --no-write)", file=sys.stderr)
    else:
        command = ".venv/bin/python benchmarks/widgets.py" + (f" --runs {args.runs}" if args.runs else "")
        write_results(section(results, runs, command))
        print(f"wrote {RESULTS.relative_to(ROOT)}", file=sys.stderr)
    return 1 if any(r.verdict == "MISS" for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
