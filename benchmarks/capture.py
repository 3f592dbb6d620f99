"""Capture import benchmark: wsexplorer's pcap/pcapng importer against ``tshark -T fields``, same files.

Workloads (each a pcapng file written once, untimed, by ``export_pcapng`` from a Session built here:
one TCP segment per recorded chunk, Ethernet + IPv4, nanosecond timestamps):

1. small frames: N client text frames of 32 bytes (masked) and their N echoes   -> MB/s and frames/s
2. large frames: 16 client binary messages of 1 MiB (masked) and their echoes,
   in segments of at most 65,000 bytes, so TCP reassembly does the work          -> MB/s and frames/s

wsexplorer: ``import_capture(path)`` (read, decode Ethernet/IP/TCP, reassemble both streams, find the
handshake, index every frame) then each direction's ``frame_columns`` (opcode and payload length of
every frame, vectorized). tshark: ``tshark -n -r FILE -Y websocket -T fields -e websocket.opcode
-e websocket.payload_length -e websocket.payload_length_ext_16 -e websocket.payload_length_ext_64``,
its output read to the end (tshark reassembles TCP and dissects every WebSocket frame, unmasking its
payload). Both results are checked: the same frames, opcodes and payload lengths.

Every timed figure is a median of at least 5 runs after one warm-up run, the two tools taking turns
within each round. MB is 10**6 bytes of capture file.

Run from the repository root::

    .venv/bin/python benchmarks/capture.py            # full run, rewrites the capture section of RESULTS.md
    .venv/bin/python benchmarks/capture.py --quick    # smoke test (implies --no-write)
"""

from __future__ import annotations

import argparse
import collections
import datetime
import gc
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from _common import RESULTS, reexec_in_venv, write_section

COMMAND = ".venv/bin/python benchmarks/capture.py"
START_MARK = "<!-- capture:start -->"
END_MARK = "<!-- capture:end -->"
FIXED_SIZE = "7 packets"
TSHARK_FIELDS = (
    "websocket.opcode",
    "websocket.payload_length",
    "websocket.payload_length_ext_16",
    "websocket.payload_length_ext_64",
)

try:
    from wsexplorer.codec.frames import Frame
    from wsexplorer.codec.handshake import HandshakeRequest, HandshakeResponse
    from wsexplorer.record.pcap import export_pcapng, import_capture
    from wsexplorer.record.session import C2S, S2C, Session
except ImportError as _exc:  # pragma: no cover - depends on the interpreter used
    reexec_in_venv(_exc, __file__)
    raise

Frames = collections.Counter[tuple[int, int]]  # (opcode, payload length) -> how many


@dataclass
class Workload:
    name: str
    path: Path
    frames: int
    expected: Frames
    times: dict[str, list[float]] = field(default_factory=lambda: {"wsexplorer": [], "tshark": []})

    @property
    def size(self) -> int:
        return self.path.stat().st_size

    def rate(self, tool: str, unit: str) -> float:
        median = statistics.median(self.times[tool])
        return (self.size / 1e6 if unit == "MB/s" else self.frames) / median


# -- the captures ----------------------------------------------------------------------------------------


def _conversation(messages: list[tuple[int, bytes]], path: Path) -> Frames:
    """A recorded echo conversation of ``messages`` written to ``path``; returns its frames."""
    key = "dGhlIHNhbXBsZSBub25jZQ=="
    session = Session("client", meta={"client_address": "10.0.0.1:50000", "server_address": "10.0.0.2:80"})
    t = 1_700_000_000 * 10**9
    session.sent(bytes(HandshakeRequest.build("ws://10.0.0.2/bench", key=key)), t)
    session.received(bytes(HandshakeResponse.switching_protocols(key)), t + 1000)
    expected: Frames = collections.Counter()
    for k, (opcode, payload) in enumerate(messages):
        t += 10_000
        session.sent(bytes(Frame.build(opcode, payload, mask=k.to_bytes(4, "big"))), t)
        session.received(bytes(Frame.build(opcode, payload)), t + 5_000)
        expected[(opcode, len(payload))] += 2
    session.sent(bytes(Frame.build(8, b"\x03\xe8", mask=b"abcd")), t + 20_000)
    session.received(bytes(Frame.build(8, b"\x03\xe8")), t + 30_000)
    expected[(8, 2)] += 2
    export_pcapng(session, path, redact=False)
    return expected


