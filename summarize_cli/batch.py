"""Many inputs in one run: output layout, atomic writes, resume, locking, progress and interruption.

A folder run is left alone overnight, so nothing one input does may end it: every failure
of an article becomes that article's error record and the run goes on. Only a stop signal
(Ctrl-C, SIGTERM, SIGHUP), a model that cannot be loaded at all, or an output folder that
can no longer be written ends it, and then everything finished so far is kept.
"""

from __future__ import annotations

import errno
import hashlib
import json
import logging
import os
import re
import signal
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, Literal, Protocol

from .errors import ConfigError, InputError, ModelUnavailableError, OutputError, Stopped, SummarizeError
from .pipeline import Pipeline
from .render import to_json
from .sources import NO_LIMITS, InputRef, Limits, display_name, read_article
from .storage import Location, ObjectLock, ObjectPath, check_object_writable, is_inside
from .types import Article, Result
from .units import format_bytes

log = logging.getLogger("summarize_cli")

Status = Literal["done", "skipped", "failed"]
# Articles processed together: model work is batched across them, and results stream per group.
GROUP_SIZE = 8
# Temporary files are named so that a later run can tell its own leftovers from a user's files.
TEMP_PREFIX = ".summarize-cli-"
TEMP_SUFFIX = ".tmp"
LOCK_NAME = ".summarize-cli.lock"
FAILURES_NAME = "failures.jsonl"
# Below this much free space a run would compute results it cannot keep.
MIN_FREE_BYTES = 16_000_000
# The longest file name most filesystems take, in bytes.
NAME_MAX = 255
# Errors that no later write can escape: the run stops instead of failing every article after.
_FATAL_WRITE_ERRORS = {errno.ENOSPC, errno.EROFS, errno.EDQUOT}


class Reporter(Protocol):
    """Progress of a run; the command line shows it, the library only calls it."""

    def start(self, total: int) -> None:
        """The run begins with ``total`` inputs."""

    def working_on(self, names: Sequence[str]) -> None:
        """These inputs are being processed now."""

    def stage(self, label: str, fraction: float) -> None:
        """The inputs being processed are in stage ``label``; ``fraction`` of their model work is done."""

    def finished(self, result: Result, status: Status) -> None:
        """One input is finished."""


class SilentReporter:
    """Reports nothing."""

    def start(self, total: int) -> None:
        """Ignore."""

    def working_on(self, names: Sequence[str]) -> None:
        """Ignore."""

    def stage(self, label: str, fraction: float) -> None:
        """Ignore."""

    def finished(self, result: Result, status: Status) -> None:
        """Ignore."""


@dataclass(frozen=True)
class OutputPaths:
    """Where one input's results go."""

    base: Location

    @property
    def json(self) -> Location:
        """The contract's JSON object; written last, it marks the set as complete and lists its files."""
        return self.base.with_name(self.base.name + ".json")

    def text(self, label: str) -> Location:
        """The plain text of the summary (``summary``) or of one language."""
        return self.base.with_name(f"{self.base.name}.{label}.txt")

    def all_text(self, result: Result | dict[str, Any]) -> list[tuple[Location, str]]:
        """(path, text) for the summary and each translation of a result or a saved record."""
        record = result.as_dict() if isinstance(result, Result) else result
        pairs = []
        if isinstance(record.get("summary"), str):
            pairs.append((self.text("summary"), record["summary"]))
        translations = record.get("translations")
        if isinstance(translations, dict):
            pairs.extend((self.text(str(lang)), str(text)) for lang, text in translations.items())
        return pairs


def _safe_parts(path: Path) -> list[str]:
    return [part if part not in ("..", ".", "") else "_" for part in path.parts if part not in ("/", "\\")]


def _existing(path: Path | None) -> Path | None:
    """``path`` resolved, when it names something; None for none, or for a path too long to look up."""
    if path is None:
        return None
    try:
        return path.resolve() if path.exists() else None
    except OSError:
        return None


