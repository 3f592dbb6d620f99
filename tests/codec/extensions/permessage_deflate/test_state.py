"""PerMessageDeflateState: RFC 7692 §7.2.3 examples, context takeover, windows, bombs, websockets interop."""

from __future__ import annotations

import itertools
import os
import random
import time
import tracemalloc
import zlib
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from websockets.extensions.permessage_deflate import (
    ClientPerMessageDeflateFactory,
    ServerPerMessageDeflateFactory,
)
from websockets.frames import Frame, Opcode

from wsexplorer.codec.extensions import ExtensionOffer
from wsexplorer.codec.extensions.permessage_deflate import (
    SYNC_FLUSH_TAIL,
    PerMessageDeflate,
)
from wsexplorer.errors import (
    InvalidPayloadData,
    MessageTooBig,
    ProtocolError,
)

from .samples import (
    HELLO,
    MESSAGES,
    TEXT,
    negotiate,
    pair,
    payload_of,
    split,
    state,
    ws_decode,
    ws_deflate,
)

# ----------------------------------------------------------------------------------------------
# RFC 7692 §7.2.3 examples (vectors from /work/shared/reference/rfc7692-examples.md)
# ----------------------------------------------------------------------------------------------


class TestRFCExamples:
    def test_7231_one_frame(self) -> None:
        first, payload = payload_of("c1 07 f2 48 cd c9 c9 07 00")
        assert first & 0x40  # RSV1 marks the compressed message (§6)
        assert state().decompress(payload, fin=True) == HELLO

    def test_7231_we_produce_the_same_bytes(self) -> None:
        _, payload = payload_of("c1 07 f2 48 cd c9 c9 07 00")
        assert state("server").compress(HELLO) == payload

    def test_7231_fragmented(self) -> None:
        first1, part1 = payload_of("41 03 f2 48 cd")
        first2, part2 = payload_of("80 04 c9 c9 07 00")
        assert first1 & 0x40 and not first2 & 0x40  # RSV1 only on the first frame
        s = state()
        out = s.decompress(part1, fin=False)
        assert s.receiving
        out += s.decompress(part2, fin=True)
        assert not s.receiving
        assert out == HELLO

    def test_7232_context_takeover(self) -> None:
        _, first = payload_of("c1 07 f2 48 cd c9 c9 07 00")
        _, second = payload_of("c1 05 f2 00 11 00 00")
        s = state()
        assert s.decompress(first, fin=True) == HELLO
        assert s.decompress(second, fin=True) == HELLO

    def test_7232_we_produce_the_same_bytes(self) -> None:
        s = state("server")
        assert s.compress(HELLO) == bytes.fromhex("f2 48 cd c9 c9 07 00")
        assert s.compress(HELLO) == bytes.fromhex("f2 00 11 00 00")

    def test_7232_second_message_needs_the_shared_window(self) -> None:
        _, second = payload_of("c1 05 f2 00 11 00 00")
        with pytest.raises(InvalidPayloadData) as info:
            state().decompress(second, fin=True)
        assert info.value.close_code == 1007
        assert "invalid DEFLATE data" in str(info.value)
        assert "RFC 7692 §7.2.2" in str(info.value)

    def test_7232_no_context_takeover_resets_the_receiver(self) -> None:
        _, first = payload_of("c1 07 f2 48 cd c9 c9 07 00")
        _, second = payload_of("c1 05 f2 00 11 00 00")
        s = state(server_no_context_takeover=True)  # client: the server promised to reset
        assert s.decompress(first, fin=True) == HELLO
        with pytest.raises(InvalidPayloadData):
            s.decompress(second, fin=True)

    def test_7233_stored_block(self) -> None:
        _, payload = payload_of("c1 0b 00 05 00 fa ff 48 65 6c 6c 6f 00")
        assert state().decompress(payload, fin=True) == HELLO
        assert state("server", compress_level=0).compress(HELLO) == payload

    def test_7234_bfinal_then_ignored_bytes(self) -> None:
        _, payload = payload_of("c1 08 f3 48 cd c9 c9 07 00 00")
        s = state()
        assert s.decompress(payload, fin=True) == HELLO
        # The DEFLATE stream ended; the next message starts a new one even with context takeover.
        _, again = payload_of("c1 07 f2 48 cd c9 c9 07 00")
        assert s.decompress(again, fin=True) == HELLO

    def test_7234_bfinal_in_first_fragment_ignores_the_rest(self) -> None:
        s = state()
        out = s.decompress(bytes.fromhex("f3 48 cd c9 c9 07 00"), fin=False)
        out += s.decompress(b"\x00 trailing garbage \xff", fin=True)
        assert out == HELLO

    def test_7235_two_blocks(self) -> None:
        _, payload = payload_of("c1 0d f2 48 05 00 00 00 ff ff ca c9 c9 07 00")
        assert state().decompress(payload, fin=True) == HELLO

    def test_7236_empty_message(self) -> None:
        assert state("server").compress(b"") == b"\x00"
        s = state()
        assert s.decompress(b"\x00", fin=True) == b""
        assert s.decompress(bytes.fromhex("f248cdc9c90700"), fin=True) == HELLO

    def test_empty_compressed_payload_is_an_empty_message(self) -> None:
        s = state()
        assert s.decompress(b"", fin=True) == b""
        # ...and it leaves the shared window untouched for the next message.
        assert s.decompress(bytes.fromhex("f248cdc9c90700"), fin=True) == HELLO
        assert s.decompress(bytes.fromhex("f200110000"), fin=True) == HELLO

    def test_empty_last_fragment(self) -> None:
        s = state()
        out = s.decompress(bytes.fromhex("f248cdc9c90700"), fin=False)
        out += s.decompress(b"", fin=True)
        assert out == HELLO


