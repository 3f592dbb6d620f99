"""STOMP 1.2 over WebSocket (v12.stomp), decoded from real traffic relayed and recorded by wsexplorer: the
@stomp/stompjs client against a small STOMP broker on Node ``ws`` (node/stomp.js). CONNECT/CONNECTED,
SUBSCRIBE, SEND with a receipt, MESSAGE, UNSUBSCRIBE and DISCONNECT decode with zero violations;
hand-made bad frames break the rules of the STOMP 1.2 specification."""

from __future__ import annotations

from wsexplorer.codec.subprotocols import conversation

from .peers import Relay, decode, kinds, node_peer, require, violations


async def test_stompjs_client() -> None:
    require(npm=["@stomp/stompjs", "ws"])
    async with node_peer("stomp.js", "server") as server:
        port = (await server.line())["port"]
        async with (
            Relay(f"ws://127.0.0.1:{port}") as relay,
            node_peer("stomp.js", "client", relay.url + "/") as client,
        ):
            done = (await client.until("done"))[-1]
    assert done["received"] == ["hello, stomp", '{"text": "two\\nlines"}']
    [session] = relay.sessions
    assert session.response is not None and session.response.subprotocol == "v12.stomp"
    decoded = decode(session)
    assert not violations(decoded), violations(decoded)
    assert [k for k in kinds(decoded, "client") if k != "heartbeat"] == [
        "CONNECT",
        "SUBSCRIBE",
        "SEND",
        "SEND",
        "UNSUBSCRIBE",
        "DISCONNECT",
    ]
    server_kinds = [k for k in kinds(decoded, "server") if k != "heartbeat"]
    assert server_kinds[0] == "CONNECTED" and server_kinds.count("MESSAGE") == 2
    assert server_kinds.count("RECEIPT") == 2  # the SEND's and the DISCONNECT's
    # Hand-made bad frames after a real CONNECT.
    conv = conversation("v12.stomp")
    assert conv is not None
    conv.receive(decoded[0].data.decode(), "client")
    [no_dest] = conv.receive("SEND\n\nno destination\x00", "client")
    assert any("destination" in v.rule for v in no_dest.violations), no_dest.violations
    [unknown] = conv.receive("SHOUT\n\n\x00", "client")
    assert unknown.violations


async def test_stompjs_default_connect_has_no_host() -> None:
    """stompjs leaves out the host header STOMP 1.2 requires unless connectHeaders sets it: the
    decoder says so, on the CONNECT frame, and nothing else."""
    require(npm=["@stomp/stompjs", "ws"])
    async with node_peer("stomp.js", "server") as server:
        port = (await server.line())["port"]
        async with (
            Relay(f"ws://127.0.0.1:{port}") as relay,
            node_peer("stomp.js", "client", relay.url + "/", "--no-host") as client,
        ):
            await client.until("done")
    assert violations(decode(relay.sessions[0])) == [
        "CONNECT: CONNECT needs the 'host' header (STOMP 1.2: Frames and Headers)"
    ]
