"""SearchIndex: plain and regex search over message text and binary hex, within documented bounds."""

from __future__ import annotations

import pytest

from wsexplorer.record.search import HEAD_FALLBACK, SEARCH_BYTES, STORE_BYTES, SearchIndex


def index_of(*messages: bytes | str) -> SearchIndex:
    index = SearchIndex()
    for m in messages:
        if isinstance(m, str):
            index.add(m.encode("utf-8"), text=True)
        else:
            index.add(m, text=False)
    return index


def test_plain_search_is_a_case_insensitive_substring() -> None:
    index = index_of("Hello world", "nothing here", "HELLO again", b"\x00\xff")
    assert index.search("hello").found == [0, 2]
    assert index.search("a.b").found == []  # a dot is a dot without regex
    assert index.search("").found == [0, 1, 2, 3]
    assert index.search("00 FF").found == [3]  # binary payloads are searched as hex
    assert index.search("hello", start=1).found == [2]


def test_regex_search_and_its_errors() -> None:
    index = index_of('{"type": "ping", "id": 1}', '{"type":"pong"}', "ping pong")
    assert index.search(r'"type":\s*"p[io]ng"', regex=True).found == [0, 1]
    assert index.search(r"^ping", regex=True).found == [2]  # ^ and $: a message's (or line's) ends
    assert index.search(r"pong$", regex=True).found == [2]
    assert index.search(r"[A-Z]ING", regex=True).found == [0, 2]  # case is ignored
    with pytest.raises(ValueError, match="not a regular expression"):
        index.search("(", regex=True)


def test_a_match_never_spans_two_messages() -> None:
    index = index_of("ends with ab", "cd starts the next")
    assert index.search("abcd").found == [] and index.search("ab\ncd").found == []


def test_each_message_keeps_a_bounded_head() -> None:
    long = "x" * SEARCH_BYTES + "needle"
    index = index_of(long, "needle")
    assert index.search("needle").found == [1]  # past the kept bytes: not found, as documented
    assert SEARCH_BYTES < STORE_BYTES and HEAD_FALLBACK < SEARCH_BYTES


def test_text_with_nul_and_a_cut_character() -> None:
    index = SearchIndex()
    index.add(b"a\x00b", text=True)
    index.add("é".encode()[:1], text=True)  # a character cut short is dropped, not an error
    assert index.search("a b").found == [0]
    assert len(index) == 2


def test_blocks_and_a_search_in_slices() -> None:
    index = SearchIndex()
    for i in range(3000):
        index.add(f"message {i} ".encode() + b"x" * 1000, text=True)
    assert len(index._blocks) >= 2  # sealed blocks, plus the open one
    whole = index.search("message 2999")
    assert whole.found == [2999] and whole.complete
    first = index.search(r"message \d*9 ", regex=True, stop=lambda: True)
    assert not first.complete and 0 < first.searched < 3000
    rest = index.search(r"message \d*9 ", regex=True, start=first.searched)
    assert rest.complete and first.found + rest.found == list(range(9, 3000, 10))
    assert index.memory_bytes < STORE_BYTES


def test_text_that_changes_length_in_lower_case() -> None:
    index = index_of("İstanbul", "plain")  # "İ".lower() is two characters
    assert index.search("İSTANBUL").found == [0]
    assert index.search("plain").found == [1]
