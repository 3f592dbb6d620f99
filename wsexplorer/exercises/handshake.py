"""Handshake exercises: compute an accept value; choose the subprotocol and extension a server answers.

The expected answers come from the codec (:func:`~wsexplorer.codec.accept.accept_key`,
:func:`~wsexplorer.codec.server_decision.decide`), never from a second implementation here. The
common mistakes are computed for the question's own values, so "you hashed the decoded key" is
recognised whatever the key (RFC 6455 §1.3, §4.2.2; RFC 7692 §5, §7.1).
"""

from __future__ import annotations

import hashlib

from ..codec.accept import GUID, AcceptComputation, accept_key, generate_key
from ..codec.extensions.permessage_deflate import PerMessageDeflate
from ..codec.handshake import HandshakeRequest
from ..codec.server_decision import ServerPolicy, decide
from .answers import BASE64, EXTENSION, Choice
from .model import Exercise, Hint, Part, rng_for

__all__ = ["accept_exercise", "negotiate_exercise"]

ACCEPT_SECTION = "RFC 6455 §4.2.2 step 5.4"
_SUBPROTOCOLS = ("chat", "superchat", "graphql-transport-ws", "mqtt", "v12.stomp", "wamp.2.json", "json.v1")


def _sha1(data: bytes) -> bytes:
    return hashlib.sha1(data, usedforsecurity=False).digest()


def accept_exercise(seed: int) -> Exercise:
    """Compute Sec-WebSocket-Accept for a client's key (RFC 6455 §4.2.2 step 5.4)."""
    rng = rng_for("handshake.accept", seed)
    key = generate_key(rng.randbytes)
    steps = AcceptComputation(key)
    decoded = steps.key_bytes or b""
    guid = GUID.encode("ascii")
    mistakes: list[tuple[object, str]] = [
        (
            _sha1(decoded + guid),
            "you hashed the decoded 16 bytes of the key; the server hashes the key TEXT exactly as "
            "sent (its 24 base64 characters) followed by the GUID",
        ),
        (_sha1(key.encode("ascii")), "the GUID is missing: hash the key text followed by the GUID"),
        (_sha1(guid + key.encode("ascii")), "the GUID goes after the key, not before it"),
        (
            BASE64.read(steps.digest.hex()),
            "that is the SHA-1 digest in hex; the header carries the 20 digest bytes in base64",
        ),
        (decoded, "that is the key decoded; the accept is computed from the key, it is not the key"),
    ]
    part = Part(
        "accept",
        "Sec-WebSocket-Accept",
        BASE64,
        steps.digest,
        ACCEPT_SECTION,
        "append the GUID to the key text, take SHA-1 of those characters, then base64 the 20-byte digest",
        f"base64(SHA-1({key!r} + GUID)) = {steps.accept}",
        tuple(mistakes),
    )
    return Exercise(
        kind="handshake.accept",
        topic="handshake",
        seed=seed,
        title="Compute the accept value",
        prompt=(
            f"A client's opening handshake carries Sec-WebSocket-Key: {key}. What Sec-WebSocket-Accept "
            "value must the server answer with in its 101 response?"
        ),
        parts=(part,),
        hints=(
            Hint(
                "The server proves it read this handshake by hashing the key with a fixed GUID.",
                "RFC 6455 §1.3",
            ),
            Hint(
                f"Append the GUID {GUID} to the key text as sent; do not decode the key first.",
                "RFC 6455 §4.2.2 step 5.4",
            ),
            Hint(
                "In Python: base64.b64encode(hashlib.sha1((key + GUID).encode()).digest()).decode().",
                ACCEPT_SECTION,
            ),
        ),
        worked=(
            *tuple(f"{s.title}: {s.explanation} -> {s.show(s.output)}" for s in steps.steps if s.number != 2),
            f"The server answers Sec-WebSocket-Accept: {accept_key(key)}",
        ),
        exhibit=f"Sec-WebSocket-Key: {key}",
    )


def _offers(rng_choice: int) -> tuple[list[str], PerMessageDeflate]:
    """Extension offers of the client and the server's configuration, by variant number."""
    variants: list[tuple[list[str], PerMessageDeflate]] = [
        (["permessage-deflate; client_max_window_bits"], PerMessageDeflate(client_max_window_bits=None)),
        (
            ["permessage-deflate; server_max_window_bits=10; client_max_window_bits"],
            PerMessageDeflate(client_max_window_bits=None),
        ),
        (
            ["permessage-deflate; server_max_window_bits=7", "permessage-deflate"],
            PerMessageDeflate(client_max_window_bits=None),
        ),
        (
            ["permessage-deflate; client_no_context_takeover; client_max_window_bits"],
            PerMessageDeflate(client_max_window_bits=12),
        ),
        (["permessage-deflate"], PerMessageDeflate(client_max_window_bits=12)),
        (
            ["permessage-deflate; mystery=1", "permessage-deflate; client_max_window_bits"],
            PerMessageDeflate(server_no_context_takeover=True, client_max_window_bits=None),
        ),
        (["x-webkit-deflate-frame"], PerMessageDeflate(client_max_window_bits=None)),
    ]
    return variants[rng_choice % len(variants)]


