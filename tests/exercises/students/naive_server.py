"""A student's first echo server: right on the happy path, checks nothing (RFC 6455 §4.2, §5).

It answers any request with 101 (no version or key check), echoes whatever it gets (reserved
opcodes, RSV bits, unmasked frames, invalid UTF-8), answers pings and closes. The server check
should pass its echo cases and fail the ones where a server must refuse.
"""

import asyncio
import base64
import hashlib
import sys

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


def header(opcode: int, n: int) -> bytes:
    if n < 126:
        return bytes([0x80 | opcode, n])
    if n < 65536:
        return bytes([0x80 | opcode, 126]) + n.to_bytes(2, "big")
    return bytes([0x80 | opcode, 127]) + n.to_bytes(8, "big")


async def client(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    head = await reader.readuntil(b"\r\n\r\n")
    key = b""
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"sec-websocket-key:"):
            key = line.split(b":", 1)[1].strip()
    accept = base64.b64encode(hashlib.sha1(key + GUID).digest())
    writer.write(
        b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        b"Sec-WebSocket-Accept: " + accept + b"\r\n\r\n"
    )
    message, first = b"", 0
    try:
        while True:
            b0, b1 = await reader.readexactly(2)
            n = b1 & 0x7F
            if n == 126:
                n = int.from_bytes(await reader.readexactly(2), "big")
            elif n == 127:
                n = int.from_bytes(await reader.readexactly(8), "big")
            key = await reader.readexactly(4) if b1 & 0x80 else b"\0\0\0\0"
            payload = bytes(b ^ key[i % 4] for i, b in enumerate(await reader.readexactly(n)))
            opcode = b0 & 0x0F
            if opcode == 8:
                writer.write(header(8, len(payload[:2])) + payload[:2])
                await writer.drain()
                break
            if opcode == 9:
                writer.write(header(10, n) + payload)
                continue
            if opcode != 0:
                first = opcode
            message += payload
            if b0 & 0x80:
                writer.write(header(first, len(message)) + message)
                message = b""
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError):
        pass
    writer.close()


async def main() -> None:
    server = await asyncio.start_server(client, "127.0.0.1", int(sys.argv[1]))
    async with server:
        await server.serve_forever()


asyncio.run(main())
