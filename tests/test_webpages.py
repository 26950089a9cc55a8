"""Saved web pages, URLs and Markdown become article text."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from click.testing import CliRunner

from summarize_cli.errors import InputError
from summarize_cli.sources import InputRef, expand_inputs, read_article
from summarize_cli.status import ExitStatus
from summarize_cli.webpage import strip_markdown

from conftest import ROOT, TinyModels, invoke

DATA = ROOT / "tests" / "data"
ARTICLE = [
    "Zelensky offers to swap North Korean soldiers for Ukrainian prisoners",
    "Ukrainian President Volodymyr Zelensky has said he is ready to hand over two North Korean soldiers captured "
    "by Ukraine in exchange for Ukrainian prisoners held by Russia.",
]
JUNK = ["Home", "Subscribe", "Advertisement", "Copyright", "Most read", "tracking pixel", "late script", "font-family"]


@pytest.fixture(scope="module")
def site() -> Iterator[str]:
    class Quiet(SimpleHTTPRequestHandler):
        def __init__(self, *args: object, **kwargs: object) -> None:
            super().__init__(*args, directory=str(DATA), **kwargs)  # type: ignore[arg-type]

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def page_text() -> str:
    return read_article(InputRef("page", DATA / "news-page.html")).text


def test_a_saved_page_gives_only_the_article() -> None:
    text = page_text()
    lines = text.splitlines()
    assert lines[0] == ARTICLE[0]
    assert lines[1] == ARTICLE[1]
    assert "10,000 troops" in text
    for junk in JUNK:
        assert junk not in text


def test_a_url_gives_the_same_text(site: str) -> None:
    [ref] = expand_inputs([f"{site}/news-page.html"])
    assert ref.url is not None and ref.relative == Path(f"{site.split('://')[1].replace(':', '_')}_news-page.html.html")
    assert read_article(ref).text == page_text()


def test_a_page_with_no_article_is_refused(site: str) -> None:
    with pytest.raises(InputError, match="has no article text"):
        read_article(InputRef("x", DATA / "no-article.html"))
    with pytest.raises(InputError, match="has no article text"):
        read_article(expand_inputs([f"{site}/no-article.html"])[0])


def test_unreachable_and_missing_urls_are_input_errors(site: str, monkeypatch: pytest.MonkeyPatch) -> None:
    import socket

    for name in ("http_proxy", "HTTP_PROXY", "no_proxy", "NO_PROXY"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(InputError, match="could not be fetched: HTTP 404"):
        read_article(expand_inputs([f"{site}/gone.html"])[0])
    # The causes in words, not as errno texts.
    with pytest.raises(InputError, match=r"could not be fetched: 127\.0\.0\.1 refused the connection$"):
        read_article(expand_inputs(["http://127.0.0.1:9/article.html"])[0])

    def no_dns(*args: object, **kwargs: object) -> None:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", no_dns)
    with pytest.raises(InputError, match=r"the name news\.example could not be resolved \(DNS failure"):
        read_article(expand_inputs(["http://news.example/article.html"])[0])


def test_cli_exit_3_for_a_bad_url_and_0_for_a_good_one(cli: CliRunner, tiny_models: TinyModels, site: str) -> None:
    bad = invoke(cli, ["-c", str(tiny_models.config), "http://127.0.0.1:9/article.html"])
    assert bad.exit_code == ExitStatus.NO_INPUT
    assert "http://127.0.0.1:9/article.html: could not be fetched" in bad.stderr
    empty = invoke(cli, ["-c", str(tiny_models.config), f"{site}/no-article.html"])
    assert empty.exit_code == ExitStatus.NO_INPUT
    good = invoke(cli, ["-c", str(tiny_models.config), "-f", "json", "--no-translate", f"{site}/news-page.html"])
    assert good.exit_code == 0, good.stderr


def test_markdown_is_read_without_its_markup(tmp_path: Path) -> None:
    source = (
        "# Prisoner *swap* offered\n\n"
        "> **Kyiv**, 12 January. [Zelensky](https://example.org/z) said _two_ soldiers could be swapped.\n\n"
        "- first point\n1. second point\n\n"
        "![photo](img.png)\n\n```python\nprint('code')\n```\n\n---\n\n"
        "| who | what |\n|-----|------|\n| SBU | `report` |\n\n[ref]: https://example.org\n"
    )
    path = tmp_path / "a.md"
    path.write_text(source)
    text = read_article(InputRef(str(path), path)).text
    lines = [line for line in text.splitlines() if line.strip()]
    assert lines == [
        "Prisoner swap offered",
        "Kyiv, 12 January. Zelensky said two soldiers could be swapped.",
        "first point",
        "second point",
        "who what",
        "SBU report",
    ]


def test_strip_markdown_leaves_plain_text_alone() -> None:
    text = "A plain sentence with snake_case_words and 2*3*4 arithmetic."
    assert strip_markdown(text) == text


def test_through_a_proxy_a_failure_to_connect_is_the_proxys(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("HTTP_PROXY", "no_proxy", "NO_PROXY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("http_proxy", "http://127.0.0.1:9")  # a closed port
    with pytest.raises(
        InputError, match=r"could not be fetched: the proxy http://127\.0\.0\.1:9 refused the connection$"
    ):
        read_article(expand_inputs(["http://news.example/article.html"])[0])
