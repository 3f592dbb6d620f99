"""What each handshake header is for: the teaching table, by message and status (RFC 6455 §4)."""

from __future__ import annotations

from wsexplorer.codec.handshake import HandshakeRequest, HandshakeResponse
from wsexplorer.codec.header_meanings import (
    COMMON,
    GENERIC,
    REFUSAL,
    REQUEST,
    RESPONSE,
    UPGRADE_REQUIRED,
    header_meaning,
)

from .handshake_samples import request_with


def test_unknown_header_gets_generic_meaning() -> None:
    req = HandshakeRequest.parse(request_with(("X-Teacher", "hello")))
    field = next(f for f in req.fields if f.name == "X-Teacher")
    assert field.group == "other"
    assert "does not define" in field.meaning


def test_seed_required_and_optional_headers() -> None:
    required = {"host", "upgrade", "connection", "sec-websocket-key", "sec-websocket-version"}
    assert {k for k, m in REQUEST.items() if m.group == "required"} == required
    assert {k for k, m in REQUEST.items() if m.group == "optional"} == {
        "origin",
        "sec-websocket-protocol",
        "sec-websocket-extensions",
    }


def test_lookup_is_case_insensitive_and_falls_back() -> None:
    assert header_meaning("SEC-WEBSOCKET-KEY", in_request=True).section == "RFC 6455 §4.1 item 7"
    assert header_meaning("User-Agent", in_request=True).group == "other"
    assert header_meaning("X-Unknown", in_request=False, status=101) is GENERIC


def test_connection_means_something_else_in_a_refusal() -> None:
    upgrade = header_meaning("Connection", in_request=False, status=101)
    refusal = header_meaning("Connection", in_request=False, status=400)
    assert upgrade.group == "required" and "upgrade" in upgrade.meaning.lower()
    assert refusal.group == "other" and "close" in refusal.meaning
    response = HandshakeResponse.refusal(403, "origin not allowed")
    field = next(f for f in response.fields if f.name == "Connection")
    assert field.meaning == refusal.meaning
    request = HandshakeRequest.build("ws://h/", key="dGhlIHNhbXBsZSBub25jZQ==")
    assert next(f for f in request.fields if f.name == "Host").group == "required"


def test_a_refusal_shows_only_the_notes_for_its_own_status() -> None:
    """A 403 says nothing about what a 426 allows; a 426 says the client may try another version."""
    forbidden = HandshakeResponse.refusal(403, "origin not allowed")
    meanings = " ".join(f.meaning for f in forbidden.fields)
    assert "426" not in meanings and "another version" not in meanings and "try again" not in meanings
    upgrade_required = HandshakeResponse.refusal(
        426, "version 8", headers=[("Upgrade", "websocket"), ("Sec-WebSocket-Version", "13")]
    )
    by_name = {f.name: f for f in upgrade_required.fields}
    assert by_name["Connection"].meaning == UPGRADE_REQUIRED["connection"].meaning
    assert "try again" in by_name["Connection"].meaning
    assert by_name["Upgrade"].meaning == UPGRADE_REQUIRED["upgrade"].meaning
    assert by_name["Upgrade"].rfc_ref == "RFC 7231 §6.5.15"
    assert header_meaning("Upgrade", in_request=False, status=400) is REFUSAL["upgrade"]
    assert "426" not in REFUSAL["upgrade"].meaning and "426" not in REFUSAL["connection"].meaning


def test_meanings_are_sentences() -> None:
    tables = [REQUEST, RESPONSE, REFUSAL, UPGRADE_REQUIRED, COMMON]
    for table in tables:
        for name, meaning in table.items():
            assert meaning.meaning[0].isupper() or meaning.meaning.startswith(("base64", "'")), name
            assert meaning.meaning.endswith("."), name
            assert "(/" not in meaning.section, name
