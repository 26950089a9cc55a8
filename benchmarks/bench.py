"""Speed and memory of summarize-cli against plain transformers, on real-shape random models.

The models have the shapes of OPUS-MT base (Marian) and distilbart-cnn-12-6 (BART) with random
weights; every contender generates exactly the same number of tokens per sequence (minimum
length = maximum length), so speed does not depend on the weights. All ratios come from one run.

    python benchmarks/bench.py                  # CPU
    python benchmarks/bench.py --device cuda    # a GPU
    python benchmarks/bench.py --only first-summary   # one part
    python benchmarks/bench.py --only verify          # what --verify adds to a run
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from model_factory import (  # noqa: E402
    CORPUS_EXTRA,
    DISTILBART_CNN_12_6,
    OPUS_MT_BASE,
    build_bart,
    build_marian,
)

SEED = ROOT / "seeds" / "zelensky-pow-exchange.txt"


def corpus() -> list[str]:
    return [*SEED.read_text(encoding="utf-8").splitlines(), *CORPUS_EXTRA.splitlines()]


def ensure_models(workdir: Path) -> tuple[Path, Path]:
    """Real-shape random models, built once and kept in ``workdir``."""
    marian, bart = workdir / "opus-mt-base-shape", workdir / "distilbart-cnn-12-6-shape"
    if not (marian / "config.json").is_file():
        print(f"building {marian.name} ...", file=sys.stderr)
        build_marian(marian, corpus(), shape=OPUS_MT_BASE, init_std=0.02, spm_vocab=400, forced_eos=False)
    if not (bart / "config.json").is_file():
        print(f"building {bart.name} ...", file=sys.stderr)
        build_bart(bart, corpus(), shape=DISTILBART_CNN_12_6, init_std=0.02, bpe_vocab=3000, forced_tokens=False)
    return marian, bart


def distinct_sentences(count: int) -> list[str]:
    """``count`` different sentences from the seed article: its sentences, then their clauses."""
    from summarize_cli.cleaning import clean_text
    from summarize_cli.sentences import sentences_of

    text, _ = clean_text(SEED.read_text(encoding="utf-8"))
    pool = sentences_of(text)
    clauses = [c.strip() for s in pool for c in s.split(",") if len(c.split()) >= 4]
    unique = list(dict.fromkeys([*pool, *clauses]))
    if len(unique) < count:
        unique += [f"{s} ({i})" for i, s in enumerate(pool * (count // len(pool) + 1))]
    return unique[:count]


def article_of_tokens(tokenizer: Any, tokens: int) -> str:
    """Seed text cut so that it is exactly ``tokens`` tokens long, special tokens included."""
    ids = tokenizer(SEED.read_text(encoding="utf-8") * 10, add_special_tokens=False)["input_ids"]
    specials = len(tokenizer("")["input_ids"])
    text = tokenizer.decode(ids[: tokens - specials])
    return str(text)


REPEAT = 3


def race(contenders: dict[str, Callable[[], Any]], repeat: int = REPEAT) -> dict[str, float]:
    """Best wall time of each contender over ``repeat`` rounds.

    The contenders take turns within each round, so a slow spell of a shared machine
    hits them alike instead of one of them.
    """
    best = dict.fromkeys(contenders, float("inf"))
    for _ in range(repeat):
        for name, run in contenders.items():
            start = time.perf_counter()
            run()
            best[name] = min(best[name], time.perf_counter() - start)
    return best


def hf_generate(
    model: Any,
    tokenizer: Any,
    texts: Sequence[str],
    batch: int,
    beams: int,
    new_tokens: int,
    decoded: list[str] | None = None,
) -> int:
    """Plain transformers: what a hand-written script does. Returns the tokens generated.

    With ``decoded``, the generated texts are appended to it.
    """
    import torch

    produced = 0
    for start in range(0, len(texts), batch):
        enc = tokenizer(list(texts[start : start + batch]), return_tensors="pt", padding=True).to(model.device)
        with torch.inference_mode():
            out = model.generate(
                **enc, num_beams=beams, min_new_tokens=new_tokens, max_new_tokens=new_tokens, early_stopping=False
            )
        produced += (out.shape[1] - 1) * out.shape[0]
        if decoded is not None:
            decoded.extend(tokenizer.batch_decode(out, skip_special_tokens=True))
    return produced


def load_hf(path: Path, device: str) -> tuple[Any, Any]:
    from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(path)
    model = AutoModelForSeq2SeqLM.from_pretrained(path)
    if device == "cuda":
        model = model.half()
    return tokenizer, model.to(device).eval()


def project_model(path: Path, role: str, language: str, device: str) -> Any:
    from summarize_cli.registry import default_loader
    from summarize_cli.types import ModelSpec

    return default_loader(ModelSpec(model=str(path), role=role, language=language), device, True)


def bench_translation(marian: Path, device: str, count: int, batch: int, beams: int, new_tokens: int) -> dict[str, Any]:
    from summarize_cli.translate import Translator
    from summarize_cli.types import GenerationSettings

    sentences = distinct_sentences(count)
    total = count * new_tokens
    tokenizer, model = load_hf(marian, device)
    hf_generate(model, tokenizer, sentences[:2], 2, beams, 4)  # warm-up
    assert hf_generate(model, tokenizer, sentences[:2], 2, beams, new_tokens) == 2 * new_tokens

    ours = project_model(marian, "translation", "uk", device)
    # Fixed length as for the others: min = max (Hugging Face counts the start token in both).
    settings = GenerationSettings(num_beams=beams, min_length=new_tokens + 1, max_length=new_tokens + 1)
    translator = Translator(ours, settings, batch_size=batch, retry_runaway=False)
    translator.translate(sentences[:2])  # warm-up
    times = race(
        {
            "naive": lambda: hf_generate(model, tokenizer, sentences, 1, beams, new_tokens),
            "batched": lambda: hf_generate(model, tokenizer, sentences, batch, beams, new_tokens),
            "ours": lambda: translator.translate(sentences),
        }
    )
    naive_s, batched_s, ours_s = times["naive"], times["batched"], times["ours"]
    return {
        "sentences": count,
        "tokens_per_sentence": new_tokens,
        "beams": beams,
        "batch_size": batch,
        "backend": type(ours).__name__,
        "naive_tok_s": total / naive_s,
        "batched_tok_s": total / batched_s,
        "ours_tok_s": total / ours_s,
        "ours_vs_naive": naive_s / ours_s,
        "ours_vs_batched": batched_s / ours_s,
    }


def bench_summary(bart: Path, device: str, in_tokens: int, out_tokens: int, beams: int) -> dict[str, Any]:
    from summarize_cli.summarize import summarize_abstractive
    from summarize_cli.types import GenerationSettings

    tokenizer, model = load_hf(bart, device)
    article = article_of_tokens(tokenizer, in_tokens)
    measured_in = len(tokenizer(article)["input_ids"])
    hf_generate(model, tokenizer, [article], 1, beams, 4)  # warm-up

    ours = project_model(bart, "summary", "en", device)
    settings = GenerationSettings(num_beams=beams, min_length=out_tokens + 1, max_length=out_tokens + 1)
    summarize_abstractive(ours, [article], GenerationSettings(num_beams=beams, max_new_tokens=4))  # warm-up
    times = race(
        {
            "transformers": lambda: hf_generate(model, tokenizer, [article], 1, beams, out_tokens),
            "ours": lambda: summarize_abstractive(ours, [article], settings),
        }
    )
    hf_s, ours_s = times["transformers"], times["ours"]
    return {
        "input_tokens": measured_in,
        "output_tokens": out_tokens,
        "beams": beams,
        "backend": type(ours).__name__,
        "transformers_s": hf_s,
        "ours_s": ours_s,
        "speedup": hf_s / ours_s,
    }


def cli_command() -> list[str]:
    script = Path(sys.executable).parent / "summarize-cli"
    return [str(script)] if script.exists() else [sys.executable, "-m", "summarize_cli"]


def bench_help(runs: int = 7) -> dict[str, float]:
    """Median and best wall time of ``summarize-cli --help`` in a new process."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run([*cli_command(), "--help"], capture_output=True, check=True)
        times.append(time.perf_counter() - start)
    return {"median_s": statistics.median(times), "best_s": min(times)}


