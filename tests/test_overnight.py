"""A folder left running overnight: no single file, fault or rerun can stop, stall or corrupt it."""

from __future__ import annotations

import errno
import http.server
import io
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from rich.console import Console

from summarize_cli import batch, pipeline, sources, summarize
from summarize_cli.batch import OutputLock, fit_name
from summarize_cli.errors import GenerationError, InputError
from summarize_cli.progress import BarReporter, ConsoleReporter
from summarize_cli.render import render_rich
from summarize_cli.sources import InputRef, decode, read_article, strip_controls
from summarize_cli.status import ExitStatus
from summarize_cli.types import Result
from summarize_cli.webpage import fetch, strip_markdown

from conftest import ROOT, SEED, TinyModels, invoke, run_cli

PARAGRAPHS = [p for p in SEED.read_text(encoding="utf-8").splitlines() if len(p) > 200]
ESCAPES = "\x1b]0;pwned\x07\x1b[2J\x1b[31m\x1b]8;;http://evil.example/\x1b\\link\x1b]8;;\x1b\\\x9b1m\x07"


def article_text(i: int) -> str:
    return f"Story {i} of the day.\n{PARAGRAPHS[i % len(PARAGRAPHS)]}\n"


def folder(root: Path, count: int) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    for i in range(count):
        (root / f"story{i:02d}.txt").write_text(article_text(i), encoding="utf-8")
    return root


def run(cli: CliRunner, tiny: TinyModels, *args: str, input: bytes | None = None) -> Any:
    return invoke(cli, ["-c", str(tiny.config), *args], input=input)


def records(out: Path) -> dict[str, dict[str, Any]]:
    return {p.relative_to(out).as_posix(): json.loads(p.read_text(encoding="utf-8")) for p in out.rglob("*.json")}


def closing(stderr: str) -> str:
    return next(line for line in stderr.splitlines() if re.match(r"\d+ done, \d+ skipped, \d+ failed in ", line))


def cli_env() -> dict[str, str]:
    return {**os.environ, "HF_HUB_OFFLINE": "1"}


# --- one input never ends the run ---------------------------------------------------------------


@pytest.fixture
def poison(monkeypatch: pytest.MonkeyPatch) -> None:
    """Summaries fail for any article that says POISON, as a model failing on one input would."""
    original = summarize.summarize_abstractive

    def failing(model: Any, texts: Sequence[str], *args: Any) -> list[str]:
        if any("POISON" in t for t in texts):
            raise GenerationError("the model failed on this input")
        return original(model, texts, *args)

    monkeypatch.setattr(pipeline, "summarize_abstractive", failing)


@pytest.mark.usefixtures("poison")
def test_a_lone_failing_article_fails_alone_in_any_group(
    cli: CliRunner, tiny_models: TinyModels, tmp_path: Path
) -> None:
    src = folder(tmp_path / "in", 9)  # eight in the first group, and the last group holds one
    (src / "story08.txt").write_text("POISON " + article_text(8))
    result = run(cli, tiny_models, str(src), "-f", "json", "--no-translate")
    assert result.exit_code == ExitStatus.PARTIAL_FAILURE
    rows = json.loads(result.stdout)
    assert len(rows) == 9 and [r["error"] is not None for r in rows] == [False] * 8 + [True]
    assert "summary failed: the model failed on this input" in rows[8]["error"]
    alone = run(cli, tiny_models, str(src / "story08.txt"), "-f", "json", "--no-translate")
    assert alone.exit_code == ExitStatus.PARTIAL_FAILURE
    assert json.loads(alone.stdout)["error"]  # one input, one object, with its error


