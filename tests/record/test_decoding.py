"""Subprotocol decoding of a recorded session: both directions in completion order, labels for tables,
decoded objects for the inspector, counts for the summary, and no decoder when none applies."""

from __future__ import annotations

import json

from wsexplorer.codec.server_decision import ServerPolicy
from wsexplorer.protocol.connection import Connection
from wsexplorer.protocol.events import TextMessage
from wsexplorer.record.frame_index import FrameIndex
from wsexplorer.record.loopback import Loopback
from wsexplorer.record.session import C2S, S2C, Session
from wsexplorer.render.frame_table import table_rows


def graphql_session(*, bad: bool = False) -> Session:
    """A graphql-transport-ws conversation: init, ack, subscribe, two results, complete."""
    wire = Loopback(
        Connection("client", url="ws://h/", subprotocols=["graphql-transport-ws"]),
        Connection("server", policy=ServerPolicy(subprotocols=("graphql-transport-ws",))),
        session=Session("client", meta={"url": "ws://h/"}),
    )
    wire.pump()
    say = [
        ("c", {"type": "connection_init"}),
        ("s", {"type": "connection_ack"}),
        ("c", {"id": "1", "type": "subscribe", "payload": {"query": "subscription { ticks }"}}),
        ("s", {"id": "1", "type": "next", "payload": {"data": {"ticks": 1}}}),
        ("s", {"id": "1", "type": "next", "payload": {"data": {"ticks": 2}}}),
        ("s", {"id": "1", "type": "complete"}),
    ]
    if bad:  # the same id again while the first subscription runs (graphql-ws PROTOCOL.md: 4409)
        say.insert(3, ("c", {"id": "1", "type": "subscribe", "payload": {"query": "{ again }"}}))
    for who, message in say:
        (wire.client if who == "c" else wire.server).send_text(json.dumps(message))
        wire.pump()
    return wire.session


def test_messages_are_decoded_in_the_order_they_completed() -> None:
    s = graphql_session()
    decoding = s.decoding()
    assert decoding.name == "graphql-transport-ws"
    kinds = [label.kinds for _d, _n, label in decoding.labels()]
    assert kinds == [
        ("connection_init",),
        ("connection_ack",),
        ("subscribe",),
        ("next",),
        ("next",),
        ("complete",),
    ]
    assert decoding.violations == 0
    assert decoding.kinds()["next"] == 2
    (decoded,) = decoding.decoded(S2C, 1)  # the server's second message: the first result
    assert decoded.kind == "next" and decoded.fields and not decoded.violations


def test_a_broken_rule_of_the_subprotocol_is_counted_and_shown() -> None:
    s = graphql_session(bad=True)
    decoding = s.decoding()
    assert decoding.violations >= 1  # a second subscribe with an id in use: 4409
    (decoded,) = decoding.decoded(C2S, 2)  # the client's third message: the second subscribe
    assert any(v.close_code == 4409 for v in decoded.violations)
    summary = s.summary()
    assert summary.subprotocol == "graphql-transport-ws" and summary.subprotocol_violations >= 1


def test_the_frame_table_and_the_summary_show_the_decoding() -> None:
    s = graphql_session()
    index = FrameIndex(s)
    rows = table_rows(index, index.select())
    previews = [r.preview for r in rows if r.opcode == 1]
    assert previews[0].startswith("⟨graphql-transport-ws: connection_init")
    assert any("next" in p for p in previews)
    from wsexplorer.render.session import summary_text

    text = summary_text(s.summary())
    assert "subprotocol graphql-transport-ws: 1 complete, 1 connection_ack" in text


def test_no_decoder_without_a_subprotocol_or_a_choice() -> None:
    wire = Loopback(Connection("client", url="ws://h/"), Connection("server"))
    wire.pump()
    wire.client.send_text('{"a": 1}')
    _, events = wire.pump()
    assert any(isinstance(e, TextMessage) for e in events)
    decoding = wire.session.decoding()
    assert decoding.name is None and decoding.labels() == []
    chosen = wire.session.decoding("json")  # a user may choose one for servers that negotiate none
    assert chosen.name == "json" and chosen.labels()[0][2].kinds


def test_the_dataframe_has_a_subprotocol_column() -> None:
    df = graphql_session().to_dataframe()
    texts = [t for t in df["subprotocol"] if t]
    assert len(texts) == 6 and texts[0].startswith("connection_init")
    assert list(df["opcode_name"][:2]) == ["TEXT", "TEXT"]
