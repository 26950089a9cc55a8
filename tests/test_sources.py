from __future__ import annotations

import dataclasses
import io
import os
from pathlib import Path

import pytest

from summarize_cli.errors import InputError
from summarize_cli.sources import (
    InputRef,
    Limits,
    decode,
    display_name,
    expand_inputs,
    is_glob,
    read_article,
    walk_folder,
)
from summarize_cli.units import format_bytes

RUSSIAN = "Президент Украины заявил, что обмен пленными возможен уже в этом месяце."
KOREAN = "젤렌스키 대통령은 포로 교환이 이번 달에 가능하다고 밝혔다."


def read(path: Path) -> str:
    return read_article(InputRef(str(path), path)).text


@pytest.mark.parametrize(
    ("text", "encoding"),
    [
        (RUSSIAN, "utf-8"),
        (RUSSIAN, "utf-8-sig"),
        (RUSSIAN, "utf-16"),
        (RUSSIAN, "cp1251"),
        (RUSSIAN, "koi8_r"),
        (KOREAN, "cp949"),
        ("Café owners in Zürich said the façade was repaired.", "latin_1"),
    ],
)
def test_encodings_decode_to_the_same_text(tmp_path: Path, text: str, encoding: str) -> None:
    path = tmp_path / "a.txt"
    path.write_bytes(text.encode(encoding))
    assert read(path) == text


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (b"", "is empty"),
        (b"  \n\t\n ", "only whitespace"),
        (b"\xef\xbb\xbf", "is empty \\(it holds only a byte-order mark\\)"),
        (bytes(range(256)) * 4, "binary"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 50, "binary"),
    ],
)
def test_unusable_files_are_refused_with_their_name(tmp_path: Path, data: bytes, problem: str) -> None:
    path = tmp_path / "bad.txt"
    path.write_bytes(data)
    with pytest.raises(InputError, match=problem) as caught:
        read(path)
    assert str(caught.value).startswith(str(path))


def test_missing_file_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        read(tmp_path / "nope.txt")


def test_folders_expand_recursively_in_sorted_order_to_article_files(tmp_path: Path) -> None:
    for name in ["b/2.txt", "a/1.md", "a/c/3.html", "z.htm", "skip.pdf", ".hidden/x.txt", "a/.x.txt"]:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x")
    refs = expand_inputs([str(tmp_path)])
    assert [ref.relative.as_posix() for ref in refs] == ["a/1.md", "a/c/3.html", "b/2.txt", "z.htm"]


def test_stdin_is_read_as_an_article() -> None:
    [ref] = expand_inputs(["-"])
    article = read_article(ref, io.BytesIO(b"Hello from a pipe.\r\n"))
    assert article.source == "<stdin>"
    assert article.text == "Hello from a pipe.\n"  # line ends normalised as the text comes in


# --- names, patterns and sizes -------------------------------------------------------------------


def test_names_show_undecodable_bytes_and_controls_escaped() -> None:
    assert display_name(os.fsdecode(b"caf\x80\xff.txt")) == "caf\\x80\\xff.txt"
    assert display_name(os.fsdecode(b"\xff.txt")) == "\\xff.txt"
    assert display_name(os.fsdecode(b"\x80.txt")) == "\\x80.txt"
    assert display_name("a\x1b[31mred\x7f.txt") == "a\\x1b[31mred\\x7f.txt"
    assert display_name("Київ.txt") == "Київ.txt"
    assert display_name("\u202etxt.exe") == "\\u202etxt.exe"  # shown as it is, not reordered


def test_markdown_that_is_all_markup_says_so(tmp_path: Path) -> None:
    path = tmp_path / "code.md"
    path.write_text("```\nprint('hello')\n```\n![photo](a.png)\n", encoding="utf-8")
    with pytest.raises(InputError, match="holds no text besides its markup"):
        read(path)
    path.write_text("  \n\n", encoding="utf-8")
    with pytest.raises(InputError, match="holds only whitespace"):
        read(path)


