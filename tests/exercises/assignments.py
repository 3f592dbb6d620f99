"""Write the nbgrader assignment notebooks (notebooks/exercises/*.ipynb) from the sources in this file.

One notebook per topic: handshake, frames, fragmentation and control frames, compression. Solution
regions are marked ``### BEGIN SOLUTION`` / ``### END SOLUTION`` and test cells carry nbgrader's
metadata (``grade``, ``points``, ``grade_id``, ``locked``), so ``nbgrader generate_assignment`` makes
the student version and ``nbgrader autograde`` grades a submission. The questions come from
:mod:`wsexplorer.exercises` with the seed :data:`SEED`; the literal answers in the solution cells are
the exercises' reference answers for that seed, written here when the notebooks are generated.

    .venv/bin/python -m tests.exercises.assignments          # rewrite notebooks/exercises/*.ipynb
    .venv/bin/python -m tests.exercises.assignments --check  # exit 1 if a notebook is out of date
"""

from __future__ import annotations

import argparse
import json
import sys
import textwrap
from pathlib import Path
from typing import Any

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from wsexplorer.exercises import generate

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "notebooks" / "exercises"
SEED = 2024
"""The seed of every assignment's questions: change it (and regenerate) for a new cohort."""

STUDENT_FUNCTIONS = (ROOT / "tests" / "exercises" / "students" / "correct.py").read_text(encoding="utf-8")


def md(text: str) -> Any:
    return new_markdown_cell(textwrap.dedent(text).strip("\n"))


def _meta(cell: Any, grade_id: str, **flags: Any) -> Any:
    cell.metadata["nbgrader"] = {
        "schema_version": 3,
        "grade_id": grade_id,
        "grade": False,
        "solution": False,
        "locked": False,
        "task": False,
        **flags,
    }
    return cell


def setup(grade_id: str, text: str) -> Any:
    """A locked code cell students run but do not edit."""
    return _meta(new_code_cell(textwrap.dedent(text).strip("\n")), grade_id, locked=True)


def solution(grade_id: str, text: str) -> Any:
    """A cell with a solution region that nbgrader replaces by ``raise NotImplementedError()``."""
    return _meta(new_code_cell(textwrap.dedent(text).strip("\n")), grade_id, solution=True)


def test(grade_id: str, points: int, text: str) -> Any:
    """An autograded test cell worth ``points``."""
    return _meta(
        new_code_cell(textwrap.dedent(text).strip("\n")), grade_id, grade=True, locked=True, points=points
    )


def answer_cell(grade_id: str, name: str, kind: str) -> Any:
    """A solution cell assigning the exercise's reference answer (for :data:`SEED`) to ``name``."""
    reference = generate(kind, SEED).answer()
    lines = [f"    {json.dumps(k)}: {json.dumps(v, ensure_ascii=False)}," for k, v in reference.items()]
    body = "\n".join(["### BEGIN SOLUTION", f"{name} = {{", *lines, "}", "### END SOLUTION"])
    return _meta(new_code_cell(body), grade_id, solution=True)


def show(name: str, kind: str) -> str:
    return f'{name} = generate("{kind}", SEED)\nprint(exercise_text({name}))'


def check(name: str, answer: str) -> str:
    return f"result = {name}.check({answer})\nprint(result_text(result))\nassert result.right"


def setup_cell(*, wsx: bool = False, checker: bool = False) -> Any:
    """The locked first code cell: the imports this notebook uses, and the seed of its questions."""
    lines = ["import wsexplorer as wsx"] if wsx else []
    lines.append(
        "from wsexplorer.exercises import " + ("check_implementation, generate" if checker else "generate")
    )
    shown = "exercise_text, report_text, result_text" if checker else "exercise_text, result_text"
    lines += [
        f"from wsexplorer.render.exercises import {shown}",
        "",
        f"SEED = {SEED}  # the seed of this assignment's questions",
    ]
    return setup("setup", "\n".join(lines))


INTRO = """\
    # {title}

    {what}

    Fill in every cell that says `YOUR CODE HERE` (delete the `raise NotImplementedError()` line), then
    run the whole notebook (*Run → Run All Cells*). The cells that follow your answers check them; each
    says how many points it is worth. To practise, the same kinds of question with other numbers are in
    `wsexplorer.widgets.exercise.ExerciseWidget` (see notebooks/exercises/README.md).
"""


