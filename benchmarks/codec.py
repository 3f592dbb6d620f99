"""Codec benchmark: wsexplorer against websockets and wsproto, in one run.

Workloads (each library driven through its own public, sans-I/O API):

1. parse 100,000 small masked client frames (20-byte text), fed in 64 KiB chunks   -> frames/s
2. parse 16 masked 1 MiB binary frames, fed in 64 KiB chunks                       -> MB/s
3. serialize 100,000 small unmasked server frames (20-byte text)                     -> frames/s
4. mask 1 MiB and 16 MiB, with a plain copy of the buffer as the limit              -> GB/s
5. permessage-deflate round trip of 1 MiB of JSON-like text (client compresses, server inflates)
                                                                                     -> MB/s

Every timed run is a median of at least 5 repetitions after one warm-up repetition; libraries take
turns within each repetition so that drift affects them alike. The garbage collector is collected
before and disabled during each timed call (as ``timeit`` does). Every library's output is checked
against the expected payloads / wire bytes, so a broken path cannot silently measure nothing.

Run from the repository root::

    .venv/bin/python benchmarks/codec.py             # full run, rewrites the codec section of RESULTS.md
    .venv/bin/python benchmarks/codec.py --quick     # smoke test (implies --no-write)
    .venv/bin/python benchmarks/codec.py --profile   # also cProfile wsexplorer's small-frame parse

MB and GB are 10**6 and 10**9 bytes.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime
import gc
import json
import os
import platform
import pstats
import random
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from _common import RESULTS, ROOT, git_tree, reexec_in_venv, write_section

COMMAND = ".venv/bin/python benchmarks/codec.py"
START_MARK = "<!-- codec:start -->"
END_MARK = "<!-- codec:end -->"

try:
    import websockets
    import websockets.frames
    import websockets.utils
    import wsproto
    from websockets.extensions.permessage_deflate import PerMessageDeflate as WsDeflate
    from websockets.frames import Frame as WsFrame
    from websockets.frames import Opcode as WsOpcode
    from websockets.protocol import State as WsState
    from websockets.server import ServerProtocol as WsServerProtocol
    from websockets.streams import StreamReader as WsStreamReader
    from wsproto.extensions import PerMessageDeflate as WpDeflate
    from wsproto.frame_protocol import FrameProtocol as WpFrameProtocol
    from wsproto.frame_protocol import Opcode as WpOpcode
    from wsproto.frame_protocol import RsvBits as WpRsvBits
    from wsproto.frame_protocol import XorMaskerSimple as WpMasker

    from wsexplorer.codec.extensions import PerMessageDeflate
    from wsexplorer.codec.frame_builder import serialize_frame
    from wsexplorer.codec.frame_header import Opcode
    from wsexplorer.codec.frame_parser import FrameParser
    from wsexplorer.codec.frames import Frame
    from wsexplorer.codec.masking import apply_mask
except ImportError as _exc:  # pragma: no cover - depends on the interpreter used
    reexec_in_venv(_exc, __file__)
    raise

try:
    from websockets import speedups as ws_speedups
except ImportError:  # pragma: no cover - websockets built without its C extension
    ws_speedups = None

WS_SPEEDUPS = ws_speedups is not None and websockets.frames.apply_mask is ws_speedups.apply_mask

KIB = 1024
MIB = 1024 * 1024
CHUNK = 64 * KIB
SMALL_PAYLOAD = 20


# --------------------------------------------------------------------------------------------------
# Measuring
# --------------------------------------------------------------------------------------------------


@dataclass
class Case:
    """One library's way to do one workload.

    ``setup()`` (untimed) returns the argument of ``run`` (timed); ``check(result)`` (untimed) raises
    AssertionError when the output is wrong. ``work`` is how many units (frames or bytes) one call
    of ``run`` processes.
    """

    library: str
    run: Callable[[Any], Any]
    check: Callable[[Any], None]
    setup: Callable[[], Any] = lambda: None
    note: str = ""
    times: list[float] = field(default_factory=list)


@dataclass
class Workload:
    name: str
    unit: str  # "frames/s", "MB/s", "GB/s"
    work: float  # frames, or bytes, per call of a case's run
    cases: list[Case]
    ws_baseline: str | None = None  # library label the "vs websockets" ratio divides by
    wp_baseline: str | None = None
    notes: list[str] = field(default_factory=list)
    sizes: dict[str, int] = field(default_factory=dict)  # compressed sizes, by library

    def rate(self, case: Case) -> float:
        return self.work / statistics.median(case.times) / _UNIT_SCALE[self.unit]

    def case(self, library: str) -> Case:
        for c in self.cases:
            if c.library == library:
                return c
        raise KeyError(library)


_UNIT_SCALE = {"frames/s": 1.0, "MB/s": 1e6, "GB/s": 1e9}


def _time_once(case: Case) -> float:
    arg = case.setup()
    gc.collect()
    gc.disable()
    try:
        t0 = time.perf_counter()
        result = case.run(arg)
        elapsed = time.perf_counter() - t0
    finally:
        gc.enable()
    case.check(result)
    return elapsed


def measure(workload: Workload, repeat: int) -> None:
    """One warm-up round, then ``repeat`` timed rounds; libraries take turns within each round."""
    for case in workload.cases:
        case.times.clear()
        _time_once(case)  # warm-up, checked too
    for _ in range(repeat):
        for case in workload.cases:
            case.times.append(_time_once(case))
    summary = ", ".join(f"{c.library} {workload.rate(c):,.3g}" for c in workload.cases)
    print(f"  {workload.name} [{workload.unit}]: {summary}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------------------------------
# Test data
# --------------------------------------------------------------------------------------------------


def _mask_reference(data: bytes, key: bytes) -> bytes:
    """Masking by an implementation that is none of the three being compared (big-int XOR)."""
    n = len(data)
    mask = int.from_bytes((key * (n // 4 + 1))[:n], "big")
    return (int.from_bytes(data, "big") ^ mask).to_bytes(n, "big")


def _client_frame(opcode: int, payload: bytes, key: bytes) -> bytes:
    n = len(payload)
    if n < 126:
        header = bytes((0x80 | opcode, 0x80 | n))
    elif n < 65536:
        header = bytes((0x80 | opcode, 0x80 | 126)) + n.to_bytes(2, "big")
    else:
        header = bytes((0x80 | opcode, 0x80 | 127)) + n.to_bytes(8, "big")
    return header + key + _mask_reference(payload, key)


def _chunks(stream: bytes, size: int = CHUNK) -> list[bytes]:
    return [stream[i : i + size] for i in range(0, len(stream), size)]


def small_payloads(count: int) -> list[bytes]:
    payloads = [f"{i:08d}-hello-world".encode() for i in range(count)]
    assert all(len(p) == SMALL_PAYLOAD for p in payloads)
    return payloads


def json_text(size: int, rng: random.Random) -> bytes:
    """``size`` bytes of JSON-like text: an array of small records, cut at ``size``."""
    words = ["alpha", "beta", "gamma", "delta", "ticker", "price", "volume", "status", "ok", "user"]
    records: list[str] = []
    total = 0
    i = 0
    while total < size:
        record = json.dumps(
            {
                "id": i,
                "type": rng.choice(words),
                "user": f"user{rng.randrange(10_000)}",
                "price": round(rng.uniform(1, 1000), 2),
                "qty": rng.randrange(1, 500),
                "tags": rng.sample(words, 3),
                "ts": 1_700_000_000 + i * 37,
            }
        )
        records.append(record)
        total += len(record) + 2
        i += 1
    return ("[" + ",\n".join(records) + "]").encode()[:size]


# --------------------------------------------------------------------------------------------------
# Parsing: each driver feeds the chunks and returns every payload it got, unmasked
# --------------------------------------------------------------------------------------------------


def parse_wsexplorer(chunks: Sequence[bytes]) -> list[bytes]:
    parser = FrameParser()
    out: list[bytes] = []
    append = out.append
    feed = parser.feed
    for chunk in chunks:
        for frame in feed(chunk):
            append(frame.payload)
    return out


def parse_websockets_protocol(chunks: Sequence[bytes]) -> list[Any]:
    protocol = WsServerProtocol(state=WsState.OPEN, max_size=None)
    out: list[Any] = []
    append = out.append
    receive_data = protocol.receive_data
    events_received = protocol.events_received
    for chunk in chunks:
        receive_data(chunk)
        for frame in events_received():
            append(frame.data)
    if protocol.parser_exc is not None:
        raise protocol.parser_exc
    return out


def parse_websockets_frame(chunks: Sequence[bytes]) -> list[Any]:
    reader = WsStreamReader()
    read_exact = reader.read_exact
    parse = WsFrame.parse
    out: list[Any] = []
    append = out.append
    pending = parse(read_exact, mask=True, max_size=None)
    for chunk in chunks:
        reader.feed_data(chunk)
        while True:
            try:
                next(pending)
            except StopIteration as done:
                append(done.value.data)
                pending = parse(read_exact, mask=True, max_size=None)
            else:
                break  # the frame in progress needs more bytes
    return out


def parse_wsproto(chunks: Sequence[bytes]) -> list[Any]:
    protocol = WpFrameProtocol(client=False, extensions=[])
    out: list[Any] = []
    append = out.append
    receive_bytes = protocol.receive_bytes
    received_frames = protocol.received_frames
    for chunk in chunks:
        receive_bytes(chunk)
        for frame in received_frames():
            append(frame.payload)
    return out


def _as_bytes(payload: Any) -> bytes:
    return payload.encode() if isinstance(payload, str) else bytes(payload)


def _check_payloads(expected: list[bytes], *, pieces: bool = False) -> Callable[[Any], None]:
    """Every payload equal to the expected one (``pieces``: a frame may come in several pieces)."""
    joined = b"".join(expected)

    def check(got: list[Any]) -> None:
        if pieces:
            assert len(got) >= len(expected), f"{len(got)} pieces for {len(expected)} frames"
            assert b"".join(_as_bytes(p) for p in got) == joined, "payload bytes differ"
            return
        assert len(got) == len(expected), f"parsed {len(got)} frames, expected {len(expected)}"
        for i in (0, len(got) // 2, len(got) - 1):  # cheap spot checks first, then everything
            assert _as_bytes(got[i]) == expected[i], f"payload {i} differs"
        assert b"".join(_as_bytes(p) for p in got) == joined, "payload bytes differ"

    return check


def parse_cases(expected: list[bytes]) -> list[Case]:
    check = _check_payloads(expected)
    return [
        Case("wsexplorer FrameParser.feed", parse_wsexplorer, check),
        Case("websockets ServerProtocol (OPEN)", parse_websockets_protocol, check),
        Case("websockets Frame.parse + StreamReader", parse_websockets_frame, check),
        Case(
            "wsproto FrameProtocol",
            parse_wsproto,
            _check_payloads(expected, pieces=True),
        ),
    ]


def workload_parse_small(count: int) -> Workload:
    rng = random.Random(6455)
    payloads = small_payloads(count)
    stream = b"".join(_client_frame(0x1, p, rng.randbytes(4)) for p in payloads)
    chunks = _chunks(stream)
    cases = parse_cases(payloads)
    for case in cases:
        case.setup = lambda chunks=chunks: chunks
    return Workload(
        f"parse {count:,} masked {SMALL_PAYLOAD} B text frames",
        "frames/s",
        count,
        cases,
        notes=[f"{len(stream):,} bytes fed in {len(chunks)} chunks of 64 KiB"],
    )


def workload_parse_large(count: int) -> Workload:
    rng = random.Random(7692)
    payloads = [rng.randbytes(MIB) for _ in range(count)]
    stream = b"".join(_client_frame(0x2, p, rng.randbytes(4)) for p in payloads)
    chunks = _chunks(stream)
    cases = parse_cases(payloads)
    for case in cases:
        case.setup = lambda chunks=chunks: chunks
    return Workload(
        f"parse {count} masked 1 MiB binary frames",
        "MB/s",
        count * MIB,
        cases,
        notes=["wsproto hands each 1 MiB frame over in 64 KiB pieces as chunks arrive (not joined)"],
    )


# --------------------------------------------------------------------------------------------------
# Serializing
# --------------------------------------------------------------------------------------------------


def workload_serialize(count: int) -> Workload:
    payloads = small_payloads(count)
    texts = [p.decode() for p in payloads]
    expected = b"".join(bytes((0x81, SMALL_PAYLOAD)) + p for p in payloads)
    text_op = Opcode.TEXT
    ws_text = WsOpcode.TEXT

    def ours_frame(_: None) -> list[bytes]:
        text = Frame.text
        return [bytes(text(p)) for p in payloads]

    def ours_serialize(_: None) -> list[bytes]:
        return [serialize_frame(text_op, p) for p in payloads]

    def websockets_frame(_: None) -> list[bytes]:
        return [WsFrame(ws_text, p).serialize(mask=False) for p in payloads]

    def wsproto_send(_: None) -> list[bytearray]:
        send_data = WpFrameProtocol(client=False, extensions=[]).send_data
        return [send_data(t) for t in texts]

    def check(got: list[Any]) -> None:
        assert len(got) == count, f"serialized {len(got)} frames, expected {count}"
        assert b"".join(got) == expected, "wire bytes differ"

    return Workload(
        f"serialize {count:,} unmasked {SMALL_PAYLOAD} B text frames",
        "frames/s",
        count,
        [
            Case("wsexplorer bytes(Frame.text(p))", ours_frame, check),
            Case("wsexplorer serialize_frame(TEXT, p)", ours_serialize, check),
            Case("websockets Frame(TEXT, p).serialize", websockets_frame, check),
            Case("wsproto FrameProtocol.send_data", wsproto_send, check, note="str input"),
        ],
        ws_baseline="websockets Frame(TEXT, p).serialize",
        wp_baseline="wsproto FrameProtocol.send_data",
    )


# --------------------------------------------------------------------------------------------------
# Masking
# --------------------------------------------------------------------------------------------------


def workload_mask(size: int, volume: int) -> Workload:
    rng = random.Random(size)
    data = rng.randbytes(size)
    key = rng.randbytes(4)
    expected = _mask_reference(data, key)
    loops = max(1, volume // size)
    label = f"{size // MIB} MiB"

    def repeat(fn: Callable[[bytes, bytes], Any]) -> Callable[[None], Any]:
        def run(_: None) -> Any:
            result = None
            for _ in range(loops):
                result = fn(data, key)
            return result

        return run

    def check(got: Any) -> None:
        assert bytes(got) == expected, "masked bytes differ"

    def check_copy(got: Any) -> None:
        assert got == data, "copy differs"

    cases = [
        Case("wsexplorer apply_mask", repeat(apply_mask), check),
    ]
    if ws_speedups is not None:
        cases.append(Case("websockets speedups.apply_mask (C)", repeat(ws_speedups.apply_mask), check))
    cases.append(
        Case("websockets utils.apply_mask (pure Python)", repeat(websockets.utils.apply_mask), check)
    )
    cases.append(
        Case(
            "wsproto XorMaskerSimple.process",
            repeat(lambda d, k: WpMasker(k).process(d)),
            check,
            note="one masker per call",
        )
    )
    cases.append(Case("copy: bytearray(buf), fresh buffer", repeat(lambda d, k: bytearray(d)), check_copy))
    target = bytearray(size)
    view = memoryview(target)  # (bytearray slice assignment would copy the source first)

    def copy_into(_: None) -> bytearray:
        for _ in range(loops):
            view[:] = data  # one memcpy, no allocation
        return target

    cases.append(Case("copy: into a preallocated buffer (limit)", copy_into, check_copy))
    ws_label = (
        "websockets speedups.apply_mask (C)" if WS_SPEEDUPS else "websockets utils.apply_mask (pure Python)"
    )
    return Workload(
        f"mask {label}",
        "GB/s",
        size * loops,
        cases,
        ws_baseline=ws_label,
        wp_baseline="wsproto XorMaskerSimple.process",
        notes=[f"{loops} call{'s' if loops != 1 else ''} ({loops * size // MIB} MiB) per timed run"],
    )


# --------------------------------------------------------------------------------------------------
# permessage-deflate
# --------------------------------------------------------------------------------------------------


def workload_deflate(size: int) -> Workload:
    data = json_text(size, random.Random(1951))
    sizes: dict[str, int] = {}

    def ours_setup() -> tuple[Any, Any]:
        client = PerMessageDeflate(mem_level=8)  # zlib's default memLevel, as the other two use
        accepted = PerMessageDeflate(mem_level=8).accept([client.offer()])
        assert accepted is not None
        response, server_state, _ = accepted
        return client.check_response(response), server_state

    def ours_run(states: tuple[Any, Any]) -> tuple[bytes, bytes]:
        client, server = states
        compressed = client.compress(data)
        return compressed, server.decompress(compressed, fin=True)

    def ws_setup() -> tuple[WsDeflate, WsDeflate]:
        # As negotiated without parameters: context takeover both ways, 15-bit windows, zlib level 6,
        # memLevel 8 (zlib's defaults; wsexplorer is set to the same memLevel above).
        return WsDeflate(False, False, 15, 15), WsDeflate(False, False, 15, 15)

    def ws_run(exts: tuple[WsDeflate, WsDeflate]) -> tuple[bytes, bytes]:
        client, server = exts
        encoded = client.encode(WsFrame(WsOpcode.TEXT, data))
        decoded = server.decode(encoded, max_size=None)
        return bytes(encoded.data), decoded.data

    def wp_setup() -> tuple[Any, Any, Any, Any]:
        client_ext, server_ext = WpDeflate(), WpDeflate()
        response = server_ext.accept(f"permessage-deflate; {client_ext.offer()}")
        assert isinstance(response, str)
        client_ext.finalize(f"permessage-deflate; {response}")
        client = WpFrameProtocol(client=True, extensions=[client_ext])
        server = WpFrameProtocol(client=False, extensions=[server_ext])
        return client_ext, client, server_ext, server

    def wp_run(setup: tuple[Any, Any, Any, Any]) -> tuple[bytes, bytes]:
        client_ext, client, server_ext, server = setup
        _rsv, compressed = client_ext.frame_outbound(
            client, WpOpcode.TEXT, WpRsvBits(False, False, False), data, True
        )
        server_ext.frame_inbound_header(server, WpOpcode.TEXT, WpRsvBits(True, False, False), 0)
        inflated = server_ext.frame_inbound_payload_data(server, compressed)
        tail = server_ext.frame_inbound_complete(server, True)
        return compressed, inflated + (tail or b"")

    def checker(library: str) -> Callable[[tuple[bytes, bytes]], None]:
        def check(result: tuple[bytes, bytes]) -> None:
            compressed, inflated = result
            assert bytes(inflated) == data, f"{library}: round trip differs"
            assert len(compressed) < len(data) // 2, f"{library}: barely compressed"
            sizes[library] = len(compressed)

        return check

    # Interoperability, once: websockets inflates what our client compressed, and the reverse.
    client_state, server_state = ours_setup()
    ours_compressed = client_state.compress(data)
    ws_server = WsDeflate(False, False, 15, 15)
    wire = WsFrame(WsOpcode.TEXT, ours_compressed, rsv1=True)
    assert ws_server.decode(wire, max_size=None).data == data, "websockets cannot inflate ours"
    ws_encoded = WsDeflate(False, False, 15, 15).encode(WsFrame(WsOpcode.TEXT, data))
    assert server_state.decompress(bytes(ws_encoded.data), fin=True) == data, "ours cannot inflate"

    cases = [
        Case("wsexplorer compress/decompress", ours_run, checker("wsexplorer"), ours_setup),
        Case("websockets PerMessageDeflate encode/decode", ws_run, checker("websockets"), ws_setup),
        Case(
            "wsproto PerMessageDeflate frame hooks",
            wp_run,
            checker("wsproto"),
            wp_setup,
        ),
    ]
    workload = Workload(
        f"permessage-deflate round trip, {size // MIB} MiB JSON-like text",
        "MB/s",
        size,
        cases,
        ws_baseline="websockets PerMessageDeflate encode/decode",
        wp_baseline="wsproto PerMessageDeflate frame hooks",
    )
    workload.notes.append("fresh negotiated state per run (untimed)")
    workload.sizes = sizes
    return workload


# --------------------------------------------------------------------------------------------------
# Reporting
# --------------------------------------------------------------------------------------------------


def _fmt_rate(value: float, unit: str) -> str:
    if unit == "frames/s":
        return f"{value:,.0f}"
    if value >= 100:
        return f"{value:,.0f}"
    if value >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def _ratio(workload: Workload, case: Case, baseline: str | None) -> str:
    if baseline is None:
        return ""
    base = workload.case(baseline)
    if base is case:
        return "1.00x (baseline)"
    return f"{workload.rate(case) / workload.rate(base):.2f}x"


def finish_parse_baselines(workload: Workload) -> None:
    """websockets offers two stream parsers; the faster one is the baseline."""
    ws_cases = [c for c in workload.cases if c.library.startswith("websockets")]
    best = max(ws_cases, key=workload.rate)
    workload.ws_baseline = best.library
    workload.wp_baseline = "wsproto FrameProtocol"


def table(workloads: list[Workload]) -> str:
    lines = [
        "| workload | library | median | unit | vs websockets | vs wsproto | spread | notes |",
        "|---|---|---:|---|---:|---:|---:|---|",
    ]
    for w in workloads:
        sizes = w.sizes
        for c in w.cases:
            med = statistics.median(c.times)
            spread = (max(c.times) - min(c.times)) / med * 100
            notes = [c.note] if c.note else []
            lib = c.library.split(" ", 1)[0]
            if lib in sizes:
                notes.append(f"{sizes[lib]:,} B compressed ({w.work / sizes[lib]:.1f}:1)")
            lines.append(
                f"| {w.name} | {c.library} | {_fmt_rate(w.rate(c), w.unit)} | {w.unit} "
                f"| {_ratio(w, c, w.ws_baseline)} | {_ratio(w, c, w.wp_baseline)} "
                f"| ±{spread / 2:.0f}% | {'; '.join(notes)} |"
            )
    lines.append("")
    for w in workloads:
        for note in w.notes:
            lines.append(f"- {w.name}: {note}")
    return "\n".join(lines)


def targets(workloads: dict[str, Workload]) -> list[str]:
    out: list[str] = []

    def target(what: str, w: Workload, ours: str, baseline: str | None, goal: float) -> None:
        assert baseline is not None
        ratio = w.rate(w.case(ours)) / w.rate(w.case(baseline))
        verdict = "PASS" if ratio >= goal else "MISS"
        out.append(f"{verdict} {what}: {ratio:.2f}x {baseline} (target >= {goal:g}x)")

    parse, ser, mask = workloads["parse_small"], workloads["serialize"], workloads["mask_1"]
    target("small-frame parse", parse, "wsexplorer FrameParser.feed", parse.ws_baseline, 1.0)
    target("small-frame parse", parse, "wsexplorer FrameParser.feed", parse.wp_baseline, 2.0)
    for ours in ("wsexplorer bytes(Frame.text(p))", "wsexplorer serialize_frame(TEXT, p)"):
        name = "small-frame serialize, " + ours.split(" ", 1)[1]
        target(name, ser, ours, ser.ws_baseline, 1.0)
        target(name, ser, ours, ser.wp_baseline, 2.0)
    large = workloads["parse_large"]
    target("1 MiB frame parse", large, "wsexplorer FrameParser.feed", large.ws_baseline, 1.0)
    target("masking 1 MiB", mask, "wsexplorer apply_mask", mask.ws_baseline, 0.5)
    return out


def environment() -> dict[str, str]:
    from importlib.metadata import version

    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        affinity = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        affinity = os.cpu_count() or 0
    tree = git_tree()
    try:
        load = " / ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        load = "n/a"
    speedups = (
        "loaded (websockets.frames.apply_mask is the C websockets.speedups.apply_mask)"
        if WS_SPEEDUPS
        else "NOT loaded (pure-Python apply_mask)"
    )
    return {
        "date": datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"),
        "python": f"{platform.python_implementation()} {platform.python_version()} "
        f"({sys.executable.replace(str(ROOT) + '/', '')})",
        "versions": f"wsexplorer {version('wsexplorer')} ({tree}), websockets {websockets.__version__}, "
        f"wsproto {version('wsproto')}, numpy {version('numpy')}",
        "speedups": speedups,
        "machine": f"{platform.system()} {platform.machine()}, {cpu}, nproc={affinity}, "
        f"load average {load} (1/5/15 min) at start",
    }


def section(env: dict[str, str], body: str, checks: list[str], repeat: int, quick: bool) -> str:
    kind = "QUICK smoke-test run (not representative)" if quick else "full run"
    return "\n".join(
        [
            START_MARK,
            "## Codec: wsexplorer vs websockets vs wsproto",
            "",
            f"Command (from the repository root): `{COMMAND}` — {kind}.",
            "",
            f"- Date: {env['date']}",
            f"- Python: {env['python']}",
            f"- Libraries: {env['versions']}",
            f"- websockets C speedups: {env['speedups']}",
            f"- Machine: {env['machine']}",
            f"- Method: median of {repeat} timed runs after 1 warm-up run, libraries interleaved "
            "within each round; `time.perf_counter`; gc collected before and disabled during "
            "each timed call; every run's output checked (frame count, payload / wire bytes).",
            "",
            body,
            "",
            "```",
            *checks,
            "```",
            "",
            "Notes:",
            "",
            '- Ratios are throughput ratios (higher is better for the row). "spread" is half the '
            "min–max range of the timed runs, relative to the median.",
            "- Parsing: one `bytes` stream cut in 64 KiB chunks (precomputed, as `recv` would hand "
            "them over) fed to each library's stream parser; every frame's unmasked payload is "
            "taken (`Frame.payload`, `frame.data`, `frame.payload`) and kept in a list. websockets "
            "has two stream paths: its sans-I/O `ServerProtocol` in state OPEN (`receive_data` + "
            "`events_received`, which adds per-frame protocol bookkeeping) and the bare "
            "`Frame.parse` generator over a `StreamReader`; the faster of the two is the baseline. "
            "wsproto's `FrameProtocol` also decodes text payloads to `str` (UTF-8) and cannot "
            "be told not to; it hands over a frame that straddles a chunk boundary in pieces (kept "
            "as they come, not joined: counted as pieces, checked by joined bytes).",
            "- Serializing: websockets `Frame(...).serialize(mask=False)` also runs "
            "`Frame.check()`; wsproto `send_data` is given `str` (its only way to produce a text "
            "frame) and returns a `bytearray`. All four rows produce byte-identical output.",
            "- Masking: one call masks the whole buffer into a new `bytes`/`bytearray`. Two copy "
            "rows bound it: `bytearray(buf)` allocates a fresh buffer each call, like the maskers "
            "(at 16 MiB the fresh allocation itself is costly: compare the two copy rows), and a "
            "copy into a preallocated buffer (`memoryview` slice assignment) is the plain "
            "memory-bandwidth limit.",
            "- permessage-deflate: client compresses one whole 1 MiB message, server inflates it; "
            "both with zlib level 6, memLevel 8, 15-bit windows, context takeover. "
            "wsexplorer: `PerMessageDeflateState.compress` / `.decompress(fin=True)` from "
            "`PerMessageDeflate().accept()` / `.check_response()`; websockets: "
            "`PerMessageDeflate.encode` / `.decode` of a `Frame`; wsproto: its extension's "
            "`frame_outbound` / `frame_inbound_*` hooks (no framing or masking). Interop checked "
            "once: each side inflates the other's output.",
            END_MARK,
        ]
    )


def write_results(text: str) -> None:
    write_section(text, START_MARK, END_MARK)


# --------------------------------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------------------------------


def profile_small_parse(count: int) -> None:
    rng = random.Random(6455)
    stream = b"".join(_client_frame(0x1, p, rng.randbytes(4)) for p in small_payloads(count))
    chunks = _chunks(stream)
    profiler = cProfile.Profile()
    profiler.enable()
    parse_wsexplorer(chunks)
    profiler.disable()
    print(f"\ncProfile of wsexplorer parsing {count:,} small frames:", file=sys.stderr)
    pstats.Stats(profiler, stream=sys.stderr).sort_stats("tottime").print_stats(8)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--quick", action="store_true", help="fewer frames and runs; implies --no-write")
    parser.add_argument("--no-write", action="store_true", help="do not touch benchmarks/RESULTS.md")
    parser.add_argument("--repeat", type=int, default=None, help="timed runs per case (default 9)")
    parser.add_argument("--profile", action="store_true", help="cProfile our small-frame parse")
    args = parser.parse_args(argv)

    repeat = args.repeat or (3 if args.quick else 9)
    if repeat < 5 and not args.quick:
        parser.error("--repeat must be at least 5 (medians of >= 5 runs), or use --quick")
    small = 10_000 if args.quick else 100_000
    large = 4 if args.quick else 16
    env = environment()
    print(f"websockets {websockets.__version__} C speedups: {env['speedups']}", file=sys.stderr)
    print(f"wsproto {wsproto.__version__}; {env['python']}; {env['machine']}", file=sys.stderr)

    started = time.perf_counter()
    built = {
        "parse_small": workload_parse_small(small),
        "parse_large": workload_parse_large(large),
        "serialize": workload_serialize(small),
        "mask_1": workload_mask(MIB, (16 if args.quick else 256) * MIB),
        "mask_16": workload_mask(16 * MIB, (16 if args.quick else 256) * MIB),
        "deflate": workload_deflate(MIB),
    }
    for key, workload in built.items():
        measure(workload, repeat)
        if key.startswith("parse"):
            finish_parse_baselines(workload)
    elapsed = time.perf_counter() - started

    body = table(list(built.values()))
    checks = targets(built)
    print(body)
    print()
    print("\n".join(checks))
    print(f"\n(measured in {elapsed:.0f} s)", file=sys.stderr)

    if args.profile:
        profile_small_parse(small)
    if args.quick or args.no_write:
        print("RESULTS.md not written (--quick / --no-write)", file=sys.stderr)
    else:
        write_results(section(env, body, checks, repeat, args.quick))
        print(f"wrote {RESULTS.relative_to(ROOT)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
