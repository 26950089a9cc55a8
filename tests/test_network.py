"""The Hub out of reach: every failure is exit 5, a few lines that say why and what to do, and quick.

The failing endpoints are real sockets on 127.0.0.1 (tests/fake_hub.py); the command runs as a
subprocess, since huggingface_hub reads HF_ENDPOINT when it is imported.
"""

from __future__ import annotations

import errno
import hashlib
import json
import logging
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path

import httpx2
import pytest
from huggingface_hub.errors import HfHubHTTPError

from summarize_cli import hub
from summarize_cli.modelstore import Download, note_first_download
from summarize_cli.status import ExitStatus
from summarize_cli.types import ModelSpec

from conftest import ROOT, SEED, run_cli
from fake_hub import FakeHub, closed_port, serve, silent_server, status_server, wait_for

SUMMARIZER = "sshleifer/distilbart-cnn-12-6"
TRANSLATOR = "Helsinki-NLP/opus-mt-en-uk"
# Generous for a loaded machine: the command gives up within about 11 s of starting to ask.
TIME_LIMIT = 30.0


def _refused() -> AbstractContextManager[str]:
    return nullcontext(closed_port())


ENDPOINTS = {
    "refused": (_refused, "refused the connection"),
    "silent": (silent_server, "did not answer in time"),
    "500": (lambda: status_server(500), "server problem (HTTP 500)"),
    "401": (lambda: status_server(401), "refused access (HTTP 401)"),
    # A captive portal or a filtering proxy: 200, and no data of the Hub's.
    "portal": (lambda: status_server(200), "answered, but not as the Hub does"),
}
COMMANDS = {
    "pull": ["models", "pull"],
    "check": ["models", "check"],
    "run": ["-f", "json", str(SEED)],
}


@pytest.fixture
def hub_config(tmp_path: Path) -> Path:
    config = tmp_path / "models.toml"
    config.write_text(
        f'[summarizer]\nmodel = "{SUMMARIZER}"\n'
        f'[translation]\ntargets = ["uk"]\n[translation.models.uk]\nmodel = "{TRANSLATOR}"\n'
    )
    return config


def online(tmp_path: Path, endpoint: str) -> dict[str, str]:
    return {
        "HF_ENDPOINT": endpoint,
        "HF_HOME": str(tmp_path / "hf-home"),
        "HF_HUB_OFFLINE": "0",
        "SUMMARIZE_CLI_CACHE": str(tmp_path / "ct2"),
    }


@pytest.mark.parametrize("command", sorted(COMMANDS))
@pytest.mark.parametrize("kind", sorted(ENDPOINTS))
def test_an_unreachable_hub_is_exit_5_in_a_few_clear_lines(
    kind: str, command: str, hub_config: Path, tmp_path: Path
) -> None:
    endpoint, cause = ENDPOINTS[kind]
    with endpoint() as url:
        started = time.monotonic()
        proc = run_cli(["-c", str(hub_config), *COMMANDS[command]], env=online(tmp_path, url), timeout=120)
        elapsed = time.monotonic() - started
    stderr = proc.stderr.decode()
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert proc.returncode == ExitStatus.MODEL_UNAVAILABLE, stderr
    assert "Traceback" not in stderr and "Retrying" not in stderr
    assert len(lines) <= 6, stderr
    errors = [line for line in lines if line.startswith("summarize-cli: error: ")]
    assert errors and f"could not download the summary model '{SUMMARIZER}'" in errors[0]
    assert cause in errors[0]
    if kind == "401":
        assert "HF_TOKEN" in stderr and "models.toml" in stderr
    else:
        assert all(advice in stderr for advice in ("HTTPS_PROXY", "HF_ENDPOINT", "models pull", "HF_HOME"))
    assert elapsed < TIME_LIMIT


def test_models_check_names_every_model_and_advises_once(hub_config: Path, tmp_path: Path) -> None:
    proc = run_cli(["models", "check", "-c", str(hub_config)], env=online(tmp_path, closed_port()), timeout=120)
    assert proc.returncode == ExitStatus.MODEL_UNAVAILABLE
    out = proc.stdout.decode()
    assert f"FAIL\tsummary en\t{SUMMARIZER}" in out and f"FAIL\ttranslation uk\t{TRANSLATOR}" in out
    assert "HTTPS_PROXY" not in out  # the advice is on stderr, once
    assert proc.stderr.decode().count("HTTPS_PROXY") == 1


@pytest.fixture(autouse=True)
def _fresh_hosts() -> Iterator[None]:
    hub.forget_failures()
    yield
    hub.forget_failures()