def fit_name(name: str, longest_suffix: int, limit: int = NAME_MAX) -> str:
    """``name`` shortened, if it must be, so that with a suffix it fits the filesystem's limit.

    The cut keeps the start and adds a hash of the whole name, so the same input always
    gets the same name and two long names that share a start do not collide.
    """
    encoded = os.fsencode(name)
    if len(encoded) + longest_suffix <= limit:
        return name
    digest = hashlib.sha256(encoded).hexdigest()[:12]
    keep = limit - longest_suffix - len(digest) - 1
    return encoded[:keep].decode("utf-8", "ignore") + "~" + digest


class OutputLayout:
    """Mirrors the inputs' folder structure under one output folder.

    ``a/b/story.txt`` becomes ``OUT/a/b/story.json``, ``story.summary.txt`` and
    ``story.uk.txt``; where two inputs would share a name (``story.txt`` and ``story.md``),
    both keep their suffix (``story.txt.json``), and any clash left gets ``-2``, ``-3``.
    A name too long for the filesystem is shortened the same way every run.
    """

    def __init__(self, out_dir: Location, refs: Sequence[InputRef], labels: Sequence[str] = ("summary",)) -> None:
        self.out_dir = out_dir
        self.labels = tuple(labels)
        self.root = out_dir.resolve()
        self.inputs: set[Location] = {path for ref in refs if (path := _existing(ref.path)) is not None}
        self.inputs |= {ref.remote for ref in refs if ref.remote is not None}
        longest = max(len(os.fsencode(f".{label}.txt")) for label in (*self.labels, "summary", "json"))
        rels = {ref: Path(*_safe_parts(ref.relative)) for ref in refs}
        stems: dict[str, list[InputRef]] = {}
        for ref, rel in rels.items():
            stems.setdefault(str(rel.with_suffix("")).lower(), []).append(ref)
        # The folders the outputs go into: no output file may take one's name (x.json/ beside x.txt).
        folders = {str(parent).lower() for rel in rels.values() for parent in rel.parents}
        suffixes = [".json", *(f".{label}.txt" for label in self.labels)]

        def takes_a_folder(base: Path) -> bool:
            return any(f"{base}{suffix}".lower() in folders for suffix in suffixes)

        taken: set[str] = set()
        self._bases: dict[InputRef, Path] = {}
        self._former: dict[InputRef, list[Path]] = {}
        self._in_the_way: list[tuple[InputRef, OutputPaths]] = []
        for ref, rel in rels.items():
            alone = len(stems[str(rel.with_suffix("")).lower()]) == 1
            base = rel.with_suffix("") if alone else rel
            base = base.with_name(fit_name(base.name, longest + 4))  # room for a "-NN" clash number
            # Where its results were while a namesake (x.md beside x.txt) came or went.
            other = rel if alone else rel.with_suffix("")
            self._former[ref] = [other.with_name(fit_name(other.name, longest + 4))]
            candidate, n = base, 1
            while str(candidate).lower() in taken or takes_a_folder(candidate):
                n += 1
                candidate = base.with_name(f"{base.name}-{n}")
            taken.add(str(candidate).lower())
            self._bases[ref] = candidate
            if candidate != base:  # an earlier run, before the clash, put its results at ``base``
                self._former[ref].append(base)
            if takes_a_folder(base):
                self._in_the_way.append((ref, OutputPaths(out_dir / base)))

    def paths(self, ref: InputRef) -> OutputPaths:
        """The output paths of ``ref``; a path that would leave OUT or hit an input is an error."""
        paths = OutputPaths(self.out_dir / self._bases[ref])
        for path in (paths.json, *(paths.text(label) for label in self.labels)):
            resolved = path.resolve()
            if not is_inside(resolved, self.root):
                raise InputError(ref.name, f"its output {display_name(str(path))} would be outside {self.out_dir}")
            if resolved in self.inputs or path.parent.resolve() in self.inputs:
                raise InputError(ref.name, f"its output {display_name(str(path))} would overwrite an input")
        return paths

    def former(self, ref: InputRef) -> list[OutputPaths]:
        """Where an earlier run may have put ``ref``'s results under another name; they are not its own now."""
        current = self._bases[ref]
        return [OutputPaths(self.out_dir / base) for base in self._former[ref] if base != current]

    def in_the_way(self) -> list[tuple[InputRef, OutputPaths]]:
        """Earlier results of an input that now stand where a folder of outputs must go (x.json/)."""
        return list(self._in_the_way)

    def folders(self) -> set[Location]:
        """Every folder this layout writes into."""
        return {(self.out_dir / base).parent for base in self._bases.values()}


