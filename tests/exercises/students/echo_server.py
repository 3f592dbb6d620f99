"""A student's echo server that follows the rules: wsexplorer's own, on the port given (argv[1])."""

import asyncio
import sys

import wsexplorer as wsx


async def main() -> None:
    server = await wsx.serve_echo(port=int(sys.argv[1]), extensions=None)
    print("listening on", server.url, flush=True)
    await asyncio.Event().wait()


asyncio.run(main())