def _accept_solution() -> str:
    return '''
        import base64
        import binascii
        import hashlib

        GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


        def compute_accept(key):
            """The Sec-WebSocket-Accept value for the client's Sec-WebSocket-Key (RFC 6455 §4.2.2)."""
            ### BEGIN SOLUTION
            try:
                nonce = base64.b64decode(key, validate=True)
            except binascii.Error:
                raise ValueError("the key is not base64") from None
            if len(nonce) != 16:
                raise ValueError("the key must decode to 16 bytes")
            return base64.b64encode(hashlib.sha1((key + GUID).encode()).digest()).decode()
            ### END SOLUTION
    '''


def handshake() -> Any:
    return [
        md(INTRO.format(title="Assignment 1: the opening handshake", what="RFC 6455 §4: 10 points.")),
        setup_cell(checker=True),
        md("""
            ## 1. Sec-WebSocket-Accept (4 points)

            Write `compute_accept(key)`: base64 of the SHA-1 of the key text followed by the GUID
            (RFC 6455 §4.2.2 step 5.4). A server first checks that the key is 16 bytes in base64, and
            answers 400 instead of an accept when it is not (§4.2.1 item 5): raise `ValueError` for
            such a key.
        """),
        solution("accept-solution", _accept_solution()),
        test(
            "accept-rfc",
            2,
            'assert compute_accept("dGhlIHNhbXBsZSBub25jZQ==") == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="',
        ),
        test(
            "accept-checker",
            2,
            """
            report = check_implementation(globals(), functions=["compute_accept"])
            print(report_text(report))
            assert report.score == report.max_score
            """,
        ),
        md(
            "## 2. What is wrong with this request? (2 points)\n\n"
            "Answer with a dict: the header at fault, the status."
        ),
        setup("request-question", show("request_ex", "handshake.request_fault")),
        answer_cell("request-solution", "request_answer", "handshake.request_fault"),
        test("request-test", 2, check("request_ex", "request_answer")),
        md("## 3. Can the client accept this answer? (2 points)"),
        setup("response-question", show("response_ex", "handshake.response_fault")),
        answer_cell("response-solution", "response_answer", "handshake.response_fault"),
        test("response-test", 2, check("response_ex", "response_answer")),
        md("## 4. What does the server answer? (2 points)"),
        setup("negotiate-question", show("negotiate_ex", "handshake.negotiate")),
        answer_cell("negotiate-solution", "negotiate_answer", "handshake.negotiate"),
        test("negotiate-test", 2, check("negotiate_ex", "negotiate_answer")),
    ]


def _function_source(name: str) -> str:
    """One function of the correct student solution, its body as a solution region."""
    text = STUDENT_FUNCTIONS
    start = text.index(f"def {name}(")
    end = text.find("\n\n\ndef ", start)
    lines = text[start : end if end > 0 else len(text)].rstrip("\n").splitlines()
    return "\n".join([lines[0], "    ### BEGIN SOLUTION", *lines[1:], "    ### END SOLUTION"])


