"""Inputs to Articles: files, folders and standard input, with encodings detected."""

from __future__ import annotations

import codecs
import glob
import os
import re
import stat
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from .errors import InputError
from .types import Article
from .units import format_bytes

if TYPE_CHECKING:
    from .storage import ObjectPath

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
# Share of letters, digits, spaces and punctuation that text decoded as UTF-16 without a
# byte-order mark must reach to be taken for text rather than binary data.
MIN_UTF16_TEXT_SHARE = 0.95

# Terminal escape sequences (CSI colours and cursor moves, OSC titles and links, other ESC
# sequences), then any C0/C1 control left, except newline and tab: an article is data, and
# nothing in it may drive the terminal it is shown on.
_ESCAPES = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"  # CSI
    r"|\x9b[0-?]*[ -/]*[@-~]"  # 8-bit CSI
    r"|(?:\x1b\]|\x9d)[^\x07\x1b\x9c\n]*(?:\x07|\x1b\\|\x9c)?"  # OSC, to BEL or ST (or the line's end)
    r"|(?:\x1bP|\x90|\x1b_|\x9f|\x1b\^|\x9e)[^\x1b\x9c\n]*(?:\x1b\\|\x9c)?"  # DCS, APC, PM
    r"|\x1b[ -/]*[0-~]?"  # other ESC sequences, or a lone ESC
)
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# How a name with controls or undecodable bytes is shown: escaped, never raw.
# Controls, and the marks that reorder text on screen (a name could show as another: "txt.exe").
_NAME_CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def strip_controls(text: str) -> str:
    """``text`` without terminal escape sequences and control characters (newlines and tabs stay)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROLS.sub("", _ESCAPES.sub("", text))


def display_name(raw: str) -> str:
    """A name as it may be shown and stored: undecodable bytes and controls escaped, never raw.

    File names on POSIX are bytes; Python keeps the ones that are not UTF-8 as lone
    surrogates, which no UTF-8 stream can carry.
    """
    if any("\udc80" <= ch <= "\udcff" for ch in raw):
        raw = os.fsencode(raw).decode("utf-8", "backslashreplace")
    return _NAME_CONTROLS.sub(_escaped, raw)


def _escaped(match: re.Match[str]) -> str:
    code = ord(match.group(0))
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


@dataclass(frozen=True)
class InputRef:
    """One input named on the command line or found in a folder, not yet read."""

    name: str
    path: Path | None = None
    root: Path | None = None
    url: str | None = None
    # Set when the input is known to be unusable before reading it (an unreadable folder).
    problem: str | None = None
    # An object in a store (s3://bucket/key), and the prefix it was listed under.
    remote: ObjectPath | None = None
    remote_root: ObjectPath | None = None

    @property
    def relative(self) -> Path:
        """The path below the folder it was found in, the file name for a lone file, a slug for a URL."""
        if self.remote is not None:
            if self.remote_root is not None and self.remote.is_relative_to(self.remote_root):
                return Path(self.remote.relative_to(self.remote_root))
            return Path(self.remote.name)
        if self.url is not None:
            slug = re.sub(r"[^A-Za-z0-9._-]+", "_", self.url.split("://", 1)[-1]).strip("._") or "page"
            return Path(slug[:120] + ".html")
        if self.path is None:
            return Path("stdin")
        if self.root is not None:
            return self.path.relative_to(self.root)
        return Path(self.path.name)


_GLOB_CHARS = re.compile(r"[*?[]")


def is_glob(raw: str) -> bool:
    """Whether a command-line input is a pattern to expand (``'articles/**/*.txt'``) rather than a path."""
    return bool(_GLOB_CHARS.search(raw)) and not os.path.lexists(raw) and not raw.startswith(("http://", "https://"))


def from_file_url(raw: str) -> str:
    """A ``file://`` URL as the local path it names; anything else as it is."""
    if raw[:7].lower() != "file://":
        return raw
    import urllib.parse
    import urllib.request

    return urllib.request.url2pathname(urllib.parse.urlsplit(raw).path)