def test_end_to_end_both_directions() -> None:
    client, server = negotiate(PerMessageDeflate(), PerMessageDeflate())
    for i in range(5):
        message = TEXT + str(i).encode()
        assert server.decompress(client.compress(message), fin=True) == message
        assert client.decompress(server.compress(message), fin=True) == message
    assert client.messages_sent == server.messages_received == 5
    assert server.messages_sent == client.messages_received == 5


def test_context_takeover_makes_repeats_smaller() -> None:
    client, server = pair()
    first = client.compress(TEXT)
    second = client.compress(TEXT)
    assert len(second) < len(first) // 2
    assert server.decompress(first, fin=True) == TEXT
    assert server.decompress(second, fin=True) == TEXT


@pytest.mark.parametrize("side", ["client", "server"])
def test_no_context_takeover_makes_repeats_identical(side: str) -> None:
    flag = f"{side}_no_context_takeover"
    client, server = pair(**{flag: True})
    sender, receiver = (client, server) if side == "client" else (server, client)
    assert sender.local_no_context_takeover and receiver.remote_no_context_takeover
    first = sender.compress(TEXT)
    second = sender.compress(TEXT)
    assert first == second
    assert receiver.decompress(first, fin=True) == TEXT
    assert receiver.decompress(second, fin=True) == TEXT
    # The other direction keeps its window.
    other_first = receiver.compress(TEXT)
    assert len(receiver.compress(TEXT)) < len(other_first)


def test_compress_message_view() -> None:
    client, _ = pair()
    first = client.compress_message(TEXT)
    second = client.compress_message(TEXT)
    assert not first.context_takeover and second.context_takeover
    assert first.window_bits == 15
    assert first.inflated == TEXT
    no_ctx, _ = pair(client_no_context_takeover=True)
    no_ctx.compress_message(TEXT)
    assert not no_ctx.compress_message(TEXT).context_takeover


