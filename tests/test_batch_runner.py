"""The folder runner with stand-in models: groups, failures, resume, output files, lock, stop."""

from __future__ import annotations

import dataclasses
import errno
import json
import os
import signal
from collections.abc import Callable, Sequence
from pathlib import Path
from types import SimpleNamespace

import pytest

from summarize_cli import batch
from summarize_cli.batch import (
    BatchRunner,
    OutputLayout,
    OutputLock,
    OutputPaths,
    RunSummary,
    Status,
    check_writable,
    fit_name,
    is_complete,
    remove_stale_temps,
    write_failures,
    write_result,
)
from summarize_cli.config import parse_config
from summarize_cli.errors import ModelUnavailableError, OutputError, Stopped
from summarize_cli.pipeline import Pipeline, RunOptions
from summarize_cli.registry import ModelRegistry
from summarize_cli.sources import InputRef, read_article, walk_folder
from summarize_cli.types import Result

from fakes import FakeModel, fake_loader

CONFIG = parse_config(
    """
[summarizer]
model = "sum"
[translation]
targets = ["uk"]
[translation.models.uk]
model = "en-uk"
""",
    "test.toml",
    None,
)


def failing_on(word: str, error: type[BaseException] = RuntimeError) -> Callable[[str], str]:
    """A model output that fails for any text holding ``word``, as a model failing on one input would."""

    def transform(text: str) -> str:
        if word in text:
            raise error(f"cannot summarize {word}")
        return text.upper()

    return transform


def pipeline(summarizer: FakeModel | None = None) -> Pipeline:
    fakes = {"en": summarizer or FakeModel(max_input_tokens=200), "uk": FakeModel(max_input_tokens=200)}
    registry = ModelRegistry(loader=fake_loader(fakes))
    registry._device = "cpu"
    return Pipeline(CONFIG, RunOptions(source_language="en"), registry)


class Recorder:
    """A reporter that keeps what it was told."""

    def __init__(self) -> None:
        self.total: int | None = None
        self.groups: list[list[str]] = []
        self.statuses: list[tuple[str, Status]] = []

    def start(self, total: int) -> None:
        self.total = total

    def working_on(self, names: Sequence[str]) -> None:
        self.groups.append(list(names))

    def stage(self, label: str, fraction: float) -> None:
        assert 0.0 <= fraction <= 1.0

    def finished(self, result: Result, status: Status) -> None:
        self.statuses.append((result.source, status))


def articles(folder: Path, *texts: str) -> list[InputRef]:
    refs = []
    for i, text in enumerate(texts):
        path = folder / f"story{i}.txt"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        refs.append(InputRef(path.name, path, folder))
    return refs


def local(location: object) -> Path:
    """An output location of these tests, all in local folders, as a Path."""
    return Path(str(location))


def layout_in(out: Path) -> Callable[[Sequence[InputRef]], OutputLayout]:
    return lambda refs: OutputLayout(out, refs, labels=("summary", "uk"))


def test_inputs_go_through_in_groups_and_results_come_back_in_input_order(tmp_path: Path) -> None:
    refs = articles(tmp_path, *(f"Story number {i} is here." for i in range(5)))
    refs.insert(2, InputRef("missing.txt", tmp_path / "missing.txt"))
    seen: list[str] = []
    reporter = Recorder()
    summary = BatchRunner(pipeline(), on_result=lambda r: seen.append(r.source), reporter=reporter, group_size=2).run(
        refs
    )
    # The unreadable input takes its place in the order without taking a place in a group.
    assert reporter.groups == [["story0.txt", "story1.txt"], ["story2.txt", "story3.txt"], ["story4.txt"]]
    assert seen == [ref.name for ref in refs]
    assert reporter.total == 6
    assert reporter.statuses[2] == ("missing.txt", "failed")
    assert (summary.total, summary.done, summary.failed, summary.unreadable) == (6, 5, 1, 1)
    assert summary.results[0].summary == "STORY NUMBER 0 IS HERE."
    assert [r.source for r in summary.failures] == ["missing.txt"]


