"""Folder runs on Ray Data: the same run as :class:`~summarize_cli.batch.BatchRunner`, models on a pool of actors.

The driver (this process) does everything but the model work, exactly as a local run does it:
it lists and reads the inputs with their limits, skips those whose results are up to date
before anything is scheduled, and writes each result with the same atomic writes, lock and
``failures.jsonl``. Only the articles left to do go to Ray Data, in groups, to a pool of actors
that each hold one :class:`~summarize_cli.pipeline.Pipeline` (its models loaded once per
actor) and run a group the way a local run does, failures held per article.

Ray is an optional extra (``pip install 'summarize-cli[ray]'``) and imported only here, only
when a run asks for it. ``RAY_ADDRESS`` names a cluster to join; without it a local Ray is
started for the run and stopped after it.
"""

from __future__ import annotations

import importlib.util
import logging
import math
import pickle
import signal
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from typing import Any

from .batch import _RUN_ERRORS, _STOP_SIGNALS, BatchRunner, OutputLayout, RunSummary
from .errors import DeviceUnavailableError, SummarizeError
from .pipeline import Pipeline, RunOptions
from .sources import InputRef
from .types import Article, Config, Result

log = logging.getLogger("summarize_cli")

RAY_EXTRA = "summarize-cli[ray]"


def ray_installed() -> bool:
    """Whether Ray Data can be imported here."""
    return importlib.util.find_spec("ray") is not None and importlib.util.find_spec("ray.data") is not None


@dataclass(frozen=True)
class Placement:
    """How many actors a run gets, and what each one reserves."""

    actors: int
    num_cpus: float
    num_gpus: float


