"""MQTT 3.1.1 over WebSocket, decoded from real peers relayed and recorded by wsexplorer: an aedes broker
(websocket-stream) with an mqtt.js client and with a Python paho-mqtt client. CONNECT with a will,
SUBSCRIBE at QoS 0/1/2, PUBLISH at each QoS with its acknowledgements, a retained message, UNSUBSCRIBE,
PINGREQ and DISCONNECT decode with zero violations; hand-made bad packets break the numbered
conformance statements of the MQTT specification."""

from __future__ import annotations

import asyncio
import importlib
import threading
from typing import Any

from wsexplorer.codec.subprotocols import DecodedMessage, conversation

from .peers import Relay, decode, kinds, node_peer, require, violations

NPM = ["aedes", "websocket-stream", "mqtt"]
QOS2_FLOW = ["PUBLISH", "PUBREC", "PUBREL", "PUBCOMP"]


def _check(decoded: list[DecodedMessage]) -> None:
    assert not violations(decoded), violations(decoded)
    client, server = kinds(decoded, "client"), kinds(decoded, "server")
    assert client[0] == "CONNECT" and server[0] == "CONNACK" and client[-1] == "DISCONNECT"
    assert {"SUBSCRIBE", "UNSUBSCRIBE", "PINGREQ", "PUBREL", "PUBACK"} <= set(client)
    assert {"SUBACK", "UNSUBACK", "PINGRESP", "PUBREC", "PUBCOMP", "PUBACK"} <= set(server)
    publishes = [m for m in decoded if m.kind == "PUBLISH"]
    assert {m.sender for m in publishes} == {"client", "server"}
    text = " ".join(m.summary() for m in publishes)
    for topic in ("retained/greeting", "q0/a", "q1/a", "q2/a"):
        assert topic in text, text
    connect = decoded[0]
    assert any("will" in f.name.lower() for f in connect.fields), [f.name for f in connect.fields]
    retained = [m for m in publishes if m.sender == "client" and "retained/greeting" in m.summary()]
    assert any(f.name.upper().startswith("RETAIN") and f.value for f in retained[0].fields), retained[
        0
    ].fields


async def test_mqttjs_client() -> None:
    require(npm=NPM)
    async with node_peer("mqtt.js", "broker") as broker:
        port = (await broker.line())["port"]
        async with (
            Relay(f"ws://127.0.0.1:{port}") as relay,
            node_peer("mqtt.js", "client", relay.url + "/") as client,
        ):
            done = (await client.until("done"))[-1]
    assert done["received"] == ["retained/greeting", "q0/a", "q1/a", "q2/a"]
    [session] = relay.sessions
    assert session.response is not None and session.response.subprotocol == "mqtt"
    decoded = decode(session)
    _check(decoded)
    # Hand-made bad packets, continuing the same conversation.
    conv = conversation("mqtt")
    assert conv is not None
    conv.receive(decoded[0].data, "client")
    conv.receive(decoded[1].data, "server")
    [qos3] = conv.receive(b"\x36\x07\x00\x03a/b\x00\x01", "client")  # PUBLISH with QoS 3
    assert any("QoS 3" in v.rule and "3.3.1" in v.section for v in qos3.violations), qos3.violations
    [sub] = conv.receive(b"\x80\x06\x00\x01\x00\x01a\x00", "client")  # SUBSCRIBE flags 0000, not 0010
    assert any("SUBSCRIBE flags must be 0010" in v.rule for v in sub.violations), sub.violations
    [text] = conv.receive("a text message", "client")  # MQTT over WebSocket is binary only
    assert text.violations


async def test_paho_client() -> None:
    require(npm=["aedes", "websocket-stream"], python=["paho.mqtt.client"])
    paho: Any = importlib.import_module("paho.mqtt.client")

    async with node_peer("mqtt.js", "broker") as broker:
        port = (await broker.line())["port"]
        async with Relay(f"ws://127.0.0.1:{port}") as relay:
            host, relay_port = relay.url.removeprefix("ws://").split(":")
            received: list[str] = []
            all_in = threading.Event()
            connected = threading.Event()
            client = paho.Client(
                paho.CallbackAPIVersion.VERSION2,
                client_id="wsexplorer-paho",
                transport="websockets",
                protocol=paho.MQTTv311,
            )
            client.ws_set_options(path="/")
            client.will_set("status/wsexplorer-paho", b"gone", qos=1, retain=True)
            client.on_connect = lambda *a: connected.set()

            def on_message(c: object, userdata: object, msg: Any) -> None:
                received.append(msg.topic)
                if len(received) >= 4:
                    all_in.set()

            client.on_message = on_message
            # paho's connect blocks until the WebSocket handshake is done: off the relay's loop
            await asyncio.to_thread(client.connect, host, int(relay_port), 30)
            client.loop_start()
            try:
                assert await asyncio.to_thread(connected.wait, 10)
                sent = client.publish("retained/greeting", b"kept for later", qos=1, retain=True)
                await asyncio.to_thread(sent.wait_for_publish, 10)
                client.subscribe([("q0/+", 0), ("q1/+", 1), ("q2/+", 2), ("retained/+", 1)])
                await asyncio.sleep(0.2)
                for qos in (0, 1, 2):
                    client.publish(f"q{qos}/a", f"qos {qos}".encode(), qos=qos)
                assert await asyncio.to_thread(all_in.wait, 10), received
                client.unsubscribe(["q0/+", "q1/+"])
                await asyncio.sleep(0.2)
                client._send_pingreq()
                await asyncio.sleep(0.2)
                client.disconnect()
                await asyncio.sleep(0.2)
            finally:
                client.loop_stop()
    assert set(received) == {"q0/a", "q1/a", "q2/a", "retained/greeting"}
    [session] = relay.sessions
    _check(decode(session))