def bench_full_run_rss(marian: Path, bart: Path, device: str, workdir: Path) -> dict[str, Any]:
    """Peak RSS of a whole run (summarizer and three translators loaded), conversions already cached."""
    config = workdir / "bench-models.toml"
    lines = [
        f'[summarizer]\nmodel = "{bart}"\nnum_beams = 4\nmax_new_tokens = 60\n',
        '[translation]\nsource = "en"\ntargets = ["uk", "ko", "ru"]\n',
    ]
    for lang in ("uk", "ko", "ru"):
        lines.append(f'[translation.models.{lang}]\nmodel = "{marian}"\nnum_beams = 4\nmax_new_tokens = 40\n')
    config.write_text("\n".join(lines), encoding="utf-8")
    command = [*cli_command(), "-c", str(config), "--device", device, "-f", "json", "-q", str(SEED)]
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    subprocess.run(command, capture_output=True, check=False, env=env)  # converts, if not yet done
    probe = (
        "import resource, subprocess, sys, time\n"
        "t = time.perf_counter()\n"
        "p = subprocess.run(sys.argv[1:], capture_output=True)\n"
        "print(p.returncode, time.perf_counter() - t, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
    )
    out = subprocess.run([sys.executable, "-c", probe, *command], capture_output=True, text=True, env=env, check=True)
    code, seconds, rss_kb = out.stdout.split()
    return {"exit_code": int(code), "wall_s": float(seconds), "peak_rss_mb": int(rss_kb) / 1024}