def plan(device: str, workers: int | None, nodes: Sequence[dict[str, float]]) -> Placement:
    """Actors and their resources for ``device`` on a cluster whose live nodes have ``nodes`` resources.

    On CUDA each actor holds one GPU, one actor per GPU unless ``workers`` says otherwise. On
    the CPU a model already uses every core of its machine, so the default is one actor per
    machine, each reserving its machine's CPUs, so that Ray gives its threads the whole node.
    """
    gpus = int(sum(node.get("GPU", 0) for node in nodes))
    cpu_nodes = [node.get("CPU", 0) for node in nodes if node.get("CPU", 0) >= 1]
    if device == "cuda" or (device == "auto" and gpus > 0):
        if gpus == 0:
            raise DeviceUnavailableError("--device cuda was asked for, but the Ray cluster has no GPU")
        return Placement(actors=workers or gpus, num_cpus=1, num_gpus=1)
    smallest = int(min(cpu_nodes, default=1))
    actors = workers or max(1, len(cpu_nodes))
    per_node = math.ceil(actors / max(1, len(cpu_nodes)))
    return Placement(actors=actors, num_cpus=max(1, smallest // per_node), num_gpus=0)


@dataclass(frozen=True)
class _Fatal:
    """An error that ends the run, carried back from an actor: its class and attributes, not a pickle of it.

    The library's errors take several constructor arguments, which a pickled exception loses.
    """

    kind: type[SummarizeError]
    message: str
    attributes: dict[str, Any]

    @classmethod
    def of(cls, exc: SummarizeError) -> _Fatal:
        return cls(type(exc), str(exc), dict(vars(exc)))

    def error(self) -> SummarizeError:
        exc = self.kind.__new__(self.kind)
        Exception.__init__(exc, self.message)
        vars(exc).update(self.attributes)
        return exc


def _worker_class(config: Config, options: RunOptions, group_size: int) -> type:
    """The actor class of a run, holding its configuration, so that its actors take no constructor arguments.

    Ray still logs, once per actor, that the actor "has constructor arguments in the object
    store and max_restarts > 0": Ray Data itself passes its actors its context and this class
    through the object store, and holds both for the whole run (ray-project/ray#57733). The
    line goes only with ``max_restarts=0``, which would end a run whose actor dies instead of
    restarting it, or with all of Ray's C++ errors silenced: it is logged as one.
    """

    class PipelineWorker:
        """One Pipeline per actor: its models are loaded on first use and kept for the whole run."""

        def __init__(self) -> None:
            if options.offline:
                import os

                os.environ["HF_HUB_OFFLINE"] = "1"
            # A runner only for its per-article failure boundary; it reads and writes nothing.
            self.runner = BatchRunner(Pipeline(config, options), group_size=group_size)

        def __call__(self, batch: dict[str, Any]) -> dict[str, list[Any]]:
            """Each row is one group of articles, run together; each of its articles comes back as a row."""
            out: dict[str, list[Any]] = {"index": [], "result": []}
            for first, blob in zip(batch["first"], batch["articles"], strict=True):
                articles: list[Article] = pickle.loads(blob)
                try:
                    results: Sequence[Result | _Fatal] = self.runner._process(articles)
                except _RUN_ERRORS as exc:  # the driver raises it, and the run stops as a local one does
                    results = [_Fatal.of(exc)] * len(articles)
                out["index"].extend(range(int(first), int(first) + len(articles)))
                out["result"].extend(pickle.dumps(result) for result in results)
            return out

    return PipelineWorker


@contextmanager
def ray_session() -> Iterator[None]:
    """Join ``RAY_ADDRESS``'s cluster (or the Ray this process already runs), else start a local one for the run.

    A stop signal while Ray starts ends the run as soon as Ray is up, and Ray is shut down with it.
    """
    import ray

    if ray.is_initialized():
        yield
        return
    handlers = {signum: signal.getsignal(signum) for signum in _STOP_SIGNALS}
    # Ray starts on a thread of its own, where it leaves the run's signal handlers alone instead
    # of putting in its own, which exits 15 without a word. The thread lives until Ray is shut
    # down: Linux ends the processes Ray starts when the thread that started them ends.
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="ray-start") as starter:
        try:
            # Ray's own notes (how it started, its dashboard) are not the run's; its errors are.
            _wait_through_stops(starter.submit(ray.init, logging_level=logging.ERROR, log_to_driver=False))
            # Ray's C++ core puts in a crash handler of its own for SIGTERM as it connects: the run's go back.
            for signum, handler in handlers.items():
                if handler is not None:
                    signal.signal(signum, handler)
            yield
        finally:
            ray.shutdown()


def _wait_through_stops(work: Future[Any]) -> None:
    """Wait for ``work`` to end, and only then raise a stop signal that came meanwhile.

    Ray's start-up spawns its processes before it keeps a record of them: a stop raised in the
    middle of it would leave processes that no shutdown knows of, or crash the process as it
    exits with Ray half connected.
    """
    stop: KeyboardInterrupt | None = None
    while True:
        try:
            work.result()
            break
        except KeyboardInterrupt as exc:  # raised here, on the main thread, by a signal's handler
            stop = stop or exc
    if stop is not None:
        raise stop


class RayRunner(BatchRunner):
    """A :class:`BatchRunner` whose model work runs on Ray Data; reading, resuming and writing stay here."""

    def __init__(self, pipeline: Pipeline, *, workers: int | None = None, ordered: bool = False, **kwargs: Any) -> None:
        super().__init__(pipeline, **kwargs)
        self.workers = workers
        # Results reach the driver as they finish; in input order only when they go to stdout.
        self.ordered = ordered

    def _run_groups(self, refs: Sequence[InputRef], layout: OutputLayout | None, summary: RunSummary) -> None:
        # Inputs whose results are up to date are skipped here, before anything is scheduled.
        items = [item for ref in refs if (item := self._prepare(ref, layout, summary)) is not None]
        todo = [item for item in items if item.failure is None]
        if not self.ordered:
            # Into files, each as soon as it is known: those that could not be read now, the others as they come.
            self._finish_in_order([item for item in items if item.failure is not None], (), summary)
        with ray_session() if todo else nullcontext():
            results = self._on_ray([item.article for item in todo if item.article is not None]) if todo else iter(())
            if self.ordered:
                # On stdout, in input order as a local run gives them (preserve_order keeps Ray's in it): a
                # failure after the results before it.
                self._finish_in_order(items, (result for _, result in results), summary)
            else:
                for index, result in results:
                    self._finish(todo[index], result, summary)

    def _on_ray(self, articles: list[Article]) -> Iterator[tuple[int, Result]]:
        import ray
        import ray.data

        logging.getLogger("ray.data").setLevel(logging.ERROR)  # a line per dataset otherwise
        context = ray.data.DataContext.get_current()
        context.enable_progress_bars = False  # the run's own reporter shows progress
        context.execution_options.preserve_order = self.ordered
        nodes: list[dict[str, Any]] = ray.nodes()  # type: ignore[no-untyped-call]
        placement = plan(self.pipeline.options.device, self.workers, [n["Resources"] for n in nodes if n["Alive"]])
        log.info(
            "running on Ray: %d actor(s), %g CPU and %g GPU each",
            placement.actors,
            placement.num_cpus,
            placement.num_gpus,
        )
        # The same groups as a local run makes, so that model work is batched the same way: one
        # row and one block per group, so that groups are scheduled one by one as actors free up.
        size = self.group_size
        rows = [{"first": i, "articles": pickle.dumps(articles[i : i + size])} for i in range(0, len(articles), size)]
        dataset = ray.data.from_items(rows, override_num_blocks=len(rows))
        worker = _worker_class(self.pipeline.config, self.pipeline.options, self.group_size)
        results = dataset.map_batches(
            worker,
            batch_size=1,
            compute=ray.data.ActorPoolStrategy(size=placement.actors),
            num_cpus=placement.num_cpus,
            num_gpus=placement.num_gpus,
        )
        for row in results.iter_rows():
            payload = pickle.loads(row["result"])
            if isinstance(payload, _Fatal):
                raise payload.error()
            yield int(row["index"]), payload
