"""The TLS ClientHello reader: real hellos from Python's ssl (SNI, ALPN, TLS 1.3), hellos split over
records and cut short, rule violations with their bytes, and random input that never raises."""

from __future__ import annotations

import functools
import ssl

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wsexplorer.record.tls_hello import (
    MAX_HELLO_BYTES,
    ClientHello,
    looks_like_tls,
    read_client_hello,
    tls_record_start,
)


@functools.cache
def client_hello(server_name: str | None = "example.org", alpn: tuple[str, ...] = ()) -> bytes:
    """The first flight of a real TLS client (Python's ssl, OpenSSL), without any network."""
    context = ssl.create_default_context()
    if alpn:
        context.set_alpn_protocols(list(alpn))
    if server_name is None:
        context.check_hostname = False
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    tls = context.wrap_bio(incoming, outgoing, server_hostname=server_name)
    with pytest.raises(ssl.SSLWantReadError):
        tls.do_handshake()
    return outgoing.read()


def field(hello: ClientHello, name: str) -> object:
    (found,) = [f for f in hello.fields if f.name == name]
    return found.value


def test_a_real_hello_gives_sni_alpn_and_versions() -> None:
    data = client_hello("example.org", ("http/1.1",))
    assert looks_like_tls(data) and tls_record_start(data)
    hello = read_client_hello(data)
    assert hello is not None and hello.complete and hello.violations == []
    assert hello.server_name == "example.org" and hello.alpn == ("http/1.1",)
    assert 0x0304 in hello.versions and hello.legacy_version == 0x0303 and hello.cipher_suites > 0
    assert bytes(hello) == data and len(hello) == len(data)
    name = next(f for f in hello.fields if f.name == "server name")
    assert bytes(hello)[name.span.byte_start : name.span.byte_end] == b"example.org"
    assert field(hello, "content type") == 22 and field(hello, "handshake type") == 1
    assert "example.org" in hello.summary() and "TLS 1.3" in repr(hello)


def test_no_server_name_without_a_host_name() -> None:
    hello = read_client_hello(client_hello(None))
    assert hello is not None and hello.server_name is None and 0 not in hello.extension_types


def test_more_bytes_are_awaited_until_the_hello_is_whole() -> None:
    data = client_hello()
    assert read_client_hello(data[:3]) is None and read_client_hello(data[:200]) is None
    cut = read_client_hello(data[:200], final=True)
    assert cut is not None and not cut.complete
    assert cut.violations and "ends before" in cut.violations[0].rule


def test_a_hello_split_over_two_records() -> None:
    data = client_hello("split.example")
    message = data[5:]
    first, second = message[:100], message[100:]
    records = (
        b"\x16\x03\x01"
        + len(first).to_bytes(2, "big")
        + first
        + b"\x16\x03\x01"
        + len(second).to_bytes(2, "big")
        + second
    )
    hello = read_client_hello(records)
    assert hello is not None and hello.complete and hello.record_count == 2
    assert hello.server_name == "split.example"
    name = next(f for f in hello.fields if f.name == "server name")
    assert records[name.span.byte_start : name.span.byte_end] == b"split.example"  # past the second header


def _with_sni(raw_name: bytes) -> bytes:
    """A minimal ClientHello carrying one server_name entry with ``raw_name``."""
    entry = b"\x00" + len(raw_name).to_bytes(2, "big") + raw_name
    sni = len(entry).to_bytes(2, "big") + entry
    extensions = b"\x00\x00" + len(sni).to_bytes(2, "big") + sni
    extensions += extensions[:4] + sni  # the same extension twice
    body = b"\x03\x03" + bytes(32) + b"\x00" + b"\x00\x02\x13\x01" + b"\x01\x00"
    body += len(extensions).to_bytes(2, "big") + extensions
    message = b"\x01" + len(body).to_bytes(3, "big") + body
    return b"\x16\x03\x01" + len(message).to_bytes(2, "big") + message


@pytest.mark.parametrize(
    ("name", "rule"),
    [
        (b"127.0.0.1", "literal IP addresses are not permitted"),
        (b"trailing.dot.", "ASCII without a trailing dot"),
        (b"caf\xc3\xa9.example", "ASCII without a trailing dot"),
    ],
)
def test_server_name_rules_of_rfc_6066(name: bytes, rule: str) -> None:
    hello = read_client_hello(_with_sni(name))
    assert hello is not None
    rules = [v.rule for v in hello.violations]
    assert any(rule in r for r in rules) and any("appears twice" in r for r in rules)
    bad = next(v for v in hello.violations if rule in v.rule)
    assert bytes(hello)[bad.start : bad.end] == name and bad.section == "RFC 6066 §3"


def test_not_a_client_hello_and_oversized_records() -> None:
    server_hello = b"\x16\x03\x03\x00\x04\x02\x00\x00\x00"
    hello = read_client_hello(server_hello)
    assert hello is not None and "not client_hello" in hello.violations[0].rule
    huge = b"\x16\x03\x01\x50\x00" + b"\x01" + bytes(100)
    cut = read_client_hello(huge, final=True)
    assert cut is not None and any("exceeds 2^14" in v.rule for v in cut.violations)
    assert not looks_like_tls(b"GET / HTTP/1.1") and not tls_record_start(b"\x17\x03\x03\xff\xff")


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=600), st.booleans())
def test_random_bytes_never_raise(tail: bytes, final: bool) -> None:
    for data in (b"\x16\x03\x01" + tail, b"\x16\x03\x01\x01\x00\x01" + tail, tail):
        hello = read_client_hello(data, final=final)
        if hello is not None:
            assert len(bytes(hello)) <= min(len(data), MAX_HELLO_BYTES)
            for f in hello.fields:
                assert f.span.byte_end <= len(hello)


@settings(max_examples=100, deadline=None)
@given(st.integers(0, 516), st.integers(0, 255))
def test_every_mutation_of_a_real_hello_is_read_leniently(position: int, value: int) -> None:
    data = bytearray(client_hello("m.example"))
    data[position % len(data)] = value
    hello = read_client_hello(bytes(data), final=True)
    assert hello is None or isinstance(hello, ClientHello)
