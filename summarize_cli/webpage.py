"""Web pages: fetch a URL within limits, and reduce HTML to the article's title and main text."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from .errors import InputError

FETCH_TIMEOUT_S = 15.0
MAX_PAGE_BYTES = 5 * 1024 * 1024
# Fewer words than this besides the title is a page with no article (a login form, an index).
MIN_ARTICLE_WORDS = 15
USER_AGENT = "summarize-cli (+news article summarizer)"


@dataclass(frozen=True)
class Fetched:
    """The body of a fetched URL and what the server said it is."""

    data: bytes
    content_type: str
    charset: str | None


def fetch(url: str, timeout: float = FETCH_TIMEOUT_S, max_bytes: int = MAX_PAGE_BYTES) -> Fetched:
    """GET ``url`` with a timeout and a size limit; any failure is an :class:`InputError`."""
    import urllib.error
    import urllib.request

    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT, "Accept": "text/html,text/plain;q=0.9"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            data = response.read(max_bytes + 1)
            content_type = response.headers.get_content_type()
            charset = response.headers.get_content_charset()
    except urllib.error.HTTPError as exc:
        raise InputError(url, f"could not be fetched: HTTP {exc.code} {exc.reason}") from None
    except (urllib.error.URLError, TimeoutError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        raise InputError(url, f"could not be fetched: {reason}") from None
    if len(data) > max_bytes:
        raise InputError(url, f"is larger than {max_bytes // (1024 * 1024)} MB")
    return Fetched(data, content_type, charset)


def extract_article(html: str, source: str) -> str:
    """The title and main text of a page, without menus, footers, adverts and scripts."""
    import trafilatura

    document = trafilatura.bare_extraction(
        html, include_comments=False, include_tables=False, include_images=False, with_metadata=True
    )
    text = (getattr(document, "text", None) or "").strip()
    title = " ".join((getattr(document, "title", None) or "").split())
    body_words = len(text.split()) - (len(title.split()) if text.startswith(title) else 0)
    if body_words < MIN_ARTICLE_WORDS:
        raise InputError(source, "has no article text")
    if title and not text.startswith(title):
        text = f"{title}\n{text}"
    return text


_FENCE = re.compile(r"^(```|~~~).*?^\1[^\n]*$", re.MULTILINE | re.DOTALL)
_Replacement = str | Callable[[re.Match[str]], str]


def _table_row(match: re.Match[str]) -> str:
    return " ".join(cell.strip() for cell in match.group(1).split("|"))


_MARKDOWN_RULES: list[tuple[re.Pattern[str], _Replacement]] = [
    (re.compile(r"^[ \t]{0,3}\[[^\]]+\]:[ \t]+\S+.*$", re.MULTILINE), ""),  # link definitions
    (re.compile(r"^[ \t]{0,3}([-*_])([ \t]*\1){2,}[ \t]*$", re.MULTILINE), ""),  # horizontal rules
    (
        re.compile(r"^[ \t]*\|?[ \t]*:?-{3,}:?[ \t]*(\|[ \t]*:?-{3,}:?[ \t]*)*\|?[ \t]*$", re.MULTILINE),
        "",
    ),  # table rules
    (re.compile(r"!\[([^\]]*)\]\([^)]*\)"), ""),  # images
    (re.compile(r"\[([^\]]+)\]\([^)]*\)"), r"\1"),  # links
    (re.compile(r"\[([^\]]+)\]\[[^\]]*\]"), r"\1"),  # reference links
    (re.compile(r"^[ \t]{0,3}#{1,6}[ \t]+(.*?)[ \t]*#*[ \t]*$", re.MULTILINE), r"\1"),  # headings
    (re.compile(r"^[ \t]{0,3}>[ \t]?", re.MULTILINE), ""),  # quotes
    (re.compile(r"^[ \t]*(?:[-*+]|\d+[.)])[ \t]+", re.MULTILINE), ""),  # list items
    (re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1"), r"\2"),  # strong
    (re.compile(r"(?<![\w*])\*(?=\S)(.+?)(?<=\S)\*(?![\w*])"), r"\1"),  # emphasis
    (re.compile(r"(?<![\w_])_(?=\S)(.+?)(?<=\S)_(?![\w_])"), r"\1"),
    (re.compile(r"`([^`]+)`"), r"\1"),  # inline code
    (re.compile(r"</?[A-Za-z][^>]*>"), ""),  # inline HTML
    (re.compile(r"^[ \t]*\|(.*)\|[ \t]*$", re.MULTILINE), _table_row),
]


def strip_markdown(text: str) -> str:
    """Markdown as plain text: markup, code blocks, link targets and images removed."""
    text = _FENCE.sub("", text)
    for pattern, replacement in _MARKDOWN_RULES:
        text = pattern.sub(replacement, text)
    return text