def _repeating(bits: int, rng: random.Random) -> list[bytes]:
    """Messages that repeat a block from just beyond and just within a 2**bits window."""
    window = 1 << bits
    block = rng.randbytes(window + 300)
    near = rng.randbytes(window // 2)
    return [block, block, near + near, block[:100] + block, rng.randbytes(50) + block]


@pytest.mark.parametrize("bits", range(8, 16))
@pytest.mark.parametrize("takeover", [True, False])
def test_window_bits_are_honoured(bits: int, takeover: bool) -> None:
    """Our output inflates with a decompressor whose window is exactly the negotiated one.

    For 8 this is the module's claim: zlib at wbits=9 never reaches back more than 250 bytes.
    """
    sender = state("server", server_max_window_bits=bits, server_no_context_takeover=not takeover)
    rng = random.Random(bits)
    strict = zlib.decompressobj(-bits)
    for message in _repeating(bits, rng) * 2:
        if not takeover:
            strict = zlib.decompressobj(-bits)
        assert strict.decompress(sender.compress(message) + SYNC_FLUSH_TAIL) == message


def test_window_8_over_many_patterns() -> None:
    rng = random.Random(7)
    sender = state("client", client_max_window_bits=8)
    receiver = state("server", client_max_window_bits=8)
    for _ in range(300):
        period = rng.randint(200, 600)
        block = rng.randbytes(period)
        message = (block * rng.randint(1, 5))[: rng.randint(1, 3000)]
        assert receiver.decompress(sender.compress(message), fin=True) == message


def test_window_check_is_sensitive() -> None:
    """Control for the tests above: a 15-bit sender does not fit a 9-bit receiver."""
    sender = state("server")
    receiver = state("client", server_max_window_bits=9)
    block = random.Random(1).randbytes(2000)
    receiver.decompress(sender.compress(block), fin=True)
    with pytest.raises(InvalidPayloadData, match="invalid DEFLATE data"):
        receiver.decompress(sender.compress(block), fin=True)


def test_reset_and_recovery_after_error() -> None:
    s = state()
    with pytest.raises(InvalidPayloadData):
        s.decompress(b"\xff\xff\xff\xff", fin=True)
    assert not s.receiving
    assert s.decompress(bytes.fromhex("f248cdc9c90700"), fin=True) == HELLO
    s.decompress(bytes.fromhex("f248cd"), fin=False)
    assert s.receiving
    s.reset()
    assert not s.receiving
    assert s.decompress(bytes.fromhex("f248cdc9c90700"), fin=True) == HELLO


@pytest.mark.parametrize(
    "garbage",
    [
        b"\x07",  # BFINAL=1, BTYPE=11: reserved block type
        b"\x06",  # BTYPE=11 again, not final
        b"\x00\x05\x00\x00\x00Hello",  # stored block whose NLEN is not the complement of LEN
        b"\xff\xff\xff\xff\xff\xff",
    ],
)
def test_corrupt_data_is_1007(garbage: bytes) -> None:
    with pytest.raises(InvalidPayloadData) as info:
        state().decompress(garbage, fin=True)
    assert isinstance(info.value, ProtocolError)
    assert info.value.close_code == 1007
    assert info.value.section == "RFC 7692 §7.2.2"
    assert str(info.value).startswith("invalid DEFLATE data")


def test_state_validation() -> None:
    with pytest.raises(ValueError, match="role"):
        state("proxy")
    with pytest.raises(ValueError, match="server_max_window_bits"):
        state(server_max_window_bits=16)
    s = state("server")
    assert s.name == "permessage-deflate"
    assert "role='server'" in repr(s)


# ----------------------------------------------------------------------------------------------
# max_size and decompression bombs
# ----------------------------------------------------------------------------------------------


def _bomb(mebibytes: int) -> bytes:
    """A compressed message inflating to ``mebibytes`` MiB of zeros (~1 KiB per MiB: DEFLATE's
    best ratio is about 1:1032, so 100 MiB needs ~100 KiB)."""
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    chunk = c.compress(bytes(1 << 20)) + c.flush(zlib.Z_SYNC_FLUSH)
    # Each chunk refers only to itself and ends on a byte boundary, so copies can be chained.
    return (chunk * mebibytes)[: -len(SYNC_FLUSH_TAIL)]


def test_bomb_is_stopped_at_the_limit_with_bounded_memory() -> None:
    bomb = _bomb(100)
    assert len(bomb) < 150_000
    limit = 1 << 20
    s = state()
    started = time.perf_counter()
    tracemalloc.start()
    try:
        with pytest.raises(MessageTooBig) as info:
            s.decompress(bomb, fin=True, max_size=limit)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # Inflating all 100 MiB would take far longer; stopping at 1 MiB takes milliseconds.
    assert time.perf_counter() - started < 5
    # The input (~100 KiB), one output buffer of limit + 1 bytes and zlib's 32 KiB window.
    assert peak < 3 * limit
    assert info.value.close_code == 1009
    assert f"max_message_size={limit}" in str(info.value)
    stopped_after = int(str(info.value).split("stopped after ")[1].split()[0])
    assert stopped_after == limit + 1


def test_small_bomb_in_one_kib() -> None:
    bomb = _bomb(1)
    assert len(bomb) < 1100
    with pytest.raises(MessageTooBig):
        state().decompress(bomb, fin=True, max_size=64 * 1024)
    assert state().decompress(bomb, fin=True, max_size=1 << 20) == bytes(1 << 20)


def test_bomb_spread_over_frames() -> None:
    bomb = _bomb(4)
    s = state()
    limit = 3 << 20
    step = len(bomb) // 8
    inflated = 0
    with pytest.raises(MessageTooBig):
        for i in range(0, len(bomb), step):
            part = bomb[i : i + step]
            inflated += len(s.decompress(part, fin=i + step >= len(bomb), max_size=limit))
    assert inflated <= limit


@pytest.mark.parametrize("fragments", [1, 3])
def test_limit_is_inclusive(fragments: int) -> None:
    message = os.urandom(1000) + bytes(3000)
    sender = state("server", server_no_context_takeover=True)
    compressed = sender.compress(message)
    cuts = [len(compressed) * k // fragments for k in range(fragments + 1)]
    parts = [compressed[a:b] for a, b in itertools.pairwise(cuts)]

    def receive(max_size: int) -> bytes:
        r = state("client", server_no_context_takeover=True)
        out = b""
        for i, part in enumerate(parts):
            out += r.decompress(part, fin=i == len(parts) - 1, max_size=max_size)
        return out

    assert receive(len(message)) == message
    with pytest.raises(MessageTooBig):
        receive(len(message) - 1)


def test_limit_zero() -> None:
    assert state().decompress(b"\x00", fin=True, max_size=0) == b""
    assert state().decompress(b"", fin=True, max_size=0) == b""
    with pytest.raises(MessageTooBig):
        state().decompress(bytes.fromhex("f248cdc9c90700"), fin=True, max_size=0)


def test_limit_counts_the_whole_message_not_each_frame() -> None:
    message = bytes(range(256)) * 40  # 10240 bytes
    compressed = state("server", compress_level=0).compress(message)  # stored: grows with input
    s = state()
    s.decompress(compressed[:6000], fin=False, max_size=10239)
    with pytest.raises(MessageTooBig):
        s.decompress(compressed[6000:], fin=True, max_size=10239)


def test_limit_resets_per_message() -> None:
    client, server = pair()
    for _ in range(3):
        assert server.decompress(client.compress(TEXT), fin=True, max_size=len(TEXT)) == TEXT


@pytest.mark.parametrize("bits", [9, 12, 15])
@pytest.mark.parametrize("server_nct", [False, True])
@pytest.mark.parametrize("client_nct", [False, True])
def test_websockets_decodes_ours(bits: int, server_nct: bool, client_nct: bool) -> None:
    ours = state(
        "server",
        server_no_context_takeover=server_nct,
        client_no_context_takeover=client_nct,
        server_max_window_bits=bits,
        client_max_window_bits=bits,
    )
    theirs = ws_deflate(server_nct, client_nct, bits, bits)  # their client: remote = server
    for n, message in enumerate(MESSAGES):
        compressed = ours.compress(message)
        assert ws_decode(theirs, split(compressed, 1 + n % 3)) == message


@pytest.mark.parametrize("bits", [9, 12, 15])
@pytest.mark.parametrize("server_nct", [False, True])
@pytest.mark.parametrize("client_nct", [False, True])
def test_we_decode_websockets(bits: int, server_nct: bool, client_nct: bool) -> None:
    ours = state(
        "server",
        server_no_context_takeover=server_nct,
        client_no_context_takeover=client_nct,
        server_max_window_bits=bits,
        client_max_window_bits=bits,
    )
    theirs = ws_deflate(server_nct, client_nct, bits, bits)
    for n, message in enumerate(MESSAGES):
        parts = split(message, 1 + n % 3)
        out = b""
        for i, part in enumerate(parts):
            frame = theirs.encode(
                Frame(Opcode.BINARY if i == 0 else Opcode.CONT, part, fin=i == len(parts) - 1)
            )
            assert frame.rsv1 == (i == 0)
            out += ours.decompress(bytes(frame.data), fin=frame.fin, max_size=1 << 20)
        assert out == message


def test_same_bytes_as_websockets() -> None:
    ours = state("client")
    theirs = ws_deflate(False, False, 15, 15)
    for message in MESSAGES:
        assert ours.compress(message) == bytes(theirs.encode(Frame(Opcode.TEXT, message)).data)


NEGOTIATION_CONFIGS: list[dict[str, Any]] = [
    {},
    {"server_no_context_takeover": True},
    {"client_no_context_takeover": True},
    {"server_max_window_bits": 10},
    {"client_max_window_bits": 11},
    {"client_max_window_bits": None},
    {"server_no_context_takeover": True, "server_max_window_bits": 12, "client_max_window_bits": 9},
]


@pytest.mark.parametrize("client_config", NEGOTIATION_CONFIGS)
@pytest.mark.parametrize(
    "server_config",
    [{}, {"server_no_context_takeover": True}, {"server_max_window_bits": 11}],
)
def test_websockets_server_answers_our_offer(
    client_config: dict[str, Any], server_config: dict[str, Any]
) -> None:
    ours = PerMessageDeflate(**client_config)
    theirs = ServerPerMessageDeflateFactory(**server_config)
    params, their_ext = theirs.process_request_params(ours.offer().params, [])
    response = ExtensionOffer("permessage-deflate", tuple(params))
    negotiated = ours.check_response(response)
    for message in MESSAGES:
        assert ws_decode(their_ext, [negotiated.compress(message)]) == message
        frame = their_ext.encode(Frame(Opcode.BINARY, message))
        assert negotiated.decompress(bytes(frame.data), fin=True) == message


@pytest.mark.parametrize("server_config", NEGOTIATION_CONFIGS)
@pytest.mark.parametrize(
    "client_config",
    [{}, {"client_no_context_takeover": True}, {"server_max_window_bits": 10}],
)
def test_websockets_client_takes_our_answer(
    client_config: dict[str, Any], server_config: dict[str, Any]
) -> None:
    theirs = ClientPerMessageDeflateFactory(**client_config)
    offer = ExtensionOffer("permessage-deflate", tuple(theirs.get_request_params()))
    result = PerMessageDeflate(**server_config).accept([offer])
    assert result is not None
    response, negotiated, _ = result
    their_ext = theirs.process_response_params(list(response.params), [])
    for message in MESSAGES:
        assert ws_decode(their_ext, [negotiated.compress(message)]) == message
        frame = their_ext.encode(Frame(Opcode.BINARY, message))
        assert negotiated.decompress(bytes(frame.data), fin=True) == message


# ----------------------------------------------------------------------------------------------
# Properties
# ----------------------------------------------------------------------------------------------

payloads = st.one_of(
    st.binary(max_size=3000),
    st.text(max_size=500).map(lambda t: t.encode()),
    st.binary(min_size=1, max_size=40).flatmap(lambda b: st.integers(1, 200).map(lambda n: b * n)),
)


@settings(max_examples=60, deadline=None)
@given(
    messages=st.lists(payloads, min_size=1, max_size=5),
    cuts=st.lists(st.integers(0, 10_000), max_size=6),
    bits=st.integers(8, 15),
    nct=st.booleans(),
)
def test_round_trip_with_random_fragmentation(
    messages: list[bytes], cuts: list[int], bits: int, nct: bool
) -> None:
    sender = state("client", client_max_window_bits=bits, client_no_context_takeover=nct, compress_level=9)
    receiver = state("server", client_max_window_bits=bits, client_no_context_takeover=nct)
    for message in messages:
        compressed = sender.compress(message)
        points = sorted({c % (len(compressed) + 1) for c in cuts} | {0, len(compressed)})
        parts = [compressed[a:b] for a, b in itertools.pairwise(points)] or [b""]
        out = b""
        for i, part in enumerate(parts):
            out += receiver.decompress(part, fin=i == len(parts) - 1, max_size=len(message))
        assert out == message
        assert not receiver.receiving


@settings(max_examples=60, deadline=None)
@given(
    message=payloads,
    pieces=st.integers(1, 5),
    nct=st.booleans(),
)
def test_round_trip_against_websockets(message: bytes, pieces: int, nct: bool) -> None:
    ours = state("server", server_no_context_takeover=nct, client_no_context_takeover=nct)
    theirs = ws_deflate(nct, nct, 15, 15)
    for _ in range(2):
        assert ws_decode(theirs, split(ours.compress(message), pieces)) == message
        frame = theirs.encode(Frame(Opcode.BINARY, message))
        assert ours.decompress(bytes(frame.data), fin=True) == message


@settings(max_examples=100, deadline=None)
@given(garbage=st.binary(max_size=200), limit=st.one_of(st.none(), st.integers(0, 2000)))
def test_arbitrary_input_never_crashes(garbage: bytes, limit: int | None) -> None:
    try:
        out = state().decompress(garbage, fin=True, max_size=limit)
    except (InvalidPayloadData, MessageTooBig):
        return
    assert limit is None or len(out) <= limit
