"""A saved web page as plain text: the visible text, one block element per line."""

from __future__ import annotations

from html.parser import HTMLParser

_HIDDEN = {"script", "style", "head", "title", "noscript"}
_BLOCK = {
    "p",
    "div",
    "br",
    "tr",
    "li",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "table",
    "section",
}


class _VisibleText(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _HIDDEN:
            self.skip += 1
        elif tag in _BLOCK:
            self.parts.append("\n")
        elif tag in ("td", "th"):
            self.parts.append("\t")

    def handle_endtag(self, tag: str) -> None:
        if tag in _HIDDEN:
            self.skip = max(0, self.skip - 1)
        elif tag in _BLOCK:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.parts.append(data.replace("\n", " "))


def html_to_text(markup: str) -> str:
    """Visible text of a saved web page, one block element per line."""
    parser = _VisibleText()
    parser.feed(markup)
    parser.close()
    lines = [
        "\t".join(c.strip() for c in ln.split("\t")).strip()
        for ln in "".join(parser.parts).split("\n")
    ]
    return "\n".join(ln for ln in lines if ln)