def expand_inputs(inputs: Iterable[str]) -> list[InputRef]:
    """Turn command-line inputs into a list of inputs; folders and patterns expand to their articles, sorted.

    A missing path is kept, so that reading it reports the error in order with the others;
    so is a folder that cannot be listed.
    """
    refs: list[InputRef] = []
    for raw in inputs:
        if raw == STDIN:
            refs.append(InputRef(STDIN_NAME))
            continue
        raw = from_file_url(raw)
        if raw.startswith(("http://", "https://")):
            refs.append(InputRef(display_name(raw), url=raw))
            continue
        if "://" in raw:
            from .storage import expand_objects, is_object_url

            if is_object_url(raw):
                refs.extend(expand_objects(raw))
                continue
        if is_glob(raw):
            refs.extend(_expand_glob(raw))
            continue
        path = Path(raw)
        if path.is_dir():
            refs.extend(walk_folder(path))
        else:
            refs.append(InputRef(display_name(raw), path))
    return refs


def _expand_glob(pattern: str) -> list[InputRef]:
    # Outputs mirror the folders below the pattern's fixed part ("articles/" in "articles/**/*.txt").
    fixed = Path(*[part for part in Path(pattern).parts[: _first_magic(Path(pattern).parts)]] or ["."])
    matches = sorted(glob.glob(pattern, recursive=True))
    files = [Path(m) for m in matches if Path(m).suffix.lower() in SUFFIXES and Path(m).is_file()]
    if not files:
        return [InputRef(display_name(pattern), Path(pattern), problem="matches no article files")]
    return [InputRef(display_name(str(p)), p, fixed if p.is_relative_to(fixed) else None) for p in files]


def _first_magic(parts: tuple[str, ...]) -> int:
    return next((i for i, part in enumerate(parts) if _GLOB_CHARS.search(part)), len(parts))


def walk_folder(folder: Path) -> list[InputRef]:
    """Every article file under ``folder``, recursively, in sorted order; hidden entries skipped.

    Linked subfolders are followed, each real folder once, so that a link back up ends there.
    A subfolder that cannot be listed, and an article name that is a broken link, a FIFO or a
    device, are inputs of their own that fail with the reason, so that they are reported rather
    than silently missing from the run.
    """
    refs: list[InputRef] = []
    seen: set[tuple[int, int]] = set()
    try:
        root = folder.resolve()
    except OSError:
        root = folder

    def unreadable(exc: OSError) -> None:
        where = Path(exc.filename) if exc.filename else folder
        reason = f"cannot be read ({exc.strerror or exc})"
        refs.append(InputRef(display_name(str(where)), where, folder, problem=reason))

    def climbs(path: str) -> bool:
        """Whether a linked folder is the folder walked or one above it."""
        return root.is_relative_to(os.path.realpath(path))

    for top, dirs, files in os.walk(folder, onerror=unreadable, followlinks=True):
        try:
            here = os.stat(top)
        except OSError as exc:
            unreadable(exc)
            dirs[:] = []
            continue
        # Each real folder once (a filesystem that numbers no inodes reports 0 for every one).
        if here.st_ino != 0 and (here.st_dev, here.st_ino) in seen:
            dirs[:] = []
            continue
        seen.add((here.st_dev, here.st_ino))
        links = {d for d in dirs if os.path.islink(os.path.join(top, d))}
        kept = [d for d in dirs if not d.startswith(".") and not (d in links and climbs(os.path.join(top, d)))]
        # Real folders before links, so that an article has the same name whatever links lead to it.
        dirs[:] = sorted(kept, key=lambda d: (d in links, d))
        for name in files:
            path = Path(top) / name
            if name.startswith(".") or path.suffix.lower() not in SUFFIXES:
                continue
            problem = _not_an_article_file(path)
            refs.append(InputRef(display_name(str(path)), path, folder, problem=problem))
    return sorted(refs, key=lambda ref: ref.path.parts if ref.path is not None else ())