def make_workloads(directory: Path, small: int, large: int) -> list[Workload]:
    out = []
    path = directory / "small_frames.pcapng"
    texts = [(1, f"message {k:08d} of the benchmark".encode()[:32].ljust(32, b".")) for k in range(small)]
    expected = _conversation(texts, path)
    out.append(
        Workload(f"{2 * small + 2:,} small frames (32 B text)", path, sum(expected.values()), expected)
    )
    path = directory / "large_frames.pcapng"
    blobs = [(2, bytes([k]) * (1 << 20)) for k in range(large)]
    expected = _conversation(blobs, path)
    out.append(Workload(f"{2 * large + 2} frames of 1 MiB (binary)", path, sum(expected.values()), expected))
    return out


# -- the two tools ---------------------------------------------------------------------------------------


def run_wsexplorer(path: Path) -> Frames:
    found: Frames = collections.Counter()
    capture = import_capture(path, max_bytes=None)
    for session in capture.sessions:
        for direction in (C2S, S2C):
            cols = session.frame_columns(direction)
            found.update(zip(cols["opcode"].tolist(), cols["payload_length"].tolist(), strict=True))
    return found


def run_tshark(path: Path) -> Frames:
    command = ["tshark", "-n", "-r", str(path), "-Y", "websocket", "-T", "fields"]
    for name in TSHARK_FIELDS:
        command += ["-e", name]
    done = subprocess.run(command, capture_output=True, check=True)
    found: Frames = collections.Counter()
    for line in done.stdout.decode().splitlines():
        columns = [c.split(",") if c else [] for c in line.split("\t")]
        opcodes, len7, len16, len64 = [*columns, [], [], [], []][:4]
        ext16, ext64 = iter(len16), iter(len64)
        for op, short in zip(opcodes, len7, strict=True):
            n = int(short)
            length = int(next(ext16)) if n == 126 else int(next(ext64)) if n == 127 else n
            found[(int(op), length)] += 1
    return found


TOOLS: dict[str, Callable[[Path], Frames]] = {"wsexplorer": run_wsexplorer, "tshark": run_tshark}


def _time(tool: str, w: Workload) -> float:
    gc.collect()
    t0 = time.perf_counter()
    found = TOOLS[tool](w.path)
    elapsed = time.perf_counter() - t0
    if found != w.expected:
        missing = w.expected - found
        extra = found - w.expected
        raise AssertionError(f"{tool} on {w.name}: missing {dict(missing)}, extra {dict(extra)}")
    return elapsed


def measure(w: Workload, repeat: int) -> None:
    for tool in TOOLS:
        _time(tool, w)  # warm-up (page cache, imports), checked too
    for _ in range(repeat):
        for tool in TOOLS:
            w.times[tool].append(_time(tool, w))
    rates = ", ".join(f"{t} {w.rate(t, 'MB/s'):.1f} MB/s" for t in TOOLS)
    print(f"  {w.name}: {rates}", file=sys.stderr, flush=True)


# -- reporting -------------------------------------------------------------------------------------------


def table(workloads: list[Workload]) -> str:
    lines = [
        "| workload | file | tool | median time | MB/s | frames/s | vs tshark | spread |",
        "|---|---:|---|---:|---:|---:|---:|---:|",
    ]
    for w in workloads:
        for tool in TOOLS:
            times = w.times[tool]
            median = statistics.median(times)
            spread = (max(times) - min(times)) / median * 100
            ratio = w.rate(tool, "MB/s") / w.rate("tshark", "MB/s")
            versus = "1.00x (baseline)" if tool == "tshark" else f"{ratio:.2f}x"
            lines.append(
                f"| {w.name} | {w.size / 1e6:.1f} MB | {tool} | {median:.3f} s | {w.rate(tool, 'MB/s'):.1f} "
                f"| {w.rate(tool, 'frames/s'):,.0f} | {versus} | ±{spread / 2:.0f}% |"
            )
    return "\n".join(lines)


