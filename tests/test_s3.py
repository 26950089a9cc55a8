"""Inputs and results in S3, against a real S3-compatible server on 127.0.0.1 (moto's)."""

from __future__ import annotations

import json
import logging
import os
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from summarize_cli import batch
from summarize_cli.errors import OutputError
from summarize_cli.status import ExitStatus
from summarize_cli.storage import ObjectLock, ObjectPath, filesystem

from conftest import SEED, TinyModels, invoke, run_cli

pytestmark = pytest.mark.s3

PARAGRAPHS = [p for p in SEED.read_text(encoding="utf-8").splitlines() if len(p) > 200]
BUCKET = "news"
# No models: an extractive summary, no translation. What is tested is where things are read and written.
NO_MODELS = ("--summary", "extractive", "--no-translate")


@pytest.fixture(scope="module")
def s3_server() -> Iterator[str]:
    """An S3 server on 127.0.0.1 for this module, reached through the standard AWS variables."""
    pytest.importorskip("s3fs")
    server_module = pytest.importorskip("moto.server")
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # a line per request otherwise
    server = server_module.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    with pytest.MonkeyPatch.context() as env:
        env.setenv("AWS_ENDPOINT_URL", f"http://{host}:{port}")
        env.setenv("AWS_ACCESS_KEY_ID", "testing")
        env.setenv("AWS_SECRET_ACCESS_KEY", "testing")
        env.setenv("AWS_DEFAULT_REGION", "us-east-1")
        # moto keeps one store per process: a module that ran before may have made the bucket already.
        store = filesystem("s3")
        if not store.exists(BUCKET):
            store.mkdir(BUCKET)
        yield f"s3://{BUCKET}"
    server.stop()


@pytest.fixture
def prefix(s3_server: str, request: pytest.FixtureRequest) -> str:
    """A prefix of its own for each test."""
    return f"{s3_server}/{request.node.name}"


def put(url: str, data: bytes | str) -> None:
    ObjectPath.parse(url).write_bytes(data.encode() if isinstance(data, str) else data)


def objects(url: str) -> dict[str, bytes]:
    fs = filesystem("s3")
    fs.invalidate_cache()
    root = ObjectPath.parse(url)
    return {ObjectPath(f"s3://{key}").relative_to(root).as_posix(): fs.cat_file(key) for key in fs.find(root.key)}


def article(i: int) -> str:
    return f"Story {i} of the day.\n{PARAGRAPHS[i % len(PARAGRAPHS)]}\n"


def make_articles(src: str, local: Path) -> None:
    """The same articles in the store and in a local folder, nested, with an empty one and non-articles."""
    names = {f"desk{i % 2}/{'sub/' if i % 3 == 0 else ''}story{i}.txt": article(i) for i in range(5)}
    names |= {"desk0/twin.txt": article(7), "desk0/twin.md": article(8), "desk1/empty.txt": ""}
    for name, text in names.items():
        put(f"{src}/{name}", text)
        (local / name).parent.mkdir(parents=True, exist_ok=True)
        (local / name).write_text(text, encoding="utf-8")
    put(f"{src}/notes.pdf", b"%PDF")  # not an article
    put(f"{src}/.drafts/story9.txt", article(9))  # hidden, as in a local folder


def run(cli: CliRunner, tiny: TinyModels, *args: str) -> Any:
    return invoke(cli, ["-c", str(tiny.config), *args])


def test_a_prefix_in_and_out_mirrors_a_local_run_and_resumes(
    cli: CliRunner, tiny_models: TinyModels, prefix: str, tmp_path: Path
) -> None:
    src, out = f"{prefix}/in", f"{prefix}/out"
    make_articles(src, tmp_path / "in")
    first = run(cli, tiny_models, src, "-o", out, *NO_MODELS)
    assert first.exit_code == ExitStatus.PARTIAL_FAILURE, first.stderr
    assert "7 done, 0 skipped, 1 failed" in first.stderr
    local = run(cli, tiny_models, str(tmp_path / "in"), "-o", str(tmp_path / "out"), *NO_MODELS)
    assert local.exit_code == ExitStatus.PARTIAL_FAILURE

    stored = objects(out)
    files = [p for p in (tmp_path / "out").rglob("*") if p.is_file()]
    on_disk = {p.relative_to(tmp_path / "out").as_posix(): p.read_bytes() for p in files}
    assert sorted(stored) == sorted(on_disk)  # no lock, probe or temporary object left behind
    assert "desk0/twin.txt.json" in stored and "desk0/sub/story0.summary.txt" in stored
    for name, data in stored.items():
        if name.endswith(".summary.txt"):
            assert data == on_disk[name]
    record = json.loads(stored["desk0/story2.json"])
    assert record["source"] == f"{src}/desk0/story2.txt" and record["error"] is None
    failures = [json.loads(line) for line in stored["failures.jsonl"].decode().splitlines()]
    assert failures == [{"source": f"{src}/desk1/empty.txt", "error": f"{src}/desk1/empty.txt: is empty"}]

    put(f"{src}/desk1/story1.txt", "A changed story about talks in Geneva. They went on all night.\n")
    again = run(cli, tiny_models, src, "-o", out, *NO_MODELS)
    assert "1 done, 6 skipped, 1 failed" in again.stderr
    assert b"Geneva" in objects(out)["desk1/story1.summary.txt"]


