"""Many inputs in one run: output layout, atomic writes, resume, progress and interruption."""

from __future__ import annotations

import json
import os
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, Literal, Protocol

from .errors import InputError
from .pipeline import Pipeline
from .render import to_json
from .sources import InputRef, enforce_word_limit, read_article
from .types import Article, Result

Status = Literal["done", "skipped", "failed"]
# Articles processed together: model work is batched across them, and results stream per group.
GROUP_SIZE = 8


class Reporter(Protocol):
    """Progress of a run; the command line shows it, the library only calls it."""

    def start(self, total: int) -> None:
        """The run begins with ``total`` inputs."""

    def working_on(self, names: Sequence[str]) -> None:
        """These inputs are being processed now."""

    def finished(self, result: Result, status: Status) -> None:
        """One input is finished."""


class SilentReporter:
    """Reports nothing."""

    def start(self, total: int) -> None:
        """Ignore."""

    def working_on(self, names: Sequence[str]) -> None:
        """Ignore."""

    def finished(self, result: Result, status: Status) -> None:
        """Ignore."""


@dataclass(frozen=True)
class OutputPaths:
    """Where one input's results go."""

    base: Path

    @property
    def json(self) -> Path:
        """The contract's JSON object."""
        return self.base.with_name(self.base.name + ".json")

    def text(self, label: str) -> Path:
        """The plain text of the summary (``summary``) or of one language."""
        return self.base.with_name(f"{self.base.name}.{label}.txt")

    def all_text(self, result: Result) -> list[tuple[Path, str]]:
        """(path, text) for the summary and each translation of ``result``."""
        pairs = []
        if result.summary is not None:
            pairs.append((self.text("summary"), result.summary))
        pairs.extend((self.text(lang), text) for lang, text in result.translations.items())
        return pairs


def _safe_parts(path: Path) -> list[str]:
    return [part if part not in ("..", ".", "") else "_" for part in path.parts if part not in ("/", "\\")]


class OutputLayout:
    """Mirrors the inputs' folder structure under one output folder.

    ``a/b/story.txt`` becomes ``OUT/a/b/story.json``, ``story.summary.txt`` and
    ``story.uk.txt``; where two inputs would share a name (``story.txt`` and ``story.md``),
    both keep their suffix (``story.txt.json``), and any clash left gets ``-2``, ``-3``.
    """

    def __init__(self, out_dir: Path, refs: Sequence[InputRef], labels: Sequence[str] = ("summary",)) -> None:
        self.out_dir = out_dir
        self.labels = tuple(labels)
        self.root = out_dir.resolve()
        self.inputs = {ref.path.resolve() for ref in refs if ref.path is not None and ref.path.exists()}
        rels = {ref: Path(*_safe_parts(ref.relative)) for ref in refs}
        stems: dict[str, list[InputRef]] = {}
        for ref, rel in rels.items():
            stems.setdefault(str(rel.with_suffix("")).lower(), []).append(ref)
        taken: set[str] = set()
        self._bases: dict[InputRef, Path] = {}
        for ref, rel in rels.items():
            base = rel.with_suffix("") if len(stems[str(rel.with_suffix("")).lower()]) == 1 else rel
            candidate, n = base, 1
            while str(candidate).lower() in taken:
                n += 1
                candidate = base.with_name(f"{base.name}-{n}")
            taken.add(str(candidate).lower())
            self._bases[ref] = candidate

    def paths(self, ref: InputRef) -> OutputPaths:
        """The output paths of ``ref``; a path that would leave OUT or hit an input is an error."""
        paths = OutputPaths(self.out_dir / self._bases[ref])
        for path in (paths.json, *(paths.text(label) for label in self.labels)):
            resolved = path.resolve()
            if not resolved.is_relative_to(self.root):
                raise InputError(ref.name, f"its output {path} would be outside {self.out_dir}")
            if resolved in self.inputs or path.parent.resolve() in self.inputs:
                raise InputError(ref.name, f"its output {path} would overwrite an input")
        return paths


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to a hidden temporary file beside ``path``, then rename it into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_result(paths: OutputPaths, result: Result) -> None:
    """Write the text files first and the JSON last: a JSON file means the set is complete."""
    for path, text in paths.all_text(result):
        write_atomic(path, text.rstrip("\n") + "\n")
    write_atomic(paths.json, to_json(result, indent=2) + "\n")