def _not_an_article_file(path: Path) -> str | None:
    """Why a name found in a folder cannot be read as an article, or None when it can."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        return "is a broken link (what it points to is missing)"
    except OSError as exc:  # a link loop, or a name too long
        return f"cannot be read ({exc.strerror or exc})"
    return None if stat.S_ISREG(info.st_mode) else "is not a regular file (a FIFO, socket or device)"


def read_bytes(ref: InputRef, stdin: BinaryIO | None, max_bytes: int | None = None) -> bytes:
    """The raw bytes of an input; a missing, unreadable or oversized one raises :class:`InputError`.

    The size is checked before anything is read, so a huge file costs nothing; only
    regular files are read (a FIFO or a device could block for ever).
    """
    if ref.problem is not None:
        raise InputError(ref.name, ref.problem)
    if ref.remote is not None:
        return _read_object(ref, ref.remote, max_bytes)
    if ref.path is None:
        if stdin is None:
            raise InputError(ref.name, "standard input is not available")
        data = stdin.read() if max_bytes is None else stdin.read(max_bytes + 1)
        _check_size(ref, len(data), max_bytes)
        return data
    try:
        info = ref.path.stat()
        if stat.S_ISDIR(info.st_mode):
            raise InputError(ref.name, "is a directory with no articles")
        if not stat.S_ISREG(info.st_mode):
            raise InputError(
                ref.name, "is not a regular file (a FIFO, socket or device); give a file, or - to read standard input"
            )
        _check_size(ref, info.st_size, max_bytes)
        with ref.path.open("rb") as handle:
            return handle.read() if max_bytes is None else handle.read(max_bytes + 1)
    except FileNotFoundError:
        raise InputError(ref.name, "no such file") from None
    except OSError as exc:
        raise InputError(ref.name, f"cannot be read ({exc.strerror or exc})") from None


def _read_object(ref: InputRef, path: ObjectPath, max_bytes: int | None) -> bytes:
    from .storage import read_object

    try:
        size, data = read_object(path, max_bytes)
    except FileNotFoundError:
        raise InputError(ref.name, "no such file") from None
    except OSError as exc:
        raise InputError(ref.name, f"cannot be read ({exc.strerror or exc})") from None
    _check_size(ref, size, max_bytes)
    return data or b""


def _check_size(ref: InputRef, size: int, max_bytes: int | None) -> None:
    if max_bytes is not None and size > max_bytes:
        raise InputError(
            ref.name,
            f"is {format_bytes(size)}, over the limit of {format_bytes(max_bytes)} (raise it with --max-bytes)",
        )


def decode(data: bytes, name: str) -> str:
    """Decode text bytes: a BOM first, then UTF-8, UTF-16 without a BOM, then the likeliest legacy encoding.

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
            text = _decode_utf16_without_bom(data)
            if text is None:
                raise InputError(name, "looks like a binary file, not text")
        else:
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError:
                text = _decode_legacy(data, name)
    if _control_share(_ESCAPES.sub("", text)) > MAX_CONTROL_SHARE:  # colour codes are text, not binary
        raise InputError(name, "looks like a binary file, not text")
    return text.lstrip("\ufeff")


def _decode_utf16_without_bom(data: bytes) -> str | None:
    """UTF-16 text saved without a byte-order mark (Windows tools do), or None for binary data.

    Spaces, digits and Latin letters have a zero high byte, so the zeros fall on odd bytes
    in little-endian text and on even bytes in big-endian text.
    """
    if len(data) % 2:
        return None
    encoding = "utf-16-le" if data[1::2].count(0) >= data[0::2].count(0) else "utf-16-be"
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError:
        return None
    textual = sum(1 for ch in text if ch.isalnum() or ch.isspace() or _is_punctuation(ch)) / max(1, len(text))
    return text if textual >= MIN_UTF16_TEXT_SHARE else None


def _is_punctuation(ch: str) -> bool:
    import unicodedata

    return unicodedata.category(ch)[0] in "PS"


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
    text = str(best)
    if best.encoding in _CYRILLIC_PAIR:
        # Each of the two reads the other's lower-case letters as capitals, and a short text
        # can look equally likely both ways; real text is mostly lower case.
        other = _CYRILLIC_PAIR[1 - _CYRILLIC_PAIR.index(best.encoding)]
        try:
            swapped = data.decode(other)
        except UnicodeDecodeError:
            return text
        if _lowercase_share(swapped) - _lowercase_share(text) > CASE_MARGIN:
            return swapped
    return text


