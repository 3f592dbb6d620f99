"""The read buffer: one per thread, shared by the connections of that thread, never kept by them."""

from __future__ import annotations

import asyncio
import threading

from wsexplorer.live import connect, serve_echo
from wsexplorer.live.flow import READ_SIZE, read_buffer


def test_one_buffer_per_thread() -> None:
    here = read_buffer()
    assert read_buffer() is here and len(here) == READ_SIZE and not here.readonly
    there: list[memoryview] = []
    thread = threading.Thread(target=lambda: there.append(read_buffer()))
    thread.start()
    thread.join()
    assert there[0] is not here and there[0].obj is not here.obj


def test_connections_sharing_the_buffer_keep_their_own_bytes() -> None:
    """Many connections read into the same buffer in turn; each recording and each echo stays exact."""

    async def main() -> None:
        server = await serve_echo("127.0.0.1", 0)
        try:
            clients = [await connect(server.url) for _ in range(20)]

            async def talk(i: int) -> None:
                ws = clients[i]
                for n in range(30):
                    message = bytes([i]) * (1 + (i * 997 + n * 131) % 5000)
                    await ws.send(message)
                    assert await ws.recv() == message

            await asyncio.gather(*(talk(i) for i in range(20)))
            for ws in clients:
                await ws.close()
            for ws in clients:
                sent = [f.frame.payload for f in ws.session.frames(0) if f.frame.opcode == 2]
                echoed = [f.frame.payload for f in ws.session.frames(1) if f.frame.opcode == 2]
                assert sent == echoed and len(sent) == 30
        finally:
            await server.close()

    asyncio.run(main())
