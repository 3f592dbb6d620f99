"""Write the classroom notebooks (notebooks/NN_*.ipynb) from the sources in this file.

The notebooks are generated so that their sources stay reviewable as plain Python and Markdown, and so
that every notebook is committed in the same shape: outputs cleared, stable cell ids, the same kernel
metadata. Edit a notebook here, then run

    .venv/bin/python notebooks/_build/make_notebooks.py          # rewrite notebooks/*.ipynb
    .venv/bin/python notebooks/_build/make_notebooks.py --check  # exit 1 if a notebook is out of date

Cells tagged ``widget`` display one widget from :mod:`wsexplorer.widgets`; each comes after prose and
plain-code cells that show the same objects without widgets, so a notebook still teaches when widgets
do not render (a static view, a terminal). tests/notebooks/test_notebooks.py executes every notebook and
checks what its cells show.
"""

from __future__ import annotations

import argparse
import sys
import textwrap
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

HERE = Path(__file__).resolve().parent
NOTEBOOKS = HERE.parent

Cell = nbformat.NotebookNode


def md(*parts: str) -> Cell:
    """A Markdown cell; each part is dedented on its own, and parts are separated by a blank line."""
    return new_markdown_cell("\n\n".join(textwrap.dedent(p).strip("\n") for p in parts))


def code(text: str, *tags: str) -> Cell:
    cell = new_code_cell(textwrap.dedent(text).strip("\n"))
    if tags:
        cell.metadata["tags"] = list(tags)
    return cell


def widget(text: str) -> Cell:
    """A cell that displays one widget (tagged, so the tests check that a widget view came out)."""
    return code(text, "widget")


RFC6455 = "https://www.rfc-editor.org/rfc/rfc6455"
RFC7692 = "https://www.rfc-editor.org/rfc/rfc7692"


