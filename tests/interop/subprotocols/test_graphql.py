"""GraphQL over WebSocket, decoded from real peers: graphql-ws (graphql-transport-ws) and
subscriptions-transport-ws (the legacy graphql-ws protocol), Node clients and servers, relayed and
recorded by wsexplorer. Every message of the conversation decodes with zero violations; hand-made bad
messages added to the same conversation break the rules the protocol documents name."""

from __future__ import annotations

import json

from wsexplorer.codec.subprotocols import conversation

from .peers import Relay, decode, kinds, node_peer, require, violations

NPM = ["graphql", "graphql-ws", "subscriptions-transport-ws", "ws"]


async def test_graphql_transport_ws() -> None:
    require(npm=NPM)
    async with node_peer("graphql.js", "server") as server:
        ports = await server.line()
        async with (
            Relay(f"ws://127.0.0.1:{ports['modern']}") as relay,
            node_peer("graphql.js", "client", relay.url + "/graphql") as client,
        ):
            results = await client.until("done")
    assert [r.get("error") for r in results[:4]] == [
        None,
        None,
        ["the resolver failed on purpose"],
        ['Cannot query field "nosuchfield" on type "Query".'],
    ]
    [session] = relay.sessions
    assert session.response is not None and session.response.subprotocol == "graphql-transport-ws"
    decoded = decode(session)
    assert not violations(decoded), violations(decoded)
    assert kinds(decoded, "client") == ["connection_init"] + ["subscribe"] * 4
    assert kinds(decoded, "server") == [
        "connection_ack",
        *["next", "complete"],  # { hello }
        *["next"] * 3 + ["complete"],  # the countdown: a stream of results, then completion
        "error",  # the failing resolver
        "error",  # the query that does not validate
    ]
    countdown = [m for m in decoded if m.kind == "next"][1:]
    assert [json.loads(m.text)["payload"]["data"]["countdown"] for m in countdown] == [2, 1, 0]
    # The same conversation, continued with hand-made bad messages.
    conv = conversation("graphql-transport-ws")
    assert conv is not None
    for m in decoded:
        conv.receive(m.text, m.sender or "client")
    first_id = decoded[1].attributes.get("id")
    dup = json.dumps({"id": "dup", "type": "subscribe", "payload": {"query": "subscription { failing }"}})
    conv.receive(dup, "client")
    [again] = conv.receive(dup, "client")
    assert [v.close_code for v in again.violations] == [4409], again.violations
    [second_init] = conv.receive('{"type":"connection_init"}', "client")
    assert second_init.violations[0].close_code == 4429
    [legacy] = conv.receive(json.dumps({"id": str(first_id), "type": "start", "payload": {}}), "client")
    assert "legacy graphql-ws protocol" in legacy.violations[0].rule


async def test_subscriptions_transport_ws() -> None:
    require(npm=NPM)
    async with node_peer("graphql.js", "server") as server:
        ports = await server.line()
        async with (
            Relay(f"ws://127.0.0.1:{ports['legacy']}") as relay,
            node_peer("graphql.js", "legacy", relay.url + "/legacy") as client,
        ):
            await client.until("done")
    [session] = relay.sessions
    assert session.response is not None and session.response.subprotocol == "graphql-ws"
    decoded = decode(session)
    assert not violations(decoded), violations(decoded)
    client_kinds = kinds(decoded, "client")
    assert client_kinds[0] == "connection_init" and client_kinds.count("start") == 3
    server_kinds = kinds(decoded, "server")
    assert server_kinds[0] == "connection_ack"
    assert server_kinds.count("data") == 5 and server_kinds.count("complete") == 3
    conv = conversation("graphql-ws")
    assert conv is not None
    [bad] = conv.receive('{"type":"subscribe","id":"1","payload":{"query":"{ a }"}}', "client")
    assert bad.violations, "a graphql-transport-ws type in the legacy protocol must be flagged"