def test_a_host_that_failed_twice_is_not_asked_again() -> None:
    url = closed_port()
    with hub.BoundedClient() as client:
        for _ in range(hub.TRIES):
            with pytest.raises(httpx2.ConnectError):
                client.get(url)
        with pytest.raises(hub.HubGaveUp) as gave_up:
            client.get(url + "/another")
    assert gave_up.value.failure.tries == hub.TRIES
    assert hub.describe_cause(gave_up.value).endswith(
        "refused the connection (2 requests failed this way in this run, so no more were made)"
    )


def test_an_answer_lets_the_host_be_asked_again() -> None:
    with status_server(503, 200, 503, 503) as url, hub.BoundedClient() as client:
        assert [client.get(url).status_code for _ in range(4)] == [503, 200, 503, 503]
        with pytest.raises(hub.HubGaveUp) as gave_up:
            client.get(url)
    assert (
        "server problem (HTTP 503) (2 requests failed this way in this run, so no more were made)"
        in hub.describe_cause(gave_up.value)
    )


def test_a_silent_server_costs_the_capped_wait_not_the_asked_one(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(hub, "READ_SECONDS", 0.5)
    monkeypatch.delenv("HF_HUB_DOWNLOAD_TIMEOUT", raising=False)
    monkeypatch.delenv("HF_HUB_ETAG_TIMEOUT", raising=False)
    with silent_server() as url, hub.BoundedClient() as client:
        started = time.monotonic()
        with pytest.raises(httpx2.ReadTimeout):
            client.get(url, timeout=60)
        assert time.monotonic() - started < 5


def test_huggingface_hubs_own_retries_stop_early_and_quietly(
    monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    from huggingface_hub import constants
    from huggingface_hub.utils import http_backoff  # type: ignore[attr-defined]

    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)  # the tests' own setting
    monkeypatch.setattr(logging.getLogger("summarize_cli"), "level", logging.INFO)
    hub.prepare()
    with status_server(500) as url:
        started = time.monotonic()
        with pytest.raises(hub.HubGaveUp):
            http_backoff("GET", url)  # five retries, 23 s of pauses, left to itself
        elapsed = time.monotonic() - started
    assert elapsed < 10
    err = capfd.readouterr().err
    assert "Retrying" not in err and "HTTP Error 500" not in err


def _http_error(status: int) -> HfHubHTTPError:
    response = httpx2.Response(status, request=httpx2.Request("GET", "https://huggingface.co/api/models/x"))
    return HfHubHTTPError(f"{status} Client Error", response=response)


def _caused_by(outer: BaseException, inner: BaseException) -> BaseException:
    outer.__cause__ = inner
    return outer


@pytest.mark.parametrize(
    ("exc", "words"),
    [
        (
            _caused_by(httpx2.ConnectError("[Errno -2] Name or service not known"), OSError(-2, "unknown")),
            "could not be resolved (DNS failure",
        ),
        (httpx2.ConnectError("[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed"), "secure (TLS) connection"),
        (httpx2.ConnectError("[SSL: WRONG_VERSION_NUMBER] wrong version number"), "secure (TLS) connection"),
        # "ssl" in a host name is not a TLS failure.
        (httpx2.ConnectError("[Errno 111] Connection refused (ssl.mirror.example:443)"), "refused the connection"),
        (httpx2.ProxyError("407 Proxy Authentication Required"), "the proxy failed"),
        (httpx2.ReadTimeout("timed out"), "did not answer in time"),
        (_http_error(403), "refused access (HTTP 403)"),
        (_http_error(404), "no such model or revision (HTTP 404)"),
        (_http_error(429), "HTTP 429, too many requests"),
        (_http_error(502), "server problem (HTTP 502)"),
        (OSError(errno.ENOSPC, "No space left on device", "/cache/blobs/x.incomplete"), "the disk is full"),
    ],
)
def test_each_cause_is_said_in_words(exc: BaseException, words: str) -> None:
    wrapped = _caused_by(OSError("We couldn't connect to the Hub"), exc)  # as transformers wraps them
    assert words in hub.describe_cause(wrapped, "huggingface.co")
    assert hub.is_network_error(wrapped)


def test_a_web_page_where_the_hubs_data_should_be_is_said_in_words() -> None:
    # What a captive portal or a filtering proxy sends: a page, where huggingface_hub parses JSON.
    page = _caused_by(OSError("model info"), json.JSONDecodeError("Expecting value", "<html>", 0))
    assert hub.describe_cause(page, "huggingface.co") == (
        "huggingface.co answered, but not as the Hub does (a web page, perhaps a proxy's or a network's login page)"
    )


def test_advice_fits_the_cause() -> None:
    spec = ModelSpec(model=TRANSLATOR, role="translation", language="uk")
    full = hub.download_error(spec, OSError(errno.ENOSPC, "No space left on device"))
    assert "HF_HOME" in full.advice[0] and len(full.advice) == 1
    missing = hub.download_error(spec, _http_error(404))
    assert "[translation.models.uk]" in missing.advice[0] and not any("HTTPS_PROXY" in a for a in missing.advice)
    limited = hub.download_error(spec, _http_error(429))
    assert "wait a few minutes" in limited.advice[0]
    down = hub.download_error(spec, httpx2.ConnectError("[Errno 111] Connection refused"))
    assert str(down).splitlines()[0] == f"could not download the en→uk model '{TRANSLATOR}': {down.cause}"
    assert [a.split(" ")[0] for a in down.advice] == ["behind", "or", "or"]


def test_a_configured_proxy_is_named_when_the_connection_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example:3128")
    spec = ModelSpec(model=SUMMARIZER, role="summary", language="en")
    error = hub.download_error(spec, httpx2.ConnectError("[Errno 111] Connection refused"))
    # Through a proxy, this machine connects to the proxy only: a refusal is the proxy's.
    assert error.cause == "the proxy in HTTPS_PROXY (http://proxy.example:3128) refused the connection"
    assert error.advice[0].startswith("check the proxy in HTTPS_PROXY")
    failed = hub.download_error(spec, httpx2.ProxyError("407 Proxy Authentication Required"))
    assert failed.cause.endswith("(through the proxy HTTPS_PROXY=http://proxy.example:3128)")  # which one failed
    monkeypatch.setenv("NO_PROXY", "huggingface.co")  # the Hub is reached directly: its own refusal
    direct = hub.download_error(spec, httpx2.ConnectError("[Errno 111] Connection refused"))
    assert direct.cause == "huggingface.co refused the connection"
    monkeypatch.delenv("NO_PROXY")
    slow = hub.download_error(spec, httpx2.ReadTimeout("timed out"))
    assert (
        "did not answer in time" in slow.cause
        and "through the proxy HTTPS_PROXY=http://proxy.example:3128" in slow.cause
    )


def test_a_first_download_is_announced_on_a_terminal_only(monkeypatch: pytest.MonkeyPatch) -> None:
    spec = ModelSpec(model=SUMMARIZER, role="summary", language="en")
    notes: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            notes.append(record.getMessage())

    logger = logging.getLogger("summarize_cli")
    handler = Collect()
    # Only this handler: one an earlier command left would write to the stand-in terminal below.
    monkeypatch.setattr(logger, "handlers", [])
    logger.addHandler(handler)
    monkeypatch.setattr(logger, "level", logging.INFO)

    class Terminal:
        def __init__(self, tty: bool) -> None:
            self.tty = tty

        def isatty(self) -> bool:
            return self.tty

    try:
        download = Download(
            spec, ["model.safetensors"], 1_222_000_000, 1_222_000_000, "/home/me/.cache/huggingface/hub"
        )
        monkeypatch.setattr(sys, "stderr", Terminal(False))
        note_first_download(download)
        assert notes == []
        monkeypatch.setattr(sys, "stderr", Terminal(True))
        note_first_download(download)
        note_first_download(Download(spec, ["model.safetensors"], 10, 0, "/cache"))  # all cached: nothing to say
    finally:
        logger.removeHandler(handler)
    [note] = notes
    assert SUMMARIZER in note and "about 1.2 GB" in note and "/home/me/.cache/huggingface/hub" in note
    assert "summarize-cli models pull" in note


@contextmanager
def _popen(args: list[str], env: dict[str, str]) -> Iterator[subprocess.Popen[bytes]]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "summarize_cli", *args],
        env={**os.environ, **env},
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.communicate()