# --- writing ---------------------------------------------------------------------------------

_STOP_SIGNALS = tuple(getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name))


@contextmanager
def _signals_held() -> Iterator[None]:
    """Hold stop signals back for a moment, so that a file is either fully in place or not there at all."""
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, _STOP_SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def _file_mode() -> int:
    """The mode a new file gets from the user's umask, as ``open`` would give it."""
    try:  # Linux says it without changing it, which no other thread can then trip over
        with open("/proc/self/status", encoding="ascii") as status:
            umask = next(int(line.split()[1], 8) for line in status if line.startswith("Umask:"))
    except (OSError, StopIteration, ValueError, IndexError):
        umask = os.umask(0o022)
        os.umask(umask)
    return 0o666 & ~umask


def write_atomic(path: Location, text: str) -> None:
    """Write ``text`` to a hidden temporary file beside ``path``, then rename it into place.

    Stop signals wait until the file is complete or removed, so an interrupted run never
    leaves half a file or a temporary one behind. The file follows the user's umask. In an
    object store the object is written whole by one request, which is atomic as it is.
    """
    data = text.encode("utf-8", "backslashreplace")  # never invalid UTF-8, whatever slipped through
    if isinstance(path, ObjectPath):
        with _signals_held():
            path.write_bytes(data)
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    with _signals_held():
        fd, tmp = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=TEMP_SUFFIX, dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.chmod(tmp, _file_mode())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


def drop_former(paths: OutputPaths, source: str) -> None:
    """Remove a set of results an earlier run wrote for ``source`` under a name it no longer has.

    Only a set whose JSON names ``source`` is removed: never another input's, never a user's file.
    """
    record = read_record(paths)
    if record is None or record.get("source") != source:
        return
    try:
        paths.json.unlink()  # first: what is left is an incomplete set, never one that looks whole
        for path, _ in paths.all_text(record):
            path.unlink(missing_ok=True)
    except OSError as exc:
        log.warning("Could not remove %s, an earlier result of %s: %s.", paths.json, source, exc.strerror or exc)
        return
    log.info("removed the results of %s that an earlier run wrote as %s", source, display_name(str(paths.json)))


