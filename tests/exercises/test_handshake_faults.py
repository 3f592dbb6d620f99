"""Request and response faults: each fault is refused by the codec's own checks, for the status taught."""

from __future__ import annotations

from wsexplorer.exercises.handshake_faults import (
    REQUEST_FAULTS,
    RESPONSE_FAULTS,
    request_fault_exercise,
    response_fault_exercise,
)

SEEDS = range(200)


def test_every_request_fault_appears_and_the_codec_refuses_it_as_taught() -> None:
    statuses: dict[str, set[object]] = {}
    for seed in SEEDS:
        ex = request_fault_exercise(seed)
        fault = ex.notes["fault"]
        statuses.setdefault(fault, set()).add(ex.parts[1].expected)
        assert ex.parts[0].expected == REQUEST_FAULTS[fault][0]
    assert set(statuses) == set(REQUEST_FAULTS)
    assert (
        statuses["old version"] == {426}
        and statuses["refused Origin"] == {403}
        and statuses["nothing"] == {101}
    )
    assert all(
        s == {400} for f, s in statuses.items() if f not in ("old version", "refused Origin", "nothing")
    )


def test_status_mistakes_get_the_reason() -> None:
    for seed in SEEDS:
        ex = request_fault_exercise(seed)
        fault, header = ex.notes["fault"], ex.parts[0].expected
        if fault == "old version":
            feedback = ex.check({"header": header, "status": "400"}).part("status").feedback
            assert "426" in feedback and "Sec-WebSocket-Version: 13" in feedback
        if fault == "refused Origin":
            assert "policy" in ex.check({"header": "Origin", "status": 400}).part("status").feedback
        if fault == "missing Host":
            assert (
                "only for a Sec-WebSocket-Version"
                in ex.check({"header": "Host", "status": 426}).part("status").feedback
            )


def test_every_response_fault_makes_the_client_fail_and_a_wrong_accept_says_why() -> None:
    actions = {}
    for seed in SEEDS:
        ex = response_fault_exercise(seed)
        actions[ex.notes["fault"]] = ex.parts[1].expected
        if ex.notes["fault"] == "wrong accept":
            feedback = (
                ex.check({"header": "Sec-WebSocket-Accept", "action": "proceed"}).part("action").feedback
            )
            assert (
                "must fail the WebSocket connection" in feedback and "not made for this handshake" in feedback
            )
    assert set(actions) == set(RESPONSE_FAULTS)
    assert {f for f, a in actions.items() if a == "open"} == {"nothing"}