def test_a_file_url_is_the_local_path_it_names(tmp_path: Path) -> None:
    path = tmp_path / "a story.txt"
    path.write_text("The talks continue.", encoding="utf-8")
    [ref] = expand_inputs([path.as_uri()])
    assert ref.path == path and ref.url is None and ref.remote is None


def test_a_url_becomes_a_file_name_of_at_most_120_characters_and_html() -> None:
    assert InputRef("u", url="https://example.org/news/a?b=1").relative == Path("example.org_news_a_b_1.html")
    long = InputRef("u", url="https://example.org/" + "a" * 300).relative.name
    assert long == "example.org_" + "a" * 108 + ".html"
    assert InputRef("u", url="https://").relative == Path("page.html")


def test_inputs_are_values_that_can_key_a_table() -> None:
    ref = InputRef("a.txt", Path("a.txt"))
    assert {ref: 1}[InputRef("a.txt", Path("a.txt"))] == 1
    with pytest.raises(dataclasses.FrozenInstanceError):
        ref.name = "b.txt"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        Limits().max_words = 1  # type: ignore[misc]


def test_the_default_limits_are_the_documented_ones() -> None:
    assert Limits() == Limits(max_words=10_000, max_bytes=20_000_000)


def test_a_pattern_is_expanded_unless_a_file_has_that_very_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert is_glob("articles/*.txt")
    assert not is_glob("articles/story.txt")
    assert not is_glob("https://example.org/story?id=1")
    Path("odd[1].txt").write_text("A story.", encoding="utf-8")
    assert not is_glob("odd[1].txt")


def test_stdin_and_files_keep_their_order(tmp_path: Path) -> None:
    refs = expand_inputs(["-", str(tmp_path / "a.txt"), "-"])
    assert [ref.name for ref in refs] == ["<stdin>", str(tmp_path / "a.txt"), "<stdin>"]


@pytest.mark.parametrize(
    ("size", "shown"),
    [
        (0, "0 bytes"),
        (999, "999 bytes"),
        (1000, "1.0 KB"),
        (999_999, "1.0 MB"),  # not 1000.0 KB
        (1_000_000, "1.0 MB"),
        (1_000_500, "1.0 MB"),
        (1_500_000, "1.5 MB"),
        (5 * 10**12, "5000.0 GB"),
    ],
)
def test_byte_counts_read_as_people_write_them(size: int, shown: str) -> None:
    assert format_bytes(size) == shown


# --- text or binary ------------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
@pytest.mark.parametrize(
    "text",
    [
        "Hello, world! (Yes: it works.)",
        "Ціни зросли на 5% — «Укрінформ».",
        "Обмін полоненими",  # one zero byte in all: its place alone tells the byte order
    ],
)
def test_utf16_without_a_byte_order_mark_decodes_back(encoding: str, text: str) -> None:
    assert decode(text.encode(encoding), "a.txt") == text


def test_utf16_that_is_95_percent_text_is_text() -> None:
    text = "abcdefghijklmnopqrs\ue000"  # 19 of 20 characters textual, one private-use
    assert decode(text.encode("utf-16-le"), "a.txt") == text
    with pytest.raises(InputError, match="binary"):
        decode(("abcdefghijklmnopqr" + "\ue000" * 2).encode("utf-16-le"), "a.txt")


def test_zero_bytes_in_an_odd_number_of_bytes_are_binary() -> None:
    with pytest.raises(InputError, match="binary"):
        decode("Hello".encode("utf-16-le") + b"!", "a.txt")


@pytest.mark.parametrize("control", ["\x07", "\x7f", "\x81"])
def test_text_with_more_than_one_percent_control_characters_is_binary(control: str) -> None:
    with pytest.raises(InputError, match="binary"):
        decode(("a" * 48 + control * 2).encode("utf-8"), "a.txt")  # 4%
    text = "a" * 124 + control  # 0.8%
    assert decode(text.encode("utf-8"), "a.txt") == text


def test_empty_bytes_decode_to_empty_text() -> None:
    assert decode(b"", "a.txt") == ""