def frames() -> Any:
    unmask = (
        _function_source("unmask")
        .replace("    ### BEGIN SOLUTION\n", "")
        .replace("\n    ### END SOLUTION", "")
    )
    return [
        md(INTRO.format(title="Assignment 2: frames", what="RFC 6455 §5: 10 points.")),
        setup_cell(checker=True),
        md("""
            ## 1. Parse a frame (4 points)

            Write `parse_frame(data)`: one complete frame into a dict with the keys `fin`, `rsv1`, `rsv2`,
            `rsv3`, `opcode`, `masked`, `payload_length`, `masking_key` (4 bytes or `None`) and `payload`
            (unmasked). Raise an exception (any) for bytes that are not exactly one valid frame with no
            extension: cut short, a reserved opcode, an RSV bit set, a fragmented or too long control
            frame, a length not in its shortest form (RFC 6455 §5.2, §5.5).
        """),
        solution("parse-solution", unmask + "\n\n\n" + _function_source("parse_frame")),
        test(
            "parse-rfc",
            2,
            """
            parse_report = check_implementation(globals(), functions=["parse_frame"])
            print(report_text(parse_report))
            assert all(c.passed for c in parse_report.cases if c.case.group == "RFC examples")
            """,
        ),
        test("parse-all", 2, "assert parse_report.score == parse_report.max_score"),
        md("""
            ## 2. Build a frame (2 points)

            Write `build_frame(opcode, payload, fin=True, mask_key=None)`: the frame's bytes, masked with
            `mask_key` when one is given, the length in its shortest form (RFC 6455 §5.2, §5.3). Raise
            `ValueError` for a frame no endpoint may send: a reserved opcode, a control frame with
            `fin=False` or more than 125 payload bytes (§5.5), a masking key that is not 4 bytes.
        """),
        solution("build-solution", _function_source("build_frame")),
        test(
            "build-test",
            2,
            """
            build_report = check_implementation(globals(), functions=["build_frame"])
            print(report_text(build_report))
            assert build_report.score == build_report.max_score
            """,
        ),
        md("## 3. Decode a frame by hand (2 points)"),
        setup("decode-question", show("decode_ex", "frames.decode")),
        answer_cell("decode-solution", "decode_answer", "frames.decode"),
        test("decode-test", 2, check("decode_ex", "decode_answer")),
        md("## 4. Which rule does this frame break? (2 points)"),
        setup("malformed-question", show("malformed_ex", "frames.malformed")),
        answer_cell("malformed-solution", "malformed_answer", "frames.malformed"),
        test("malformed-test", 2, check("malformed_ex", "malformed_answer")),
    ]


def fragmentation() -> Any:
    return [
        md(
            INTRO.format(
                title="Assignment 3: fragmentation and control frames",
                what="RFC 6455 §5.4, §5.5, §7: 10 points.",
            )
        ),
        setup_cell(wsx=True),
        md("""
            ## 1. Reassemble a message (3 points)

            Write `reassemble(frames)`: the text of the message carried by a list of frames (as bytes),
            skipping the control frames between its fragments (RFC 6455 §5.4). `wsx.Frame.parse(data)`
            decodes one frame (`.opcode`, `.fin`, `.is_control`, `.payload`).
        """),
        solution(
            "reassemble-solution",
            '''
            def reassemble(frames):
                """The text message carried by ``frames``, control frames skipped."""
                ### BEGIN SOLUTION
                parts = []
                for data in frames:
                    frame = wsx.Frame.parse(data)
                    if frame.is_control:
                        continue
                    parts.append(frame.payload)
                    if frame.fin:
                        break
                return b"".join(parts).decode("utf-8")
                ### END SOLUTION
            ''',
        ),
        test(
            "reassemble-rfc",
            1,
            'assert reassemble([bytes.fromhex("010348656c"), bytes.fromhex("80026c6f")]) == "Hello"',
        ),
        test(
            "reassemble-ping",
            2,
            """
            stream_ex = generate("fragments.reassemble", SEED)
            message = reassemble([bytes(f) for f in stream_ex.frames])
            assert stream_ex.check({"message": message}).part("message").right
            """,
        ),
        md("""
            ## 2. Answer a ping (2 points)

            Write `pong_for(ping)`: the bytes of the pong a *server* sends for the client's ping `ping`
            (bytes of a masked ping frame): the same application data, not masked (RFC 6455 §5.5.3, §5.1).
        """),
        solution(
            "pong-solution",
            '''
            def pong_for(ping):
                """The server's pong for the client's ``ping`` frame."""
                ### BEGIN SOLUTION
                return bytes(wsx.Frame.pong(wsx.Frame.parse(ping).payload))
                ### END SOLUTION
            ''',
        ),
        test(
            "pong-test",
            2,
            'assert pong_for(bytes.fromhex("898537fa213d7f9f4d5158")) == bytes.fromhex("8a0548656c6c6f")',
        ),
        md("## 3. The frames of a message (2 points)"),
        setup("stream-question", show("stream_ex", "fragments.reassemble")),
        answer_cell("stream-solution", "stream_answer", "fragments.reassemble"),
        test("stream-test", 2, check("stream_ex", "stream_answer")),
        md("## 4. The closing handshake (3 points)"),
        setup("close-question", show("close_ex", "fragments.close")),
        answer_cell("close-solution", "close_answer", "fragments.close"),
        test("close-test", 3, check("close_ex", "close_answer")),
    ]


