"""Inputs to Articles: files, folders and standard input, with encodings detected."""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from .errors import InputError
from .types import Article

SUFFIXES = (".txt", ".md", ".html", ".htm")
STDIN = "-"
STDIN_NAME = "<stdin>"

# Tried in this order when the bytes are not UTF-8; charset-normalizer picks among them.
LEGACY_ENCODINGS = ("cp1251", "koi8_r", "cp949", "euc_kr", "cp1252", "latin_1")
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# Share of control characters above which decoded text is taken for binary data.
MAX_CONTROL_SHARE = 0.01


@dataclass(frozen=True)
class InputRef:
    """One input named on the command line or found in a folder, not yet read."""

    name: str
    path: Path | None = None
    root: Path | None = None
    url: str | None = None

    @property
    def relative(self) -> Path:
        """The path below the folder it was found in, the file name for a lone file, a slug for a URL."""
        if self.url is not None:
            slug = re.sub(r"[^A-Za-z0-9._-]+", "_", self.url.split("://", 1)[-1]).strip("._") or "page"
            return Path(slug[:120] + ".html")
        if self.path is None:
            return Path("stdin")
        if self.root is not None:
            return self.path.relative_to(self.root)
        return Path(self.path.name)


def expand_inputs(inputs: Iterable[str]) -> list[InputRef]:
    """Turn command-line inputs into a list of inputs; folders expand to their articles, sorted.

    A missing path is kept, so that reading it reports the error in order with the others.
    """
    refs: list[InputRef] = []
    for raw in inputs:
        if raw == STDIN:
            refs.append(InputRef(STDIN_NAME))
            continue
        if raw.startswith(("http://", "https://")):
            refs.append(InputRef(raw, url=raw))
            continue
        path = Path(raw)
        if path.is_dir():
            refs.extend(InputRef(str(p), p, path) for p in walk_folder(path))
        else:
            refs.append(InputRef(raw, path))
    return refs


def walk_folder(folder: Path) -> list[Path]:
    """Every article file under ``folder``, recursively, in sorted order; hidden entries skipped."""
    found = []
    for path in folder.rglob("*"):
        rel = path.relative_to(folder)
        if any(part.startswith(".") for part in rel.parts):
            continue
        if path.suffix.lower() in SUFFIXES and path.is_file():
            found.append(path)
    return sorted(found)


def read_bytes(ref: InputRef, stdin: BinaryIO | None) -> bytes:
    """The raw bytes of an input; a missing or unreadable one raises :class:`InputError`."""
    if ref.path is None:
        if stdin is None:
            raise InputError(ref.name, "standard input is not available")
        return stdin.read()
    try:
        return ref.path.read_bytes()
    except FileNotFoundError:
        raise InputError(ref.name, "no such file") from None
    except IsADirectoryError:
        raise InputError(ref.name, "is a directory with no articles") from None
    except OSError as exc:
        raise InputError(ref.name, f"cannot be read ({exc.strerror or exc})") from None


def decode(data: bytes, name: str) -> str:
    """Decode text bytes: a BOM first, then UTF-8, then the likeliest legacy encoding.

    Binary data, or bytes that no candidate decodes cleanly, raise :class:`InputError`
    rather than turn into mojibake.
    """
    text: str | None = None
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                text = data.decode(encoding)
            except UnicodeDecodeError:
                raise InputError(name, f"is not valid {encoding} text despite its byte-order mark") from None
            break
    if text is None:
        if b"\x00" in data:
            raise InputError(name, "looks like a binary file, not text")
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            text = _decode_legacy(data, name)
    if _control_share(text) > MAX_CONTROL_SHARE:
        raise InputError(name, "looks like a binary file, not text")
    return text.lstrip("\ufeff")


def _recode(data: bytes, charset: str) -> bytes:
    """Bytes in the charset a server declared, as UTF-8; undeclared or unknown charsets are left alone."""
    try:
        return data.decode(charset).encode("utf-8")
    except (LookupError, UnicodeDecodeError):
        return data


def _decode_legacy(data: bytes, name: str) -> str:
    from charset_normalizer import from_bytes

    best = from_bytes(data, cp_isolation=list(LEGACY_ENCODINGS)).best()
    if best is None:
        raise InputError(name, "is neither UTF-8 nor a known legacy encoding (cp1251, koi8-r, cp949, latin-1)")
    return str(best)


def _control_share(text: str) -> float:
    if not text:
        return 0.0
    controls = sum(1 for ch in text if (ord(ch) < 32 and ch not in "\t\n\r\f") or 0x7F <= ord(ch) < 0xA0)
    return controls / len(text)


def read_article(ref: InputRef, stdin: BinaryIO | None = None) -> Article:
    """Read and decode one input into an :class:`Article`; empty text is an error."""
    kind = ref.path.suffix.lower() if ref.path is not None else ""
    if ref.url is not None:
        from .webpage import fetch

        page = fetch(ref.url)
        data = page.data
        kind = ".html" if page.content_type in ("text/html", "application/xhtml+xml") else ".txt"
        if page.charset:
            data = _recode(data, page.charset)
    else:
        data = read_bytes(ref, stdin)
    if not data:
        raise InputError(ref.name, "is empty")
    text = decode(data, ref.name)
    if kind in (".html", ".htm"):
        from .webpage import extract_article

        text = extract_article(text, ref.name)
    elif kind == ".md":
        from .webpage import strip_markdown

        text = strip_markdown(text)
    if not text.strip():
        raise InputError(ref.name, "holds only whitespace")
    return Article(source=ref.name, text=text, path=ref.path)


# About a minute of summarizing on a laptop CPU; raise it with --max-words.
DEFAULT_MAX_WORDS = 10_000


def enforce_word_limit(article: Article, max_words: int | None) -> Article:
    """Refuse, never truncate, an article longer than ``max_words`` words."""
    if max_words is not None:
        words = len(article.text.split())
        if words > max_words:
            raise InputError(
                article.source, f"is {words:,} words long, over the limit of {max_words:,} (raise it with --max-words)"
            )
    return article


def iter_articles(refs: Iterable[InputRef], stdin: BinaryIO | None = None) -> Iterator[Article | InputError]:
    """Read each input in turn, yielding the article or the error that stopped it."""
    for ref in refs:
        try:
            yield read_article(ref, stdin)
        except InputError as exc:
            yield exc