TARGETS = ("uk", "ko", "ru")


def first_summary_config(marian: Path, bart: Path, workdir: Path, beams: int, summary: int, translation: int) -> Path:
    """A models.toml for one article end to end, with the lengths fixed as for the other contenders."""
    config = workdir / "first-summary.toml"
    # Hugging Face counts the decoder start token in both lengths.
    lines = [
        f'[summarizer]\nmodel = "{bart}"\nnum_beams = {beams}\nmin_length = {summary + 1}\nmax_length = {summary + 1}\n',
        f'[translation]\nsource = "en"\ntargets = {json.dumps(list(TARGETS))}\n',
    ]
    for lang in TARGETS:
        lines.append(
            f'[translation.models.{lang}]\nmodel = "{marian}"\nnum_beams = {beams}\n'
            f"min_length = {translation + 1}\nmax_length = {translation + 1}\n"
        )
    config.write_text("\n".join(lines), encoding="utf-8")
    return config


def hand_written(
    marian: Path, bart: Path, device: str, targets: int, beams: int, summary: int, translation: int
) -> None:
    """A hand-written transformers script on the seed article: summarize, then translate the summary
    one sentence per call into ``targets`` languages; prints the summary and the sentence count."""
    from summarize_cli.sentences import sentences_of

    tokenizer, model = load_hf(bart, device)
    texts: list[str] = []
    hf_generate(model, tokenizer, [SEED.read_text(encoding="utf-8")], 1, beams, summary, texts)
    sentences = sentences_of(texts[0])
    for _ in range(targets):
        marian_tokenizer, marian_model = load_hf(marian, device)
        hf_generate(marian_model, marian_tokenizer, sentences, 1, beams, translation)
    print(json.dumps({"summary": texts[0], "sentences": len(sentences)}))


_PROBE = (
    "import resource, subprocess, sys, time\n"
    "t = time.perf_counter()\n"
    "p = subprocess.run(sys.argv[1:], capture_output=True)\n"
    "print(p.returncode, time.perf_counter() - t, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
    "sys.stdout.flush(); sys.stdout.buffer.write(p.stdout); sys.stderr.buffer.write(p.stderr)\n"
)


def timed_run(command: Sequence[str], env: dict[str, str]) -> tuple[float, float, str]:
    """Wall seconds, peak RSS in MB and stdout of ``command`` in a fresh process; it must succeed."""
    out = subprocess.run([sys.executable, "-c", _PROBE, *command], capture_output=True, text=True, env=env, check=True)
    first, _, stdout = out.stdout.partition("\n")
    code, seconds, rss_kb = first.split()
    if int(code) != 0:
        raise RuntimeError(f"{' '.join(command)} exited {code}: {out.stderr[-2000:]}")
    return float(seconds), int(rss_kb) / 1024, stdout