def negotiate_exercise(seed: int) -> Exercise:
    """Choose the subprotocol and the permessage-deflate response a server answers (RFC 6455 §4.2.2,
    RFC 7692 §5, §7.1)."""
    rng = rng_for("handshake.negotiate", seed)
    offered = rng.sample(_SUBPROTOCOLS, rng.randint(1, 3))
    supported = rng.sample(_SUBPROTOCOLS, rng.randint(1, 3))
    if rng.random() < 0.6 and not set(offered) & set(supported):
        supported[-1] = offered[-1]
    offers, config = _offers(rng.randrange(1000))
    request = HandshakeRequest.build(
        "ws://server.example.com/app",
        key=generate_key(rng.randbytes),
        subprotocols=offered,
        extensions=offers,
    )
    decision = decide(request, ServerPolicy(subprotocols=supported, extensions=[config]))
    chosen = decision.subprotocol or "none"
    answered = decision.response.get("Sec-WebSocket-Extensions")
    expected_ext = EXTENSION.read(answered if answered is not None else "none")
    names = [(p, ()) for p in dict.fromkeys(offered + supported)]
    choices = Choice("choice", "a subprotocol or none", (*names, ("none", ("nothing", "no subprotocol"))))
    proto_mistakes: list[tuple[object, str]] = []
    if offered[0] != chosen:
        proto_mistakes.append(
            (
                offered[0],
                "that is the client's first choice, but this server decides by its OWN preference order: "
                "the first protocol of the server's list that the client offered",
            )
        )
    for p in supported:
        if p not in offered and p != chosen:
            proto_mistakes.append(
                (p, f"the client did not offer {p!r}; a client fails the connection if the server picks it")
            )
    if chosen != "none":
        proto_mistakes.append(("none", f"the client offered {chosen!r} and this server speaks it"))
    ext_mistakes: list[tuple[object, str]] = []
    for o in offers:
        value = EXTENSION.read(o)
        if value != expected_ext:
            ext_mistakes.append(
                (
                    value,
                    "a response is not a copy of an offer: the server declines offers it cannot accept, "
                    "leaves out client_max_window_bits unless it sets a value, and adds what its own "
                    "configuration requires",
                )
            )
    steps = [s for s in decision.steps if s.check == "subprotocol" or s.check.startswith("extension")]
    parts = (
        Part(
            "subprotocol",
            "Sec-WebSocket-Protocol",
            choices,
            chosen,
            "RFC 6455 §4.2.2 (/subprotocol/)",
            "the server answers with one protocol it speaks among those the client offered, or none",
            f"the server answers {chosen}",
            tuple(proto_mistakes),
        ),
        Part(
            "extension",
            "Sec-WebSocket-Extensions",
            EXTENSION,
            expected_ext,
            "RFC 7692 §5, §7.1",
            "read each offer in order: the server accepts the first one it can, with its own parameters",
            f"the server answers {answered or 'without the header (none)'}",
            tuple(ext_mistakes),
        ),
    )
    config_words = ", ".join(
        f"{k}={v}"
        for k, v in (
            ("server_no_context_takeover", config.server_no_context_takeover),
            ("client_max_window_bits", config.client_max_window_bits),
        )
        if v
    )
    return Exercise(
        kind="handshake.negotiate",
        topic="handshake",
        seed=seed,
        title="What does the server answer?",
        prompt=(
            f"The server speaks the subprotocols {supported} (its order of preference) and picks the "
            "first of ITS list that the client offered. It supports permessage-deflate"
            + (f" configured with {config_words}" if config_words else " with the defaults")
            + ". What does it answer in Sec-WebSocket-Protocol and Sec-WebSocket-Extensions (none if "
            "it leaves the header out)?"
        ),
        parts=parts,
        hints=(
            Hint("The client lists subprotocols and extension offers; the server picks.", "RFC 6455 §4.2.2"),
            Hint(
                "Offers with unknown parameters or invalid values are declined; the next offer is tried.",
                "RFC 7692 §5",
            ),
            Hint(
                "client_max_window_bits may appear in a response only if the offer had it; a server that "
                "wants to limit the client's window needs it in the offer.",
                "RFC 7692 §7.1.2.2",
            ),
        ),
        worked=(
            *tuple(str(s) for s in steps),
            f"Sec-WebSocket-Protocol: {decision.subprotocol or '(left out)'}",
            f"Sec-WebSocket-Extensions: {answered or '(left out)'}",
        ),
        exhibit=bytes(request).decode("latin-1"),
    )