def test_any_exception_of_one_article_becomes_its_error_record(
    cli: CliRunner, tiny_models: TinyModels, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = summarize.extractive_summary

    def extractive(text: str, count: int) -> str:
        if "CRASH" in text:
            raise RecursionError("something deep broke")
        return original(text, count)

    monkeypatch.setattr(pipeline, "extractive_summary", extractive)
    src = folder(tmp_path / "in", 5)
    (src / "story02.txt").write_text("CRASH " + article_text(2))
    out = tmp_path / "out"
    result = run(cli, tiny_models, str(src), "-o", str(out), "--summary", "extractive", "-t", "uk")
    assert result.exit_code == ExitStatus.PARTIAL_FAILURE
    saved = records(out)
    assert saved["story02.json"]["error"] == "unexpected error: something deep broke"
    assert all(saved[f"story0{i}.json"]["error"] is None for i in (0, 1, 3, 4))
    assert "4 done, 0 skipped, 1 failed" in result.stderr


# --- bounded time -------------------------------------------------------------------------------


@pytest.mark.parametrize("unit", ["**a ", "*a ", "__a ", "_a ", "[", "![", "[a](", "<a", "`x", "[a]["])
def test_markdown_takes_linear_time_on_hostile_lines(unit: str) -> None:
    text = unit * (1_000_000 // len(unit))
    started = time.perf_counter()
    strip_markdown(text)
    assert time.perf_counter() - started < 5


def test_markdown_still_reads_as_plain_text() -> None:
    text = "A **bold** and *it* and __u__ and _e_, **bold *it* x**, [link](http://x) `code` <b>h</b>"
    assert strip_markdown(text) == "A bold and it and u and e, bold it x, link code h"


def test_a_one_megabyte_hostile_markdown_file_finishes_quickly(cli: CliRunner, tmp_path: Path) -> None:
    big = tmp_path / "big.md"
    big.write_text("**a " * 250_000)
    started = time.perf_counter()
    result = invoke(cli, ["dedupe", str(big)])
    assert result.exit_code == 0
    assert time.perf_counter() - started < 10


def test_a_fifty_megabyte_file_is_refused_before_it_is_read(cli: CliRunner, tmp_path: Path) -> None:
    huge = tmp_path / "huge.txt"
    with huge.open("wb") as handle:
        handle.truncate(50_000_000)  # sparse: costs nothing to make, and would cost seconds to read
    started = time.perf_counter()
    result = invoke(cli, ["dedupe", str(huge)])
    assert time.perf_counter() - started < 1
    assert result.exit_code == ExitStatus.NO_INPUT
    assert "huge.txt: is 50.0 MB, over the limit of 20.0 MB (raise it with --max-bytes)" in result.stderr


def test_the_byte_limit_is_checked_first_and_named(cli: CliRunner, tiny_models: TinyModels, tmp_path: Path) -> None:
    text = tmp_path / "a.txt"
    text.write_text(article_text(0))
    result = run(cli, tiny_models, str(text), "--max-bytes", "100", "--no-translate")
    assert result.exit_code == ExitStatus.NO_INPUT
    assert "over the limit of 100 bytes (raise it with --max-bytes)" in result.stderr
    piped = run(cli, tiny_models, "--max-bytes", "1K", "--no-translate", input=b"word " * 1000)
    assert piped.exit_code == ExitStatus.NO_INPUT
    assert "over the limit of 1.0 KB" in piped.stderr
    bad = run(cli, tiny_models, str(text), "--max-bytes", "lots")
    assert bad.exit_code == ExitStatus.USAGE


def test_the_word_limit_of_markdown_is_checked_before_parsing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    md = tmp_path / "a.md"
    md.write_text("word " * 50)
    monkeypatch.setattr("summarize_cli.webpage.strip_markdown", lambda text: pytest.fail("parsed"))
    with pytest.raises(InputError, match="50 words long, over the limit of 10 "):
        read_article(InputRef(str(md), md), limits=sources.Limits(max_words=10))


class _Trickle(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path in ("/to-file", "/to-closed"):
            self.send_response(302)
            target = "ftp://127.0.0.1/etc/passwd" if self.path == "/to-file" else "http://localhost:9/story"
            self.send_header("Location", target)
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.end_headers()
        if self.path == "/big":
            self.wfile.write(b"<p>" + b"word " * 600 + b"</p>")
            return
        for _ in range(60):  # a byte a quarter second: no single read ever times out
            try:
                self.wfile.write(b"a")
                self.wfile.flush()
            except OSError:
                return
            time.sleep(0.25)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def trickle() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Trickle)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_a_url_has_an_overall_deadline(trickle: str) -> None:
    started = time.perf_counter()
    with pytest.raises(InputError, match="no complete answer within 2 s"):
        fetch(f"{trickle}/slow", timeout=1, deadline=2)
    assert time.perf_counter() - started < 5


def test_a_page_over_the_byte_limit_is_refused_naming_the_limit(trickle: str) -> None:
    with pytest.raises(InputError, match=r"is over the limit of 1\.0 KB for a page \(raise it with --max-bytes\)$"):
        fetch(f"{trickle}/big", max_bytes=1000)
    assert len(fetch(f"{trickle}/big").data) > 3000


def test_a_failure_after_a_redirect_names_the_host_it_led_to(trickle: str, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("http_proxy", "HTTP_PROXY"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(InputError, match="could not be fetched: localhost refused the connection"):
        fetch(f"{trickle}/to-closed")


def test_a_url_may_redirect_only_to_http(trickle: str) -> None:
    with pytest.raises(InputError, match="not an http"):
        fetch(f"{trickle}/to-file")


def test_a_failed_url_does_not_claim_a_language(cli: CliRunner, tiny_models: TinyModels, trickle: str) -> None:
    result = run(cli, tiny_models, f"{trickle}/to-file", "-f", "json", "--no-translate")
    assert result.exit_code == ExitStatus.NO_INPUT
    record = json.loads(result.stdout)
    assert record["language"] is None and "not an http" in record["error"]


# --- names and text are data --------------------------------------------------------------------


def test_escape_sequences_never_reach_the_terminal_or_the_files(
    cli: CliRunner, tiny_models: TinyModels, tmp_path: Path
) -> None:
    src = tmp_path / "in"
    src.mkdir()
    (src / "a.txt").write_text(f"Title {ESCAPES}here.\n{article_text(1)}{ESCAPES}\n")
    (src / "b\x1b[31mred.txt").write_text(article_text(2))
    (src / "c\x1b]0;x\x07.txt").write_bytes(b"")
    for args in (
        ["dedupe", str(src)],
        ["-c", str(tiny_models.config), str(src), "--summary", "extractive", "-t", "uk"],
    ):
        result = invoke(cli, args)
        for stream in (result.stdout, result.stderr):
            assert "\x1b" not in stream and "\x07" not in stream and "\x9b" not in stream
        assert "==> " + str(src / "b\\x1b[31mred.txt") + " <==" in result.stdout
        assert "c\\x1b]0;x\\x07.txt: is empty" in result.stderr
    out = tmp_path / "out"
    run(cli, tiny_models, str(src), "-o", str(out), "--summary", "extractive", "-t", "uk")
    for path in out.rglob("*"):
        assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]", path.read_text(encoding="utf-8"))


def test_strip_controls_keeps_text_newlines_and_tabs() -> None:
    assert strip_controls(f"a\tb{ESCAPES}\r\nc\x00d\x1b") == "a\tblink\ncd"
    assert strip_controls("\x1b]0;an unterminated title\nnext line") == "\nnext line"


def test_a_name_that_is_not_utf8_is_escaped_everywhere(cli: CliRunner, tiny_models: TinyModels, tmp_path: Path) -> None:
    src = tmp_path / "in"
    src.mkdir()
    (src / os.fsdecode(b"caf\xe9.txt")).write_text(article_text(3))
    out = tmp_path / "out"
    written = run(cli, tiny_models, str(src), "-o", str(out), "--summary", "extractive", "-t", "uk")
    assert written.exit_code == 0, written.stderr
    [record] = records(out).values()
    assert record["source"].endswith("caf\\xe9.txt")
    for path in out.iterdir():
        path.read_bytes().decode("utf-8")  # strict: every byte written is UTF-8
    streamed = run(cli, tiny_models, str(src), "-f", "jsonl", "--summary", "extractive", "-t", "uk")
    assert json.loads(streamed.stdout.encode("utf-8"))["source"].endswith("caf\\xe9.txt")


def test_markup_in_names_is_shown_as_it_is() -> None:
    stream = io.StringIO()
    console = Console(file=stream, force_terminal=True, width=200, color_system=None)
    name = "desk/[/x] [bold]not bold[/bold].txt"
    bar = BarReporter(console, verbose=True, quiet=False, show_warnings=True)
    bar.start(2)
    bar.working_on([name])
    bar.stage("summarizing", 0.5)
    bar.finished(Result(source=name, error=f"{name}: is empty"), "failed")
    bar.stop()
    render_rich(Result(source=name, summary="A summary."), console)
    lines = ConsoleReporter(console, verbose=True, quiet=False, show_warnings=True)
    lines.start(2)
    lines.working_on([name])
    lines.finished(Result(source=name), "done")
    shown = stream.getvalue()
    assert shown.count("[/x] [bold]not bold[/bold]") >= 4


# --- results never lie ----------------------------------------------------------------------------


def test_a_failing_rerun_keeps_the_earlier_good_result(cli: CliRunner, tiny_models: TinyModels, tmp_path: Path) -> None:
    src, out = folder(tmp_path / "in", 2), tmp_path / "out"
    assert run(cli, tiny_models, str(src), "-o", str(out), "-t", "uk").exit_code == 0
    before = records(out)
    stricter = run(cli, tiny_models, str(src), "-o", str(out), "-t", "uk", "--max-words", "3", "--force")
    assert stricter.exit_code == ExitStatus.NO_INPUT
    assert "is kept" in stricter.stderr
    assert records(out) == before
    assert (out / "story00.uk.txt").read_text().strip()


def test_files_the_result_no_longer_has_are_removed(cli: CliRunner, tiny_models: TinyModels, tmp_path: Path) -> None:
    src, out = folder(tmp_path / "in", 1), tmp_path / "out"
    run(cli, tiny_models, str(src), "-o", str(out), "-t", "uk,ko")
    assert (out / "story00.ko.txt").exists()
    run(cli, tiny_models, str(src), "-o", str(out), "-t", "uk")
    assert sorted(p.name for p in out.iterdir()) == ["story00.json", "story00.summary.txt", "story00.uk.txt"]
    run(cli, tiny_models, str(src), "-o", str(out), "--summary", "extractive", "--no-translate")
    assert sorted(p.name for p in out.iterdir()) == ["story00.json", "story00.summary.txt"]


@pytest.mark.parametrize("damage", ["empty-text", "missing-text", "empty-json", "garbled-json", "error-json"])
def test_damaged_or_failed_outputs_are_redone(
    cli: CliRunner, tiny_models: TinyModels, tmp_path: Path, damage: str
) -> None:
    src, out = folder(tmp_path / "in", 2), tmp_path / "out"
    run(cli, tiny_models, str(src), "-o", str(out), "-t", "uk")
    victim = out / ("story01.uk.txt" if "text" in damage else "story01.json")
    if damage == "missing-text":
        victim.unlink()
    elif damage == "garbled-json":
        victim.write_text('{"source": "story01.txt", "summ')
    elif damage == "error-json":
        victim.write_text(json.dumps({**json.loads(victim.read_text()), "error": "it failed last night"}))
    else:
        victim.write_text("")
    rerun = run(cli, tiny_models, str(src), "-o", str(out), "-t", "uk")
    assert "1 done, 1 skipped, 0 failed" in closing(rerun.stderr)
    assert records(out)["story01.json"]["error"] is None
    assert (out / "story01.uk.txt").read_text().strip()


def test_the_json_is_written_after_its_text_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    order: list[str] = []
    original = batch.write_atomic

    def recording(path: Path, text: str) -> None:
        order.append(path.name)
        original(path, text)

    monkeypatch.setattr(batch, "write_atomic", recording)
    paths = batch.OutputPaths(tmp_path / "a")
    batch.write_result(paths, Result(source="a", summary="S.", translations={"uk": "У.", "ko": "K."}))
    assert order == ["a.summary.txt", "a.uk.txt", "a.ko.txt", "a.json"]


def test_a_changed_model_makes_its_results_out_of_date(cli: CliRunner, tiny_models: TinyModels, tmp_path: Path) -> None:
    model = tmp_path / "en-uk"
    shutil.copytree(tiny_models.translators["uk"], model)
    config = tmp_path / "models.toml"
    config.write_text(tiny_models.config.read_text().replace(str(tiny_models.translators["uk"]), str(model)))
    src, out = folder(tmp_path / "in", 2), tmp_path / "out"
    args = ["-c", str(config), str(src), "-o", str(out), "-t", "uk", "--summary", "extractive"]
    invoke(cli, args)
    assert "0 done, 2 skipped" in closing(invoke(cli, args).stderr)
    generation = model / "generation_config.json"
    generation.write_text(json.dumps({**json.loads(generation.read_text()), "num_beams": 3}))
    assert "2 done, 0 skipped" in closing(invoke(cli, args).stderr)


def test_strict_judges_saved_results_on_a_resumed_run(cli: CliRunner, tiny_models: TinyModels, tmp_path: Path) -> None:
    src, out = folder(tmp_path / "in", 2), tmp_path / "out"
    first = run(cli, tiny_models, str(src), "-o", str(out), "-t", "uk", "--strict")
    assert first.exit_code == ExitStatus.QUALITY  # gibberish from random weights raises warnings
    again = run(cli, tiny_models, str(src), "-o", str(out), "-t", "uk", "--strict")
    assert "0 done, 2 skipped" in closing(again.stderr)
    assert again.exit_code == ExitStatus.QUALITY


def test_outputs_follow_the_umask(cli: CliRunner, tiny_models: TinyModels, tmp_path: Path) -> None:
    src, out = folder(tmp_path / "in", 1), tmp_path / "out"
    old = os.umask(0o027)
    try:
        run(cli, tiny_models, str(src), "-o", str(out), "--summary", "extractive", "-t", "uk")
    finally:
        os.umask(old)
    modes = {p.name: p.stat().st_mode & 0o777 for p in out.iterdir()}
    assert modes == dict.fromkeys(["story00.json", "story00.summary.txt", "story00.uk.txt"], 0o640)


# --- faults of the machine ------------------------------------------------------------------------


@pytest.fixture
def no_model_loads(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: Any) -> Any:
        raise AssertionError("a model was loaded")

    monkeypatch.setattr("summarize_cli.registry.ModelRegistry.get", refuse)


@pytest.mark.usefixtures("no_model_loads")
def test_a_full_disk_is_refused_before_any_work(
    cli: CliRunner, tiny_models: TinyModels, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(shutil, "disk_usage", lambda path: shutil._ntuple_diskusage(10**9, 10**9, 1024))
    result = run(cli, tiny_models, str(folder(tmp_path / "in", 2)), "-o", str(tmp_path / "out"))
    assert result.exit_code == ExitStatus.PARTIAL_FAILURE
    assert "has only 1.0 KB free" in result.stderr


@pytest.mark.usefixtures("no_model_loads")
def test_an_unwritable_output_folder_is_refused_before_any_work(
    cli: CliRunner, tiny_models: TinyModels, tmp_path: Path
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    result = run(cli, tiny_models, str(folder(tmp_path / "in", 2)), "-o", str(blocker / "out"))
    assert result.exit_code == ExitStatus.PARTIAL_FAILURE
    assert f"summarize-cli: error: cannot write to {blocker / 'out'}" in result.stderr


def test_a_disk_that_fills_up_stops_the_run_keeping_what_is_done(
    cli: CliRunner, tiny_models: TinyModels, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = batch.write_atomic
    calls = 0

    def filling(path: Path, text: str) -> None:
        nonlocal calls
        calls += 1
        if calls > 6:  # two articles' files fit
            raise OSError(errno.ENOSPC, "No space left on device")
        original(path, text)

    monkeypatch.setattr(batch, "write_atomic", filling)
    out = tmp_path / "out"
    result = run(
        cli, tiny_models, str(folder(tmp_path / "in", 5)), "-o", str(out), "--summary", "extractive", "-t", "uk"
    )
    assert result.exit_code == ExitStatus.PARTIAL_FAILURE
    assert "No space left on device; the run stopped" in result.stderr
    assert sorted(records(out)) == ["story00.json", "story01.json"]


def test_a_second_run_on_the_same_folder_is_refused_naming_the_first(
    cli: CliRunner, tiny_models: TinyModels, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    with OutputLock(out):
        busy = run(cli, tiny_models, str(folder(tmp_path / "in", 1)), "-o", str(out), "--no-translate")
    assert busy.exit_code == ExitStatus.PARTIAL_FAILURE
    assert f"another summarize-cli run (PID {os.getpid()}) is writing to {out}" in busy.stderr
    assert records(out) == {}
    (out / batch.LOCK_NAME).write_text("999999999\n")  # left by a run that died: nobody holds it
    free = run(cli, tiny_models, str(tmp_path / "in"), "-o", str(out), "--no-translate")
    assert free.exit_code == 0 and sorted(records(out)) == ["story00.json"]
    assert not (out / batch.LOCK_NAME).exists()


def test_leftover_temporary_files_are_removed_and_only_ours(
    cli: CliRunner, tiny_models: TinyModels, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    ours = out / f"{batch.TEMP_PREFIX}x1y2z3{batch.TEMP_SUFFIX}"
    ours.write_text("half a result")
    users = out / ".notes.tmp"
    users.write_text("mine")
    run(cli, tiny_models, str(folder(tmp_path / "in", 1)), "-o", str(out), "--summary", "extractive", "-t", "uk")
    assert not ours.exists() and users.exists()


def test_an_input_folder_inside_the_output_folder(cli: CliRunner, tiny_models: TinyModels, tmp_path: Path) -> None:
    folder(tmp_path / "articles", 2)
    os.chdir(tmp_path)
    result = run(cli, tiny_models, "-o", ".", "articles/", "--summary", "extractive", "-t", "uk")
    assert result.exit_code == 0, result.stderr
    assert {"story00.json", "story01.json"} <= set(records(tmp_path))


def test_an_unreadable_subfolder_is_reported(
    cli: CliRunner, tiny_models: TinyModels, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    src = folder(tmp_path / "in", 2)
    locked = src / "locked"
    locked.mkdir()
    (locked / "hidden-from-us.txt").write_text(article_text(0))
    scandir = os.scandir

    def guarded(path: Any = ".") -> Any:
        if Path(path) == locked:
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return scandir(path)

    monkeypatch.setattr(os, "scandir", guarded)
    result = run(cli, tiny_models, str(src), "-f", "jsonl", "--summary", "extractive", "--no-translate")
    assert result.exit_code == ExitStatus.PARTIAL_FAILURE
    assert f"{locked}: cannot be read (Permission denied)" in result.stderr


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_fifo_or_a_device_is_refused_not_read(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    for name in (str(fifo), "/dev/zero"):
        # In a child process, so that a FIFO opened for reading (which waits for a writer
        # forever) fails the test at the timeout instead of hanging it.
        try:
            done = run_cli(["dedupe", name], timeout=30)
        except subprocess.TimeoutExpired:
            pytest.fail(f"{name} was opened and read instead of refused")
        assert done.returncode == ExitStatus.NO_INPUT
        assert b"is not a regular file" in done.stderr


def test_an_unreadable_explicit_file_exits_3(cli: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("text")
    monkeypatch.setattr(os, "access", lambda *args, **kwargs: False)  # how click would see it as another user
    opened = Path.open

    def guarded(self: Path, *args: Any, **kwargs: Any) -> Any:
        if self == secret:
            raise PermissionError(errno.EACCES, "Permission denied")
        return opened(self, *args, **kwargs)

    monkeypatch.setattr(Path, "open", guarded)
    result = invoke(cli, ["dedupe", str(secret)])
    assert result.exit_code == ExitStatus.NO_INPUT
    assert "secret.txt: cannot be read (Permission denied)" in result.stderr


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_utf16_without_a_byte_order_mark_is_text(encoding: str) -> None:
    for text in ("The talks in Geneva will continue next week.", "Переговоры продолжатся на следующей неделе."):
        assert decode(text.encode(encoding), "a.txt") == text
    with pytest.raises(InputError, match="binary"):
        decode(bytes(range(256)) * 4, "a.bin")


def test_a_name_too_long_for_the_filesystem_is_shortened_the_same_way_each_time(
    cli: CliRunner, tiny_models: TinyModels, tmp_path: Path
) -> None:
    src = tmp_path / "in"
    src.mkdir()
    long_name = "Слава " * 22 + "abcde.txt"  # 251 bytes: fits as an input, not with ".summary.txt"
    (src / long_name).write_text(article_text(0))
    out = tmp_path / "out"
    args = [str(src), "-o", str(out), "--summary", "extractive", "-t", "uk"]
    assert run(cli, tiny_models, *args).exit_code == 0
    names = sorted(p.name for p in out.iterdir())
    assert len(names) == 3 and all(len(os.fsencode(n)) <= 255 for n in names)
    assert "0 done, 1 skipped" in closing(run(cli, tiny_models, *args).stderr)
    assert fit_name("a" * 300, 12) == fit_name("a" * 300, 12) != fit_name("a" * 299 + "b", 12)


def test_a_model_whose_weights_cannot_be_read_exits_5_in_one_line(tiny_models: TinyModels, tmp_path: Path) -> None:
    model = tmp_path / "pickled"
    shutil.copytree(tiny_models.translators["uk"], model)
    (model / "model.safetensors").unlink()
    (model / "pytorch_model.bin").write_bytes(b"\x80\x04not really a checkpoint")
    config = tmp_path / "models.toml"
    config.write_text(tiny_models.config.read_text().replace(str(tiny_models.translators["uk"]), str(model)))
    text = tmp_path / "a.txt"
    text.write_text(article_text(0))
    proc = subprocess.run(
        [sys.executable, "-m", "summarize_cli", "-c", str(config), str(text), "--no-summary", "-t", "uk"],
        cwd=ROOT,
        env={**cli_env(), "SUMMARIZE_CLI_CACHE": str(tmp_path / "cache")},
        capture_output=True,
        timeout=300,
        check=False,
    )
    stderr = proc.stderr.decode()
    assert proc.returncode == ExitStatus.MODEL_UNAVAILABLE, stderr
    errors = [line for line in stderr.splitlines() if line.startswith("summarize-cli: error:")]
    assert len(errors) == 1 and str(model) in errors[0]
    assert "Traceback" not in stderr and len(stderr.splitlines()) <= 4


# --- signals and streams: the real command --------------------------------------------------------


def _start(args: list[str], **kwargs: Any) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "summarize_cli", *args],
        cwd=ROOT,
        env=cli_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        **kwargs,
    )


@pytest.mark.parametrize(("signum", "status"), [(signal.SIGTERM, 143), (signal.SIGHUP, 129)])
def test_sigterm_and_sighup_stop_like_ctrl_c(tiny_models: TinyModels, tmp_path: Path, signum: int, status: int) -> None:
    src, out = folder(tmp_path / "in", 40), tmp_path / "out"
    proc = _start(["-c", str(tiny_models.config), str(src), "-o", str(out)])
    deadline = time.monotonic() + 120
    while not list(out.rglob("*.json")) and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)
    assert proc.poll() is None, "the run ended before it could be stopped"
    proc.send_signal(signum)
    _, stderr = proc.communicate(timeout=120)
    assert proc.returncode == status, stderr.decode()
    assert b"(interrupted; finished results are kept" in stderr and b"Traceback" not in stderr
    assert not [p for p in out.rglob("*") if p.name.startswith(".")]
    for record in records(out).values():
        assert record["error"] is None


def test_closed_standard_streams_do_not_end_a_run(tiny_models: TinyModels, tmp_path: Path) -> None:
    src, out = folder(tmp_path / "in", 3), tmp_path / "out"
    command = [sys.executable, "-m", "summarize_cli", "-c", str(tiny_models.config), str(src), "--no-translate"]
    quoted = " ".join(f"'{part}'" for part in command)
    closed = subprocess.run(
        ["sh", "-c", f"{quoted} -o '{out}' >&- 2>&-"], cwd=ROOT, env=cli_env(), timeout=300, check=False
    )
    assert closed.returncode == 0
    assert len(records(out)) == 3
    # A log reader that stops reading (`2>&1 | head`) loses lines, never results.
    shutil.rmtree(out)
    subprocess.run(
        ["sh", "-c", f"{quoted} -o '{out}' 2>&1 | head -n 1"], cwd=ROOT, env=cli_env(), timeout=300, check=False
    )
    assert len(records(out)) == 3
    # With no -o the results would go to the closed stdout: refused before any work, in one line.
    to_stdout = subprocess.run(
        ["sh", "-c", f"{quoted} -f json >&-"], cwd=ROOT, env=cli_env(), capture_output=True, timeout=300, check=False
    )
    assert to_stdout.returncode == 2 and b"Traceback" not in to_stdout.stderr
    assert b"standard output is closed" in to_stdout.stderr


def test_a_reader_that_goes_away_ends_quietly(tiny_models: TinyModels, tmp_path: Path) -> None:
    src = folder(tmp_path / "in", 12)
    command = [sys.executable, "-m", "summarize_cli", "-c", str(tiny_models.config), str(src), "-f", "jsonl"]
    quoted = " ".join(f"'{part}'" for part in command)
    log = tmp_path / "err.log"
    piped = subprocess.run(
        ["sh", "-c", f"{quoted} --no-translate 2>'{log}' | head -n 1"],
        cwd=ROOT,
        env=cli_env(),
        capture_output=True,
        timeout=300,
        check=False,
    )
    assert len(piped.stdout.splitlines()) == 1
    assert b"Traceback" not in log.read_bytes() and b"Exception ignored" not in log.read_bytes()


# --- progress a person can follow -----------------------------------------------------------------


class _Recorder:
    def __init__(self) -> None:
        self.stages: list[tuple[str, float]] = []
        self.statuses: list[str] = []

    def start(self, total: int) -> None:
        pass

    def working_on(self, names: Sequence[str]) -> None:
        pass

    def stage(self, label: str, fraction: float) -> None:
        self.stages.append((label, fraction))

    def finished(self, result: Result, status: batch.Status) -> None:
        self.statuses.append(status)


def test_progress_names_each_stage_and_moves_within_a_group(tiny_models: TinyModels, tmp_path: Path) -> None:
    from summarize_cli.config import load_config
    from summarize_cli.pipeline import Pipeline, RunOptions
    from summarize_cli.sources import expand_inputs

    recorder = _Recorder()
    runner = batch.BatchRunner(
        Pipeline(load_config(tiny_models.config), RunOptions(targets=("uk", "ko"))), reporter=recorder
    )
    runner.run(expand_inputs([str(folder(tmp_path / "in", 8))]))
    labels = list(dict.fromkeys(label for label, _ in recorder.stages))
    assert labels == ["reading", "summarizing", "translating uk", "translating ko"]
    summarizing = [f for label, f in recorder.stages if label == "summarizing"]
    assert len(set(summarizing)) >= 2 and max(summarizing) <= 1 / 3 + 1e-9  # a third of the group's work
    fractions = [f for label, f in recorder.stages if label != "reading"]
    assert fractions == sorted(fractions) and fractions[-1] == pytest.approx(1.0)
    assert recorder.statuses == ["done"] * 8


def test_the_bar_names_the_stage_and_moves_per_article() -> None:
    stream = io.StringIO()
    bar = BarReporter(
        Console(file=stream, force_terminal=True, width=120), verbose=False, quiet=False, show_warnings=False
    )
    bar.start(16)
    bar.working_on([f"a{i}.txt" for i in range(8)])
    bar.stage("translating uk", 0.5)
    task = bar.progress.tasks[0]
    assert task.fields["stage"] == "translating uk" and task.completed == 4
    bar.finished(Result(source="a0.txt"), "done")
    assert task.completed == 4
    bar.stop()


def test_the_closing_line_gives_reasons_and_failures_jsonl_lists_them(
    cli: CliRunner, tiny_models: TinyModels, tmp_path: Path
) -> None:
    src, out = folder(tmp_path / "in", 3), tmp_path / "out"
    (src / "empty1.txt").write_bytes(b"")
    (src / "empty2.txt").write_bytes(b"")
    (src / "binary.txt").write_bytes(bytes(range(256)) * 4)
    result = run(cli, tiny_models, str(src), "-o", str(out), "--summary", "extractive", "-t", "uk")
    assert "3 done, 0 skipped, 3 failed" in closing(result.stderr)
    assert "  2 failed: is empty" in result.stderr
    assert "  1 failed: looks like a binary file, not text" in result.stderr
    listed = [json.loads(line) for line in (out / "failures.jsonl").read_text().splitlines()]
    assert sorted(Path(r["source"]).name for r in listed) == ["binary.txt", "empty1.txt", "empty2.txt"]
    assert all(r["error"] for r in listed)
    for name in ("empty1.txt", "empty2.txt", "binary.txt"):
        (src / name).unlink()
    clean = run(cli, tiny_models, str(src), "-o", str(out), "--summary", "extractive", "-t", "uk")
    assert clean.exit_code == 0 and not (out / "failures.jsonl").exists()


# --- the soak: a night's run in miniature -----------------------------------------------------------

SOAK_FILES = 2000


def _soak_folder(root: Path) -> tuple[dict[str, str], dict[str, str]]:
    """2,000 inputs in nested folders; returns (good relative names, bad relative names with why)."""
    good: dict[str, str] = {}
    bad: dict[str, str] = {}
    for i in range(SOAK_FILES):
        rel = f"desk{i % 7}/day{i % 3}/story{i:04d}.txt"
        text = f"Report number {i} from the desk.\n{PARAGRAPHS[i % len(PARAGRAPHS)]}\n"
        if i % 97 == 0:
            rel = f"desk{i % 7}/[/x] [b]markup{i}.txt"
        elif i % 89 == 0:
            rel = f"desk{i % 7}/" + os.fsdecode(b"caf\xe9-" + str(i).encode() + b".txt")
        elif i % 83 == 0:
            text = f"Report {ESCAPES} number {i}.\n{PARAGRAPHS[0]}\n{ESCAPES}"
        elif i % 79 == 0:
            rel = f"desk{i % 7}/esc\x1b[31m{i}.txt"
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        good[rel] = text
    for n in range(6):
        for name, data, why in (
            (f"bad/empty{n}.txt", b"", "is empty"),
            (f"bad/binary{n}.txt", bytes(range(256)) * 8, "binary"),
            (
                f"bad/deutsch{n}.txt",
                "Die Verhandlungen in Genf werden nächste Woche fortgesetzt, sagte der Minister am Montag.".encode(),
                "translation.pivot.de",
            ),
        ):
            (root / name).parent.mkdir(parents=True, exist_ok=True)
            (root / name).write_bytes(data)
            bad[name] = why
    return good, bad


@pytest.mark.slow
def test_soak_two_thousand_files_a_kill_halfway_and_a_rerun(tiny_models: TinyModels, tmp_path: Path) -> None:
    src, out = tmp_path / "in", tmp_path / "out"
    good, bad = _soak_folder(src)
    args = ["-c", str(tiny_models.config), str(src), "-o", str(out), "--summary", "extractive", "-t", "uk", "-q"]
    first = _start(args)
    deadline = time.monotonic() + 600
    while len(list(out.rglob("*.json"))) < SOAK_FILES // 2 and time.monotonic() < deadline and first.poll() is None:
        time.sleep(0.2)
    assert first.poll() is None, "the first run ended before it could be killed"
    first.kill()  # SIGKILL: no handler runs, no clean-up happens
    first.communicate(timeout=60)
    halfway = len(list(out.rglob("*.json")))
    assert 0 < halfway < SOAK_FILES

    rerun = subprocess.run(
        [sys.executable, "-m", "summarize_cli", *args[:-1]],
        cwd=ROOT,
        env=cli_env(),
        capture_output=True,
        timeout=900,
        check=False,
    )
    stderr = rerun.stderr.decode()
    assert rerun.returncode == ExitStatus.PARTIAL_FAILURE, stderr[-2000:]
    done, skipped, failed = (int(n) for n in re.findall(r"^(\d+) done, (\d+) skipped, (\d+) failed", stderr, re.M)[0])
    assert failed == len(bad), stderr[-3000:]
    assert done + skipped == len(good) and skipped >= halfway - len(bad)
    assert "Traceback" not in stderr and "\x1b" not in stderr

    saved = records(out)
    by_source: dict[str, list[dict[str, Any]]] = {}
    for record in saved.values():
        by_source.setdefault(record["source"], []).append(record)
    assert all(len(found) == 1 for found in by_source.values())  # exactly one result per input
    assert len(saved) == len(good) + len(bad)
    shown = {sources.display_name(str(src / rel)): rel for rel in [*good, *bad]}
    for source, [record] in by_source.items():
        rel = shown[source]
        if rel in bad:
            assert bad[rel] in record["error"]
            continue
        assert record["error"] is None, record
        assert record["input_sha256"] == read_article(InputRef(source, src / rel)).sha256
        assert record["summary"] and record["translations"]["uk"]
    for path in out.rglob("*.txt"):
        assert path.stat().st_size > 0
        assert "\x1b" not in path.read_text(encoding="utf-8")
    assert not [p for p in out.rglob(".*")]  # no temporary file, no lock left behind
    listed = [json.loads(line)["source"] for line in (out / "failures.jsonl").read_text().splitlines()]
    assert sorted(shown[s] for s in listed) == sorted(bad)