def is_up_to_date(paths: OutputPaths, article: Article, fingerprint: str) -> bool:
    """Whether finished outputs exist for this same input text and configuration."""
    try:
        saved = json.loads(paths.json.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    if not isinstance(saved, dict) or saved.get("error") is not None:
        return False
    if saved.get("config_sha256") != fingerprint:
        return False
    if saved.get("input_sha256") != article.sha256:
        return False
    labels = ["summary"] if saved.get("summary") is not None else []
    return all(paths.text(label).is_file() for label in [*labels, *saved.get("translations", {})])


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
    elapsed: float = 0.0
    results: list[Result] = field(default_factory=list)


@dataclass
class _Item:
    ref: InputRef
    article: Article | None = None
    failure: Result | None = None
    paths: OutputPaths | None = None


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
        max_words: int | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.pipeline = pipeline
        self.layout_for = layout_for
        self.on_result = on_result
        self.reporter = reporter or SilentReporter()
        self.force = force
        self.stdin = stdin
        self.group_size = max(1, group_size)
        self.max_words = max_words
        self.clock = clock

    def run(self, refs: Sequence[InputRef]) -> RunSummary:
        """Process every input; Ctrl-C stops after keeping everything already finished."""
        summary = RunSummary(total=len(refs))
        started = self.clock()
        layout = self.layout_for(refs) if self.layout_for is not None else None
        self.reporter.start(len(refs))
        group: list[_Item] = []
        try:
            for ref in refs:
                item = self._prepare(ref, layout, summary)
                if item is None:
                    continue
                group.append(item)
                if sum(1 for i in group if i.article is not None) >= self.group_size:
                    self._flush(group, summary)
                    group = []
            self._flush(group, summary)
        except KeyboardInterrupt:
            summary.interrupted = True
        summary.elapsed = self.clock() - started
        return summary

    def _prepare(self, ref: InputRef, layout: OutputLayout | None, summary: RunSummary) -> _Item | None:
        item = _Item(ref)
        try:
            if layout is not None:
                item.paths = layout.paths(ref)
            item.article = enforce_word_limit(read_article(ref, self.stdin), self.max_words)
        except InputError as exc:
            summary.unreadable += 1
            item.failure = Result(source=ref.name, error=str(exc))
            return item
        fingerprint = self.pipeline.fingerprint
        if item.paths is not None and not self.force and is_up_to_date(item.paths, item.article, fingerprint):
            summary.skipped += 1
            self.reporter.finished(Result(source=ref.name), "skipped")
            return None
        return item

    def _flush(self, group: list[_Item], summary: RunSummary) -> None:
        if not group:
            return
        articles = [item.article for item in group if item.article is not None]
        results = iter(self._process(articles))
        for item in group:
            result = item.failure if item.failure is not None else next(results)
            self._finish(item, result, summary)

    def _process(self, articles: list[Article]) -> list[Result]:
        if not articles:
            return []
        self.reporter.working_on([a.source for a in articles])
        return self.pipeline.run(articles)

    def _finish(self, item: _Item, result: Result, summary: RunSummary) -> None:
        if item.paths is not None:
            try:
                write_result(item.paths, result)
            except OSError as exc:
                result = Result(source=result.source, error=f"cannot write {item.paths.json}: {exc.strerror or exc}")
        status: Status = "done" if result.ok else "failed"
        if result.ok:
            summary.done += 1
            summary.warned += bool(result.warnings)
        else:
            summary.failed += 1
        summary.results.append(result)
        self.on_result(result)
        self.reporter.finished(result, status)