def read_record(paths: OutputPaths) -> dict[str, Any] | None:
    """The saved JSON record of an input, or None when it is missing or unreadable."""
    try:
        saved = json.loads(paths.json.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return saved if isinstance(saved, dict) else None


def is_complete(paths: OutputPaths, record: dict[str, Any] | None) -> bool:
    """Whether ``record`` is a good result whose every text file is there and not empty."""
    if record is None or record.get("error") is not None:
        return False
    for path, _ in paths.all_text(record):
        try:
            if path.stat().st_size == 0:
                return False
        except OSError:
            return False
    return True


def write_result(paths: OutputPaths, result: Result, previous: dict[str, Any] | None = None) -> None:
    """Write the text files first and the JSON last, then remove the files the result no longer has.

    The JSON is the manifest: a file the earlier record listed and this one does not (a
    language dropped from ``-t``, a summary no longer made) goes.
    """
    written = paths.all_text(result)
    for path, text in written:
        write_atomic(path, text.rstrip("\n") + "\n")
    write_atomic(paths.json, to_json(result, indent=2) + "\n")
    keep = {path for path, _ in written}
    for path, _ in paths.all_text(previous or {}):
        if path not in keep:
            path.unlink(missing_ok=True)


def up_to_date_record(paths: OutputPaths, article: Article, fingerprint: str) -> dict[str, Any] | None:
    """The saved record when finished outputs exist for this same input text and configuration."""
    saved = read_record(paths)
    if saved is None or not is_complete(paths, saved):
        return None
    if saved.get("config_sha256") != fingerprint or saved.get("input_sha256") != article.sha256:
        return None
    return saved


def is_up_to_date(paths: OutputPaths, article: Article, fingerprint: str) -> bool:
    """Whether finished outputs exist for this same input text and configuration."""
    return up_to_date_record(paths, article, fingerprint) is not None


# --- the output folder -------------------------------------------------------------------------


class OutputLock:
    """One run at a time per output folder; a lock left by a process that died is taken over.

    The operating system releases the lock when its process ends, however it ends, so a
    stale lock can never block a run; the file only says which process holds it, and goes
    when the run ends.
    """

    def __init__(self, out_dir: Path) -> None:
        self.path = out_dir / LOCK_NAME
        self._fd: int | None = None

    def acquire(self) -> None:
        """Take the lock, or raise :class:`OutputError` naming the run that holds it."""
        try:
            import fcntl
        except ImportError:  # no advisory locks on this platform: run unguarded
            return
        while True:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                holder = os.read(fd, 32).decode("ascii", "replace").strip() or "unknown"
                os.close(fd)
                raise OutputError(
                    f"another summarize-cli run (PID {holder}) is writing to {self.path.parent}; "
                    "wait for it to finish, or stop it, then run again"
                ) from None
            # The run before may have removed the file between our open and our lock: lock the file that is there.
            try:
                if os.stat(self.path).st_ino == os.fstat(fd).st_ino:
                    break
            except FileNotFoundError:
                pass
            os.close(fd)
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd

    def release(self) -> None:
        """Let the next run in, and leave no lock file behind."""
        if self._fd is not None:
            self.path.unlink(missing_ok=True)
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> OutputLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def lock_for(out_dir: Location) -> OutputLock | ObjectLock:
    """The lock of an output folder, or of an output prefix in an object store."""
    if isinstance(out_dir, ObjectPath):
        return ObjectLock(out_dir / LOCK_NAME)
    return OutputLock(out_dir)


def check_writable(out_dir: Location, min_free: int = MIN_FREE_BYTES) -> None:
    """Fail before any work when results could not be kept: no folder, no write access, no space."""
    if isinstance(out_dir, ObjectPath):
        check_object_writable(out_dir)  # a store has no free space to measure
        return
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=TEMP_SUFFIX, dir=out_dir)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise OutputError(f"cannot write to {out_dir}: {exc.strerror or exc}") from None
    import shutil

    free = shutil.disk_usage(out_dir).free
    if free < min_free:
        raise OutputError(
            f"{out_dir} has only {format_bytes(free)} free; free some space (at least "
            f"{format_bytes(min_free)}) and run again"
        )


def remove_stale_temps(folders: Sequence[Location] | set[Location]) -> int:
    """Remove the temporary files a killed run left in ``folders``; only ours, never a user's."""
    removed = 0
    for folder in folders:
        if isinstance(folder, ObjectPath):
            continue  # objects are written whole, without temporary ones
        try:
            leftovers = list(folder.glob(f"{TEMP_PREFIX}*{TEMP_SUFFIX}")) if folder.is_dir() else []
        except OSError:  # a folder path too long to look up: its articles fail with the reason
            continue
        for leftover in leftovers:
            leftover.unlink(missing_ok=True)
            removed += 1
    return removed


def write_failures(out_dir: Location, failures: Sequence[Result]) -> Location | None:
    """``failures.jsonl`` beside the results, one line per input that failed in this run."""
    path = out_dir / FAILURES_NAME
    if not failures:
        path.unlink(missing_ok=True)
        return None
    lines = [json.dumps({"source": r.source, "error": r.error}, ensure_ascii=False) for r in failures]
    write_atomic(path, "\n".join(lines) + "\n")
    return path


# --- the run -----------------------------------------------------------------------------------