def fixed_cost(directory: Path, repeat: int) -> tuple[float, float]:
    """Median time of each tool on a capture of a handshake and two close frames: its fixed cost."""
    path = directory / "tiny.pcapng"
    w = Workload("tiny", path, 2, _conversation([], path))
    measure(w, repeat)
    return statistics.median(w.times["wsexplorer"]), statistics.median(w.times["tshark"])


def section(
    workloads: list[Workload], repeat: int, quick: bool, tshark: str, fixed: tuple[float, float]
) -> str:
    from importlib.metadata import version

    kind = "QUICK smoke-test run (not representative)" if quick else "full run"
    try:
        load = " / ".join(f"{x:.2f}" for x in __import__("os").getloadavg())
    except OSError:
        load = "n/a"
    return "\n".join(
        [
            START_MARK,
            "## Capture import: wsexplorer vs tshark",
            "",
            f"Command (from the repository root): `{COMMAND}` — {kind}.",
            "",
            f"- Date: {datetime.datetime.now().astimezone().strftime('%Y-%m-%d %H:%M %Z')}",
            f"- Python: {platform.python_implementation()} {platform.python_version()}; "
            f"wsexplorer {version('wsexplorer')}, dpkt {version('dpkt')}, numpy {version('numpy')}",
            f"- tshark: {tshark}",
            f"- Machine: {platform.system()} {platform.machine()}, "
            f"load average {load} (1/5/15 min) at the end",
            f"- Method: median of {repeat} timed runs after 1 warm-up run per tool, tools interleaved "
            "within each round; wall-clock time (`time.perf_counter`) of the whole import, tshark's "
            "process start included; every run's frames checked (count, opcode and payload length of "
            "each frame, against what was written).",
            "",
            table(workloads),
            "",
            "- wsexplorer: `import_capture(path)` (read, decode, TCP reassembly of both streams, handshake, "
            "frame index) and `Session.frame_columns` for opcode and payload length.",
            "- tshark: `tshark -n -r FILE -Y websocket -T fields -e websocket.opcode -e "
            "websocket.payload_length -e websocket.payload_length_ext_16 -e "
            "websocket.payload_length_ext_64`, its output read whole. tshark also dissects each "
            "frame's payload (unmasking it); wsexplorer "
            "unmasks a payload only when it is read.",
            f"- Fixed cost (median time on a capture of a handshake and two close frames, {FIXED_SIZE}): "
            f"wsexplorer {fixed[0] * 1e3:.1f} ms (in-process), tshark {fixed[1] * 1e3:.0f} ms (mostly "
            "process start and dissector registration); it is included in every tshark time above.",
            "- The files: pcapng written by `export_pcapng` from a recorded echo conversation, one TCP "
            "segment per chunk (at most 65,000 payload bytes), Ethernet + IPv4, client frames masked.",
            END_MARK,
        ]
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small files, 5 runs, no RESULTS.md")
    parser.add_argument("--no-write", action="store_true", help="do not rewrite RESULTS.md")
    parser.add_argument("--repeat", type=int, default=7, help="timed runs per tool (at least 5)")
    args = parser.parse_args(argv)
    if shutil.which("tshark") is None:
        raise SystemExit("tshark is not installed: bash scripts/setup-capture-tools.sh")
    repeat = max(5, args.repeat)
    tshark = subprocess.run(["tshark", "--version"], capture_output=True, text=True).stdout.splitlines()[0]
    small, large = (5_000, 2) if args.quick else (50_000, 16)
    with tempfile.TemporaryDirectory() as tmp:
        print("writing the captures...", file=sys.stderr, flush=True)
        workloads = make_workloads(Path(tmp), small, large)
        fixed = fixed_cost(Path(tmp), repeat)
        for w in workloads:
            measure(w, repeat)
        text = section(workloads, repeat, args.quick, tshark, fixed)
    print(text)
    if not (args.quick or args.no_write):
        write_section(text, START_MARK, END_MARK)
        print(f"wrote {RESULTS}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
