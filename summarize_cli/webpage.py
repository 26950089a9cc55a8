"""Web pages: fetch a URL within limits, and reduce HTML to the article's title and main text."""

from __future__ import annotations

import re
import time
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .errors import InputError
from .units import format_bytes

# Each network read may wait this long, and the whole fetch, redirects included, this long.
FETCH_TIMEOUT_S = 15.0
FETCH_DEADLINE_S = 60.0
MAX_PAGE_BYTES = 5 * 1024 * 1024
MAX_REDIRECTS = 5
# Fewer words than this besides the title is a page with no article (a login form, an index).
MIN_ARTICLE_WORDS = 15
USER_AGENT = "summarize-cli (+news article summarizer)"
_READ_SIZE = 64 * 1024


@dataclass(frozen=True)
class Fetched:
    """The body of a fetched URL and what the server said it is."""

    data: bytes
    content_type: str
    charset: str | None


def fetch(
    url: str,
    timeout: float = FETCH_TIMEOUT_S,
    max_bytes: int | None = MAX_PAGE_BYTES,
    deadline: float = FETCH_DEADLINE_S,
    clock: Callable[[], float] = time.monotonic,
) -> Fetched:
    """GET ``url`` within a per-read timeout, an overall deadline and a size limit.

    Redirects are followed only to http(s) URLs. Any failure is an :class:`InputError`.
    """
    import socket
    import urllib.error
    import urllib.request

    limit = min(max_bytes, MAX_PAGE_BYTES) if max_bytes is not None else MAX_PAGE_BYTES
    give_up = clock() + deadline
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT, "Accept": "text/html,text/plain;q=0.9"})
    redirects = _HttpOnlyRedirects()
    opener = urllib.request.build_opener(redirects)
    try:
        with opener.open(request, timeout=timeout) as response:
            chunks: list[bytes] = []
            size = 0
            while size <= limit:
                left = give_up - clock()
                if left <= 0:
                    raise InputError(url, f"could not be fetched: no complete answer within {deadline:.0f} s")
                # The socket waits at most until the deadline, so a server that trickles bytes cannot stall the run.
                sock = getattr(getattr(getattr(response, "fp", None), "raw", None), "_sock", None)
                if isinstance(sock, socket.socket):
                    sock.settimeout(min(timeout, left))
                chunk = response.read1(min(_READ_SIZE, limit + 1 - size))
                if not chunk:
                    break
                chunks.append(chunk)
                size += len(chunk)
            data = b"".join(chunks)
            content_type = response.headers.get_content_type()
            charset = response.headers.get_content_charset()
    except urllib.error.HTTPError as exc:
        raise InputError(url, f"could not be fetched: HTTP {exc.code} {exc.reason}") from None
    except (urllib.error.URLError, TimeoutError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        late = clock() >= give_up
        said = (
            f"no complete answer within {deadline:.0f} s"
            if late
            else _in_words(reason, redirects.last_url or url, timeout)
        )
        raise InputError(url, f"could not be fetched: {said}") from None
    if len(data) > limit:
        raised = " (raise it with --max-bytes)" if limit < MAX_PAGE_BYTES else ""
        raise InputError(url, f"is over the limit of {format_bytes(limit)} for a page{raised}")
    return Fetched(data, content_type, charset)


def _in_words(reason: object, url: str, timeout: float) -> str:
    """Why a page could not be fetched, as a reader says it, from what urllib raised.

    ``url`` is the address last asked for (after redirects).
    """
    import socket

    parts = urllib.parse.urlsplit(url)
    host = parts.hostname or url
    proxy = urllib.request.getproxies().get(parts.scheme)
    if not proxy or urllib.request.proxy_bypass(host):
        return _cause(reason, host, timeout)
    # Through a proxy this machine looks up and connects to the proxy only.
    if isinstance(reason, socket.gaierror):
        return f"the name of the proxy {proxy} could not be resolved (DNS failure)"
    if isinstance(reason, ConnectionRefusedError):
        return f"the proxy {proxy} refused the connection"
    return f"{_cause(reason, host, timeout)} (through the proxy {proxy})"


def _cause(reason: object, host: str, timeout: float) -> str:
    """What went wrong between this machine and ``host``."""
    import socket
    import ssl

    if isinstance(reason, socket.gaierror):
        return f"the name {host} could not be resolved (DNS failure: no network, or no such site)"
    if isinstance(reason, ConnectionRefusedError):
        return f"{host} refused the connection"
    if isinstance(reason, ConnectionResetError | ConnectionAbortedError | BrokenPipeError):
        return f"the connection to {host} was cut off"
    if isinstance(reason, TimeoutError | socket.timeout):
        return f"{host} did not answer in time (waited {timeout:.0f} s)"
    if isinstance(reason, ssl.SSLCertVerificationError):
        return f"the certificate of {host} could not be verified ({reason.verify_message})"
    if isinstance(reason, ssl.SSLError):
        return f"the secure (TLS) connection to {host} failed"
    if isinstance(reason, OSError) and reason.strerror:
        return f"{reason.strerror.lower()} (while connecting to {host})"
    return str(reason)


class _HttpOnlyRedirects(urllib.request.HTTPRedirectHandler):
    """Follow a few redirects, and only to http(s): never to a file, FTP or another scheme."""

    max_redirections = MAX_REDIRECTS

    def __init__(self) -> None:
        super().__init__()
        self.last_url: str | None = None  # where the last redirect led: a failure there names that host

    def redirect_request(
        self, req: urllib.request.Request, fp: Any, code: int, msg: str, headers: Any, newurl: str
    ) -> urllib.request.Request | None:
        """Refuse a redirect to anything but http(s)."""
        import urllib.error
        from urllib.parse import urlsplit

        if urlsplit(newurl).scheme.lower() not in ("http", "https"):
            raise urllib.error.URLError(f"it redirects to {newurl!r}, which is not an http(s) URL")
        self.last_url = newurl
        return super().redirect_request(req, fp, code, msg, headers, newurl)


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


# Each pattern's repeated part stops at the character that opens its next match (a bracket,
# an asterisk, a line end), so that every attempt scans only up to that character: time
# grows with the length of the text, never with its square, whatever the text holds.
_MARKDOWN_RULES: list[tuple[re.Pattern[str], _Replacement]] = [
    (re.compile(r"^[ \t]{0,3}\[[^\[\]\n]+\]:[ \t]+\S+.*$", re.MULTILINE), ""),  # link definitions
    (re.compile(r"^[ \t]{0,3}([-*_])([ \t]*\1){2,}[ \t]*$", re.MULTILINE), ""),  # horizontal rules
    (
        re.compile(r"^[ \t]*\|?[ \t]*:?-{3,}:?[ \t]*(\|[ \t]*:?-{3,}:?[ \t]*)*\|?[ \t]*$", re.MULTILINE),
        "",
    ),  # table rules
    (re.compile(r"!\[([^\[\]\n]*)\]\([^()\n]*\)"), ""),  # images
    (re.compile(r"\[([^\[\]\n]+)\]\([^()\n]*\)"), r"\1"),  # links
    (re.compile(r"\[([^\[\]\n]+)\]\[[^\[\]\n]*\]"), r"\1"),  # reference links
    (re.compile(r"^[ \t]{0,3}#{1,6}[ \t]+(.*?)[ \t]*#*[ \t]*$", re.MULTILINE), r"\1"),  # headings
    (re.compile(r"^[ \t]{0,3}>[ \t]?", re.MULTILINE), ""),  # quotes
    (re.compile(r"^[ \t]*(?:[-*+]|\d+[.)])[ \t]+", re.MULTILINE), ""),  # list items
    (re.compile(r"\*\*(?=[^\s*])([^*\n]*[^\s*])\*\*"), r"\1"),  # strong
    (re.compile(r"__(?=[^\s_])([^_\n]*[^\s_])__"), r"\1"),
    (re.compile(r"(?<![\w*])\*(?=[^\s*])([^*\n]*[^\s*])\*(?![\w*])"), r"\1"),  # emphasis
    (re.compile(r"(?<![\w_])_(?=[^\s_])([^_\n]*[^\s_])_(?![\w_])"), r"\1"),
    (re.compile(r"\*\*(?=[^\s*])([^*\n]*[^\s*])\*\*"), r"\1"),  # strong around emphasis
    (re.compile(r"`([^`\n]+)`"), r"\1"),  # inline code
    (re.compile(r"</?[A-Za-z][^<>\n]*>"), ""),  # inline HTML
    (re.compile(r"^[ \t]*\|(.*)\|[ \t]*$", re.MULTILINE), _table_row),
]


def strip_markdown(text: str) -> str:
    """Markdown as plain text: markup, code blocks, link targets and images removed."""
    text = _FENCE.sub("", text)
    for pattern, replacement in _MARKDOWN_RULES:
        text = pattern.sub(replacement, text)
    return text