MB = 1024 * 1024


def _repo(tmp_path: Path, size: int = 3 * MB) -> Path:
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "config.json").write_text('{"model_type": "bart"}')
    (repo / "model.safetensors").write_bytes(os.urandom(size))
    return repo


def _blobs(cache: Path) -> Path:
    return cache / f"models--{SUMMARIZER.replace('/', '--')}" / "blobs"


def test_an_interrupted_pull_stops_at_once_and_the_next_pull_resumes_the_file(hub_config: Path, tmp_path: Path) -> None:
    # What arrives is written a megabyte at a time: a stop keeps every whole megabyte.
    repo = _repo(tmp_path, 12 * MB)
    weights = repo / "model.safetensors"
    hub_config.write_text(
        hub_config.read_text().replace(f'"{SUMMARIZER}"\n', f'"{SUMMARIZER}"\nbackend = "transformers"\n')
    )
    weights_url = f"{SUMMARIZER}/model.safetensors"
    partial = _blobs(tmp_path / "hf-home" / "hub") / f"{hashlib.sha256(weights.read_bytes()).hexdigest()}.incomplete"

    with serve({SUMMARIZER: repo}) as fake:
        fake.stall_after = {"model.safetensors": 11 * MB + MB // 2}
        env = online(tmp_path, fake.url)
        with _popen(["-c", str(hub_config), "models", "pull", "summary"], env) as first:
            assert wait_for(lambda: partial.is_file() and partial.stat().st_size == 11 * MB, timeout=60)
            started = time.monotonic()
            first.send_signal(signal.SIGINT)
            _, err = first.communicate(timeout=30)
            assert time.monotonic() - started < 5  # not held until the stalled file ends
        assert first.returncode == ExitStatus.INTERRUPTED, err.decode()
        assert b"Traceback" not in err and b"`summarize-cli models pull` resumes" in err
        assert partial.stat().st_size == 11 * MB  # the bytes that came are kept

        fake.release.set()
        fake.stall_after.clear()
        fake.downloads.clear()
        fake.ranges.clear()
        second = run_cli(["-c", str(hub_config), "models", "pull", "summary"], env=env, timeout=120)
    assert second.returncode == 0, second.stderr.decode()
    assert fake.downloads == [weights_url]  # config.json came the first time and is kept
    assert fake.ranges == [f"bytes={11 * MB}-"]  # only the rest of the weights
    assert f"summary model {SUMMARIZER}: 1.0 MB to fetch (of 12.6 MB)".encode() in second.stderr
    assert not partial.exists()
    blob = partial.with_suffix("")
    assert blob.read_bytes() == weights.read_bytes()
    snapshot = tmp_path / "hf-home" / "hub" / f"models--{SUMMARIZER.replace('/', '--')}" / "snapshots"
    [linked] = snapshot.glob("*/model.safetensors")
    assert linked.resolve() == blob.resolve()


@pytest.mark.parametrize("stop", ["SIGINT", "SIGTERM"])
def test_a_main_job_stopped_during_its_first_download_keeps_the_bytes_for_the_next_try(
    stop: str, hub_config: Path, tmp_path: Path
) -> None:
    # The main job downloads in the loader's background thread, not in the one the signal stops.
    repo = _repo(tmp_path, 8 * MB)
    weights = repo / "model.safetensors"
    hub_config.write_text(
        hub_config.read_text().replace(f'"{SUMMARIZER}"\n', f'"{SUMMARIZER}"\nbackend = "transformers"\n')
    )
    partial = _blobs(tmp_path / "hf-home" / "hub") / f"{hashlib.sha256(weights.read_bytes()).hexdigest()}.incomplete"

    with serve({SUMMARIZER: repo}) as fake:
        fake.stall_after = {"model.safetensors": 5 * MB + 7}
        env = online(tmp_path, fake.url)
        with _popen(["-c", str(hub_config), "-f", "json", str(SEED)], env) as first:
            assert wait_for(lambda: partial.is_file() and partial.stat().st_size == 5 * MB, timeout=60)
            started = time.monotonic()
            first.send_signal(getattr(signal, stop))
            _, err = first.communicate(timeout=30)
            assert time.monotonic() - started < 5  # the stalled download does not hold the exit
        assert first.returncode == {"SIGINT": ExitStatus.INTERRUPTED, "SIGTERM": ExitStatus.TERMINATED}[stop]
        assert b"Traceback" not in err, err.decode()
        assert partial.stat().st_size == 5 * MB

        fake.release.set()
        fake.stall_after.clear()
        fake.ranges.clear()
        second = run_cli(["-c", str(hub_config), "models", "pull", "summary"], env=env, timeout=120)
    assert second.returncode == 0, second.stderr.decode()
    assert fake.ranges == [f"bytes={5 * MB}-"]
    assert partial.with_suffix("").read_bytes() == weights.read_bytes()


def test_a_finished_pull_removes_partial_files_nobody_is_writing(hub_config: Path, tmp_path: Path) -> None:
    from filelock import FileLock

    repo = _repo(tmp_path)
    hub_config.write_text(
        hub_config.read_text().replace(f'"{SUMMARIZER}"\n', f'"{SUMMARIZER}"\nbackend = "transformers"\n')
    )
    cache = tmp_path / "hf-home" / "hub"
    blobs = _blobs(cache)
    blobs.mkdir(parents=True)
    stale = blobs / f"{'a' * 64}.incomplete"  # of a file the model no longer has
    killed = blobs / f"{'b' * 64}.0badf00d.incomplete"  # huggingface_hub's, from a killed process
    busy = blobs / f"{'c' * 64}.incomplete"  # another process is downloading it
    for partial in (stale, killed, busy):
        partial.write_bytes(b"part")
    lock = cache / ".locks" / blobs.parent.name / f"{'c' * 64}.lock"
    lock.parent.mkdir(parents=True)
    with serve({SUMMARIZER: repo}) as fake, FileLock(str(lock)):
        done = run_cli(["-c", str(hub_config), "models", "pull", "summary"], env=online(tmp_path, fake.url))
    assert done.returncode == 0, done.stderr.decode()
    assert (stale.exists(), killed.exists(), busy.exists()) == (False, False, True)


@pytest.fixture
def online_in_process(monkeypatch: pytest.MonkeyPatch) -> None:
    """huggingface_hub in this process allowed to ask the stand-in Hub (the test command runs offline)."""
    from huggingface_hub import constants

    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)
    hub.forget_failures()