def import_times(command: Sequence[str], env: dict[str, str]) -> dict[str, Any]:
    """``python -X importtime`` of ``command``: total seconds, and the packages that cost most.

    The total adds up each module's own time. While two threads import at once (the run loads
    its first model in the background) Python nests one thread's imports under the other's,
    and a module's own time can come out negative: those entries are left out.
    """
    out = subprocess.run([sys.executable, "-X", "importtime", *command], capture_output=True, text=True, env=env)
    by_package: dict[str, int] = {}
    skipped = 0
    for line in out.stderr.splitlines():
        if not line.startswith("import time:") or line.count("|") != 2 or "self [us]" in line:
            continue
        self_us, _, name = line.removeprefix("import time:").split("|")
        if int(self_us) < 0:
            skipped += 1
            continue
        package = name.strip().split(".")[0]
        by_package[package] = by_package.get(package, 0) + int(self_us)
    heaviest = sorted(by_package.items(), key=lambda item: -item[1])[:6]
    return {
        "exit_code": out.returncode,
        "total_s": sum(by_package.values()) / 1e6,
        "heaviest_s": {name: us / 1e6 for name, us in heaviest},
        "negative_entries_left_out": skipped,
        "torch": "torch" in by_package,
        "transformers": "transformers" in by_package,
    }


def bench_first_summary(
    marian: Path, bart: Path, device: str, workdir: Path, beams: int, runs: int = 5
) -> dict[str, Any]:
    """Time to first summary: one seed article end to end in a fresh process, converted models cached,
    against a hand-written transformers script doing the same work; median of ``runs``, taken in turns."""
    from summarize_cli.sentences import sentences_of

    summary, translation = 60, 40
    config = first_summary_config(marian, bart, workdir, beams, summary, translation)
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    ours_args = ["-m", "summarize_cli", "-c", str(config), "--device", device, "-f", "json", "-q"]
    script_args = [
        str(Path(__file__).resolve()),
        "--workdir",
        str(workdir),
        "--device",
        device,
        "--beams",
        str(beams),
        "--hand-written",
    ]
    report: dict[str, Any] = {
        "article": str(SEED.relative_to(ROOT)),
        "summary_tokens": summary,
        "translation_tokens": translation,
        "beams": beams,
        "runs": runs,
    }
    for label, flags, targets in (("summary_only", ["--no-translate"], 0), ("three_targets", [], len(TARGETS))):
        ours = [sys.executable, *ours_args, *flags, str(SEED)]
        script = [sys.executable, *script_args, str(targets)]
        first = json.loads(subprocess.run(ours, capture_output=True, text=True, env=env, check=True).stdout)  # converts
        theirs = json.loads(subprocess.run(script, capture_output=True, text=True, env=env, check=True).stdout)
        times: dict[str, list[float]] = {"ours": [], "hand_written": []}
        rss: dict[str, float] = {"ours": 0.0, "hand_written": 0.0}
        for _ in range(runs):
            for name, command in (("ours", ours), ("hand_written", script)):
                seconds, peak, _ = timed_run(command, env)
                times[name].append(seconds)
                rss[name] = max(rss[name], peak)
        ours_s, theirs_s = statistics.median(times["ours"]), statistics.median(times["hand_written"])
        report[label] = {
            "ours_s": ours_s,
            "hand_written_s": theirs_s,
            "speedup": theirs_s / ours_s,
            "ours_runs_s": times["ours"],
            "hand_written_runs_s": times["hand_written"],
            "ours_peak_rss_mb": rss["ours"],
            "hand_written_peak_rss_mb": rss["hand_written"],
            "sentences_translated": {
                "ours": len(sentences_of(first["summary"])) if targets else 0,
                "hand_written": theirs["sentences"] if targets else 0,
            },
        }
        report[label]["import_time"] = {
            "ours": import_times([*ours_args, *flags, str(SEED)], env),
            "hand_written": import_times([*script_args, str(targets)], env),
        }
    return report