@pytest.mark.parametrize(
    ("content_type", "expected"),
    [("text/plain", "Plain words <b>stay</b> as they are."), ("text/html", None)],
)
def test_a_url_is_read_as_html_only_when_the_server_says_so(
    monkeypatch: pytest.MonkeyPatch, content_type: str, expected: str | None
) -> None:
    from summarize_cli import webpage

    body = "Plain words <b>stay</b> as they are."
    monkeypatch.setattr(
        webpage, "fetch", lambda url, max_bytes=None: webpage.Fetched(body.encode(), content_type, None)
    )
    if expected is None:
        with pytest.raises(InputError, match="no article"):
            read_article(InputRef("u", url="https://example.org/a"))
    else:
        assert read_article(InputRef("u", url="https://example.org/a")).text == expected


def test_markdown_files_lose_their_markup(tmp_path: Path) -> None:
    path = tmp_path / "a.md"
    path.write_text("# Title\n\nSome **bold** words.\n", encoding="utf-8")
    text = read(path)
    assert "**" not in text and "#" not in text and "bold" in text


def test_a_lone_file_or_stdin_is_named_by_itself_below_the_output_folder(tmp_path: Path) -> None:
    assert InputRef("<stdin>").relative == Path("stdin")
    assert InputRef("a", tmp_path / "desk" / "a.txt").relative == Path("a.txt")
    assert InputRef("a", tmp_path / "desk" / "a.txt", tmp_path).relative == Path("desk/a.txt")


def test_a_pattern_expands_recursively_to_article_files_below_its_fixed_part(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    for name in ["in/a.txt", "in/deep/b.md", "in/deep/c.pdf", "in/deep/d.txt/e.txt"]:
        Path(name).parent.mkdir(parents=True, exist_ok=True)
        Path(name).write_text("A story.", encoding="utf-8")
    refs = expand_inputs(["in/**/*.*"])
    assert [ref.relative.as_posix() for ref in refs] == ["a.txt", "deep/b.md", "deep/d.txt/e.txt"]
    [nothing] = expand_inputs(["in/**/*.docx"])
    assert nothing.problem == "matches no article files"
    with pytest.raises(InputError, match="matches no article files"):
        read_article(nothing)


def test_an_object_in_a_store_is_read_as_an_article(monkeypatch: pytest.MonkeyPatch) -> None:
    from summarize_cli import storage

    monkeypatch.setattr(storage, "read_object", lambda path, max_bytes: (18, b"A stored article.\n"))
    ref = InputRef("s3://news/a.txt", remote=storage.ObjectPath.parse("s3://news/a.txt"))
    assert read_article(ref).text == "A stored article.\n"


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_folder_follows_linked_subfolders_once_and_names_what_it_cannot_read(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "linked.txt").write_text("A linked article.")
    src = tmp_path / "src"
    src.mkdir()
    (src / "a.txt").write_text("An article.")
    (src / "more").symlink_to(elsewhere, target_is_directory=True)
    (src / "back").symlink_to(src, target_is_directory=True)  # a loop: walked no further
    (src / "gone.txt").symlink_to(tmp_path / "missing.txt")
    os.mkfifo(src / "pipe.txt")
    found = {ref.name: ref.problem for ref in walk_folder(src)}
    assert found == {
        str(src / "a.txt"): None,
        str(src / "gone.txt"): "is a broken link (what it points to is missing)",
        str(src / "more" / "linked.txt"): None,
        str(src / "pipe.txt"): "is not a regular file (a FIFO, socket or device)",
    }


def test_a_folder_walk_names_an_article_by_its_real_folder_and_never_climbs_a_link(tmp_path: Path) -> None:
    src = tmp_path / "news"
    (src / "zreal").mkdir(parents=True)
    (src / "zreal" / "x.txt").write_text("An article.")
    (src / "alink").symlink_to(src / "zreal", target_is_directory=True)  # sorts first, walked second
    (src / "up").symlink_to(tmp_path, target_is_directory=True)
    (tmp_path / "outside.txt").write_text("Not in the folder.")
    (src / "loop.txt").symlink_to(src / "loop.txt")
    found = {ref.name: ref.problem for ref in walk_folder(src)}
    assert found == {
        str(src / "loop.txt"): "cannot be read (Too many levels of symbolic links)",
        str(src / "zreal" / "x.txt"): None,
    }
