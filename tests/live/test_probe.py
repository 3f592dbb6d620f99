"""The probe itself: case selection, judges on made-up observations, the report's JSON, and the runner's
bounds (silent servers, refused connections, misbehaving servers, repeatable bytes)."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator

import pytest

from wsexplorer.live import serve_echo
from wsexplorer.live.probe import CASES, CATEGORIES, Observation, Verdict, expect, probe, run_case, select
from wsexplorer.live.probe.report import ProbeReport
from wsexplorer.record.session import C2S, S2C


def obs(ending: str = "open", **kw: object) -> Observation:
    return Observation(ending, **({"status": 101, "sentinel": ending == "open"} | kw))  # type: ignore[arg-type]


def test_the_case_list() -> None:
    assert 40 <= len(CASES) <= 65
    ids = [c.id for c in CASES]
    assert len(set(ids)) == len(ids)
    assert set(CATEGORIES) == {"1", "2", "3", "4", "5", "6", "7", "9", "10", "11", "12"}
    for c in CASES:
        assert c.section.startswith("RFC ") and c.sends and c.requires and c.title
    assert [c.id for c in select(["7.3", "2"])] == ["7.3", "2.1", "2.2", "2.3", "2.4", "2.5"]
    assert select(["12.*"]) == [c for c in CASES if c.id.startswith("12.")]
    with pytest.raises(ValueError, match=r"no probe case '99\.1'"):
        select(["99.1"])


def test_failing_the_connection() -> None:
    judge = expect.fails("RSV1 is set", "RFC 6455 §5.2", 1002)
    assert judge(obs("closed", close_code=1002))[0] is Verdict.CONFORMS
    verdict, why = judge(obs("closed", close_code=1011))
    assert verdict is Verdict.CONFORMS and "1011 where RFC 6455 §7.4.1 defines 1002" in why
    verdict, why = judge(obs("dropped"))
    assert verdict is Verdict.CONFORMS and "SHOULD" in why
    verdict, why = judge(obs("open"))
    assert verdict is Verdict.DEVIATES and "RFC 6455 §5.2 requires failing" in why
    assert judge(obs("silent", sentinel=False))[0] is Verdict.DEVIATES
    assert judge(Observation("refused", status=403))[0] is Verdict.NOT_RUN
    # A server that echoes the bad frame back has not failed the connection: the probe failed it.
    echoed = obs("closed", close_code=1002, server_rule="RSV1 is set (RFC 6455 §5.2)", probe_failed=True)
    verdict, why = judge(echoed)
    assert verdict is Verdict.DEVIATES and "the probe failed the connection itself" in why


def test_valid_input_and_pings() -> None:
    judge = expect.stays_open("a text message", "RFC 6455 §5.6")
    assert judge(obs("open"))[0] is Verdict.CONFORMS
    verdict, why = judge(obs("closed", close_code=1002, close_reason="no"))
    assert verdict is Verdict.DEVIATES and "closed with 1002 'no'" in why
    assert "§5.5.2" in judge(obs("silent", sentinel=False))[1]
    ping = expect.answers_ping(b"abc")
    assert ping(obs(pongs=(b"abc",)))[0] is Verdict.CONFORMS
    assert "differs" in ping(obs(pongs=(b"xyz",)))[1]
    assert ping(obs("closed", close_code=1002))[0] is Verdict.DEVIATES


def test_handshake_judges() -> None:
    refuse = expect.refuses_handshake("no Host", "RFC 6455 §4.2.1 item 2")
    assert refuse(Observation("refused", status=400))[0] is Verdict.CONFORMS
    assert refuse(Observation("refused", status=500))[0] is Verdict.INFORMATIONAL
    assert refuse(Observation("open", status=101))[0] is Verdict.DEVIATES
    assert refuse(Observation("no-handshake"))[0] is Verdict.DEVIATES
    version = expect.refuses_version
    assert version(Observation("refused", status=426, headers=(("Sec-WebSocket-Version", "13"),)))[0] is (
        Verdict.CONFORMS
    )
    verdict, why = version(Observation("refused", status=400, headers=(("Sec-WebSocket-Version", "13"),)))
    assert verdict is Verdict.CONFORMS and "§4.4" in why
    verdict, why = version(Observation("refused", status=400))
    assert verdict is Verdict.DEVIATES and "426" in why and "MUST" in why
    choice = expect.subprotocol_choice(("a", "b"))
    assert choice(Observation("open", status=101))[0] is Verdict.CONFORMS
    assert choice(Observation("open", status=101, headers=(("Sec-WebSocket-Protocol", "c"),)))[0] is (
        Verdict.DEVIATES
    )
    deflate = expect.deflate_response("permessage-deflate; x=1", must_decline="has an unknown parameter")
    accepted = Observation("open", status=101, headers=(("Sec-WebSocket-Extensions", "permessage-deflate"),))
    assert deflate(accepted)[0] is Verdict.DEVIATES
    assert deflate(Observation("open", status=101))[0] is Verdict.CONFORMS


def test_observation_summary_and_json() -> None:
    o = obs("closed", close_code=1007, close_reason="bad text", pongs=(b"",))
    assert o.summary() == "101; 1 pong; close 1007 'bad text'"
    assert Observation("refused", status=426).summary() == "HTTP 426"
    assert Observation("error", error="refused").summary() == "no connection: refused"
    assert obs("closed", close_code=1005).summary() == "101; close no code"


@pytest.fixture
async def echo_url() -> AsyncIterator[str]:
    async with serve_echo() as server:
        yield server.url


async def test_report_json_and_wire_logs(echo_url: str) -> None:
    seen: list[str] = []
    report = await probe(echo_url, cases=["2.1", "3.1", "11.7"], on_result=lambda r: seen.append(r.id))
    assert seen == ["2.1", "3.1", "11.7"] and len(report) == 3
    data = json.loads(report.to_json())
    assert data["format"] == "wsexplorer-probe" and data["counts"]["conforms"] == 3
    row = data["cases"][1]
    assert row["id"] == "3.1" and row["verdict"] == "conforms" and row["section"] == "RFC 6455 §5.2"
    assert row["observed"]["close_code"] == 1002 and row["observed"]["ending"] == "closed"
    rsv = report["3.1"].session
    assert rsv is not None and rsv.frame_count(C2S) >= 1 and rsv.frame_count(S2C) == 1
    assert rsv.frame(C2S, 0).frame.rsv1 and rsv.meta["probe_case"] == "3.1"
    assert report["11.7"].session is not None and report["11.7"].session.response is not None
    assert report["11.7"].session.response.status == 426
    assert "3 cases" in report.summary() and report.verdicts()["2.1"] == "conforms"
    with pytest.raises(KeyError):
        report["1.1"]


async def test_the_same_rng_sends_the_same_bytes(echo_url: str) -> None:
    def rng(n: int) -> bytes:
        return bytes(range(n))

    first = await run_case(select(["1.1"])[0], echo_url, rng=rng)
    second = await run_case(select(["1.1"])[0], echo_url, rng=rng)
    assert first.session is not None and second.session is not None
    assert first.session.stream(C2S) == second.session.stream(C2S)


async def test_a_misbehaving_server_deviates() -> None:
    from wsexplorer.live import echo, serve

    async with serve(echo, misbehave=["no-pong"]) as server:
        report = await probe(server.url, cases=["2.1", "1.1"], timeout=0.3)
    assert report["2.1"].verdict is Verdict.DEVIATES and "§5.5.2" in report["2.1"].explanation
    assert report["1.1"].verdict is Verdict.DEVIATES  # it never answers the closing ping either
    async with serve(echo, misbehave=["mask-frames"]) as server:
        report = await probe(server.url, cases=["1.1"])
    assert "a server must not mask" in report["1.1"].observed.server_rule


async def test_a_silent_server_is_bounded_by_the_total_time() -> None:
    done = asyncio.Event()

    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read(1 << 16)
        await done.wait()  # never answers; hangs up when the test ends
        writer.close()
        await writer.wait_closed()

    server = await asyncio.start_server(silent, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    started = time.perf_counter()
    try:
        report = await probe(f"ws://127.0.0.1:{port}/", cases=["1", "2"], timeout=0.2, total_timeout=1.0)
    finally:
        done.set()
        server.close()
        await server.wait_closed()
    assert time.perf_counter() - started < 3.0
    verdicts = [r.verdict for r in report]
    assert Verdict.NOT_RUN in verdicts and report.counts()["not run"] == len(report)
    assert report["1.1"].observed.ending == "no-handshake"
    assert any("total time" in r.explanation for r in report)


async def test_no_server_and_bad_urls() -> None:
    server = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    server.close()
    await server.wait_closed()
    report = await probe(f"ws://127.0.0.1:{port}/", cases=["1.1", "11.2"])
    assert all(r.verdict is Verdict.NOT_RUN for r in report)
    assert report["1.1"].observed.ending == "error"
    with pytest.raises(ValueError, match="not a WebSocket URI"):
        await probe("http://127.0.0.1/")
    with pytest.raises(ValueError, match="positive"):
        await probe("ws://127.0.0.1/", timeout=0)
    assert isinstance(report, ProbeReport)