def test_local_articles_to_the_store_and_stored_articles_to_a_folder(
    cli: CliRunner, tiny_models: TinyModels, prefix: str, tmp_path: Path
) -> None:
    make_articles(f"{prefix}/in", tmp_path / "in")
    up = run(cli, tiny_models, str(tmp_path / "in"), "-o", f"{prefix}/results/", *NO_MODELS)
    assert "7 done" in up.stderr
    assert "desk1/story1.json" in objects(f"{prefix}/results")
    down = run(
        cli, tiny_models, f"{prefix}/in/desk0/twin.md", f"{prefix}/in/desk1", "-o", str(tmp_path / "o"), *NO_MODELS
    )
    assert down.exit_code == ExitStatus.PARTIAL_FAILURE  # the empty one
    assert sorted(p.relative_to(tmp_path / "o").as_posix() for p in (tmp_path / "o").rglob("*.json")) == [
        "empty.json",
        "story1.json",
        "sub/story3.json",
        "twin.json",
    ]


def test_one_object_gives_one_json_object_and_a_prefix_an_array(
    cli: CliRunner, tiny_models: TinyModels, prefix: str
) -> None:
    put(f"{prefix}/a/story.md", "# Talks\n\n" + article(1))
    one = run(cli, tiny_models, f"{prefix}/a/story.md", "-f", "json", *NO_MODELS)
    assert one.exit_code == 0, one.stderr
    assert json.loads(one.stdout)["source"] == f"{prefix}/a/story.md"
    many = run(cli, tiny_models, f"{prefix}/a", "-f", "json", *NO_MODELS)
    assert [r["source"] for r in json.loads(many.stdout)] == [f"{prefix}/a/story.md"]
    pattern = run(cli, tiny_models, f"{prefix}/**/*.md", "-f", "jsonl", *NO_MODELS)
    assert len(pattern.stdout.splitlines()) == 1
    missing = run(cli, tiny_models, f"{prefix}/nothing-here.txt", *NO_MODELS)
    assert missing.exit_code == ExitStatus.NO_INPUT and "nothing-here.txt: no such file" in missing.stderr


def test_limits_are_checked_before_an_object_is_read(cli: CliRunner, tiny_models: TinyModels, prefix: str) -> None:
    put(f"{prefix}/big.txt", article(1) * 50)
    result = run(cli, tiny_models, f"{prefix}/big.txt", "--max-bytes", "1K", *NO_MODELS)
    assert result.exit_code == ExitStatus.NO_INPUT and "over the limit of 1.0 KB" in result.stderr


def test_an_output_prefix_inside_the_input_prefix_is_not_read_back(
    cli: CliRunner, tiny_models: TinyModels, prefix: str
) -> None:
    put(f"{prefix}/a.txt", article(2))
    for _ in range(2):
        result = run(cli, tiny_models, prefix, "-o", f"{prefix}/out", *NO_MODELS)
        assert result.exit_code == 0, result.stderr
    assert sorted(objects(f"{prefix}/out")) == ["a.json", "a.summary.txt"]
    same = run(cli, tiny_models, prefix, "-o", f"{prefix}/", *NO_MODELS)
    assert same.exit_code == ExitStatus.USAGE


def test_a_missing_bucket_is_refused_before_any_work(cli: CliRunner, tiny_models: TinyModels, prefix: str) -> None:
    put(f"{prefix}/a.txt", article(2))
    result = run(cli, tiny_models, prefix, "-o", "s3://no-such-bucket/out", *NO_MODELS)
    assert result.exit_code == ExitStatus.PARTIAL_FAILURE
    assert "cannot write to s3://no-such-bucket/out" in result.stderr


def test_the_lock_object_refuses_a_second_run_until_it_goes_stale(
    cli: CliRunner, tiny_models: TinyModels, prefix: str
) -> None:
    put(f"{prefix}/in/a.txt", article(3))
    out = ObjectPath.parse(f"{prefix}/out")
    with ObjectLock(out / batch.LOCK_NAME):
        holder = json.loads((out / batch.LOCK_NAME).read_text())
        assert holder["pid"] == os.getpid() and holder["host"] == socket.gethostname()
        busy = run(cli, tiny_models, f"{prefix}/in", "-o", str(out), *NO_MODELS)
    assert busy.exit_code == ExitStatus.PARTIAL_FAILURE
    assert f"another summarize-cli run (PID {os.getpid()} on {socket.gethostname()})" in busy.stderr
    assert "a.json" not in objects(str(out))
    assert batch.LOCK_NAME not in objects(str(out))  # released when its run ended

    put(f"{out}/{batch.LOCK_NAME}", json.dumps({"owner": "x", "pid": 1, "host": "gone", "heartbeat": 0}))
    free = run(cli, tiny_models, f"{prefix}/in", "-o", str(out), *NO_MODELS)
    assert free.exit_code == 0, free.stderr
    assert sorted(objects(str(out))) == ["a.json", "a.summary.txt"]