def test_a_group_size_below_one_means_one_article_at_a_time(tmp_path: Path) -> None:
    reporter = Recorder()
    BatchRunner(pipeline(), reporter=reporter, group_size=0).run(articles(tmp_path, "One.", "Two."))
    assert reporter.groups == [["story0.txt"], ["story1.txt"]]


def test_an_article_that_breaks_its_group_fails_alone(tmp_path: Path) -> None:
    refs = articles(tmp_path, "A calm story.", "A POISON story.", "Another calm story.")
    summary = BatchRunner(pipeline(FakeModel(max_input_tokens=200, transform=failing_on("POISON")))).run(refs)
    assert [r.ok for r in summary.results] == [True, False, True]
    assert summary.results[1].error == "unexpected error: cannot summarize POISON"
    assert (summary.done, summary.failed, summary.unreadable) == (2, 1, 0)
    assert summary.reasons() == [("unexpected error: cannot summarize POISON", 1)]


def test_reasons_drop_the_source_name_and_count_the_most_common_first() -> None:
    summary = RunSummary(
        failures=[
            Result(source="a.txt", error="a.txt: is empty"),
            Result(source="b.txt", error="b.txt: no such file"),
            Result(source="c.txt", error="c.txt: is empty"),
            Result(source="d.txt", error="disk trouble"),
            Result(source="e.txt"),
        ]
    )
    assert summary.reasons() == [("is empty", 2), ("no such file", 1), ("disk trouble", 1), ("failed", 1)]
    # Reasons that differ only in their numbers are one reason.
    alike = RunSummary(
        failures=[Result(source=f"{n}.txt", error=f"{n}.txt: is {n}0,000 words long") for n in (4, 2, 4)]
    )
    assert alike.reasons() == [("is 40,000 words long (and alike)", 3)]


def test_a_model_that_cannot_load_ends_the_run_keeping_what_is_done(tmp_path: Path) -> None:
    refs = articles(tmp_path / "in", "First story.", "Second story with MISSING model.", "Third story.")
    model = FakeModel(max_input_tokens=200, transform=failing_on("MISSING", ModelUnavailableError))
    summary = BatchRunner(pipeline(model), layout_for=layout_in(tmp_path / "out"), group_size=1).run(refs)
    assert isinstance(summary.aborted, ModelUnavailableError)
    assert summary.done == 1 and len(summary.results) == 1
    assert (tmp_path / "out" / "story0.json").is_file() and not (tmp_path / "out" / "story2.json").exists()
    assert not (tmp_path / "out" / batch.LOCK_NAME).exists()