# The two single-byte Cyrillic encodings, which decode each other's bytes without an error.
_CYRILLIC_PAIR = ("cp1251", "koi8_r")
# How much more of its Cyrillic letters must be lower case for the other reading to win.
CASE_MARGIN = 0.3


def _lowercase_share(text: str) -> float:
    """Share of the Cyrillic letters of ``text`` that are lower case."""
    letters = [ch for ch in text if "\u0400" <= ch <= "\u04ff" and ch.isalpha()]
    return sum(ch.islower() for ch in letters) / len(letters) if letters else 0.0


def _control_share(text: str) -> float:
    if not text:
        return 0.0
    controls = sum(1 for ch in text if (ord(ch) < 32 and ch not in "\t\n\r\f") or 0x7F <= ord(ch) < 0xA0)
    return controls / len(text)


# About a minute of summarizing on a laptop CPU; raise it with --max-words.
DEFAULT_MAX_WORDS = 10_000
# Far above any article, saved web page included, and small enough to refuse a log file or
# a disk image at once; raise it with --max-bytes.
DEFAULT_MAX_BYTES = 20_000_000


@dataclass(frozen=True)
class Limits:
    """How large an input may be; longer ones are refused, never truncated."""

    max_words: int | None = DEFAULT_MAX_WORDS
    max_bytes: int | None = DEFAULT_MAX_BYTES


NO_LIMITS = Limits(max_words=None, max_bytes=None)


def read_article(ref: InputRef, stdin: BinaryIO | None = None, limits: Limits = NO_LIMITS) -> Article:
    """Read and decode one input into an :class:`Article`; empty or oversized text is an error.

    The limits are checked before any parsing, so that the time spent on an input grows
    with what is kept of it, never with what is refused.
    """
    kind = ref.path.suffix.lower() if ref.path is not None else ""
    if ref.remote is not None:
        kind = ref.remote.suffix.lower()
    if ref.url is not None:
        from .webpage import fetch

        page = fetch(ref.url, max_bytes=limits.max_bytes)
        data = page.data
        kind = ".html" if page.content_type in ("text/html", "application/xhtml+xml") else ".txt"
        if page.charset:
            data = _recode(data, page.charset)
    else:
        data = read_bytes(ref, stdin, limits.max_bytes)
    if not data:
        raise InputError(ref.name, "is empty")
    text = raw_text = decode(data, ref.name)
    if not text:
        raise InputError(ref.name, "is empty (it holds only a byte-order mark)")
    if kind in (".html", ".htm"):
        from .webpage import extract_article

        text = extract_article(text, ref.name)
    elif kind == ".md":
        from .webpage import strip_markdown

        # Markup adds few words, so the raw count already tells a far too long file.
        _check_words(ref.name, text, limits.max_words)
        raw_text, text = text, strip_markdown(text)
    text = strip_controls(text)
    if not text.strip():
        markup_only = kind == ".md" and raw_text.strip()
        raise InputError(ref.name, "holds no text besides its markup" if markup_only else "holds only whitespace")
    _check_words(ref.name, text, limits.max_words)
    return Article(source=ref.name, text=text, path=ref.path)


def _check_words(name: str, text: str, max_words: int | None) -> None:
    if max_words is not None:
        words = len(text.split())
        if words > max_words:
            raise InputError(
                name, f"is {words:,} words long, over the limit of {max_words:,} (raise it with --max-words)"
            )


def enforce_word_limit(article: Article, max_words: int | None) -> Article:
    """Refuse, never truncate, an article longer than ``max_words`` words."""
    _check_words(article.source, article.text, max_words)
    return article


def iter_articles(
    refs: Iterable[InputRef], stdin: BinaryIO | None = None, limits: Limits = NO_LIMITS
) -> Iterator[Article | InputError]:
    """Read each input in turn, yielding the article or the error that stopped it."""
    for ref in refs:
        try:
            yield read_article(ref, stdin, limits)
        except InputError as exc:
            yield exc
