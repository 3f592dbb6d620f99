"""Subprotocol decoding of a recorded session: both directions in completion order, labels for tables,
decoded objects for the inspector, counts for the summary, and no decoder when none applies."""

from __future__ import annotations

import json

from wsexplorer.codec.server_decision import ServerPolicy
from wsexplorer.protocol.connection import Connection
from wsexplorer.protocol.events import TextMessage
from wsexplorer.record.decoding import RAW, decoding_for
from wsexplorer.record.frame_index import FrameIndex
from wsexplorer.record.loopback import Loopback
from wsexplorer.record.session import C2S, S2C, Session
from wsexplorer.record.summary import SessionSummary
from wsexplorer.render.frame_table import table_rows


def graphql_session(*, bad: bool = False, close: int | None = None) -> Session:
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
    if close is not None:  # the server ends the socket with a code of the subprotocol's
        wire.server.send_close(close, "closing")
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
    texts = [r for r in rows if r.opcode == 1]
    assert texts[0].decoded.startswith("connection_init")  # its own column, not a preview prefix
    assert texts[0].preview == repr('{"type": "connection_init"}')
    assert any("next" in r.decoded for r in texts)
    raw = table_rows(index, index.select(), decoder=RAW)  # the user's "raw (no decoder)"
    assert [r.decoded for r in raw] == [""] * len(raw) and [r.preview for r in raw] == [
        r.preview for r in rows
    ]
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


def graphql_offer(offered: list[str], accepted: tuple[str, ...]) -> Session:
    wire = Loopback(
        Connection("client", url="ws://h/", subprotocols=offered),
        Connection("server", policy=ServerPolicy(subprotocols=accepted)),
        session=Session("client", meta={"url": "ws://h/"}),
    )
    wire.pump()
    return wire.session


def test_the_choice_shares_the_sessions_decodings() -> None:
    s = graphql_session()
    assert decoding_for(s) is s.decoding()
    assert decoding_for(s, "graphql-transport-ws") is s.decoding()  # the negotiated one, not a second
    assert decoding_for(s, RAW) is None and decoding_for(s, "raw") is None
    chosen = decoding_for(s, "json")
    assert chosen is s.decoding("json") and chosen is not None and chosen.name == "json"
    try:
        decoding_for(s, "no-such-decoder")
    except ValueError as exc:
        assert "no-such-decoder" in str(exc)
    else:
        raise AssertionError("an unknown decoder name is refused")


def test_subprotocol_close_codes_are_explained() -> None:
    s = graphql_session(bad=True, close=4409)
    decoding = s.decoding()
    meaning = decoding.close_meaning(4409)
    assert meaning is not None and meaning.startswith("subscriber already exists")
    assert decoding.close_meaning(1000) is None
    assert s.decoding("json").close_meaning(4409) is None  # json gives the code no meaning
    summary = s.summary()
    assert summary.close_codes["server→client"] == 4409
    assert summary.close_meanings["server→client"] == meaning
    raw = SessionSummary.of(s, RAW)
    assert raw.close_meanings == {} and raw.subprotocol is None and raw.close_codes == summary.close_codes


def test_the_graphql_ws_name_clash_is_noted() -> None:
    only_old = graphql_offer(["graphql-ws"], ("graphql-transport-ws",))  # nothing selected
    note = only_old.decoding().clash_note()
    assert note is not None and "4406" in note
    assert only_old.summary().subprotocol_note == note
    both = graphql_offer(["graphql-transport-ws", "graphql-ws"], ("graphql-ws",))
    assert "legacy" in str(both.decoding().clash_note())
    assert (
        graphql_session().decoding().clash_note() is None
        and graphql_session().summary().subprotocol_note is None
    )


def test_a_decoding_asked_for_before_the_server_answers_follows_the_handshake() -> None:
    wire = Loopback(
        Connection("client", url="ws://h/", subprotocols=["graphql-transport-ws"]),
        Connection("server", policy=ServerPolicy(subprotocols=("graphql-transport-ws",))),
    )
    early = wire.session.decoding()  # a live view's first refresh: nothing recorded yet
    assert early.name is None and early.negotiated is None
    wire.pump()
    wire.client.send_text(json.dumps({"type": "connection_init"}))
    wire.pump()
    assert wire.session.decoding() is early  # kept per session, and now it knows the negotiated name
    assert early.negotiated == "graphql-transport-ws" and early.name == "graphql-transport-ws"
    assert [label.kinds for _d, _n, label in early.labels()] == [("connection_init",)]