def bench_verify(marian: Path, bart: Path, device: str, workdir: Path, beams: int, runs: int = 3) -> dict[str, Any]:
    """What --verify costs: the seed article through the pipeline into three languages, with and
    without translating each translation back, models loaded once; best of ``runs``, taken in turns."""
    from summarize_cli.config import load_config
    from summarize_cli.pipeline import Pipeline, RunOptions
    from summarize_cli.registry import ModelRegistry
    from summarize_cli.types import Article

    summary, translation, targets = 60, 40, ("uk", "ko", "ru")
    fixed = f"num_beams = {beams}\nmin_length = {translation + 1}\nmax_length = {translation + 1}\n"
    lines = [
        f'[summarizer]\nmodel = "{bart}"\nnum_beams = {beams}\nmin_length = {summary + 1}\nmax_length = {summary + 1}\n',
        f'[translation]\nsource = "en"\ntargets = {json.dumps(list(targets))}\n',
    ]
    for lang in targets:
        lines.append(f'[translation.models.{lang}]\nmodel = "{marian}"\n{fixed}')
        lines.append(f'[translation.pivot.{lang}]\nmodel = "{marian}"\n{fixed}')
    path = workdir / "verify.toml"
    path.write_text("\n".join(lines), encoding="utf-8")
    config = load_config(path)
    registry = ModelRegistry(device=device, offline=True)
    articles = [Article(source=SEED.name, text=SEED.read_text(encoding="utf-8"))]
    plain = Pipeline(config, RunOptions(device=device, offline=True), registry)
    verified = Pipeline(config, RunOptions(device=device, offline=True, verify=True), registry)
    [result] = verified.run(articles)  # loads (and converts) every model once
    times = race({"plain": lambda: plain.run(articles), "verify": lambda: verified.run(articles)}, runs)
    plain_s, verify_s = times["plain"], times["verify"]
    return {
        "article": str(SEED.relative_to(ROOT)),
        "targets": list(targets),
        "beams": beams,
        "runs": runs,
        "plain_s": plain_s,
        "verify_s": verify_s,
        # The share of a --verify run's time that the trip back takes, and how much longer the run is.
        "verify_share": (verify_s - plain_s) / verify_s,
        "overhead": verify_s / plain_s - 1,
        "roundtrip": result.roundtrip,
    }


def folder_of_articles(workdir: Path, count: int) -> Path:
    """``count`` news articles of the seed's length, each different: the seed's paragraphs in turn."""
    folder = workdir / "folder" / f"articles-{count}"
    if folder.is_dir() and len(list(folder.glob("*.txt"))) == count:
        return folder
    folder.mkdir(parents=True, exist_ok=True)
    paragraphs = [p for p in SEED.read_text(encoding="utf-8").split("\n\n") if p.strip()]
    for i in range(count):
        turned = paragraphs[i % len(paragraphs) :] + paragraphs[: i % len(paragraphs)]
        (folder / f"article-{i:05d}.txt").write_text(f"Report {i}\n\n" + "\n\n".join(turned), encoding="utf-8")
    return folder


