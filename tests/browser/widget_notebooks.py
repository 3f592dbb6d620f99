"""The small notebooks the widget tests run: one widget each, so no test depends on the lessons' prose.

Every notebook starts with a probe: a button whose callback writes the name of the thread it runs on
(``.wsx-test-probe`` / ``.wsx-test-probe-out``) and relabels the button. With JupyterLab's
``commsOverSubshells`` on, the front end sends widget messages to a subshell; ipykernel 7.4 hands a
comm's message to the subshell that comm last published from (``BaseComm._reply_subshell_for``), so
the first click of a widget made in a cell runs on ``MainThread`` and every click after its widget
changed in a callback runs on the subshell's thread: the probe's second click shows which case a test
is in.
"""

from __future__ import annotations

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

__all__ = ["NOTEBOOKS", "notebook", "widget_notebook"]

PROBE = """\
import threading

import ipywidgets as W

probe = W.Button(description="which thread runs callbacks?")
probe.add_class("wsx-test-probe")
probe_out = W.HTML("")
probe_out.add_class("wsx-test-probe-out")


clicks = []


def _probe(_button):
    # Writing to the button itself makes ipykernel route its next message to the sender's subshell.
    clicks.append(threading.current_thread().name)
    probe.description = f"clicked {len(clicks)} times"
    probe_out.value = f"click {len(clicks)}: {clicks[-1]}"


probe.on_click(_probe)
W.HBox([probe, probe_out])
"""

RECORD_SESSION = """\
import wsexplorer as wsx

server = await wsx.serve_echo()
ws = await wsx.connect(server.url)
for text in ["hello", "hello again", '{"type": "chat", "text": "hi there"}']:
    await ws.send(text)
    await ws.recv()
await ws.send(bytes([0, 1, 2, 255]))
await ws.recv()
await ws.ping()
await ws.close()
await server.close()
ws.session.save("recorded.wsx")
print("frames recorded:", ws.session.frame_count())
"""

LIVE = """\
from wsexplorer.widgets import LiveConnection

live = LiveConnection(visible_rows=6)  # few rows in view: scrolling to the end asks for another window

# Which thread each click of Ping and Close ran on (the widget's own handlers run as well).
threads = W.HTML("")
threads.add_class("wsx-test-threads")
for name in ("ping", "close"):
    getattr(live, f"{name}_button").on_click(
        lambda _b, name=name: setattr(
            threads, "value", threads.value + f"{name}: {threading.current_thread().name}; "
        )
    )
W.VBox([live.widget, threads])
"""

EXERCISE = """\
import base64
import hashlib
import json

import wsexplorer as wsx
from wsexplorer.codec.frames import Frame
from wsexplorer.widgets import ExerciseWidget

# Two kinds: a handshake exercise (one text box) and a frame exercise (text boxes and a drop-down).
accept = ExerciseWidget("handshake.accept", seed=7)
accept.add_class("wsx-test-ex-accept")
decode = ExerciseWidget("frames.decode", seed=1)  # a masked ping: every part has a value to type
decode.add_class("wsx-test-ex-decode")

# The right answers come from the reference codec, not from the exercise's own answer key; the wrong
# ones are the mistakes students make (the GUID left out, the whole first byte, a payload left masked).
key = accept.exercise.exhibit.split(":", 1)[1].strip()
frame = Frame.parse(decode.exercise.data)
right = {
    "fin": str(int(frame.fin)),
    "opcode": str(int(frame.opcode)),
    "mask": str(int(frame.masked)),
    "length_form": frame.length_form.label,
    "payload_length": str(frame.payload_length),
    "masking_key": frame.masking_key.hex(" ") if frame.masking_key else "none",
    "payload": frame.payload.hex(" "),
}
wrong = {
    "fin": str(1 - int(frame.fin)),
    "opcode": str(bytes(frame)[0]),
    "mask": right["mask"],
    "length_form": "64-bit",
    "payload_length": right["payload_length"],
    "payload": bytes(frame)[-frame.payload_length :].hex(" "),
}
facts = {
    name: {
        "seed": w.exercise.seed,
        "hints": [[h.text, h.section] for h in w.exercise.hints],
        "worked": list(w.exercise.worked),
    }
    for name, w in (("accept", accept), ("decode", decode))
}
facts["accept"] |= {
    "right": {"accept": wsx.accept_key(key)},
    "wrong": {"accept": base64.b64encode(hashlib.sha1(key.encode()).digest()).decode()},
}
facts["decode"] |= {"right": right, "wrong": wrong}
answers = W.HTML(json.dumps(facts))
answers.add_class("wsx-test-answers")
answers.layout.display = "none"
W.VBox([accept, decode, answers]).add_class("wsx-test-exercises")
"""

RELAY = """\
import asyncio

import wsexplorer as wsx
from wsexplorer.live.relay_rules import Rule
from wsexplorer.widgets import RelayMonitor

server = await wsx.serve_echo()
relay = await wsx.relay(
    server.url,
    rules=[
        Rule("drop", direction="c2s", text="secret", name="drop secrets"),
        Rule("modify", direction="s2c", text="shout", replacement="SHOUT", name="shout back"),
    ],
)
monitor = RelayMonitor(relay, visible_rows=8)
monitor
"""