def compression() -> Any:
    return [
        md(INTRO.format(title="Assignment 4: permessage-deflate", what="RFC 7692: 10 points.")),
        setup_cell(),
        md("""
            ## 1. Inflate a message (3 points)

            Write `inflate(payload)`: a compressed message's payload back to the message. The sender
            removed the final `00 00 ff ff` of its sync flush; append it, then inflate raw DEFLATE data
            (`zlib.decompressobj(-15)`) (RFC 7692 §7.2.2).
        """),
        solution(
            "inflate-solution",
            '''
            import zlib


            def inflate(payload):
                """The message a permessage-deflate payload carries."""
                ### BEGIN SOLUTION
                return zlib.decompressobj(-15).decompress(payload + b"\\x00\\x00\\xff\\xff")
                ### END SOLUTION
            ''',
        ),
        test("inflate-rfc", 2, 'assert inflate(bytes.fromhex("f248cdc9c90700")) == b"Hello"'),
        test(
            "inflate-codec",
            1,
            """
            from wsexplorer.codec.extensions.permessage_deflate import PerMessageDeflateState
            from wsexplorer.codec.headers import ExtensionOffer

            state = PerMessageDeflateState(ExtensionOffer("permessage-deflate"), "server")
            assert inflate(state.compress(b"WebSocket " * 50)) == b"WebSocket " * 50
            """,
        ),
        md("""
            ## 2. Compress a message (2 points)

            Write `deflate(message)`: compress, end with a sync flush (`zlib.Z_SYNC_FLUSH`), and drop the
            final `00 00 ff ff` (RFC 7692 §7.2.1).
        """),
        solution(
            "deflate-solution",
            '''
            def deflate(message):
                """The permessage-deflate payload of ``message``."""
                ### BEGIN SOLUTION
                compressor = zlib.compressobj(6, zlib.DEFLATED, -15)
                data = compressor.compress(message) + compressor.flush(zlib.Z_SYNC_FLUSH)
                return data[:-4]
                ### END SOLUTION
            ''',
        ),
        test(
            "deflate-test",
            2,
            """
            from wsexplorer.codec.extensions.permessage_deflate import inspect_compressed

            payload = deflate(b"Hello, Hello, Hello")
            assert not payload.endswith(b"\\x00\\x00\\xff\\xff")
            assert inspect_compressed(payload).inflated == b"Hello, Hello, Hello"
            """,
        ),
        md("## 3. Which frames carry RSV1? (2 points)"),
        setup("rsv1-question", show("rsv1_ex", "deflate.rsv1")),
        answer_cell("rsv1-solution", "rsv1_answer", "deflate.rsv1"),
        test("rsv1-test", 2, check("rsv1_ex", "rsv1_answer")),
        md("## 4. What the parameters mean (3 points)"),
        setup("params-question", show("params_ex", "deflate.params")),
        answer_cell("params-solution", "params_answer", "deflate.params"),
        test("params-test", 3, check("params_ex", "params_answer")),
    ]


ASSIGNMENTS = {
    "handshake": handshake,
    "frames": frames,
    "fragmentation": fragmentation,
    "compression": compression,
}
"""Assignment name -> its cells; the notebook is notebooks/exercises/<name>.ipynb."""


def build(name: str) -> Any:
    nb = new_notebook(cells=ASSIGNMENTS[name]())
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3 (ipykernel)",
        "language": "python",
    }
    nb.metadata["language_info"] = {"name": "python"}
    for i, cell in enumerate(nb.cells):
        cell.id = f"{name}-{i:02d}"
    return nb


def text(name: str) -> str:
    return nbformat.writes(build(name)) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if a notebook is out of date")
    args = parser.parse_args(argv)
    stale = []
    for name in ASSIGNMENTS:
        path = OUT / f"{name}.ipynb"
        wanted = text(name)
        if args.check:
            if not path.is_file() or path.read_text(encoding="utf-8") != wanted:
                stale.append(path.name)
        else:
            OUT.mkdir(parents=True, exist_ok=True)
            path.write_text(wanted, encoding="utf-8")
    if stale:
        print(
            "out of date:", ", ".join(stale), "(run python -m tests.exercises.assignments)", file=sys.stderr
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