def bench_folder(
    marian: Path, bart: Path, device: str, workdir: Path, beams: int, sizes: tuple[int, int]
) -> dict[str, Any]:
    """Folder throughput, summary plus uk, ko and ru per article, with the models already loaded.

    Three ways through the same folder: one article at a time (the runner with groups of one,
    so no batching across articles), the local engine (groups of eight), and Ray Data with one
    actor. Each runs on ``sizes[0]`` and ``sizes[1]`` articles; articles per second is the
    slope between the two, so that what a run pays once (Ray's actor starting and loading its
    models) does not count, and that fixed cost is reported beside it. Ray itself is started
    once, before, as a cluster would be, and given one run to warm up; where Ray is not
    installed, its part says so and the others are still measured. One at a time runs on the
    smaller folder only.
    """
    import importlib.util
    import shutil
    import tempfile

    from summarize_cli.batch import BatchRunner, OutputLayout
    from summarize_cli.config import load_config
    from summarize_cli.pipeline import Pipeline, RunOptions
    from summarize_cli.ray_engine import RayRunner
    from summarize_cli.sources import expand_inputs

    summary_tokens, translation_tokens = 60, 40
    config = load_config(str(first_summary_config(marian, bart, workdir, beams, summary_tokens, translation_tokens)))
    pipeline = Pipeline(config, RunOptions(device=device, offline=True))
    folders = {n: folder_of_articles(workdir, n) for n in sizes}

    def timed(runner_cls: Callable[..., BatchRunner], count: int, **kwargs: Any) -> float:
        refs = expand_inputs([str(folders[count])])
        out = Path(tempfile.mkdtemp(prefix="folder-bench-", dir=workdir))
        try:
            runner = runner_cls(
                pipeline, layout_for=lambda rs: OutputLayout(out, rs, ("summary", *pipeline.targets)), **kwargs
            )
            started = time.perf_counter()
            summary = runner.run(refs)
            seconds = time.perf_counter() - started
        finally:
            shutil.rmtree(out, ignore_errors=True)
        if summary.done != count or summary.failed or summary.aborted:
            raise RuntimeError(f"the folder run did {summary.done} of {count} articles: {summary.aborted}")
        return seconds

    timed(BatchRunner, sizes[0], group_size=1)  # loads the models (and converts them the first time)
    small, large = sizes
    report: dict[str, Any] = {
        "articles": list(sizes),
        "targets": list(TARGETS),
        "summary_tokens": summary_tokens,
        "translation_tokens": translation_tokens,
        "beams": beams,
    }
    one = timed(BatchRunner, small, group_size=1)
    report["one_at_a_time"] = {"seconds": {str(small): one}, "articles_per_s": small / one}
    local = {n: timed(BatchRunner, n) for n in sizes}
    report["local"] = {
        "seconds": {str(n): t for n, t in local.items()},
        "articles_per_s": (large - small) / (local[large] - local[small]),
    }
    report["articles_per_s"] = report["local"]["articles_per_s"]
    report["speedup_over_one_at_a_time"] = report["articles_per_s"] / report["one_at_a_time"]["articles_per_s"]
    if importlib.util.find_spec("ray") is None:
        report["ray_one_actor"] = {"skipped": "ray is not installed (pip install 'summarize-cli[ray]')"}
        return report
    import ray

    gpus = 1 if device == "cuda" else 0
    ray.init(num_cpus=os.cpu_count(), num_gpus=gpus, include_dashboard=False, logging_level=logging.ERROR)
    try:
        timed(RayRunner, small, workers=1)  # Ray's first actor also starts its worker processes
        on_ray = {n: timed(RayRunner, n, workers=1) for n in sizes}
    finally:
        ray.shutdown()
    ray_rate = (large - small) / (on_ray[large] - on_ray[small])
    report["ray_one_actor"] = {
        "seconds": {str(n): t for n, t in on_ray.items()},
        "articles_per_s": ray_rate,
        # What a Ray run pays once: the actor starting and loading its models, the dataset planned.
        "fixed_s": on_ray[small] - small / ray_rate,
        # What Ray adds to each article beyond the local engine's time for it.
        "added_per_article_s": 1 / ray_rate - 1 / report["local"]["articles_per_s"],
    }
    return report


