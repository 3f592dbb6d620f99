"""An HTML checker for the render tests: balanced tags, attributes and text, no scripts."""

from __future__ import annotations

from html.parser import HTMLParser

VOID = {"br", "hr", "img", "meta", "input", "wbr", "col"}


class Checker(HTMLParser):
    """Records tags, attributes and text, and fails on unbalanced tags."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, {k: v or "" for k, v in attrs}))
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, {k: v or "" for k, v in attrs}))

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"unexpected </{tag}> with open {self.stack[-3:]}")
            return
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse_html(markup: str) -> Checker:
    checker = Checker()
    checker.feed(markup)
    checker.close()
    assert checker.errors == []
    assert checker.stack == []
    return checker


def byte_titles(checker: Checker) -> dict[int, tuple[str, str]]:
    """data-offset -> (title, class) of every hex cell."""
    return {
        int(attrs["data-offset"]): (attrs.get("title", ""), attrs.get("class", ""))
        for _, attrs in checker.tags
        if "data-offset" in attrs
    }