@dataclass
class RunSummary:
    """What a run did, for the closing line and the exit status."""

    total: int = 0
    done: int = 0
    skipped: int = 0
    failed: int = 0
    unreadable: int = 0
    warned: int = 0
    interrupted: bool = False
    # The signal that stopped the run (SIGINT for Ctrl-C), when one did.
    stop_signal: int | None = None
    # The error that ended the run before its end (a model that cannot load), if any.
    aborted: SummarizeError | None = None
    elapsed: float = 0.0
    results: list[Result] = field(default_factory=list)
    failures: list[Result] = field(default_factory=list)
    failures_file: Location | None = None

    def reasons(self) -> list[tuple[str, int]]:
        """Why inputs failed, most common first, with how many failed for each reason.

        Reasons that differ only in their numbers (sizes, lengths) count as one, shown as the
        first of them with "(and alike)".
        """
        counted: Counter[str] = Counter()
        seen: dict[str, dict[str, None]] = {}  # the distinct reasons under each key, in order
        for result in self.failures:
            reason = _reason(result)
            key = _NUMBERS.sub("#", reason)
            counted[key] += 1
            seen.setdefault(key, {})[reason] = None
        shown = {
            key: next(iter(reasons)) + (" (and alike)" if len(reasons) > 1 else "") for key, reasons in seen.items()
        }
        return [(shown[key], count) for key, count in counted.most_common()]


_NUMBERS = re.compile(r"\d[\d,.]*")


def _reason(result: Result) -> str:
    error = result.error or "failed"
    prefix = f"{result.source}: "
    return error[len(prefix) :] if error.startswith(prefix) else error


@dataclass
class _Item:
    ref: InputRef
    article: Article | None = None
    failure: Result | None = None
    paths: OutputPaths | None = None
    former: list[OutputPaths] = field(default_factory=list)


# Errors that are about the run, not one article: every later article would fail the same way.
_RUN_ERRORS = (ModelUnavailableError, ConfigError, OutputError)