@pytest.mark.parametrize(
    ("raised", "signum"),
    [(KeyboardInterrupt(), signal.SIGINT), (Stopped(signal.SIGTERM), signal.SIGTERM)],
)
def test_a_stop_signal_ends_the_run_and_names_the_signal(
    tmp_path: Path, raised: KeyboardInterrupt, signum: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    runner = BatchRunner(pipeline(), group_size=1)

    def run(articles: object, progress: object = None) -> list[Result]:
        raise raised

    monkeypatch.setattr(runner.pipeline, "run", run)
    summary = runner.run(articles(tmp_path, "A story."))
    assert summary.interrupted and summary.stop_signal == signum
    assert summary.done == 0 and summary.aborted is None


def test_elapsed_time_comes_from_the_clock_given(tmp_path: Path) -> None:
    ticks = iter([100.0, 102.5])
    summary = BatchRunner(pipeline(), clock=lambda: next(ticks)).run(articles(tmp_path, "A story."))
    assert summary.elapsed == 2.5


# --- output files and resume -------------------------------------------------------------------


def test_outputs_are_written_and_a_rerun_skips_what_is_up_to_date(tmp_path: Path) -> None:
    out = tmp_path / "out"
    refs = articles(tmp_path / "in", "First story.", "Second story.")
    first = BatchRunner(pipeline(), layout_for=layout_in(out)).run(refs)
    assert first.done == 2 and first.failures_file is None
    record = json.loads((out / "story0.json").read_text(encoding="utf-8"))
    assert record["summary"] == "FIRST STORY." and record["translations"] == {"uk": "FIRST STORY."}
    assert (out / "story0.summary.txt").read_text(encoding="utf-8") == "FIRST STORY.\n"
    assert (out / "story0.uk.txt").read_text(encoding="utf-8") == "FIRST STORY.\n"

    reporter = Recorder()
    again = BatchRunner(pipeline(), layout_for=layout_in(out), reporter=reporter).run(refs)
    assert (again.skipped, again.done) == (2, 0) and reporter.groups == []
    assert reporter.statuses == [("story0.txt", "skipped"), ("story1.txt", "skipped")]

    (tmp_path / "in" / "story1.txt").write_text("Second story, corrected.", encoding="utf-8")
    changed = BatchRunner(pipeline(), layout_for=layout_in(out), reporter=Recorder()).run(refs)
    assert (changed.skipped, changed.done) == (1, 1)


def test_models_start_loading_at_the_first_input_with_work_and_never_on_a_rerun_with_none(tmp_path: Path) -> None:
    out, warmed = tmp_path / "out", []
    refs = articles(tmp_path / "in", "First story.", "Second story.")
    BatchRunner(pipeline(), layout_for=layout_in(out), warm_up=lambda: warmed.append("first")).run(refs)
    assert warmed == ["first"]  # once, not once per input
    BatchRunner(pipeline(), layout_for=layout_in(out), warm_up=lambda: warmed.append("rerun")).run(refs)
    assert warmed == ["first"]

    forced = BatchRunner(pipeline(), layout_for=layout_in(out), force=True).run(refs)
    assert (forced.skipped, forced.done) == (0, 2)


def test_a_skipped_result_with_warnings_still_counts_as_warned(tmp_path: Path) -> None:
    out = tmp_path / "out"
    refs = articles(tmp_path / "in", "A story.")
    BatchRunner(pipeline(), layout_for=layout_in(out)).run(refs)
    record = json.loads((out / "story0.json").read_text(encoding="utf-8"))
    record["warnings"] = [{"code": "repetition", "message": "loops"}]
    (out / "story0.json").write_text(json.dumps(record), encoding="utf-8")
    again = BatchRunner(pipeline(), layout_for=layout_in(out)).run(refs)
    assert (again.skipped, again.warned) == (1, 1)


def test_a_failing_rerun_keeps_the_earlier_good_result(tmp_path: Path) -> None:
    out = tmp_path / "out"
    refs = articles(tmp_path / "in", "A POISON story.")
    BatchRunner(pipeline(), layout_for=layout_in(out)).run(refs)
    before = (out / "story0.json").read_text(encoding="utf-8")
    model = FakeModel(max_input_tokens=200, transform=failing_on("POISON"))
    rerun = BatchRunner(pipeline(model), layout_for=layout_in(out), force=True).run(refs)
    assert rerun.failed == 1
    assert rerun.results[0].error is not None and "the earlier result in" in rerun.results[0].error
    assert (out / "story0.json").read_text(encoding="utf-8") == before
    assert (out / batch.FAILURES_NAME).is_file()


def test_failures_are_listed_beside_the_results_until_a_run_has_none(tmp_path: Path) -> None:
    out = tmp_path / "out"
    refs = [*articles(tmp_path / "in", "A story."), InputRef("gone.txt", tmp_path / "in" / "gone.txt", tmp_path / "in")]
    first = BatchRunner(pipeline(), layout_for=layout_in(out)).run(refs)
    assert first.failures_file == out / batch.FAILURES_NAME
    [line] = local(first.failures_file).read_text(encoding="utf-8").splitlines()
    assert json.loads(line) == {"source": "gone.txt", "error": "gone.txt: no such file"}
    second = BatchRunner(pipeline(), layout_for=layout_in(out)).run(refs[:1])
    assert second.failures_file is None and not (out / batch.FAILURES_NAME).exists()


def test_write_failures_without_failures_writes_nothing(tmp_path: Path) -> None:
    assert write_failures(tmp_path, []) is None
    assert list(tmp_path.iterdir()) == []


def test_a_file_the_result_no_longer_has_is_removed(tmp_path: Path) -> None:
    paths = OutputPaths(tmp_path / "story")
    full = Result(source="s", summary="Sum.", translations={"uk": "Так.", "ko": "네."})
    write_result(paths, full)
    assert paths.text("ko").read_text(encoding="utf-8") == "네.\n"
    previous = json.loads(paths.json.read_text(encoding="utf-8"))
    write_result(paths, dataclasses.replace(full, translations={"uk": "Так."}), previous)
    assert not local(paths.text("ko")).exists()
    assert local(paths.text("uk")).exists() and local(paths.text("summary")).exists()


def test_a_record_is_complete_only_with_every_text_file_there_and_not_empty(tmp_path: Path) -> None:
    paths = OutputPaths(tmp_path / "story")
    result = Result(source="s", summary="Sum.", translations={"uk": "Так."})
    write_result(paths, result)
    record = json.loads(paths.json.read_text(encoding="utf-8"))
    assert is_complete(paths, record)
    assert not is_complete(paths, None)
    assert not is_complete(paths, {**record, "error": "failed"})
    local(paths.text("uk")).write_text("", encoding="utf-8")
    assert not is_complete(paths, record)
    local(paths.text("uk")).unlink()
    assert not is_complete(paths, record)


def test_a_write_that_fails_fails_that_input_and_a_full_disk_stops_the_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    refs = articles(tmp_path / "in", "First story.", "Second story.")
    failure = OSError(errno.EACCES, "Permission denied")

    def refuse(path: Path, text: str) -> None:
        raise failure

    monkeypatch.setattr(batch, "write_atomic", refuse)
    denied = BatchRunner(pipeline(), layout_for=layout_in(tmp_path / "out")).run(refs)
    assert denied.failed == 2 and denied.aborted is None
    assert denied.results[0].error is not None and denied.results[0].error.startswith("cannot write ")

    failure = OSError(errno.ENOSPC, "No space left on device")
    full = BatchRunner(pipeline(), layout_for=layout_in(tmp_path / "out2"), group_size=1).run(refs)
    assert isinstance(full.aborted, OutputError) and "the run stopped" in str(full.aborted)
    assert full.results == []


# --- names and layout --------------------------------------------------------------------------


def test_fit_name_keeps_short_names_and_cuts_long_ones_the_same_way_each_time() -> None:
    assert fit_name("story", 10) == "story"
    assert fit_name("x" * 245, 10) == "x" * 245  # exactly at the limit of 255 bytes
    assert len(fit_name("x" * 246, 10)) == 245
    long_a, long_b = "é" * 200 + "a", "é" * 200 + "b"
    cut_a = fit_name(long_a, 10)
    assert len(os.fsencode(cut_a)) + 10 <= batch.NAME_MAX
    assert cut_a == fit_name(long_a, 10) and cut_a != fit_name(long_b, 10)
    assert cut_a.startswith("é" * 50) and "~" in cut_a
    assert fit_name("abcdefghij", 0, limit=8) != fit_name("abcdefghik", 0, limit=8)


def test_layout_keeps_suffixes_only_where_stems_clash_and_numbers_what_still_clashes(tmp_path: Path) -> None:
    root = tmp_path / "in"
    refs = [
        InputRef("a", root / "twin.txt", root),
        InputRef("b", root / "twin.md", root),
        InputRef("c", root / "sub" / "lone.txt", root),
        InputRef("d", root / "Case.TXT", root),
        InputRef("e", root / "case.txt", root),
    ]
    layout = OutputLayout(tmp_path / "out", refs)
    names = [local(layout.paths(ref).json).relative_to(tmp_path / "out").as_posix() for ref in refs]
    # Names that differ only in case clash too: they would on a case-insensitive filesystem.
    assert names == ["twin.txt.json", "twin.md.json", "sub/lone.json", "Case.TXT.json", "case.txt-2.json"]
    assert layout.folders() == {tmp_path / "out", tmp_path / "out" / "sub"}

    # Two lone files of one name, from different folders, land side by side.
    lone = [InputRef("x", Path("a/b.txt"), None), InputRef("y", Path("c/b.txt"), None)]
    bases = [OutputLayout(tmp_path / "out", lone).paths(ref).base.name for ref in lone]
    assert bases == ["b.txt", "b.txt-2"]


def test_an_output_path_that_would_overwrite_an_input_is_refused(tmp_path: Path) -> None:
    story = tmp_path / "story.json"
    story.write_text("{}", encoding="utf-8")
    ref = InputRef("story.json", story, tmp_path)
    with pytest.raises(Exception, match="would overwrite an input"):
        OutputLayout(tmp_path, [ref]).paths(ref)


# --- the output folder -------------------------------------------------------------------------


def test_a_second_lock_on_a_folder_is_refused_naming_the_holder(tmp_path: Path) -> None:
    with OutputLock(tmp_path) as first:
        assert first.path.read_text(encoding="ascii") == f"{os.getpid()}\n"
        with pytest.raises(OutputError, match=f"PID {os.getpid()}"):
            OutputLock(tmp_path).acquire()
    assert not first.path.exists()
    with OutputLock(tmp_path):  # free again
        pass


def test_check_writable_refuses_a_folder_without_room(tmp_path: Path) -> None:
    check_writable(tmp_path / "new", min_free=0)
    assert (tmp_path / "new").is_dir() and list((tmp_path / "new").iterdir()) == []
    with pytest.raises(OutputError, match="GB free; free some space"):
        check_writable(tmp_path, min_free=1 << 60)
    (tmp_path / "file").write_text("", encoding="utf-8")
    with pytest.raises(OutputError, match="cannot write to"):
        check_writable(tmp_path / "file" / "below")


def test_only_our_leftover_temporary_files_are_removed(tmp_path: Path) -> None:
    ours = tmp_path / f"{batch.TEMP_PREFIX}abc{batch.TEMP_SUFFIX}"
    theirs = tmp_path / "notes.tmp"
    for path in (ours, theirs):
        path.write_text("x", encoding="utf-8")
    assert remove_stale_temps({tmp_path, tmp_path / "absent"}) == 1
    assert not ours.exists() and theirs.exists()


# --- files -------------------------------------------------------------------------------------


def test_a_file_is_written_into_new_folders_with_the_user_s_umask(tmp_path: Path) -> None:
    target = tmp_path / "new" / "deeper" / "story.txt"
    previous = os.umask(0o027)
    try:
        batch.write_atomic(target, "Text.\n")
    finally:
        os.umask(previous)
    assert target.read_text(encoding="utf-8") == "Text.\n"
    assert target.stat().st_mode & 0o777 == 0o640
    assert [p.name for p in target.parent.iterdir()] == ["story.txt"]


def test_stop_signals_wait_while_a_file_is_put_in_place(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocked: list[set[int]] = []
    replace = os.replace

    def watching(src: str, dst: Path) -> None:
        blocked.append(set(signal.pthread_sigmask(signal.SIG_BLOCK, [])))
        replace(src, dst)

    monkeypatch.setattr(os, "replace", watching)
    batch.write_atomic(tmp_path / "story.txt", "Text.")
    assert {signal.SIGINT, signal.SIGTERM, signal.SIGHUP} <= blocked[0]
    assert signal.SIGINT not in signal.pthread_sigmask(signal.SIG_BLOCK, [])


def test_a_folder_with_less_than_16_mb_free_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import shutil

    free = 16_000_000

    def usage(path: object) -> SimpleNamespace:
        return SimpleNamespace(total=free * 10, used=free * 9, free=free)

    monkeypatch.setattr(shutil, "disk_usage", usage)
    check_writable(tmp_path)
    free = 15_000_000
    with pytest.raises(OutputError, match=r"has only 15\.0 MB free; free some space \(at least 16\.0 MB\)"):
        check_writable(tmp_path)


def test_output_paths_are_values() -> None:
    paths = OutputPaths(Path("out/story"))
    assert {paths: 1}[OutputPaths(Path("out/story"))] == 1
    with pytest.raises(dataclasses.FrozenInstanceError):
        paths.base = Path("elsewhere")  # type: ignore[misc]


def test_releasing_a_lock_whose_file_someone_removed_is_fine(tmp_path: Path) -> None:
    lock = OutputLock(tmp_path)
    lock.acquire()
    lock.path.unlink()
    lock.release()
    with OutputLock(tmp_path):
        pass


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="counts open files through /proc")
def test_a_lock_leaves_no_file_open(tmp_path: Path) -> None:
    before = len(os.listdir("/proc/self/fd"))
    with OutputLock(tmp_path):
        assert len(os.listdir("/proc/self/fd")) == before + 1
    assert len(os.listdir("/proc/self/fd")) == before


def test_failures_jsonl_keeps_names_readable(tmp_path: Path) -> None:
    path = write_failures(tmp_path, [Result(source="Київ.txt", error="Київ.txt: is empty")])
    assert path is not None
    assert local(path).read_text(encoding="utf-8") == '{"source": "Київ.txt", "error": "Київ.txt: is empty"}\n'


def test_an_input_that_breaks_the_reader_fails_alone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    refs = articles(tmp_path, "A calm story.", "An odd story.", "Another calm story.")

    def reader(ref: InputRef, *args: object) -> object:
        if ref.name == "story1.txt":
            raise UnicodeError("odd bytes")
        return read_article(ref)

    monkeypatch.setattr(batch, "read_article", reader)
    summary = BatchRunner(pipeline()).run(refs)
    assert [r.error for r in summary.results] == [None, "story1.txt: could not be read: odd bytes", None]
    assert (summary.done, summary.failed, summary.unreadable) == (2, 1, 1)


def test_by_default_eight_articles_go_through_together(tmp_path: Path) -> None:
    reporter = Recorder()
    BatchRunner(pipeline(), reporter=reporter).run(articles(tmp_path, *(f"Story {i}." for i in range(9))))
    assert [len(group) for group in reporter.groups] == [8, 1]


def test_results_with_warnings_are_counted(tmp_path: Path) -> None:
    looping = FakeModel(max_input_tokens=200, transform=lambda text: "the talks the talks the talks the talks")
    summary = BatchRunner(pipeline(looping)).run(articles(tmp_path, "One story.", "Another story."))
    assert all(r.warnings for r in summary.results)
    assert (summary.done, summary.warned) == (2, 2)


def test_a_fresh_summary_counts_nothing() -> None:
    summary = RunSummary()
    assert (summary.total, summary.done, summary.failed, summary.warned, summary.elapsed) == (0, 0, 0, 0, 0.0)


def test_the_json_record_is_indented_for_people_to_read(tmp_path: Path) -> None:
    paths = OutputPaths(tmp_path / "story")
    write_result(paths, Result(source="s", summary="Sum."))
    lines = local(paths.json).read_text(encoding="utf-8").splitlines()
    assert lines[0] == "{" and lines[1].startswith('  "') and lines[-1] == "}"


def test_a_folder_run_holds_the_folder_s_lock_while_it_works(tmp_path: Path) -> None:
    out = tmp_path / "out"
    held: list[str] = []

    class Watching(Recorder):
        def start(self, total: int) -> None:
            held.append((out / batch.LOCK_NAME).read_text(encoding="ascii"))

    BatchRunner(pipeline(), layout_for=layout_in(out), reporter=Watching()).run(articles(tmp_path / "in", "A story."))
    assert held == [f"{os.getpid()}\n"]
    assert not (out / batch.LOCK_NAME).exists()


def test_no_output_file_takes_the_name_of_a_folder_the_outputs_go_into(tmp_path: Path) -> None:
    src, out = tmp_path / "in", tmp_path / "out"
    for name in ("x.txt", "x.json/a.txt", "y.txt", "y.uk.txt/b.txt"):
        (src / name).parent.mkdir(parents=True, exist_ok=True)
        (src / name).write_text(f"The story in {name}.", encoding="utf-8")
    refs = walk_folder(src)
    summary = BatchRunner(pipeline(), layout_for=layout_in(out)).run(refs)
    assert (summary.done, summary.failed) == (4, 0)
    assert (out / "x.json" / "a.json").is_file() and (out / "y.uk.txt" / "b.uk.txt").is_file()
    assert (out / "x-2.json").is_file() and (out / "y-2.uk.txt").is_file()


def test_a_path_too_long_to_look_up_fails_as_its_article_and_the_others_are_done(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    src, out = tmp_path / "in", tmp_path / "out"
    src.mkdir()
    (src / "ok.txt").write_text("A short story.", encoding="utf-8")
    monkeypatch.chdir(src)
    for _ in range(21):  # 21 folders of 200 letters: past the 4096 bytes a path may have
        os.mkdir("d" * 200)
        os.chdir("d" * 200)
    Path("deep.txt").write_text("A deep story.", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    summary = BatchRunner(pipeline(), layout_for=layout_in(out)).run(walk_folder(src))
    assert (summary.done, summary.failed) == (1, 1)
    assert (out / "ok.json").is_file()
    [failure] = summary.failures
    assert "too long" in (failure.error or "")


def test_results_move_with_their_name_when_a_namesake_comes_or_goes(tmp_path: Path) -> None:
    src, out = tmp_path / "in", tmp_path / "out"
    src.mkdir()
    (src / "x.txt").write_text("The story as text.", encoding="utf-8")
    BatchRunner(pipeline(), layout_for=layout_in(out)).run(walk_folder(src))
    assert sorted(p.name for p in out.iterdir()) == ["x.json", "x.summary.txt", "x.uk.txt"]
    (src / "x.md").write_text("The story as Markdown.", encoding="utf-8")
    BatchRunner(pipeline(), layout_for=layout_in(out)).run(walk_folder(src))
    names = sorted(p.name for p in out.iterdir())
    assert names == [f"x.{kind}.{part}" for kind in ("md", "txt") for part in ("json", "summary.txt", "uk.txt")]
    (src / "x.md").unlink()
    BatchRunner(pipeline(), layout_for=layout_in(out)).run(walk_folder(src))
    assert json.loads((out / "x.json").read_text(encoding="utf-8"))["source"] == str(src / "x.txt")
    assert not (out / "x.txt.json").exists() and not (out / "x.txt.uk.txt").exists()
    assert (out / "x.md.json").exists()  # another input's results: never touched


def test_an_earlier_set_is_removed_only_when_it_names_the_same_input(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    theirs = batch.OutputPaths(out / "x")
    local(theirs.json).write_text(json.dumps({"source": "other.txt", "summary": "S."}), encoding="utf-8")
    local(theirs.text("summary")).write_text("S.\n", encoding="utf-8")
    batch.drop_former(theirs, "x.txt")
    assert local(theirs.json).exists() and local(theirs.text("summary")).exists()
    (out / "notes.json").write_text("not ours", encoding="utf-8")
    batch.drop_former(batch.OutputPaths(out / "notes"), "x.txt")
    assert (out / "notes.json").exists()


def test_an_earlier_result_in_the_way_of_a_new_folder_of_outputs_is_moved_aside(tmp_path: Path) -> None:
    src, out = tmp_path / "in", tmp_path / "out"
    src.mkdir()
    (src / "x.txt").write_text("The story.", encoding="utf-8")
    BatchRunner(pipeline(), layout_for=layout_in(out)).run(walk_folder(src))
    assert (out / "x.json").is_file()
    (src / "x.json").mkdir()
    (src / "x.json" / "a.txt").write_text("Another story.", encoding="utf-8")
    summary = BatchRunner(pipeline(), layout_for=layout_in(out)).run(walk_folder(src))
    assert (summary.done, summary.failed) == (2, 0)
    assert (out / "x.json" / "a.json").is_file() and (out / "x-2.json").is_file()
    assert not (out / "x.summary.txt").exists()