@pytest.mark.parametrize(
    ("name", "left", "honour_ranges", "ranges"),
    [
        # The right first megabyte, and a server that honours ranges: only the rest is asked for.
        ("model.safetensors", "right", True, [f"bytes={MB}-"]),
        # A server (or proxy) that ignores the range sends the whole file; it is written from the start.
        ("model.safetensors", "right", False, [f"bytes={MB}-"]),
        # Bytes that are not the file's: the hash check throws them away and the file comes whole.
        ("model.safetensors", "wrong", True, [f"bytes={MB}-", ""]),
        # The same for a small file, checked against git's blob hash.
        ("config.json", "right", True, ["bytes=4-"]),
        ("config.json", "wrong", True, ["bytes=4-", ""]),
        # More bytes than the file has: they cannot be its start.
        ("model.safetensors", "too long", True, [""]),
        # Every byte, from a try stopped before it renamed the file: nothing to ask for, the hash is checked.
        ("model.safetensors", "whole", True, []),
    ],
)
def test_a_partial_download_is_resumed_only_into_the_right_file(
    tmp_path: Path, online_in_process: None, name: str, left: str, honour_ranges: bool, ranges: list[str]
) -> None:
    from fake_hub import etag

    repo = _repo(tmp_path)
    data = (repo / name).read_bytes()
    cache = tmp_path / "cache"
    partial = _blobs(cache) / f"{etag(repo / name)}.incomplete"
    partial.parent.mkdir(parents=True)
    head = MB if name == "model.safetensors" else 4
    partial.write_bytes(
        {"right": data[:head], "wrong": os.urandom(head), "too long": data + b"more", "whole": data}[left]
    )
    with serve({SUMMARIZER: repo}) as fake:
        fake.honour_ranges = honour_ranges
        path = hub.fetch_file(SUMMARIZER, name, None, cache_dir=cache, endpoint=fake.url)
    assert fake.ranges == ranges
    assert path.read_bytes() == data
    assert path.parent.parent.name == "snapshots" and path.resolve() == partial.with_suffix("").resolve()
    assert not partial.exists()


