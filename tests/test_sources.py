from __future__ import annotations

import io
from pathlib import Path

import pytest

from summarize_cli.errors import InputError
from summarize_cli.sources import InputRef, expand_inputs, read_article

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