class BatchRunner:
    """Feeds inputs to a Pipeline in groups and hands each result on as it finishes."""

    def __init__(
        self,
        pipeline: Pipeline,
        *,
        layout_for: Callable[[Sequence[InputRef]], OutputLayout] | None = None,
        on_result: Callable[[Result], None] = lambda result: None,
        reporter: Reporter | None = None,
        force: bool = False,
        stdin: BinaryIO | None = None,
        group_size: int = GROUP_SIZE,
        limits: Limits = NO_LIMITS,
        clock: Callable[[], float] = time.monotonic,
        warm_up: Callable[[], None] | None = None,
    ) -> None:
        """``warm_up`` runs once, when the first input that needs work is found (to start loading models)."""
        self.pipeline = pipeline
        self.layout_for = layout_for
        self.on_result = on_result
        self.reporter = reporter or SilentReporter()
        self.force = force
        self.stdin = stdin
        self.group_size = max(1, group_size)
        self.limits = limits
        self.clock = clock
        self._warm_up = warm_up

    def run(self, refs: Sequence[InputRef]) -> RunSummary:
        """Process every input; a stop signal ends the run after keeping everything already finished."""
        summary = RunSummary(total=len(refs))
        started = self.clock()
        layout = self.layout_for(refs) if self.layout_for is not None else None
        lock = lock_for(layout.out_dir) if layout is not None else None
        try:
            if layout is not None and lock is not None:
                check_writable(layout.out_dir)
                lock.acquire()
                for ref, former in layout.in_the_way():
                    drop_former(former, ref.name)  # before any write, so that the folder can be made
                removed = remove_stale_temps(layout.folders())
                if removed:
                    log.info("removed %d temporary file(s) an earlier run left behind", removed)
            self.reporter.start(len(refs))
            self._run_groups(refs, layout, summary)
        except KeyboardInterrupt as exc:
            summary.interrupted = True
            summary.stop_signal = exc.signum if isinstance(exc, Stopped) else signal.SIGINT
        except _RUN_ERRORS as exc:
            summary.aborted = exc
        finally:
            if not isinstance(summary.aborted, OutputError):  # never in a folder another run holds
                self._keep_failures(layout, summary)
            if lock is not None:
                lock.release()
        summary.elapsed = self.clock() - started
        return summary

    def _keep_failures(self, layout: OutputLayout | None, summary: RunSummary) -> None:
        if layout is None:
            return
        try:
            summary.failures_file = write_failures(layout.out_dir, summary.failures)
        except OSError as exc:
            log.warning("could not write %s: %s", layout.out_dir / FAILURES_NAME, exc.strerror or exc)

    def _run_groups(self, refs: Sequence[InputRef], layout: OutputLayout | None, summary: RunSummary) -> None:
        group: list[_Item] = []
        for ref in refs:
            item = self._prepare(ref, layout, summary)
            if item is None:
                continue
            group.append(item)
            if sum(1 for i in group if i.article is not None) >= self.group_size:
                self._flush(group, summary)
                group = []
        self._flush(group, summary)

    def _prepare(self, ref: InputRef, layout: OutputLayout | None, summary: RunSummary) -> _Item | None:
        item = _Item(ref)
        self.reporter.stage("reading", 0.0)
        try:
            if layout is not None:
                item.paths = layout.paths(ref)
                item.former = layout.former(ref)
            item.article = read_article(ref, self.stdin, self.limits)
        except InputError as exc:
            summary.unreadable += 1
            item.failure = Result(source=ref.name, language=None, error=str(exc))
            return item
        except Exception as exc:  # the article boundary: one odd input must never end the run
            log.debug("reading %s failed", ref.name, exc_info=True)
            summary.unreadable += 1
            item.failure = Result(source=ref.name, language=None, error=f"{ref.name}: could not be read: {exc}")
            return item
        if item.paths is not None and not self.force:
            saved = up_to_date_record(item.paths, item.article, self.pipeline.fingerprint())
            if saved is not None:
                summary.skipped += 1
                summary.warned += bool(saved.get("warnings"))
                self.reporter.finished(Result(source=ref.name), "skipped")
                return None
        if self._warm_up is not None:  # a rerun with everything done never loads a model
            warm_up, self._warm_up = self._warm_up, None
            warm_up()
        return item

    def _flush(self, group: list[_Item], summary: RunSummary) -> None:
        if not group:
            return
        articles = [item.article for item in group if item.article is not None]
        self._finish_in_order(group, self._process(articles), summary)

    def _finish_in_order(self, items: Sequence[_Item], results: Iterable[Result], summary: RunSummary) -> None:
        """Finish ``items`` in their order: one that failed to be read with its failure, the others with ``results``."""
        remaining = iter(results)
        for item in items:
            self._finish(item, item.failure if item.failure is not None else next(remaining), summary)

    def _process(self, articles: list[Article]) -> list[Result]:
        if not articles:
            return []
        self.reporter.working_on([a.source for a in articles])
        try:
            return self.pipeline.run(articles, progress=self.reporter.stage)
        except _RUN_ERRORS:
            raise
        except Exception:  # the article boundary: find the one that fails, and let the others through
            log.debug("a group of %d articles failed; running them one by one", len(articles), exc_info=True)
        return [self._process_alone(article) for article in articles]

    def _process_alone(self, article: Article) -> Result:
        try:
            [result] = self.pipeline.run([article], progress=self.reporter.stage)
        except _RUN_ERRORS:
            raise
        except Exception as exc:  # the article boundary: this article fails, the run goes on
            log.debug("%s failed", article.source, exc_info=True)
            return Result(source=article.source, language=None, error=f"unexpected error: {exc or type(exc).__name__}")
        return result

    def _finish(self, item: _Item, result: Result, summary: RunSummary) -> None:
        if item.paths is not None:
            result = self._write(item.paths, result)
            if result.ok:
                for former in item.former:
                    drop_former(former, result.source)
        if result.ok:
            summary.done += 1
            summary.warned += bool(result.warnings)
        else:
            summary.failed += 1
            summary.failures.append(result)
        summary.results.append(result)
        self.on_result(result)
        self.reporter.finished(result, "done" if result.ok else "failed")

    def _write(self, paths: OutputPaths, result: Result) -> Result:
        previous = read_record(paths)
        if not result.ok and is_complete(paths, previous):
            # A rerun that fails (a URL down tonight, a stricter limit) never replaces a good result.
            return Result(
                source=result.source,
                language=result.language,
                error=f"{result.error} (the earlier result in {display_name(str(paths.json))} is kept)",
            )
        try:
            write_result(paths, result, previous)
        except OSError as exc:
            where = display_name(str(paths.json))
            if exc.errno in _FATAL_WRITE_ERRORS:
                raise OutputError(f"cannot write {where}: {exc.strerror or exc}; the run stopped") from None
            return Result(
                source=result.source, language=result.language, error=f"cannot write {where}: {exc.strerror or exc}"
            )
        return result
