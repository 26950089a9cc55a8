"""The title and main text of a saved web page, without menus, footers and scripts."""

from __future__ import annotations

from html.parser import HTMLParser

_SKIP = {"script", "style", "noscript", "nav", "footer", "header", "aside", "form", "svg", "iframe", "template"}
_BLOCK = {"p", "div", "br", "li", "h1", "h2", "h3", "h4", "h5", "h6", "section", "article", "blockquote", "tr", "title"}


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.skip_depth = 0
        self.in_article = 0
        self.saw_article = False
        self.parts: list[str] = []
        self.article_parts: list[str] = []
        self.title: list[str] = []
        self.in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP:
            self.skip_depth += 1
        elif tag in ("article", "main"):
            self.in_article += 1
            self.saw_article = True
        elif tag == "title":
            self.in_title = True
        if tag in _BLOCK:
            self._emit("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP and self.skip_depth:
            self.skip_depth -= 1
        elif tag in ("article", "main") and self.in_article:
            self.in_article -= 1
        elif tag == "title":
            self.in_title = False
        if tag in _BLOCK:
            self._emit("\n")

    def handle_data(self, data: str) -> None:
        if self.in_title:
            self.title.append(data)
        elif not self.skip_depth:
            self._emit(data)

    def _emit(self, text: str) -> None:
        self.parts.append(text)
        if self.in_article:
            self.article_parts.append(text)


def extract_article(html: str) -> str:
    """Title and body text of ``html``; the ``<article>``/``<main>`` element when there is one."""
    parser = _TextExtractor()
    parser.feed(html)
    parser.close()
    body = "".join(parser.article_parts if parser.saw_article else parser.parts)
    lines = [" ".join(line.split()) for line in body.split("\n")]
    title = " ".join("".join(parser.title).split())
    text = "\n".join(line for line in lines if line)
    if title and not text.startswith(title) and text:
        text = f"{title}\n{text}"
    return text