RELAY_CLIENTS = '''\
async def talk(messages):
    """One client through the relay: each message sent, its echo awaited (a dropped one gets none)."""
    async with wsx.connect(relay.url) as ws:
        for text in messages:
            await ws.send(text)
            if "secret" not in text:
                await ws.recv()


await talk(["hello", "a secret", "shout please"])
await talk(["second client", "shout again"])
for connection in relay.connections:
    await connection.wait_closed()

# One more client through the relay at each click (on the kernel's loop, whichever thread clicks).
loop = asyncio.get_running_loop()
another = W.Button(description="another client")
another.add_class("wsx-test-another")
another_out = W.HTML("")
another_out.add_class("wsx-test-another-out")


def _another(_button):
    n = len(relay.connections) + 1
    done = asyncio.run_coroutine_threadsafe(talk([f"client {n}"]), loop)
    said = lambda f: f"client {n}: {f.exception() or 'done'}; "  # noqa: E731
    done.add_done_callback(lambda f: setattr(another_out, "value", another_out.value + said(f)))


another.on_click(_another)
W.HBox([another, another_out])
'''

PROBE_REPORT = """\
import json

import wsexplorer as wsx
from wsexplorer.live import echo, serve
from wsexplorer.record.session import C2S
from wsexplorer.widgets import ProbeBrowser

# An echo server that breaks one rule on purpose (it never answers a ping), probed on a few cases.
CASES = ["1.1", "1.3", "2.1", "3.1", "5.1", "6.2", "7.1", "11.2", "11.11", "12.1"]
async with serve(echo, misbehave=["no-pong"]) as server:
    report = await wsx.probe(server.url, cases=CASES, timeout=0.5)
# Each case's verdict and the frames its wire log holds (all, client's), for the test to compare.
facts = {
    r.case.id: [r.verdict.value, r.session.frame_count(), r.session.frame_count(C2S)]
    if r.session
    else [r.verdict.value, 0, 0]
    for r in report.results
}
verdicts = W.HTML(json.dumps(facts))
verdicts.add_class("wsx-test-verdicts")
verdicts.layout.display = "none"
W.VBox([ProbeBrowser(report), verdicts])
"""

REPLAY_DIFF = """\
import wsexplorer as wsx
from wsexplorer.live.replay import replay
from wsexplorer.widgets import DiffViewer

# A conversation recorded against the echo server...
server = await wsx.serve_echo()
ws = await wsx.connect(server.url)
for text in ["hello", "how are you?", "bye"]:
    await ws.send(text)
    await ws.recv()
await ws.close()
await server.close()


# ...replayed against a server that answers one message differently (in 3-byte fragments) and adds one.
async def other_echo(ws):
    async for message in ws:
        if message == "how are you?":
            await ws.send("I AM FINE", fragment_size=3)
        else:
            await ws.send(message)
        if message == "bye":
            await ws.send("one more thing")


other = await wsx.serve(other_echo)
result = await replay(ws.session, other.url, answer_timeout=2.0)
await other.close()
print(result.diff.summary())
DiffViewer(result)
"""

NOTEBOOKS: dict[str, list[str]] = {
    "accept_stepper": ["from wsexplorer.widgets import AcceptStepper\n\nAcceptStepper()"],
    "handshake_explorer": ["from wsexplorer.widgets import HandshakeExplorer\n\nHandshakeExplorer()"],
    "frame_inspector": ["from wsexplorer.widgets import FrameInspector\n\nFrameInspector()"],
    "deflate_explorer": ["from wsexplorer.widgets import DeflateExplorer\n\nDeflateExplorer()"],
    "live_connection": [LIVE],
    "session_browser": [
        RECORD_SESSION,
        "from wsexplorer.widgets import SessionBrowser\n\nSessionBrowser('recorded.wsx')",
    ],
    "exercise": [EXERCISE],
    "relay_monitor": [RELAY, RELAY_CLIENTS],
    "probe_browser": [PROBE_REPORT],
    "diff_viewer": [REPLAY_DIFF],
}
"""Each widget's cells (after the probe), by the name used for its notebook and screenshots."""


def notebook(
    cells: list[str], *, kernel: str = "python3", display_name: str = "Python 3"
) -> nbformat.NotebookNode:
    """A notebook of these code cells for the kernel named ``kernel``."""
    nb: nbformat.NotebookNode = new_notebook()  # type: ignore[no-untyped-call]
    intro = "Generated by tests/browser: one widget, driven by playwright."
    nb.cells = [new_markdown_cell(intro)]  # type: ignore[no-untyped-call]
    nb.cells += [new_code_cell(source) for source in cells]  # type: ignore[no-untyped-call]
    nb.metadata["kernelspec"] = {"name": kernel, "display_name": display_name, "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    return nb


def widget_notebook(widget: str, **kernel: str) -> nbformat.NotebookNode:
    """The probe, then ``widget``'s cells (a key of :data:`NOTEBOOKS`)."""
    return notebook([PROBE, *NOTEBOOKS[widget]], **kernel)