def _cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine() -> dict[str, Any]:
    import torch

    info: dict[str, Any] = {
        "cpu": _cpu_name(),
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "torch": torch.__version__,
        "torch_threads": torch.get_num_threads(),
    }
    try:
        import ctranslate2

        info["ctranslate2"] = ctranslate2.__version__
    except ImportError:
        pass
    import transformers

    info["transformers"] = transformers.__version__
    if torch.cuda.is_available():
        info["gpu"] = torch.cuda.get_device_name(0)
    return info


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    parser.add_argument("--workdir", type=Path, default=ROOT / "benchmarks" / ".models")
    parser.add_argument("--sentences", type=int, default=32)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--beams", type=int, default=4)
    parser.add_argument("--tokens", type=int, default=40, help="output tokens per sentence")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parts = ["translation", "summary", "help", "rss", "first-summary", "verify", "folder"]
    parser.add_argument("--skip", nargs="*", default=[], choices=parts)
    parser.add_argument("--only", nargs="*", choices=parts, help="run only these parts")
    parser.add_argument("--runs", type=int, default=5, help="fresh-process runs per contender (first-summary)")
    parser.add_argument(
        "--folder-articles",
        type=int,
        nargs=2,
        metavar=("SMALL", "LARGE"),
        help="the two folder sizes of the folder part (default 8 32 on a CPU, 64 320 on a GPU)",
    )
    parser.add_argument("--hand-written", type=int, metavar="TARGETS", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.only:
        args.skip = [part for part in parts if part not in args.only]

    os.environ.setdefault("SUMMARIZE_CLI_CACHE", str(args.workdir / "ct2-cache"))
    os.environ["HF_HUB_OFFLINE"] = "1"
    if args.hand_written is not None:  # one contender of first-summary, in its own process
        marian, bart = args.workdir / "opus-mt-base-shape", args.workdir / "distilbart-cnn-12-6-shape"
        hand_written(marian, bart, args.device, args.hand_written, args.beams, 60, 40)
        return 0
    from summarize_cli.backends.hf import quiet_transformers

    quiet_transformers()
    args.workdir.mkdir(parents=True, exist_ok=True)
    marian, bart = ensure_models(args.workdir)
    report: dict[str, Any] = {"machine": machine(), "device": args.device}
    if "help" not in args.skip:
        report["help"] = bench_help()
        print(f"--help: median {report['help']['median_s']:.3f} s", flush=True)
    if "translation" not in args.skip:
        t = report["translation"] = bench_translation(
            marian, args.device, args.sentences, args.batch_size, args.beams, args.tokens
        )
        print(
            f"translation ({t['sentences']} sentences x {t['tokens_per_sentence']} tokens, beam {t['beams']}): "
            f"naive {t['naive_tok_s']:.1f} tok/s, batched {t['batched_tok_s']:.1f} tok/s, "
            f"ours ({t['backend']}) {t['ours_tok_s']:.1f} tok/s = {t['ours_vs_naive']:.1f}x naive, "
            f"{t['ours_vs_batched']:.2f}x batched",
            flush=True,
        )
    if "summary" not in args.skip:
        s = report["summary"] = bench_summary(bart, args.device, 800, 100, args.beams)
        print(
            f"summary ({s['input_tokens']} -> {s['output_tokens']} tokens, beam {s['beams']}): "
            f"transformers {s['transformers_s']:.2f} s, ours ({s['backend']}) {s['ours_s']:.2f} s = {s['speedup']:.2f}x",
            flush=True,
        )
    if "rss" not in args.skip:
        r = report["full_run"] = bench_full_run_rss(marian, bart, args.device, args.workdir)
        print(f"full run: exit {r['exit_code']}, {r['wall_s']:.1f} s, peak RSS {r['peak_rss_mb']:.0f} MB", flush=True)
    if "first-summary" not in args.skip:
        f = report["first_summary"] = bench_first_summary(
            marian, bart, args.device, args.workdir, args.beams, args.runs
        )
        for label in ("summary_only", "three_targets"):
            r = f[label]
            print(
                f"first summary, {label}: ours {r['ours_s']:.2f} s, hand-written {r['hand_written_s']:.2f} s "
                f"= {r['speedup']:.2f}x; peak RSS {r['ours_peak_rss_mb']:.0f} / {r['hand_written_peak_rss_mb']:.0f} MB; "
                f"imports {r['import_time']['ours']['total_s']:.2f} / {r['import_time']['hand_written']['total_s']:.2f} s",
                flush=True,
            )
    if "verify" not in args.skip:
        v = report["verify"] = bench_verify(marian, bart, args.device, args.workdir, args.beams)
        print(
            f"--verify: {v['plain_s']:.2f} s without, {v['verify_s']:.2f} s with: "
            f"{v['verify_share']:.0%} of the run's time (+{v['overhead']:.0%})",
            flush=True,
        )
    if "folder" not in args.skip:
        sizes = tuple(args.folder_articles or ((64, 320) if args.device == "cuda" else (8, 32)))
        d = report["folder"] = bench_folder(marian, bart, args.device, args.workdir, args.beams, sizes)
        on_ray = d["ray_one_actor"]
        ray_line = (
            f"Ray one actor {on_ray['articles_per_s']:.2f} articles/s, adding "
            f"{on_ray['added_per_article_s'] * 1000:.0f} ms an article and {on_ray['fixed_s']:.1f} s a run"
            if "skipped" not in on_ray
            else f"Ray skipped: {on_ray['skipped']}"
        )
        print(
            f"folder (summary + {', '.join(TARGETS)}): one at a time {d['one_at_a_time']['articles_per_s']:.2f}, "
            f"local engine {d['local']['articles_per_s']:.2f} articles/s; {ray_line}",
            flush=True,
        )
    print(json.dumps(report, indent=2))
    if args.json:
        # Parts this run did not measure keep their earlier figures.
        earlier = json.loads(args.json.read_text(encoding="utf-8")) if args.json.is_file() else {}
        if earlier.get("device", args.device) != args.device:
            earlier = {}
        args.json.write_text(json.dumps({**earlier, **report}, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