def test_a_download_that_needs_more_room_than_the_disk_has_says_so(
    tmp_path: Path, online_in_process: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    import shutil

    repo = _repo(tmp_path)
    real = shutil.disk_usage
    monkeypatch.setattr(shutil, "disk_usage", lambda path: real(path)._replace(free=MB))
    with serve({SUMMARIZER: repo}) as fake, pytest.raises(OSError) as caught:
        hub.fetch_file(SUMMARIZER, "model.safetensors", None, cache_dir=tmp_path / "cache", endpoint=fake.url)
    assert caught.value.errno == errno.ENOSPC and fake.downloads == []
    assert hub.describe_cause(caught.value).startswith("the disk is full")


def _transformers_only(config: Path) -> None:
    """The summarizer on transformers: `models pull` then fetches it and converts nothing."""
    config.write_text(config.read_text().replace(f'"{SUMMARIZER}"\n', f'"{SUMMARIZER}"\nbackend = "transformers"\n'))


def test_a_connection_that_drops_every_few_megabytes_still_brings_the_file(hub_config: Path, tmp_path: Path) -> None:
    # huggingface_hub kept 10 MB in hand and lost them at each drop: such a link never got further.
    repo = _repo(tmp_path, 6 * MB)
    _transformers_only(hub_config)
    with serve({SUMMARIZER: repo}) as fake:
        fake.drop_after = {"model.safetensors": 2 * MB + MB // 2}
        done = run_cli(["-c", str(hub_config), "models", "pull", "summary"], env=online(tmp_path, fake.url))
    assert done.returncode == 0, done.stderr.decode()
    assert fake.ranges == ["", "", f"bytes={2 * MB}-", f"bytes={4 * MB}-"]  # config.json, then the weights in 3 pieces
    [linked] = (_blobs(tmp_path / "hf-home" / "hub").parent / "snapshots").glob("*/model.safetensors")
    assert linked.read_bytes() == (repo / "model.safetensors").read_bytes()


def _failure_of_fetch(fake: FakeHub, cache: Path, filename: str = "model.safetensors") -> BaseException:
    """What fetching ``filename`` raised, in a thread given 20 s: a download that never ends fails the test."""
    import threading

    failed: list[BaseException] = []

    def fetch() -> None:
        try:
            hub.fetch_file(SUMMARIZER, filename, None, cache_dir=cache, endpoint=fake.url)
        except httpx2.HTTPError as exc:
            failed.append(exc)

    worker = threading.Thread(target=fetch, daemon=True)
    worker.start()
    worker.join(timeout=20)
    assert not worker.is_alive(), "the download went on asking"
    [failure] = failed
    return failure


def test_a_download_asks_again_while_the_drops_bring_bytes_and_gives_up_when_they_do_not(
    tmp_path: Path, online_in_process: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(hub, "CHUNK_BYTES", 1024)
    monkeypatch.setattr(hub, "STALLED_PAUSE_SECONDS", 0.01)
    repo = _repo(tmp_path, 600 * 1024)
    cache = tmp_path / "cache"
    with serve({SUMMARIZER: repo}) as fake:
        # 600 drops: huggingface_hub's retries, each a call deeper than the last, ran out of stack at about 490.
        fake.drop_after = {"model.safetensors": 1536}
        path = hub.fetch_file(SUMMARIZER, "model.safetensors", None, cache_dir=cache, endpoint=fake.url)
        assert path.read_bytes() == (repo / "model.safetensors").read_bytes()
        assert len(fake.ranges) == 600

        fake.drop_after = {"config.json": 0}  # answers that bring nothing
        fake.ranges.clear()
        assert isinstance(_failure_of_fetch(fake, cache, "config.json"), httpx2.RemoteProtocolError)
        assert fake.ranges == [""] * hub.STALLED_TRIES


def test_the_users_token_goes_to_the_hub_and_never_to_the_cdn_it_redirects_to(
    tmp_path: Path, online_in_process: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HF_TOKEN", "hf_secret")
    repo = _repo(tmp_path)
    with serve({SUMMARIZER: repo}) as fake:
        fake.cdn = True
        fake.drop_after = {"model.safetensors": 2 * MB + MB // 2}  # and resumed from the CDN too
        path = hub.fetch_file(SUMMARIZER, "model.safetensors", None, cache_dir=tmp_path / "cache", endpoint=fake.url)
    assert path.read_bytes() == (repo / "model.safetensors").read_bytes()
    assert fake.auth and set(fake.auth) == {"Bearer hf_secret"}  # the Hub itself gets the token
    assert fake.ranges == ["", f"bytes={2 * MB}-"]
    assert fake.cdn_auth == ["", ""]


def test_an_expired_cdn_address_is_asked_for_again_and_the_download_goes_on(
    tmp_path: Path, online_in_process: None
) -> None:
    repo = _repo(tmp_path, 6 * MB)
    with serve({SUMMARIZER: repo}) as fake:
        fake.cdn = True
        fake.signature_uses = 1  # each address works once: every resume needs a new one
        fake.drop_after = {"model.safetensors": 2 * MB + MB // 2}
        path = hub.fetch_file(SUMMARIZER, "model.safetensors", None, cache_dir=tmp_path / "cache", endpoint=fake.url)
    assert path.read_bytes() == (repo / "model.safetensors").read_bytes()
    assert fake.ranges == ["", f"bytes={2 * MB}-", f"bytes={4 * MB}-"]
    assert len(fake.cdn_auth) == 5  # two refusals of a used address between the three pieces


def test_a_cdn_that_refuses_a_fresh_address_too_is_given_up_at_once(tmp_path: Path, online_in_process: None) -> None:
    repo = _repo(tmp_path)
    with serve({SUMMARIZER: repo}) as fake:
        fake.cdn = True
        fake.signature_uses = 0
        failure = _failure_of_fetch(fake, tmp_path / "cache")
    assert isinstance(failure, HfHubHTTPError) and failure.response.status_code == 403
    assert len(fake.cdn_auth) == 2  # the first address and one fresh one, not a loop


def test_a_connection_reset_in_the_middle_of_a_file_is_resumed(tmp_path: Path, online_in_process: None) -> None:
    repo = _repo(tmp_path, 6 * MB)
    with serve({SUMMARIZER: repo}) as fake:
        fake.reset = True
        fake.drop_after = {"model.safetensors": 2 * MB + MB // 2}
        path = hub.fetch_file(SUMMARIZER, "model.safetensors", None, cache_dir=tmp_path / "cache", endpoint=fake.url)
    assert path.read_bytes() == (repo / "model.safetensors").read_bytes()
    assert fake.ranges == ["", f"bytes={2 * MB}-", f"bytes={4 * MB}-"]


def test_a_server_that_ignores_ranges_and_drops_before_the_end_is_given_up(
    tmp_path: Path, online_in_process: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(hub, "CHUNK_BYTES", 1024)
    monkeypatch.setattr(hub, "STALLED_PAUSE_SECONDS", 0.01)
    repo = _repo(tmp_path, 64 * 1024)
    with serve({SUMMARIZER: repo}) as fake:
        fake.honour_ranges = False  # every try starts again from the first byte, and gets no further
        fake.drop_after = {"model.safetensors": 1536}
        assert isinstance(_failure_of_fetch(fake, tmp_path / "cache"), httpx2.RemoteProtocolError)
    assert len(fake.ranges) == 1 + hub.STALLED_TRIES


def test_a_file_that_changes_on_the_hub_during_its_download_is_not_kept_under_its_old_name(
    tmp_path: Path, online_in_process: None
) -> None:
    import threading

    from fake_hub import etag

    repo = _repo(tmp_path)
    weights = repo / "model.safetensors"
    cache = tmp_path / "cache"
    partial = _blobs(cache) / f"{etag(weights)}.incomplete"
    with serve({SUMMARIZER: repo}) as fake:
        fake.stall_after = {"model.safetensors": 2 * MB + MB // 2}

        def change() -> None:
            wait_for(lambda: partial.is_file() and partial.stat().st_size == 2 * MB, timeout=30)
            weights.write_bytes(os.urandom(3 * MB))
            fake.release.set()  # the stalled answer ends short: the rest is asked for, of the new file

        threading.Thread(target=change, daemon=True).start()
        with pytest.raises(ValueError, match="did not match its hash"):
            hub.fetch_file(SUMMARIZER, "model.safetensors", None, cache_dir=cache, endpoint=fake.url)
    assert fake.ranges == ["", f"bytes={2 * MB}-", ""]  # the joined file failed its hash; fetched whole, it is new
    assert list(_blobs(cache).iterdir()) == []  # neither is kept under the old file's name


def test_a_download_another_process_is_making_is_waited_for_and_said(
    tmp_path: Path, online_in_process: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    import threading

    from filelock import FileLock

    from fake_hub import etag

    notes: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            notes.append(record.getMessage())

    logger = logging.getLogger("summarize_cli")
    monkeypatch.setattr(logger, "handlers", [Collect()])
    monkeypatch.setattr(logger, "level", logging.INFO)
    repo = _repo(tmp_path)
    cache = tmp_path / "cache"
    lock = cache / ".locks" / _blobs(cache).parent.name / f"{etag(repo / 'model.safetensors')}.lock"
    lock.parent.mkdir(parents=True)
    other = FileLock(str(lock))
    other.acquire()
    fetched: list[Path] = []
    with serve({SUMMARIZER: repo}) as fake:
        worker = threading.Thread(
            target=lambda: fetched.append(
                hub.fetch_file(SUMMARIZER, "model.safetensors", None, cache_dir=cache, endpoint=fake.url)
            ),
            daemon=True,
        )
        worker.start()
        try:
            said = wait_for(lambda: any("another process is downloading model.safetensors" in n for n in notes), 10)
            assert said and fake.ranges == []  # it says so, and waits
        finally:
            other.release()
        worker.join(timeout=30)
    assert fetched and fetched[0].read_bytes() == (repo / "model.safetensors").read_bytes()


def test_a_pull_stopped_before_the_tokenizer_does_not_leave_the_model_looking_cached(
    hub_config: Path, tmp_path: Path
) -> None:
    import json

    # A snapshot with weights counts as cached, and a later run would not fetch what it lacks.
    repo = _repo(tmp_path)
    (repo / "vocab.json").write_text('{"hello": 0}')
    _transformers_only(hub_config)
    with serve({SUMMARIZER: repo}) as fake:
        fake.stall_after = {"vocab.json": 0}
        env = online(tmp_path, fake.url)
        with _popen(["-c", str(hub_config), "models", "pull", "summary"], env) as first:
            assert wait_for(lambda: f"{SUMMARIZER}/vocab.json" in fake.downloads, timeout=60)
            first.send_signal(signal.SIGINT)
            first.communicate(timeout=30)
        fake.release.set()
    assert f"{SUMMARIZER}/model.safetensors" not in fake.downloads  # the weights come last
    listed = run_cli(["-c", str(hub_config), "models", "-f", "json"], env=env)
    assert json.loads(listed.stdout)["models"][0]["available"] is False


def test_a_cache_path_that_cannot_be_written_is_named_with_what_to_do(hub_config: Path, tmp_path: Path) -> None:
    from fake_hub import etag

    repo = _repo(tmp_path)
    _transformers_only(hub_config)
    partial = _blobs(tmp_path / "hf-home" / "hub") / f"{etag(repo / 'model.safetensors')}.incomplete"
    partial.mkdir(parents=True)  # left there, of the wrong kind
    with serve({SUMMARIZER: repo}) as fake:
        proc = run_cli(["-c", str(hub_config), "models", "pull", "summary"], env=online(tmp_path, fake.url))
    stderr = proc.stderr.decode()
    assert proc.returncode == ExitStatus.MODEL_UNAVAILABLE and "Traceback" not in stderr
    errors = [line for line in stderr.splitlines() if line.startswith("summarize-cli: error: ")]
    assert f"cannot write to the cache (is a directory: {partial})" in errors[0]
    assert errors[1].startswith("summarize-cli: error: remove it") and "HTTPS_PROXY" not in stderr


def test_a_cache_this_user_may_not_write_is_not_blamed_on_the_network(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example:3128")
    spec = ModelSpec(model=SUMMARIZER, role="summary", language="en")
    denied = PermissionError(errno.EACCES, "Permission denied", "/home/me/.cache/huggingface/hub")
    error = hub.download_error(spec, _caused_by(OSError("could not fetch"), denied))
    assert error.cause == "cannot write to the cache (permission denied: /home/me/.cache/huggingface/hub)"
    [advice] = error.advice
    assert advice.startswith("let this user write there") and "HF_HOME" in advice


def test_a_file_server_that_sends_nothing_is_given_up_after_the_hosts_tries(
    tmp_path: Path, online_in_process: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    from huggingface_hub import constants

    monkeypatch.setattr(constants, "HF_HUB_DOWNLOAD_TIMEOUT", 0.3)
    monkeypatch.setattr(hub, "STALLED_PAUSE_SECONDS", 0.01)
    repo = _repo(tmp_path)
    with serve({SUMMARIZER: repo}) as fake:
        fake.stall_after = {"model.safetensors": 0}
        started = time.monotonic()
        try:
            with pytest.raises(httpx2.ReadTimeout):
                hub.fetch_file(SUMMARIZER, "model.safetensors", None, cache_dir=tmp_path / "cache", endpoint=fake.url)
        finally:
            fake.release.set()
    assert fake.ranges == [""] * hub.TRIES  # six waits of 8 s each made a stalled download cost about a minute
    assert time.monotonic() - started < 5


def test_a_sharded_model_with_a_shard_missing_is_not_cached(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import json

    from huggingface_hub import constants

    from summarize_cli.modelstore import cached_snapshot

    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(tmp_path))
    repo = tmp_path / f"models--{SUMMARIZER.replace('/', '--')}"
    commit = "a" * 40
    (repo / "refs").mkdir(parents=True)
    (repo / "refs" / "main").write_text(commit)
    snapshot = repo / "snapshots" / commit
    snapshot.mkdir(parents=True)
    (snapshot / "config.json").write_text("{}")
    shards = ["model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"]
    (snapshot / "model.safetensors.index.json").write_text(
        json.dumps({"weight_map": {"encoder.w": shards[0], "decoder.w": shards[1]}})
    )
    (snapshot / shards[0]).write_bytes(b"1")
    spec = ModelSpec(model=SUMMARIZER, role="summary", language="en")
    assert cached_snapshot(spec) is None  # the download stopped between the shards
    (snapshot / shards[1]).write_bytes(b"2")
    assert cached_snapshot(spec) == snapshot
    # A PyTorch index in the same repository is not the weights that were fetched.
    (snapshot / "pytorch_model.bin.index.json").write_text(json.dumps({"weight_map": {"w": "pytorch_model-1.bin"}}))
    assert cached_snapshot(spec) == snapshot