def table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> str:
    """A Markdown table (built here so that long rows do not make long source lines)."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


NEXT_TABLE = table(
    ("notebook", "what you will see"),
    [
        (
            "[01_handshake](01_handshake.ipynb)",
            "key → accept by hand, request and response, every refusal: 400, wrong accept, 403, 426",
        ),
        (
            "[02_frames](02_frames.ipynb)",
            "frame anatomy, masking and why it exists, length forms, fragmentation, control frames, "
            "close codes",
        ),
        (
            "[03_live](03_live.ipynb)",
            "live connections; the Python `websockets`, Node `ws` and browser examples side by side",
        ),
        (
            "[04_compression](04_compression.ipynb)",
            "permessage-deflate: negotiation, context takeover, window bits",
        ),
        (
            "[05_errors_and_security](05_errors_and_security.ipynb)",
            "malformed frames, Origin and 403, size limits, decompression bombs, wss and certificates",
        ),
        (
            "[06_explore_a_server](06_explore_a_server.ipynb)",
            "a template to explore any server: change one URL",
        ),
    ],
)


# ------------------------------------------------------------------------------------------------------
# 00_tour
# ------------------------------------------------------------------------------------------------------


def tour() -> list[Cell]:
    return [
        md(
            f"""
            # A five-minute tour of the WebSocket protocol

            A WebSocket connection lets a program (often a web page) and a server send each other messages
            at any moment, in both directions, over one TCP connection. It starts as an ordinary HTTP request
            that asks to **upgrade**; after the server's `101 Switching Protocols` answer the same connection
            carries **frames**, small binary headers each followed by a payload, until one side sends a
            **close** frame. The rules are [RFC 6455]({RFC6455}) (the protocol) and
            [RFC 7692]({RFC7692}) (compression); the sections cited below (§) are from them.

            **How to use this notebook.** Run the cells from top to bottom with
            <kbd>Shift</kbd>+<kbd>Enter</kbd> (or *Run → Run All Cells*). Everything stays on this computer:
            the server we talk to is started *inside* the notebook on `127.0.0.1`, the loopback address that
            never leaves the machine. Cells with buttons and sliders are widgets: play with them, they cannot
            break anything.
            """
        ),
        code("import wsexplorer as wsx"),
        md(
            """
            ## 1. The opening handshake: key → accept

            The client sends 16 random bytes, base64-encoded, in the `Sec-WebSocket-Key` header. The server
            appends a fixed GUID to that text, hashes it with SHA-1 and sends back the base64 of the digest
            as `Sec-WebSocket-Accept` (RFC 6455 §4.2.2 step 5.4). A client that gets any other value
            aborts (§4.1). The point is not secrecy (anyone can compute it) but proof that the answer comes
            from a server that understood *this* WebSocket request, not from a cache or a plain web server.
            The example key is the one of RFC 6455 §1.3.
            """
        ),
        code(
            """
            KEY = "dGhlIHNhbXBsZSBub25jZQ=="
            print("Sec-WebSocket-Accept:", wsx.accept_key(KEY))
            wsx.AcceptComputation(KEY)  # the same computation, step by step
            """
        ),
        md("Type another key into the stepper and walk through the steps one at a time:"),
        widget(
            """
            from wsexplorer.widgets import AcceptStepper

            AcceptStepper(key=KEY)
            """
        ),
        md(
            """
            ## 2. The request and the response

            The client's request is plain HTTP/1.1 text: a `GET` line, then headers. `Upgrade: websocket`
            and `Connection: Upgrade` ask to switch protocols; `Origin` names the web site whose page opened
            the connection; `Sec-WebSocket-Protocol` lists application protocols the client speaks, in order
            of preference (§4.1). Each line below knows its byte range, whether it is required, and why.
            """
        ),
        code(
            """
            request = wsx.HandshakeRequest.build(
                "ws://server.example.com/chat",
                origin="http://example.com",
                subprotocols=["chat", "superchat"],
                key=KEY,
            )
            request
            """
        ),
        md(
            """
            A server checks the request in a fixed order (§4.2.1) and either switches protocols (`101`) or
            refuses with an HTTP error status. This server speaks only the `chat` subprotocol:
            """
        ),
        code(
            """
            decision = wsx.decide(request, wsx.ServerPolicy(subprotocols=["chat"]))
            print(wsx.describe(decision))
            print()
            print(bytes(decision.response).decode())
            """
        ),
        md("Edit the request and the server's policy, and watch the answer change:"),
        widget(
            """
            from wsexplorer.widgets import HandshakeExplorer

            HandshakeExplorer()
            """
        ),
        md(
            """
            ## 3. A frame, bit by bit

            After the `101`, HTTP is over: both sides send frames. Here is the example of RFC 6455 §5.7, a
            text frame carrying `Hello` as a client sends it. The first byte holds FIN (last fragment of
            the message), three reserved bits and the 4-bit opcode (`0x1`: text); the second holds the
            MASK bit and a 7-bit payload length; then come the 4-byte masking key and the masked payload
            (§5.2).
            """
        ),
        code(
            """
            frame = wsx.Frame.parse(bytes.fromhex("81 85 37 fa 21 3d 7f 9f 4d 51 58"))
            frame
            """
        ),
        md(
            """
            A client XORs every payload byte with one of the four key bytes in turn (§5.3); XOR-ing again
            with the same key gives the text back. We will see in `02_frames` *why* clients mask.
            """
        ),
        code(
            """
            key, masked = frame.masking_key, frame.masked_payload
            print("masking key:", key.hex(" "))
            print("on the wire:", masked.hex(" "))
            print("unmasked:   ", bytes(b ^ key[i % 4] for i, b in enumerate(masked)))
            """
        ),
        widget(
            """
            from wsexplorer.widgets import FrameInspector

            FrameInspector(frame)
            """
        ),
        md(
            """
            ## 4. A live connection

            Now a real conversation over TCP. `serve_echo()` starts a WebSocket server that sends every
            message back; it runs in this notebook's own event loop, which is why we write `await` directly
            in a cell (a Jupyter kernel allows this; `asyncio.run()` would fail here because a loop is
            already running). Port 0 lets the operating system choose a free port.
            """
        ),
        code(
            """
            server = await wsx.serve_echo()  # 127.0.0.1, a free port
            ws = await wsx.connect(server.url)
            await ws.send("Hello Server!")
            print("Received:", await ws.recv())
            print("server:", server.url, "| negotiated extensions:", ws.session.meta["extensions"])
            """
        ),
        md(
            "Now from a widget: send your own messages, ping, close. Without a URL it starts its own local "
            "echo server, which stays up as long as the widget does:"
        ),
        widget(
            """
            from wsexplorer.widgets import LiveConnection

            LiveConnection()
            """
        ),
        md(
            """
            ## 5. The recorded session

            Every byte that crossed the connection was recorded with its time and direction, before
            anything decoded it. The frames are rebuilt from those bytes: client frames are masked (`M`),
            server frames are not; `1` means RSV1 is set, which marks a compressed message.
            """
        ),
        code(
            """
            for record in ws.session.frames():
                print(f"{record.direction_name:15} {record.frame}")
            """
        ),
        widget(
            """
            from wsexplorer.widgets import SessionBrowser

            SessionBrowser(ws.session)
            """
        ),
        md(
            """
            ## 6. Compression in one cell

            The client offered `permessage-deflate` in its handshake and the server accepted (RFC 7692).
            A repetitive message shrinks a lot on the wire; `04_compression` shows how.
            """
        ),
        code(
            """
            text = "WebSocket frames are small. " * 40
            await ws.send(text)
            assert await ws.recv() == text
            sent = [r.frame for r in ws.session.frames() if r.direction_name == "client→server"][-1]
            print(
                f"{len(text.encode())} bytes of text travelled as a {sent.payload_length}-byte payload "
                f"(RSV1 = {int(sent.rsv1)}: compressed)"
            )
            """
        ),
        md(
            """
            ## 7. An error case: a refused origin

            A browser always says which site's page opens a connection (the `Origin` header), and a server
            should refuse sites it does not know (RFC 6455 §10.2) with `403 Forbidden`. There is then no
            WebSocket connection at all: the client gets an HTTP error instead of `101`.
            """
        ),
        code(
            """
            strict = await wsx.serve_echo(origins=["https://classroom.example"])
            try:
                await wsx.connect(strict.url, origin="https://evil.example")
            except wsx.HandshakeError as err:
                print("refused with HTTP", err.http_status)
                print(bytes(err.response).decode())
            """
        ),
        md(
            """
            ## 8. Closing

            Either side sends a close frame with a status code (1000: normal closure); the other answers with
            its own close frame, then the server closes TCP (§7.1). Closing the servers ends the tour.
            """
        ),
        code(
            """
            await ws.close()
            print("close code:", ws.close_code)
            print(wsx.describe(ws.session.summary()))
            await strict.close()
            await server.close()
            print("closed:", server, strict)
            """
        ),
        md("## Where to go next", NEXT_TABLE),
    ]


# ------------------------------------------------------------------------------------------------------
# 01_handshake
# ------------------------------------------------------------------------------------------------------

REFUSALS_TABLE = table(
    ("what went wrong", "who notices", "answer", "RFC 6455"),
    [
        (
            "not a WebSocket request (no `Upgrade: websocket`)",
            "server",
            "`400 Bad Request`",
            "§4.2.1, §4.2.2",
        ),
        ("server does not speak WebSocket", "client", "any status but 101: fail", "§4.1"),
        ("wrong `Sec-WebSocket-Accept`", "client", "abort, no frame is ever sent", "§4.1"),
        ("`Origin` not allowed", "server", "`403 Forbidden`", "§4.2.2, §10.2"),
        (
            "`Sec-WebSocket-Version` not 13",
            "server",
            "`426 Upgrade Required` + `Sec-WebSocket-Version: 13`",
            "§4.4",
        ),
    ],
)


def handshake() -> list[Cell]:
    return [
        md(
            """
            # 01 · The opening handshake

            Every WebSocket connection begins as an HTTP request that asks the server to switch protocols
            (RFC 6455 §1.3, §4). This design lets WebSocket use the same ports as the web (80 and 443) and
            pass through the proxies and load balancers built for HTTP. In this notebook you will:

            1. compute `Sec-WebSocket-Accept` from `Sec-WebSocket-Key` by hand;
            2. read the request and the response line by line, and check them as a server and a client do;
            3. run the same handshake over a real TCP connection;
            4. break it in every way the reference lists: `400`, a wrong accept value, `403`, and `426`.
            """
        ),
        code(
            """
            import asyncio
            import base64
            import hashlib

            import wsexplorer as wsx
            from wsexplorer.codec.accept import GUID
            from wsexplorer.errors import InvalidAccept
            """
        ),
        md(
            """
            ## 1. Key → accept, by hand

            The client picks 16 random bytes and sends them base64-encoded (§4.1 item 7). The server takes
            that **text** as sent (it does not decode it), appends the fixed GUID
            `258EAFA5-E914-47DA-95CA-C5AB0DC85B11`, computes SHA-1 and base64-encodes the 20-byte digest
            (§4.2.2 step 5.4). Three lines of Python:
            """
        ),
        code(
            """
            KEY = "dGhlIHNhbXBsZSBub25jZQ=="  # the example key of RFC 6455 §1.3
            digest = hashlib.sha1((KEY + GUID).encode("ascii")).digest()
            print("SHA-1 digest:", digest.hex(" "))
            print("base64:      ", base64.b64encode(digest).decode())
            print("library:     ", wsx.accept_key(KEY))
            """
        ),
        md(
            """
            The library shows the same steps, and checks what the server must check first: the key must
            decode to exactly 16 bytes (§4.2.1 item 5).
            """
        ),
        code("wsx.AcceptComputation(KEY)"),
        widget(
            """
            from wsexplorer.widgets import AcceptStepper

            AcceptStepper(key=KEY)
            """
        ),
        md(
            """
            Why a hash at all? A server that is not a WebSocket server, or a cache that replays an old answer,
            cannot produce the right value for a fresh key, so the client never mistakes an HTTP reply for a
            WebSocket connection. It is **not** authentication: anyone can compute it. Protection against an
            attacker in the middle comes from TLS (`wss://`, see `05_errors_and_security`).

            ## 2. The request and the response, line by line

            This is the request of the reference text. The required headers are `Host`, `Upgrade: websocket`,
            `Connection: Upgrade`, `Sec-WebSocket-Key` and `Sec-WebSocket-Version: 13` (§4.1); `Origin` and
            `Sec-WebSocket-Protocol` are optional.
            """
        ),
        code(
            """
            request = wsx.HandshakeRequest.build(
                "ws://server.example.com/chat",
                origin="http://example.com",
                subprotocols=["chat", "superchat"],
                key=KEY,
            )
            print(bytes(request).decode())
            request
            """
        ),
        md(
            """
            The server runs its checks in order and stops at the first failure (§4.2.1): method and HTTP
            version, `Host`, `Upgrade` and `Connection`, the version, the key, then its own policy (origin,
            subprotocol). Here it accepts and chooses `chat`, the first of *its* preferences that the client
            offered (§4.2.2).
            """
        ),
        code(
            """
            decision = wsx.decide(request, wsx.ServerPolicy(subprotocols=["chat"]))
            response = decision.response
            print(wsx.describe(decision))
            print()
            print(bytes(response).decode())
            """
        ),
        md(
            """
            The client checks the answer just as carefully (§4.1): status 101, `Upgrade` and `Connection`,
            the accept value, and that the chosen subprotocol and extensions are ones it offered.
            """
        ),
        code("wsx.check_response(request, response)"),
        md(
            """
            Change the request or the server's policy and see which check decides. The explorer's list of
            cases also has every failure of section 4 below, one click away.
            """
        ),
        widget(
            """
            from wsexplorer.widgets import HandshakeExplorer

            HandshakeExplorer()
            """
        ),
        md(
            """
            ## 3. The same handshake over TCP

            `serve_echo()` starts a WebSocket server in this notebook (on `127.0.0.1`, at a free port) and
            `connect()` opens a client connection to it; both record every byte. Only the key (random this
            time) and the `Host` (with its port) differ from the example above.
            """
        ),
        code(
            """
            server = await wsx.serve_echo(subprotocols=["chat"])
            url = server.url + "chat"
            ws = await wsx.connect(url, origin="http://example.com", subprotocols=["chat", "superchat"])
            print(bytes(ws.request).decode())
            print(bytes(ws.response).decode())
            print("subprotocol:", ws.subprotocol)
            await ws.close()
            """
        ),
        md(
            """
            Our client offered `permessage-deflate` compression too (the `Sec-WebSocket-Extensions` header);
            `04_compression` is about that.

            ## 4. When the handshake fails

            The reference lists what can go wrong. For each case we look at the decision itself, then at a
            real exchange. To send requests that our client would never write, this helper opens a plain TCP
            connection, writes bytes as they are, and returns everything the server answers.
            """
        ),
        code(
            """
            async def raw_exchange(server, data: bytes) -> bytes:
                reader, writer = await asyncio.open_connection(server.host, server.port)
                writer.write(data)
                answer = await reader.read()  # until the server closes the connection
                writer.close()
                await writer.wait_closed()
                return answer
            """
        ),
        md(
            """
            ### 4a. Not a WebSocket request: `400 Bad Request`

            A browser loading a page sends a `GET` without `Upgrade: websocket`. A WebSocket server answers
            `400 Bad Request` (§4.2.1 item 3, §4.2.2): this request is not something it can serve.
            """
        ),
        code(
            """
            page_request = b"GET /chat HTTP/1.1\\r\\nHost: server.example.com\\r\\n\\r\\n"
            print(wsx.describe(wsx.decide(wsx.HandshakeRequest.parse(page_request))))
            print()
            print((await raw_exchange(server, page_request)).decode())
            """
        ),
        md(
            """
            The other way round: the client reaches a server that does not speak WebSocket at all. Here is a
            tiny web server that knows only the page `/`; it answers `200 OK` there and `404 Not Found`
            elsewhere. Neither is `101`, so the client fails the connection (§4.1: "If the status code
            received from the server is not 101, the client handles the response per HTTP [RFC2616]
            procedures", for example a redirect or an authentication request).
            """
        ),
        code(
            """
            async def web_page_only(reader, writer):
                head = await reader.readuntil(b"\\r\\n\\r\\n")
                found = head.startswith(b"GET / ")
                body = b"<h1>Just a web page</h1>" if found else b"no such page"
                status = b"200 OK" if found else b"404 Not Found"
                writer.write(b"HTTP/1.1 %s\\r\\nContent-Length: %d\\r\\n\\r\\n%s" % (status, len(body), body))
                await writer.drain()
                writer.close()


            web = await asyncio.start_server(web_page_only, "127.0.0.1", 0)
            web_port = web.sockets[0].getsockname()[1]
            for path in ("/", "/chat"):
                try:
                    await wsx.connect(f"ws://127.0.0.1:{web_port}{path}")
                except wsx.HandshakeError as err:
                    print(f"{path:6} HTTP {err.http_status}: {err.rule}")
            """
        ),
        md(
            """
            ### 4b. A wrong `Sec-WebSocket-Accept`: the client aborts

            If the accept value is not the one the client computed, the client must fail the connection
            (§4.1) and send no frame at all. First the check alone, with an answer made for another key:
            """
        ),
        code(
            """
            forged = wsx.HandshakeResponse.switching_protocols("AAAAAAAAAAAAAAAAAAAAAA==", subprotocol="chat")
            check = wsx.check_response(request, forged)
            print(wsx.describe(check))
            """
        ),
        md(
            """
            Then live: this server is told to misbehave and to send a wrong value (the misbehaviours exist
            only for teaching; each is off unless asked for).
            """
        ),
        code(
            """
            liar = await wsx.serve_echo(misbehave=["wrong-accept"])
            try:
                await wsx.connect(liar.url)
            except InvalidAccept as err:
                print(type(err).__name__ + ":", err)
                print("frames sent by the client:", err.session.frame_count())
            """
        ),
        md(
            """
            ### 4c. An origin the server does not allow: `403 Forbidden`

            Browsers always send `Origin` (§4.1 item 8). A server that serves only its own pages should refuse
            other sites with `403 Forbidden` (§4.2.2, §10.2). Note that only browsers are held to the truth:
            any other program can write any `Origin` it likes.
            """
        ),
        code(
            """
            print(wsx.describe(wsx.decide(request, wsx.ServerPolicy(origins=["https://chat.example.com"]))))
            print()
            guarded = await wsx.serve_echo(origins=["https://chat.example.com"])
            try:
                await wsx.connect(guarded.url, origin="http://example.com")
            except wsx.HandshakeError as err:
                print(bytes(err.response).decode())
            """
        ),
        md(
            """
            ### 4d. A version the server does not speak: `426 Upgrade Required`

            RFC 6455 is version 13. A server that does not understand the client's version answers
            `426 Upgrade Required` and lists the versions it does speak in `Sec-WebSocket-Version` (§4.4),
            so the client can try again. The version is checked before the key, because another version
            might define the key differently.
            """
        ),
        code(
            """
            old = wsx.HandshakeRequest.build(server.url, version="12")
            print(wsx.describe(wsx.decide(old)))
            print()
            print((await raw_exchange(server, bytes(old))).decode())
            """
        ),
        md(
            "## Summary",
            REFUSALS_TABLE,
            "Every refused attempt was recorded by the server too: one session per TCP connection.",
        ),
        code(
            """
            for s in server.sessions + liar.sessions + guarded.sessions:
                print(s.response.start_line.text if s.response else "(no response)", "|", s)
            web.close()
            await web.wait_closed()
            for srv in (server, liar, guarded):
                await srv.close()
            print("closed:", server, liar, guarded)
            """
        ),
    ]


# ------------------------------------------------------------------------------------------------------
# 02_frames
# ------------------------------------------------------------------------------------------------------

FRAME_DIAGRAM = """
```
 0                   1                   2                   3
 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
+-+-+-+-+-------+-+-------------+-------------------------------+
|F|R|R|R| opcode|M| Payload len |    Extended payload length    |
|I|S|S|S|  (4)  |A|     (7)     |             (16/64)           |
|N|V|V|V|       |S|             |   (if payload len==126/127)   |
| |1|2|3|       |K|             |                               |
+-+-+-+-+-------+-+-------------+ - - - - - - - - - - - - - - - +
|     Extended payload length continued, if payload len == 127  |
+ - - - - - - - - - - - - - - - +-------------------------------+
|                               |Masking-key, if MASK set to 1  |
+-------------------------------+-------------------------------+
| Masking-key (continued)       |          Payload Data         |
+-------------------------------- - - - - - - - - - - - - - - - +
:                     Payload Data continued ...                :
+ - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - +
|                     Payload Data continued ...                |
+---------------------------------------------------------------+
```
*The base framing protocol, from RFC 6455 §5.2.*
"""

OPCODES_TABLE = table(
    ("opcode", "frame", "kind"),
    [
        ("`0x0`", "continuation: the next fragment of a message", "data"),
        ("`0x1`", "text (UTF-8)", "data"),
        ("`0x2`", "binary", "data"),
        ("`0x3`-`0x7`", "reserved: a receiver fails the connection (1002)", "data"),
        ("`0x8`", "close", "control"),
        ("`0x9`", "ping", "control"),
        ("`0xA`", "pong", "control"),
        ("`0xB`-`0xF`", "reserved: a receiver fails the connection (1002)", "control"),
    ],
)


def frames() -> list[Cell]:
    return [
        md(
            """
            # 02 · Frames

            After the handshake, everything travels in **frames** (RFC 6455 §5). A frame is a header of 2 to
            14 bytes followed by a payload. A **message** (one text or one binary value, as the application
            sees it) is one frame or several; **control frames** (close, ping, pong) manage the connection.
            This notebook needs no network at all: we build frames, parse them and feed them to the protocol
            state machine, byte by byte.
            """
        ),
        code(
            """
            import wsexplorer as wsx
            from wsexplorer.codec.close import close_code_problem, describe_close_code
            from wsexplorer.codec.masking import apply_mask


            def show_fields(frame):
                \"\"\"One line per field: its name, where it is, its bits (or bytes), and its meaning.\"\"\"
                for field in frame.fields:
                    value = field.bits or field.raw.hex(" ")
                    print(f"{field.name:>15}  {field.span!s:<12} {value:<16} {field.meaning}")
            """
        ),
        md(
            """
            ## 1. Anatomy

            Here is the header as the RFC draws it: bit 0 of the frame is on the left, 32 bits per row.
            """,
            FRAME_DIAGRAM,
            """
            The smallest example from RFC 6455 §5.7 is an unmasked text frame carrying `Hello`, as a server
            sends it: `81 05 48 65 6c 6c 6f`. Byte `0x81` is `1000 0001` in bits: FIN = 1 (this is the last
            fragment, here the only one), RSV1-3 = 0, opcode = `0001` (text). Byte `0x05` is `0000 0101`:
            MASK = 0 and a payload length of 5.
            """,
        ),
        code(
            """
            hello = wsx.Frame.parse(bytes.fromhex("81 05 48 65 6c 6c 6f"))
            print(f"byte 0 = {bytes(hello)[0]:08b}, byte 1 = {bytes(hello)[1]:08b}")
            show_fields(hello)
            """
        ),
        md(
            """
            The same text as a client sends it (RFC 6455 §5.7 again): the MASK bit is set, a 4-byte masking
            key follows the length, and the payload is scrambled with it. The colours show which bits belong
            to which field.
            """
        ),
        code(
            """
            masked_hello = wsx.Frame.parse(bytes.fromhex("81 85 37 fa 21 3d 7f 9f 4d 51 58"))
            masked_hello
            """
        ),
        widget(
            """
            from wsexplorer.widgets import FrameInspector

            FrameInspector(masked_hello)
            """
        ),
        md(
            "The opcode says what the payload is (§5.2, §11.8):",
            OPCODES_TABLE,
            """
            The three RSV bits must be 0 unless an extension gives them a meaning; permessage-deflate uses
            RSV1 to mark a compressed message (RFC 7692 §6). A receiver that meets a reserved opcode or an
            unexpected RSV bit fails the connection with close code 1002 (§5.2):
            """,
        ),
        code(
            """
            odd = wsx.Frame.build(0x3, b"oops", rsv2=True)
            print(odd)
            for violation in odd.check(sender="server"):
                print(" -", violation)
            """
        ),
        md(
            """
            ## 2. Masking, and why it exists

            **How.** A client picks a fresh, unpredictable 4-byte key for *every* frame and XORs payload byte
            `i` with key byte `i mod 4` (§5.3). Applying the same XOR again restores the payload, so masking
            is *not* encryption: the key is right there in the header.
            """
        ),
        code(
            """
            key, on_wire = masked_hello.masking_key, masked_hello.masked_payload
            print("key:         ", key.hex(" "))
            print("on the wire: ", on_wire.hex(" "))
            print("XOR by hand: ", bytes(b ^ key[i % 4] for i, b in enumerate(on_wire)))
            print("apply_mask:  ", apply_mask(on_wire, key))
            """
        ),
        md(
            """
            **Why.** Masking protects the *network*, not the message (§10.3). In 2010 researchers showed that
            some transparent proxies did not understand `Upgrade` and kept reading a WebSocket connection as
            HTTP. A script on an attacker's page could then open a WebSocket to the attacker's own server and
            send bytes that *look like* an HTTP request for, say, a popular site's JavaScript file; the
            attacker's server "answered" with its own file, and the proxy stored that file in its cache under
            the popular site's URL, serving it to everyone behind the proxy: **cache poisoning**
            (Huang, Chen, Barth, Rescorla and Jackson, *Talking to Yourself for Fun and Profit*, 2010, the
            paper RFC 6455 cites).

            Because the browser, not the page's script, chooses the key, and chooses it anew for each frame,
            the script cannot decide which bytes appear on the wire. Only client-to-server frames are masked:
            the attack needs a sender that runs untrusted code, and that is the browser. Compare:
            """
        ),
        code(
            """
            lookalike = b"GET /app.js HTTP/1.1\\r\\nHost: popular.example\\r\\n\\r\\n"
            unmasked = wsx.Frame.binary(lookalike)
            masked = wsx.Frame.binary(lookalike, mask=True)  # a fresh random key, as a browser does
            print("unmasked:", bytes(unmasked)[:30], "...")
            print("masked:  ", bytes(masked)[:30], "...")
            print("'GET /' on the wire, unmasked:", b"GET /" in bytes(unmasked))
            print("'GET /' on the wire, masked:  ", b"GET /" in bytes(masked))
            """
        ),
        md(
            """
            The rule is strict both ways (§5.1): a server fails the connection when a client frame is not
            masked, and a client fails it when a server frame is masked, both with close code 1002.
            """
        ),
        code(
            """
            for sender, frame in [("client", unmasked), ("server", masked)]:
                for violation in frame.check(sender=sender):
                    print(f"sent by the {sender}: {violation}")
            """
        ),
        md(
            """
            ## 3. Three ways to write the length

            The 7-bit length field holds 0 to 125 directly. The value 126 means "the real length follows in
            the next 2 bytes" (up to 65,535), and 127 means "in the next 8 bytes" (§5.2). The header therefore
            grows from 2 to 4 or 10 bytes, plus 4 for a client's masking key.
            """
        ),
        code(
            """
            for size in (0, 5, 125, 126, 65_535, 65_536, 1_000_000):
                frame = wsx.Frame.binary(bytes(size))
                header = bytes(frame)[: frame.header_length]
                print(f"{size:>9,} bytes: {frame.length_form.label:>6} form, header {header.hex(' ')}")
            """
        ),
        md(
            """
            Two rules keep the encoding unambiguous: the shortest form must be used, and in the 64-bit form
            the most significant bit must be 0 (§5.2). Both are protocol errors (1002):
            """
        ),
        code(
            """
            long_form = wsx.Frame.text("Hello", length_form="64-bit")
            print(bytes(long_form).hex(" "), "->", long_form.violations[0])
            top_bit = wsx.Frame.parse(bytes.fromhex("82 7f 80 00 00 00 00 00 00 05"), allow_truncated=True)
            print(bytes(top_bit).hex(" "), "->", top_bit.violations[0])
            """
        ),
        md(
            """
            ## 4. Fragmentation

            A message may be split into several frames (§5.4): the first carries the opcode (text or binary)
            with FIN = 0, the following ones are **continuation** frames (`0x0`), and the last has FIN = 1.
            This lets a sender start before it knows the whole message's size, and lets control frames slip
            in between fragments, so a huge message never delays a ping or a close.

            The example of RFC 6455 §5.7 sends `Hello` as `Hel` + `lo`. We put a ping between the two
            fragments and feed the bytes to a client-side `Connection`, the protocol state machine with no
            I/O (`opened=True`: the handshake is over, frames only).
            """
        ),
        code(
            """
            first = bytes.fromhex("01 03 48 65 6c")  # FIN=0, text, "Hel"
            last = bytes.fromhex("80 02 6c 6f")  # FIN=1, continuation, "lo"
            ping = bytes(wsx.Frame.ping(b"?"))
            client = wsx.Connection("client", opened=True)
            client.receive_data(first + ping + last)
            for event in client.events():
                print(event)
            print("the client answered at once with:", wsx.FrameParser().feed(client.data_to_send()))
            """
        ),
        md("A sender chooses the fragment size; each fragment is an ordinary frame:"),
        code(
            """
            sender = wsx.Connection("server", opened=True)
            sender.send_text("Fragments are ordinary frames.", fragment_size=8)
            for frame in wsx.FrameParser().feed(sender.data_to_send()):
                print(frame)
            """
        ),
        md(
            """
            Fragments of two messages must not interleave, and a continuation needs a message to continue
            (§5.4). A receiver fails the connection with 1002 otherwise:
            """
        ),
        code(
            """
            broken = {
                "continuation with nothing to continue": "80 02 6c 6f",
                "new text frame inside a fragmented message": "01 03 48 65 6c 81 02 6c 6f",
            }
            for name, data in broken.items():
                receiver = wsx.Connection("client", opened=True)
                receiver.receive_data(bytes.fromhex(data))
                failure = next(e for e in receiver.events() if type(e).__name__ == "ConnectionFailed")
                print(f"{name}: close {failure.error.close_code}: {failure.error.rule}")
            """
        ),
        md(
            """
            ## 5. Control frames

            **Ping** (`0x9`) asks the peer to answer with a **pong** (`0xA`) carrying the same payload
            (§5.5.2, §5.5.3): a keepalive and a way to measure the round trip. **Close** (`0x8`) starts or
            answers the closing handshake (§5.5.1). Control frames may carry at most 125 bytes and must never
            be fragmented (§5.5), so that they always fit in one small frame:
            """
        ),
        code(
            """
            controls = [
                wsx.Frame.ping(b"x" * 126),
                wsx.Frame.build(0x9, b"x", fin=False),
                wsx.Frame.pong(b"x" * 125),
            ]
            for frame in controls:
                problems = frame.check(sender="server")
                print(frame, "->", "; ".join(v.rule for v in problems) or "valid")
            """
        ),
        md(
            """
            ## 6. Close frames and close codes

            A close frame's payload is empty, or a 2-byte status code (big-endian) followed by an optional
            UTF-8 reason (§5.5.1). The codes are defined in §7.4.1 and registered with IANA (§11.7). Three of
            them describe what *happened* and are never sent: 1005 (the close frame had no code), 1006 (the
            connection dropped without a close frame) and 1015 (TLS failed).
            """
        ),
        code(
            """
            show_fields(wsx.Frame.close(1000, "bye"))
            print()
            for code in wsx.CloseCode:
                on_wire = "never sent" if close_code_problem(code) else "sent"
                print(f"{int(code)}  {code.name:<21} {on_wire:<10} {describe_close_code(code)}")
            print("4000-4999: ", describe_close_code(4000))
            """
        ),
        md("A close frame can be malformed too:"),
        code(
            """
            bad_closes = {
                "1-byte payload": wsx.Frame.build(0x8, b"\\x03"),
                "code 1005 on the wire": wsx.Frame.close(1005),
                "reason not UTF-8": wsx.Frame.close(1000, b"\\xff"),
            }
            for name, frame in bad_closes.items():
                for violation in frame.check(sender="server"):
                    print(f"{name}: close code {violation.close_code}: {violation.rule}")
            """
        ),
        md("Try any frame in the inspector: paste hex bytes, or build one and call `inspector.show(frame)`."),
        widget(
            """
            from wsexplorer.widgets import FrameInspector

            inspector = FrameInspector()
            inspector.show(wsx.Frame.close(1001, "going away"))
            inspector
            """
        ),
        md(
            """
            **Next:** `03_live` sends frames over a real connection; `05_errors_and_security` sends the
            malformed ones above to real servers and watches them react.
            """
        ),
    ]


# ------------------------------------------------------------------------------------------------------
# 03_live
# ------------------------------------------------------------------------------------------------------

SEED_PYTHON = """
```python
import asyncio
import websockets

async def handler(websocket, path):
    async for message in websocket:
        print(f"Received: {message}")
        await websocket.send(f"Echo: {message}")

async def main():
    async with websockets.serve(handler, "localhost", 8765):
        await asyncio.Future()  # Run forever

asyncio.run(main())
```
"""

SEED_NODE = """
```javascript
const WebSocket = require('ws');
const wss = new WebSocket.Server({ port: 8080 });

wss.on('connection', (ws) => {
  console.log('Client connected');
  ws.on('message', (message) => {
    console.log('Received:', message.toString());
    ws.send(`Echo: ${message}`);
  });
  ws.on('close', () => {
    console.log('Client disconnected');
  });
});
```
"""

SEED_BROWSER = """
```javascript
const ws = new WebSocket('wss://server.example.com/chat');
ws.onopen = () => {
  console.log('Connected!');
  ws.send('Hello Server!');
};
ws.onmessage = (event) => {
  console.log('Received:', event.data);
};
ws.onclose = (event) => {
  console.log('Closed:', event.code, event.reason);
};
ws.onerror = (error) => {
  console.error('Error:', error);
};
```
"""

API_TABLE = table(
    ("browser (JavaScript)", "wsexplorer (Python, in a notebook)"),
    [
        ("`new WebSocket(url)`, then `onopen`", "`ws = await wsx.connect(url)` returns once open"),
        ("`ws.send(data)`", "`await ws.send(data)`"),
        ("`ws.onmessage = (event) => ...`", "`await ws.recv()` or `async for message in ws`"),
        (
            "`ws.onclose`: `event.code`, `event.reason`",
            "`ws.close_code`, `ws.close_reason`; `ConnectionClosed`",
        ),
        ("`ws.onerror`: no details", "an exception that says what failed, and `err.response`"),
        ("`ws.close(code, reason)`", "`await ws.close(code, reason)`"),
    ],
)


def live() -> list[Cell]:
    return [
        md(
            """
            # 03 · Live connections

            Time for real TCP connections, all on `127.0.0.1` inside this notebook. We start servers, talk
            to them, and read what was recorded on the wire. Then we meet the three example programs of the
            reference text, a Python server (the `websockets` library), a Node.js server (the `ws` library)
            and a browser page, and see how each relates to what we run here.

            **Why `await` in a cell?** The Jupyter kernel already runs an asyncio event loop, and a cell may
            `await` on it directly. Servers started that way keep serving between cells. This is also why a
            notebook must never call `asyncio.run()`: it would try to start a second loop and fail with
            `RuntimeError`.
            """
        ),
        code(
            """
            import asyncio
            import json
            import shutil
            from pathlib import Path

            import websockets

            import wsexplorer as wsx
            """
        ),
        md(
            """
            ## 1. Our client, our server

            `serve_echo()` answers every message with the same message; port 0 asks the operating system for
            a free port. We send a text message, a binary one, a text message cut into fragments of 30 bytes,
            and a ping, whose pong tells us the round-trip time (RFC 6455 §5.5.2).
            """
        ),
        code(
            """
            server = await wsx.serve_echo()
            ws = await wsx.connect(server.url)
            print("connected to", server.url)

            await ws.send("Hello Server!")
            print("text:      ", await ws.recv())
            await ws.send(bytes([0, 1, 2, 255]))
            print("binary:    ", await ws.recv())
            await ws.send("a longer message, " * 6, fragment_size=30)
            print("fragmented:", await ws.recv())
            print(f"ping round trip: {await ws.ping() * 1000:.3f} ms")
            """
        ),
        md(
            """
            The client's session holds both directions. Times are in milliseconds since the first frame;
            client frames are masked (`M`), and the long message went out as several frames.
            """
        ),
        code(
            """
            records = list(ws.session.frames())
            t0 = records[0].t_ns
            for record in records:
                print(f"{(record.t_ns - t0) / 1e6:8.3f} ms  {record.direction_name:15} {record.frame}")
            """
        ),
        md(
            "The same kind of connection in a widget: send your own messages, ping, close. Without a URL "
            "the widget starts its own local echo server, which stays up as long as the widget does "
            "(give it `url=...` to talk to another server)."
        ),
        widget(
            """
            from wsexplorer.widgets import LiveConnection

            LiveConnection()
            """
        ),
        md(
            """
            ## 2. The reference's Python server, adapted

            The reference text shows this server, written for the `websockets` library:
            """,
            SEED_PYTHON,
            """
            Three changes make it run in a notebook with today's `websockets` (14 and later):

            * the handler takes **one argument**; the path is now `websocket.request.path`;
            * no `asyncio.run(main())` and no `await asyncio.Future()` to "run forever": we `await` the
              server in a cell, and the kernel's loop keeps it running;
            * it listens on `127.0.0.1` (this machine only) and port `0` (any free port) instead of
              `localhost:8765`, so it never clashes with another program.

            Its `Echo: ` prefix is kept, and so is its `print`. The handler runs in a task that the server
            starts, not in a cell, so where that printed line shows up depends on the Jupyter version (under
            the cell that started the server, or nowhere). The handler therefore also keeps what it received
            in a list, which we print.
            """,
        ),
        code(
            """
            received = []


            async def handler(websocket):
                async for message in websocket:
                    print(f"Received: {message}")
                    received.append(message)
                    await websocket.send(f"Echo: {message}")


            seed_server = await websockets.serve(handler, "127.0.0.1", 0)
            seed_url = f"ws://127.0.0.1:{seed_server.sockets[0].getsockname()[1]}/"
            print("websockets", websockets.__version__, "is listening at", seed_url)
            """
        ),
        md("Our client talks to it exactly as to our own server:"),
        code(
            """
            seed_ws = await wsx.connect(seed_url)
            await seed_ws.send("Hello Server!")
            print(await seed_ws.recv())
            await seed_ws.close()
            print("the handler received:", received)
            print(bytes(seed_ws.response).decode())
            """
        ),
        md(
            """
            Two servers, one client, two slightly different answers to the same offer. The `websockets`
            server names itself in a `Server` header and limits both compression windows to 2¹² bytes
            (`server_max_window_bits=12; client_max_window_bits=12`) to save memory per connection; ours
            accepts the default 2¹⁵ (`04_compression` explains the trade-off).
            """
        ),
        code(
            """
            for name, conn in [("wsexplorer", ws), ("websockets", seed_ws)]:
                print(f"{name:10}  offered:  {conn.request.get('Sec-WebSocket-Extensions')}")
                print(f"{'':10}  accepted: {conn.response.get('Sec-WebSocket-Extensions')}")
            """
        ),
        md(
            """
            ## 3. The reference's Node.js server

            The reference's Node example uses the `ws` library:
            """,
            SEED_NODE,
            """
            The project's interoperability tests run an adapted copy,
            [`tests/interop/node/echo-server.js`](../tests/interop/node/echo-server.js): it binds
            `127.0.0.1` on port 0 and prints `{"port": N}` as its first line so the test knows where to
            connect; it echoes without the `Echo: ` prefix (so messages can be compared byte for byte by
            SHA-256); it prints one JSON line per event it sees; and text messages starting with `!` are
            commands (`!close 1001`, `!ping data`, `!raw HEX` to write hand-made frames...).
            `tests/interop/test_node_ws.py` starts it with `node`, connects our client, and checks what
            *both* sides saw: messages, pings, negotiated compression, close codes 1000-1011, 1005 and
            1006. The reverse direction (a node `ws` client against our server) is tested too. To run them:
            `bash scripts/setup-node.sh`, then `.venv/bin/pytest tests/interop/test_node_ws.py`.

            If Node.js and the `ws` package are installed here, the next cell starts that server and talks
            to it; otherwise it only says what is missing. Nothing else in this notebook depends on it.
            """,
        ),
        code(
            """
            node_peer = Path.cwd().parent / "tests" / "interop" / "node"
            node = shutil.which("node")
            if node and (node_peer / "node_modules" / "ws").is_dir():
                proc = await asyncio.create_subprocess_exec(
                    node, str(node_peer / "echo-server.js"), stdout=asyncio.subprocess.PIPE
                )
                port = json.loads(await asyncio.wait_for(proc.stdout.readline(), 10))["port"]
                async with wsx.connect(f"ws://127.0.0.1:{port}/") as node_ws:
                    await node_ws.send("Hello Server!")
                    print("node's ws echoed:", await node_ws.recv())
                proc.terminate()
                node_saw = await proc.stdout.read()
                await proc.wait()
                for line in node_saw.decode().splitlines():
                    print("node saw:", line)
            else:
                print("Node.js or tests/interop/node/node_modules is missing:")
                print("run `bash scripts/setup-node.sh` to try this cell.")
            """
        ),
        md(
            """
            ## 4. The reference's browser page

            In a browser, the `WebSocket` object is driven by events:
            """,
            SEED_BROWSER,
            API_TABLE,
            """
            The tests run the page for real:
            [`tests/interop/test_browser.py`](../tests/interop/test_browser.py) serves
            [`tests/interop/browser/page.html`](../tests/interop/browser/page.html) from
            `http://127.0.0.1:PORT` to a headless Chromium driven by Playwright; the page's script (adapted
            from the example above) logs every event, and the test compares the page's log with what our
            server recorded on the wire (`bash scripts/setup-browser.sh`, then
            `.venv/bin/pytest tests/interop/test_browser.py`).

            Why not open a browser WebSocket from this notebook? The page runs in *your* browser, but on
            Binder the kernel and its servers run in a container elsewhere: `127.0.0.1` in your browser is
            your own computer, not the container.

            What we can do is build the request Chromium sends from such a page and let our server decide.
            Chromium offers compression with `client_max_window_bits` and sends the page's origin:
            """,
        ),
        code(
            """
            browser_request = wsx.HandshakeRequest.build(
                server.url,
                origin="http://127.0.0.1:8000",
                extensions=["permessage-deflate; client_max_window_bits"],
                headers=[("User-Agent", "Mozilla/5.0 (X11; Linux x86_64) Chrome/140.0.0.0")],
            )
            print(bytes(browser_request).decode())
            print(wsx.describe(wsx.decide(browser_request, wsx.ServerPolicy(extensions=[wsx.PerMessageDeflate()]))))
            """
        ),
        md(
            """
            ## 5. Closing everything

            Our client closes normally (1000). `server.close()` would send 1001 ("going away") to any client
            still connected, such as the widget's, before it stops listening.
            """
        ),
        code(
            """
            await ws.close()
            print("client closed with", ws.close_code)
            seed_server.close()
            await seed_server.wait_closed()
            await server.close()
            print("closed:", server)
            """
        ),
    ]


# ------------------------------------------------------------------------------------------------------
# 04_compression
# ------------------------------------------------------------------------------------------------------

DEFLATE_PARAMS_TABLE = table(
    ("parameter", "in the offer (client)", "in the answer (server)", "RFC 7692"),
    [
        (
            "`server_no_context_takeover`",
            "please reset your compressor after each message",
            "I will reset mine",
            "§7.1.1.1",
        ),
        (
            "`client_no_context_takeover`",
            "I will reset mine (a hint)",
            "you must reset yours",
            "§7.1.1.2",
        ),
        (
            "`server_max_window_bits=N`",
            "use a window of at most 2ᴺ bytes",
            "my window is at most 2ᴺ bytes",
            "§7.1.2.1",
        ),
        (
            "`client_max_window_bits[=N]`",
            "you may limit my window (to at most 2ᴺ)",
            "your window must be at most 2ᴺ bytes",
            "§7.1.2.2",
        ),
    ],
)


def compression() -> list[Cell]:
    return [
        md(
            """
            # 04 · Compression: permessage-deflate

            Text such as JSON repeats itself a lot, so it compresses well. **permessage-deflate**
            (RFC 7692) compresses the payload of each message with DEFLATE (RFC 1951, the algorithm inside
            zip and gzip). It is an *extension* (RFC 6455 §9): the client offers it in the handshake, the
            server accepts it with parameters or ignores it, and a compressed message is marked by the RSV1
            bit of its first frame (RFC 7692 §6). This notebook covers the negotiation, one message byte by
            byte, **context takeover** (remembering earlier messages) and the **window** (how far back the
            compressor may look).
            """
        ),
        code(
            """
            import json
            import random

            import wsexplorer as wsx
            from wsexplorer.record.session import S2C
            """
        ),
        md(
            """
            ## 1. Negotiation

            The client offers, the server answers with the parameters it agrees to, and the client checks
            that the answer fits its offer (RFC 7692 §5). Our client (like Chromium) offers
            `client_max_window_bits` without a value, meaning "you may limit my window".
            """
        ),
        code(
            """
            client_config = wsx.PerMessageDeflate()
            offer = client_config.offer()
            answer, server_state, why = wsx.PerMessageDeflate().accept([offer])
            client_state = client_config.check_response(answer)
            print("client offers:  Sec-WebSocket-Extensions:", offer)
            print("server answers: Sec-WebSocket-Extensions:", answer)
            print("why:", why)
            print(client_state)
            """
        ),
        md(
            "Four parameters tune it; each means something different in the offer and in the answer:",
            DEFLATE_PARAMS_TABLE,
            """
            A client may offer several alternatives, most preferred first; the server takes the first one it
            can accept (RFC 7692 §5). Here the client would like the server to reset its compressor after each
            message and to use a small window; this server also insists that the client resets *its*
            compressor:
            """,
        ),
        code(
            """
            request = wsx.HandshakeRequest.build(
                "ws://chat.example/",
                extensions=[wsx.PerMessageDeflate(server_no_context_takeover=True, server_max_window_bits=9)],
            )
            policy = wsx.ServerPolicy(extensions=[wsx.PerMessageDeflate(client_no_context_takeover=True)])
            print("offer: ", request.get("Sec-WebSocket-Extensions"))
            print("answer:", wsx.decide(request, policy).response.get("Sec-WebSocket-Extensions"))
            """
        ),
        md(
            """
            ## 2. One message, byte by byte

            The sender compresses the whole message, ends it with a DEFLATE *sync flush*, and removes the four
            bytes `00 00 ff ff` that a sync flush always ends with; the receiver puts them back before
            inflating (RFC 7692 §7.2.1, §7.2.2). That saves four bytes per message. The example of
            RFC 7692 §7.2.3.1 compresses `Hello` into 7 bytes, which is *more* than 5: compression only pays
            off for longer or repetitive messages.
            """
        ),
        code(
            """
            first = server_state.compress_message(b"Hello")
            print("on the wire:", bytes(first).hex(" "))
            print("received:   ", client_state.decompress(bytes(first), fin=True))
            first
            """
        ),
        md(
            """
            ## 3. Context takeover

            By default both sides keep their compressor's memory (the *LZ77 window*) from one message to the
            next, so a message can point back to text sent earlier. Compressing `Hello` a second time on the
            same connection gives the 5 bytes of RFC 7692 §7.2.3.2, "repeat the 5 bytes from 5 bytes ago";
            only the receiver that remembers the first message can inflate it:
            """
        ),
        code(
            """
            second = server_state.compress_message(b"Hello")
            print("on the wire:", bytes(second).hex(" "))
            print("received:   ", client_state.decompress(bytes(second), fin=True))
            """
        ),
        md(
            """
            With `server_no_context_takeover` the server starts afresh for every message: each message costs
            the same, and it can be inflated on its own. Chat messages that share their structure show the
            difference:
            """
        ),
        code(
            """
            def server_side(**config):
                \"\"\"The server's compression state after accepting the default offer under `config`.\"\"\"
                _, state, _ = wsx.PerMessageDeflate(**config).accept([wsx.PerMessageDeflate().offer()])
                return state


            chat = [
                json.dumps({"type": "message", "room": "general", "user": f"student{i}", "text": "hi all!"})
                for i in range(5)
            ]
            keep, reset = server_side(), server_side(server_no_context_takeover=True)
            print("bytes on the wire:  message   takeover   no takeover")
            for message in chat:
                data = message.encode()
                print(f"{len(data):26} {len(keep.compress(data)):10} {len(reset.compress(data)):13}")
            """
        ),
        md(
            """
            The price of takeover is memory that lives as long as the connection: zlib's compressor needs
            about `2^(windowBits+2) + 2^(memLevel+9)` bytes (256 KiB with the defaults 15 and 8) and its
            decompressor about `2^windowBits` (32 KiB). A server with 100,000 idle connections feels that,
            which is why servers negotiate smaller windows or no context takeover.

            ## 4. The window

            DEFLATE finds repeats by looking back at most one *window*: 2^`window_bits` bytes, from 256 bytes
            (8) to 32 KiB (15). Below, a message holds a 3,000-byte random block twice, so the repeat starts
            3,001 bytes back: only windows large enough to reach it can shrink the message. (zlib cannot
            compress with a 256-byte window; for 8, wsexplorer compresses with 512 bytes but never refers
            back more than 250 bytes, so a peer's 256-byte window is enough.)
            """
        ),
        code(
            """
            block = random.Random(6455).randbytes(3000)
            message = block + b"-" + block
            print("window_bits  window      compressed (of", len(message), "bytes)")
            for bits in range(8, 16):
                compressed = server_side(server_max_window_bits=bits).compress(message)
                print(f"{bits:11}  {2**bits:6,} B   {len(compressed):6,} B")
            """
        ),
        md(
            """
            ## 5. On a live connection

            Our echo server accepts compression by default. We connect three times with different offers,
            send the same text three times, and look at the payload sizes of the server's frames as they
            crossed the wire. `extensions=None` offers nothing, so nothing is compressed and RSV1 stays 0.
            """
        ),
        code(
            """
            server = await wsx.serve_echo()
            text = "the same words, again and again. " * 30
            offers = {
                "default": wsx.PerMessageDeflate(),
                "no takeover, small window": wsx.PerMessageDeflate(
                    server_no_context_takeover=True, server_max_window_bits=9
                ),
                "no compression": None,
            }
            for name, extension in offers.items():
                async with wsx.connect(server.url, extensions=extension) as conn:
                    for _ in range(3):
                        await conn.send(text)
                        assert await conn.recv() == text
                frames = [r.frame for r in conn.session.frames(S2C) if r.frame.opcode == wsx.Opcode.TEXT]
                print(f"{name:26} agreed: {conn.response.get('Sec-WebSocket-Extensions')}")
                sizes = [f.payload_length for f in frames]
                print(f"{'':26} {len(text.encode())} bytes per message, sent as {sizes} bytes,", end=" ")
                print("RSV1:", [int(f.rsv1) for f in frames])
            """
        ),
        md("Compress your own messages and switch takeover and the window yourself:"),
        widget(
            """
            from wsexplorer.widgets import DeflateExplorer

            DeflateExplorer(messages=chat)
            """
        ),
        md(
            """
            ## 6. Two warnings

            * **Compression can leak secrets.** If a secret (a token, a cookie) and text an attacker chooses
              are compressed together, the compressed size reveals whether the attacker's guess matches part
              of the secret: the CRIME (2012) and BREACH (2013) attacks on HTTPS. Do not compress secrets in
              the same context as attacker-controlled data.
            * **Decompression bombs.** A few kilobytes can inflate to gigabytes. A receiver must stop
              inflating at its message size limit (close code 1009), as `05_errors_and_security` shows.
            """
        ),
        code(
            """
            await server.close()
            print("closed:", server)
            """
        ),
    ]


# ------------------------------------------------------------------------------------------------------
# 05_errors_and_security
# ------------------------------------------------------------------------------------------------------


def errors_and_security() -> list[Cell]:
    return [
        md(
            """
            # 05 · Errors and security

            When a peer breaks a rule, the other side **fails the WebSocket connection** (RFC 6455 §7.1.7):
            it sends a close frame whose code says why, such as 1002 (protocol error), 1007 (invalid data)
            or 1009 (message too big), and closes TCP. It does not try to carry on: after a framing error,
            nothing that follows can be trusted. This notebook provokes those failures on purpose, against
            our server and against a `websockets` server, then looks at three defences every server needs:
            checking `Origin`, limiting sizes, and TLS (`wss://`).
            """
        ),
        code(
            """
            import ssl
            import zlib

            import websockets

            import wsexplorer as wsx
            from wsexplorer.errors import TLSError
            """
        ),
        md(
            """
            ## 1. Malformed frames, and how peers react

            Two echo servers run in this notebook: ours, and one written with the `websockets` library (its
            handler keeps the reason it was given when the connection failed). Our client's `send_frame()`
            sends a hand-made frame exactly as built, valid or not.
            """
        ),
        code(
            """
            websockets_saw = []


            async def echo(websocket):
                try:
                    async for message in websocket:
                        await websocket.send(message)
                except websockets.ConnectionClosed as closed:
                    websockets_saw.append(str(closed))


            ours = await wsx.serve_echo()
            theirs = await websockets.serve(echo, "127.0.0.1", 0)
            theirs_url = f"ws://127.0.0.1:{theirs.sockets[0].getsockname()[1]}/"


            async def reaction(url, frame, **options):
                \"\"\"Send one frame on a fresh connection; return the server's close code and reason.\"\"\"
                async with wsx.connect(url, **options) as conn:
                    await conn.send_frame(frame)
                    try:
                        await conn.recv()
                    except wsx.ConnectionClosed as closed:
                        return closed.code, closed.reason
                return None, "no reaction"
            """
        ),
        md(
            """
            Each frame below breaks one rule of RFC 6455: reserved opcodes and RSV bits (§5.2), masking
            (§5.1), control frames longer than 125 bytes or fragmented (§5.5), text that is not UTF-8 (§8.1),
            and a close code that must never be sent (§7.4.1). No compression is offered, so RSV1 is not
            allowed either.
            """
        ),
        code(
            """
            malformed = {
                "reserved opcode 0x3": wsx.Frame.build(0x3, b"", mask=True),
                "RSV2 set": wsx.Frame.build(0x1, b"hi", rsv2=True, mask=True),
                "client frame not masked": wsx.Frame.text("hi"),
                "ping of 126 bytes": wsx.Frame.build(0x9, b"x" * 126, mask=True),
                "fragmented ping": wsx.Frame.build(0x9, b"x", fin=False, mask=True),
                "text that is not UTF-8": wsx.Frame.build(0x1, b"caf\\xe9", mask=True),
                "close code 1005 sent": wsx.Frame.close(1005, mask=True),
            }
            for name, frame in malformed.items():
                print(f"{name}  ({bytes(frame)[:8].hex(' ')}{' ...' if len(frame) > 8 else ''})")
                for server_name, url in [("wsexplorer", ours.url), ("websockets", theirs_url)]:
                    code, reason = await reaction(url, frame, extensions=None)
                    print(f"    {server_name} server: close {code} - {reason}")
            """
        ),
        md(
            """
            Same codes from both, in their own words. The `websockets` server's view of the same events
            (it sent the close frame and closed TCP without waiting for our answer, §7.1.7):
            """
        ),
        code(
            """
            for line in websockets_saw:
                print(line)
            """
        ),
        md(
            """
            Our server kept a session for each of those connections. Here is the first one, as the server
            recorded it: the handshake, the frame with the reserved opcode, and the close frame (1002) it
            answered with.
            """
        ),
        widget(
            """
            from wsexplorer.widgets import SessionBrowser

            SessionBrowser(ours.sessions[0])
            """
        ),
        md(
            """
            ## 2. Origin, and why servers must check it

            Browsers do not apply the same-origin policy to WebSocket: a page from *any* site may open a
            connection to *any* server, and the browser attaches that server's cookies. If the server trusts
            the cookie alone, a malicious page can act as the logged-in user: **cross-site WebSocket
            hijacking**. The defence is the `Origin` header, which browsers always send and scripts cannot
            change: the server compares it with the sites it serves and refuses others with `403 Forbidden`
            (§4.2.2, §10.2).
            """
        ),
        code(
            """
            campus = await wsx.serve_echo(origins=["https://campus.example"])
            for origin in ["https://campus.example", "https://evil.example", None]:
                try:
                    async with wsx.connect(campus.url, origin=origin) as conn:
                        result = "open: " + conn.response.start_line.text
                except wsx.HandshakeError as err:
                    result = f"refused: HTTP {err.http_status} {err.response.reason}"
                print(f"Origin: {origin!s:24} -> {result}")
            """
        ),
        md(
            """
            The request without `Origin` got through: a program that is not a browser may send any origin or
            none, so `Origin` protects the users of browsers, not the server. To know *who* is connecting, a
            server must authenticate (a token in the first message, or a cookie together with the Origin
            check).

            ## 3. Limits

            Every message is held in memory until it is complete, so a receiver must limit the size it
            accepts and fail the connection with **1009** beyond it (§7.4.1, §10.4). Ours counts the size
            *after* decompression, and the limit is inclusive:
            """
        ),
        code(
            """
            small = await wsx.serve_echo(max_message_size=1024)
            async with wsx.connect(small.url) as conn:
                await conn.send(b"x" * 1024)
                print("1024 bytes: echoed", len(await conn.recv()), "bytes")
                await conn.send(b"x" * 1025)
                try:
                    await conn.recv()
                except wsx.ConnectionClosed as closed:
                    print("1025 bytes: close", closed.code, "-", closed.reason)
            """
        ),
        md(
            """
            A frame header that *announces* too much fails as soon as it is read: the server does not wait
            for (or buffer) the megabyte that would follow. We send only the 14-byte header of a masked
            1,000,000-byte frame:
            """
        ),
        code(
            """
            header = bytes(wsx.Frame.binary(bytes(1_000_000), mask=True))[:14]
            print("header only:", header.hex(" "))
            async with wsx.connect(small.url, extensions=None) as conn:
                await conn.send_raw(header)
                try:
                    await conn.recv()
                except wsx.ConnectionClosed as closed:
                    print("close", closed.code, "-", closed.reason)
            """
        ),
        md(
            """
            **Decompression bombs.** With permessage-deflate, a small frame can inflate to an enormous
            message. 50 MiB of zero bytes compress to about 50 KB, far below any frame size limit, so the
            receiver must count while it inflates and stop at its limit. (Zeros compress into references to
            the byte just before, so the bomb inflates under whatever window size a server agreed to.) We send
            it as one compressed frame (RSV1 = 1) to both servers, whose limit is 1 MiB:
            """
        ),
        code(
            """
            deflate = zlib.compressobj(wbits=-15)  # raw DEFLATE, as permessage-deflate uses it
            bomb = deflate.compress(bytes(50 * 2**20)) + deflate.flush(zlib.Z_SYNC_FLUSH)
            bomb = bomb[:-4]  # drop 00 00 ff ff, as every sender does (RFC 7692 §7.2.1)
            print(f"{len(bomb):,} bytes on the wire inflate to {50 * 2**20:,} bytes")
            for name, url in [("wsexplorer", ours.url), ("websockets", theirs_url)]:
                code, reason = await reaction(url, wsx.Frame.binary(bomb, rsv1=True, mask=True))
                print(f"{name}: close {code} - {reason}")
            """
        ),
        md(
            """
            ## 4. `wss://`: TLS and certificates

            `wss://` is WebSocket inside TLS, like `https://` for HTTP (§4.1 item 5, §11.1.2): TCP connects,
            then TLS, then the HTTP upgrade and all frames travel encrypted. TLS also proves *who* the server
            is: its certificate must be signed by an authority the client trusts, name the host the client
            asked for, and be within its validity dates. A client that skips these checks can be fooled by
            anyone in the middle; never turn verification off.

            `127.0.0.1` has no public certificate, so we create a private certificate authority with the
            `trustme` package (made for tests) and tell only *our* client to trust it. If `trustme` is not
            installed, the cells below say so and do nothing (`pip install trustme` to try them).
            """
        ),
        code(
            """
            try:
                import trustme
            except ImportError:
                trustme = None
                print("trustme is not installed: the TLS cells below are skipped")

            tls_server = None
            if trustme is not None:
                ca = trustme.CA()
                certificate = ca.issue_cert("127.0.0.1", "localhost")
                server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
                certificate.configure_cert(server_context)
                tls_server = await wsx.serve_echo(ssl=server_context)

                client_context = ssl.create_default_context()  # verification on, as always
                ca.configure_trust(client_context)  # ...and our test authority is trusted, here only
                async with wsx.connect(tls_server.url, ssl=client_context) as conn:
                    await conn.send("secret")
                    print(tls_server.url, "echoed", repr(await conn.recv()))
                tls = conn.session.meta["tls"]
                print(tls["version"], tls["cipher"])
                print("server certificate:", tls["peer_certificate"])
            """
        ),
        md(
            """
            A client that uses the computer's usual list of authorities does not know our test authority,
            and refuses the server before a single WebSocket byte is sent. (The other classic failures are a
            certificate for another name, `name mismatch`, and an `expired` one.)
            """
        ),
        code(
            """
            if tls_server is not None:
                try:
                    await wsx.connect(tls_server.url)  # the system's authorities only
                except TLSError as err:
                    print("TLSError:", err.reason)
                    print(err.rule)
            """
        ),
        md(
            """
            ## 5. What a browser page sees when the handshake fails

            In a browser, a refused handshake tells the page almost nothing: the `WebSocket` object fires an
            `error` event, then a `close` event with code **1006** and `wasClean: false`, whatever the server
            answered. The HTTP status and body are hidden from scripts on purpose: the WebSockets standard
            that browsers follow forbids telling a page *why* a connection failed, so that a page cannot use
            WebSocket to probe which servers exist on your network. (`tests/interop/test_browser.py` checks
            exactly this for a 403 with a real Chromium.) To find out what happened, look at the records:
            the server's session, or a client that is not a browser, like ours, or the browser's developer
            tools (Network tab). Here are the reference's error cases from both records:
            """
        ),
        code(
            """
            liar = await wsx.serve_echo(misbehave=["wrong-accept"])
            twice = {"headers": {"Sec-WebSocket-Version": "13"}}  # a second version header: invalid
            cases = {
                "400 (Sec-WebSocket-Version sent twice)": (ours, twice),
                "403 (origin not allowed)": (campus, {"origin": "https://evil.example"}),
                "wrong Sec-WebSocket-Accept": (liar, {}),
            }
            for name, (srv, options) in cases.items():
                try:
                    await wsx.connect(srv.url, **options)
                except wsx.HandshakeError as err:
                    print(name)
                    print("  the server sent:      ", srv.sessions[-1].response.start_line.text)
                    print("  our client raised:    ", type(err).__name__, "-", err.rule)
                    print("  a browser page sees:   error event, then close event code=1006 wasClean=false")
            """
        ),
        md(
            """
            **Summary.** Fail fast on broken frames (1002, 1007), limit sizes after decompression (1009),
            check `Origin` and authenticate, use `wss://` with verification on, and read the server's records
            when a browser only says 1006.
            """
        ),
        code(
            """
            theirs.close()
            await theirs.wait_closed()
            for srv in (ours, campus, small, liar, tls_server):
                if srv is not None:
                    await srv.close()
            print("closed:", ours, campus, small, liar, tls_server)
            """
        ),
    ]


# ------------------------------------------------------------------------------------------------------
# 06_explore_a_server
# ------------------------------------------------------------------------------------------------------


def explore() -> list[Cell]:
    return [
        md(
            """
            # 06 · Explore a server

            A template: point it at any WebSocket server and see its handshake, every frame, a timeline and a
            summary, then save the whole session to a file you can load again (or share). **The URL is the one
            thing to change.** Left as `None`, the notebook starts a local echo server and runs offline.

            Be polite with servers that are not yours: this notebook sends only the few messages listed below
            and closes normally. Many public servers check `Origin` or expect a subprotocol; set `ORIGIN` and
            `SUBPROTOCOLS` if the handshake is refused.
            """
        ),
        code(
            """
            URL = None  # e.g. "wss://your-server.example/chat"; None: a local echo server, offline

            # Optional settings
            ORIGIN = None  # e.g. "https://your-server.example" for servers that check Origin
            SUBPROTOCOLS = []  # e.g. ["chat"]
            MESSAGES = ["Hello Server!", b"\\x00\\x01\\x02\\x03", "a longer text message. " * 20]
            REPLY_TIMEOUT = 2.0  # seconds to wait for each reply: not every server answers every message
            SAVE_DIR = None  # where to save the session; None: a new temporary directory
            """,
            "parameters",
        ),
        code(
            """
            import asyncio
            import tempfile
            from pathlib import Path

            import wsexplorer as wsx
            from wsexplorer.record.session import C2S, S2C
            """
        ),
        md(
            """
            ## 1. Connect

            If the server refuses, the cell shows its whole answer (status line, headers, body) and stops.
            """
        ),
        code(
            """
            local_server = None
            if URL is None:
                local_server = await wsx.serve_echo()
                URL = local_server.url

            try:
                ws = await wsx.connect(URL, origin=ORIGIN, subprotocols=SUBPROTOCOLS)
            except wsx.HandshakeError as err:
                print("The handshake failed:", err.rule)
                if err.response is not None:
                    print(bytes(err.response).decode(errors="replace"))
                raise
            print("connected to", URL)
            print("subprotocol:", ws.subprotocol, "| extensions:", ws.session.meta["extensions"])
            print("TLS:", ws.session.meta["tls"] or "none (ws://)")
            """
        ),
        md(
            """
            ## 2. The handshake

            What our client sent, what the server answered, and the checks the client made on that answer
            (RFC 6455 §4.1).
            """
        ),
        code("ws.request"),
        code("ws.response"),
        code("wsx.check_response(ws.request, ws.response, [wsx.PerMessageDeflate()])"),
        md(
            """
            ## 3. Messages

            Each message is sent and its reply awaited for at most `REPLY_TIMEOUT` seconds. A reply that
            comes later is not lost: the next `recv()` returns it. Then a ping measures the round trip.
            """
        ),
        code(
            """
            for message in MESSAGES:
                await ws.send(message)
                try:
                    reply = await asyncio.wait_for(ws.recv(), REPLY_TIMEOUT)
                except asyncio.TimeoutError:
                    reply = "(no reply in time)"
                print(f"sent: {message!r:.70}")
                print(f"got:  {reply!r:.70}")
            try:
                print(f"ping round trip: {await ws.ping(timeout=REPLY_TIMEOUT) * 1000:.2f} ms")
            except asyncio.TimeoutError:
                print("no pong in time")
            await ws.close()
            print("closed with code", ws.close_code, repr(ws.close_reason))
            """
        ),
        md(
            """
            ## 4. Every frame

            Rebuilt from the recorded bytes, both directions in time order. `F` = FIN, `1` = RSV1
            (compressed), `M` = masked.
            """
        ),
        code(
            """
            for record in ws.session.frames():
                print(f"{record.direction_name:15} {record.frame}")
            """
        ),
        widget(
            """
            from wsexplorer.widgets import FrameInspector

            first_from_server = next(ws.session.frames(S2C)).frame
            FrameInspector(first_from_server)
            """
        ),
        md(
            """
            ## 5. Timeline

            Times in milliseconds from the first byte of the handshake. The table needs `pandas`, the figure
            `matplotlib`.
            """
        ),
        code(
            """
            t0 = next(ws.session.chunks())[3]
            try:
                table = ws.session.to_dataframe()
            except ImportError:
                for record in ws.session.frames():
                    print(f"{(record.t_ns - t0) / 1e6:9.3f} ms  {record.direction_name:15} {record.frame}")
            else:
                table.insert(0, "t_ms", (table["t_ns"] - t0) / 1e6)
                columns = ["t_ms", "direction", "opcode", "fin", "rsv1", "masked", "payload_length"]
                display(table[columns])
            """
        ),
        code(
            """
            %matplotlib inline
            import matplotlib.pyplot as plt

            fig, ax = plt.subplots(figsize=(9, 2.4))
            for record in ws.session.frames():
                lane = 1 if record.direction == C2S else 0
                t_ms = (record.t_ns - t0) / 1e6
                opcode = record.frame.opcode
                name = opcode.name.lower() if isinstance(opcode, wsx.Opcode) else hex(opcode)
                size = 30 + 3 * record.frame.wire_length**0.5  # marker area grows with the frame's size
                ax.scatter(t_ms, lane, s=size, color="tab:blue" if lane else "tab:green", alpha=0.7)
                ax.annotate(name, (t_ms, lane), textcoords="offset points", xytext=(0, 9), rotation=45)
            ax.set_yticks([0, 1], ["server → client", "client → server"])
            ax.set_ylim(-0.6, 1.9)
            ax.set_xlabel("milliseconds since the first handshake byte")
            ax.set_title(URL)
            plt.show()
            """
        ),
        md("## 6. Summary"),
        code("print(wsx.describe(ws.session.summary()))"),
        md(
            """
            ## 7. Save and load the session

            A session file holds every byte with its time and direction (the format is described in
            `docs/session-format.md`); frames, messages and the summary are rebuilt from it exactly.
            """
        ),
        code(
            """
            save_dir = Path(SAVE_DIR) if SAVE_DIR else Path(tempfile.mkdtemp(prefix="wsexplorer-"))
            path = save_dir / "session.wsx"
            ws.session.save(path)
            loaded = wsx.Session.load(path)
            print(f"saved {path} ({path.stat().st_size:,} bytes)")
            print("loaded:", loaded)
            print("same bytes both ways:", all(loaded.stream(d) == ws.session.stream(d) for d in (C2S, S2C)))
            same = [bytes(r.frame) for r in loaded.frames()] == [bytes(r.frame) for r in ws.session.frames()]
            print("same frames:", same)
            """
        ),
        md("Browse the saved file: frames, timeline and messages."),
        widget(
            """
            from wsexplorer.widgets import SessionBrowser

            SessionBrowser(path)
            """
        ),
        code(
            """
            if local_server is not None:
                await local_server.close()
            print("closed:", local_server or URL)
            """
        ),
    ]


# ------------------------------------------------------------------------------------------------------
# Writing
# ------------------------------------------------------------------------------------------------------

BUILDERS = {
    "00_tour": tour,
    "01_handshake": handshake,
    "02_frames": frames,
    "03_live": live,
    "04_compression": compression,
    "05_errors_and_security": errors_and_security,
    "06_explore_a_server": explore,
}


def build(name: str) -> nbformat.NotebookNode:
    """The notebook ``name``: cells with stable ids, no outputs, the Python 3 kernel."""
    cells = BUILDERS[name]()
    for number, cell in enumerate(cells):
        cell["id"] = f"{name[:2]}-{number:02d}"
    nb = new_notebook(
        cells=cells,
        metadata={
            "kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"},
            "language_info": {"name": "python"},
        },
    )
    nbformat.validate(nb)
    return nb


def render(nb: nbformat.NotebookNode) -> str:
    return nbformat.writes(nb) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if a notebook differs from its source")
    args = parser.parse_args(argv)
    stale = []
    for name in BUILDERS:
        path = NOTEBOOKS / f"{name}.ipynb"
        text = render(build(name))
        current = path.read_text(encoding="utf-8") if path.exists() else None
        if current == text:
            continue
        stale.append(path.name)
        if not args.check:
            path.write_text(text, encoding="utf-8")
    if args.check and stale:
        print("out of date (run notebooks/_build/make_notebooks.py):", ", ".join(stale), file=sys.stderr)
        return 1
    if stale and not args.check:
        print("wrote", ", ".join(stale))
    return 0


if __name__ == "__main__":
    sys.exit(main())