def test_a_lock_is_renewed_while_its_run_goes_on(prefix: str) -> None:
    now = [1000.0]
    path = ObjectPath.parse(f"{prefix}/{batch.LOCK_NAME}")
    lock = ObjectLock(path, refresh=0.01, stale=60, clock=lambda: now[0])
    lock.acquire()
    try:
        now[0] = 1100.0  # past the staleness limit, but the lock is renewed meanwhile
        deadline = 200
        while json.loads(path.read_text())["heartbeat"] != 1100.0 and deadline:
            deadline -= 1
            os.sched_yield()
        with pytest.raises(OutputError, match="another summarize-cli run"):
            ObjectLock(path, clock=lambda: now[0] + 30).acquire()
    finally:
        lock.release()
    assert batch.LOCK_NAME not in objects(prefix)


def test_without_s3fs_an_s3_url_is_a_usage_error_naming_the_extra(
    cli: CliRunner, tiny_models: TinyModels, monkeypatch: pytest.MonkeyPatch
) -> None:
    import fsspec

    def missing(protocol: str) -> Any:
        raise ImportError("Install s3fs to access S3")

    monkeypatch.setattr(fsspec, "get_filesystem_class", missing)
    result = run(cli, tiny_models, "s3://bucket/articles", "-o", "results", *NO_MODELS)
    assert result.exit_code == ExitStatus.USAGE
    assert "pip install 'summarize-cli[s3]'" in result.stderr


def _no_store_env(**extra: str) -> dict[str, str]:
    """A child process's environment with no AWS settings but ``extra`` (one try per request)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    return {
        **env,
        "AWS_MAX_ATTEMPTS": "1",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_EC2_METADATA_DISABLED": "true",
        **extra,
    }


def test_a_store_that_cannot_be_reached_is_one_line_and_exit_3(tmp_path: Path) -> None:
    pytest.importorskip("s3fs")
    from fake_hub import closed_port

    endpoint = closed_port()
    env = _no_store_env(AWS_ENDPOINT_URL=endpoint, AWS_ACCESS_KEY_ID="x", AWS_SECRET_ACCESS_KEY="y")
    done = run_cli(["s3://news/in/", "-o", str(tmp_path / "out"), *NO_MODELS], env=env, timeout=120)
    assert done.returncode == ExitStatus.NO_INPUT, done.stderr.decode()
    err = done.stderr.decode()
    assert "Traceback" not in err
    assert f"s3://news/in: cannot be listed: could not connect to the object store at {endpoint}" in err


def test_an_output_store_that_cannot_be_reached_is_one_line_and_exit_1(tmp_path: Path) -> None:
    pytest.importorskip("s3fs")
    from fake_hub import closed_port

    endpoint = closed_port()
    env = _no_store_env(AWS_ENDPOINT_URL=endpoint, AWS_ACCESS_KEY_ID="x", AWS_SECRET_ACCESS_KEY="y")
    done = run_cli([str(SEED), "-o", "s3://news/out/", *NO_MODELS], env=env, timeout=120)
    assert done.returncode == ExitStatus.PARTIAL_FAILURE, done.stderr.decode()
    err = done.stderr.decode()
    assert "Traceback" not in err
    assert f"cannot write to s3://news/out: could not connect to the object store at {endpoint}" in err


def test_the_stores_own_errors_become_oserrors_that_say_what_to_do() -> None:
    botocore = pytest.importorskip("botocore.exceptions")
    from summarize_cli.storage import store_errors

    credentials = "no credentials for the object store; set AWS_ACCESS_KEY_ID"
    with pytest.raises(PermissionError, match=credentials), store_errors():
        raise botocore.NoCredentialsError()
    with pytest.raises(OSError, match="the object store failed: "), store_errors():
        raise botocore.ReadTimeoutError(endpoint_url="http://store:9000")
    with pytest.raises(KeyError), store_errors():  # not the store's: left alone
        raise KeyError("x")


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("ftp://host/articles", "is not a storage this tool reads"),
        ("hdfs://host/articles", "is not a storage this tool reads"),
    ],
)
def test_a_store_that_cannot_be_used_is_a_usage_error_before_anything_runs(
    cli: CliRunner, tiny_models: TinyModels, url: str, says: str
) -> None:
    # ftp:// would need a host passed in code: opening it from the URL alone was a traceback.
    result = run(cli, tiny_models, url, *NO_MODELS)
    assert result.exit_code == ExitStatus.USAGE, result.output
    assert says in result.stderr and "Traceback" not in result.stderr
