"""Mutation testing of the pure modules: small mutants, each run against the module's fast tests.

A mutant changes one expression or statement of a module (``<`` to ``<=``, ``and`` to ``or``,
a constant ``0`` to ``1``, a dropped ``not``, ``return x`` to ``return None``, ...). The
module's tests should fail for it: a mutant the tests pass is behaviour nothing checks.

Everything happens in a copy of the working tree in a temporary folder, so the files of the
checkout are never touched while others work in it. Mutants are sampled per module with a
fixed seed, so a run is repeatable and fits what a shared machine can do. Usage:

    .venv/bin/python scripts/mutate.py [MODULE ...] [--per-module 40] [--seed 1] [--list]

Mutants known to be equivalent (no test could tell them from the original) are listed, with
the reason, in ``scripts/mutation-equivalent.tsv`` and not run.
"""

from __future__ import annotations

import argparse
import ast
import copy
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
EQUIVALENT_FILE = REPO / "scripts" / "mutation-equivalent.tsv"

# Each pure module and the test files that exercise it. Only their fast tests run: the
# ``fast_tests`` plugin (in this folder) leaves out every test that builds the tiny models.
PLAN: dict[str, tuple[str, ...]] = {
    "summarize_cli/checks.py": ("tests/test_checks.py", "tests/test_trust.py", "tests/test_checks_limits.py"),
    "summarize_cli/cleaning.py": ("tests/test_cleaning.py", "tests/test_properties.py"),
    "summarize_cli/sentences.py": ("tests/test_sentences.py", "tests/test_properties.py"),
    "summarize_cli/chunking.py": ("tests/test_chunking.py",),
    "summarize_cli/sources.py": ("tests/test_sources.py", "tests/test_properties.py", "tests/test_webpages.py"),
    "summarize_cli/config.py": ("tests/test_config.py",),
    "summarize_cli/batch.py": ("tests/test_batch_runner.py", "tests/test_batch.py"),
}
PYTEST_ARGS = ("-x", "-q", "-p", "no:cacheprovider", "-p", "fast_tests", "-m", "not slow")

_COMPARE_SWAPS: dict[type[ast.cmpop], type[ast.cmpop]] = {
    ast.Lt: ast.LtE,
    ast.LtE: ast.Lt,
    ast.Gt: ast.GtE,
    ast.GtE: ast.Gt,
    ast.Eq: ast.NotEq,
    ast.NotEq: ast.Eq,
    ast.In: ast.NotIn,
    ast.NotIn: ast.In,
    ast.Is: ast.IsNot,
    ast.IsNot: ast.Is,
}
_BINOP_SWAPS: dict[type[ast.operator], type[ast.operator]] = {
    ast.Add: ast.Sub,
    ast.Sub: ast.Add,
    ast.Mult: ast.Div,
    ast.Div: ast.Mult,
    ast.FloorDiv: ast.Mult,
    ast.Mod: ast.FloorDiv,
    ast.BitOr: ast.BitAnd,
    ast.BitAnd: ast.BitOr,
}
_SYMBOLS: dict[type[ast.AST], str] = {
    ast.Lt: "<",
    ast.LtE: "<=",
    ast.Gt: ">",
    ast.GtE: ">=",
    ast.Eq: "==",
    ast.NotEq: "!=",
    ast.In: "in",
    ast.NotIn: "not in",
    ast.Is: "is",
    ast.IsNot: "is not",
    ast.Add: "+",
    ast.Sub: "-",
    ast.Mult: "*",
    ast.Div: "/",
    ast.FloorDiv: "//",
    ast.Mod: "%",
    ast.BitOr: "|",
    ast.BitAnd: "&",
    ast.And: "and",
    ast.Or: "or",
}


@dataclass(frozen=True)
class Mutant:
    """One change to one module: the byte span it replaces and what goes there instead."""

    path: str
    line: int
    start: int
    end: int
    replacement: str
    description: str
    original_line: str
    mutated_line: str

    def key(self) -> tuple[str, str, str]:
        """What identifies the mutant across edits elsewhere in the file (line numbers move)."""
        return (self.path, self.original_line, self.mutated_line)


@dataclass
class Outcome:
    """What the tests made of one mutant."""

    mutant: Mutant
    status: str  # "killed", "survived" or "timeout" (a timeout counts as killed)
    seconds: float


def _symbol(op: ast.AST) -> str:
    return _SYMBOLS.get(type(op), type(op).__name__)


class _Collector(ast.NodeVisitor):
    """Walks a module and yields (node, mutated text, description) for every mutation it allows."""

    def __init__(self) -> None:
        self.found: list[tuple[ast.AST, str, str]] = []
        self._skip_depth = 0
        self._function_depth = 0

    # Code that never runs as logic: annotations, docstrings, f-string pieces, type-only imports.
    def _skipped(self, node: ast.AST | None, *, inside: bool = False) -> None:
        """Walk ``node`` (only its children with ``inside``) without collecting mutations."""
        if node is None:
            return
        self._skip_depth += 1
        if inside:
            self.generic_visit(node)
        else:
            self.visit(node)
        self._skip_depth -= 1

    def _add(self, node: ast.AST, text: str, description: str) -> None:
        if self._skip_depth == 0:
            self.found.append((node, text, description))

    def visit_arg(self, node: ast.arg) -> None:
        self._skipped(node.annotation)

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        self._function(node)

    def visit_AsyncFunctionDef(self, node: ast.AsyncFunctionDef) -> None:
        self._function(node)

    def _function(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        for decorator in node.decorator_list:
            self.visit(decorator)
        self.visit(node.args)
        self._skipped(node.returns)
        self._function_depth += 1
        self._body(node.body)
        self._function_depth -= 1

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        for decorator in node.decorator_list:
            self.visit(decorator)
        for base in node.bases:
            self.visit(base)
        self._body(node.body)

    def visit_Module(self, node: ast.Module) -> None:
        self._body(node.body)

    def _body(self, body: list[ast.stmt]) -> None:
        for index, stmt in enumerate(body):
            if index == 0 and _is_docstring(stmt):
                continue
            self.visit(stmt)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        self._skipped(node.annotation)
        if node.value is not None:
            self.visit(node.value)

    def visit_JoinedStr(self, node: ast.JoinedStr) -> None:
        self._skipped(node, inside=True)  # a replacement inside an f-string would need its quoting

    def visit_If(self, node: ast.If) -> None:
        if isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING":
            return
        self._add(node.test, f"not ({ast.unparse(node.test)})", "negate the condition")
        self.generic_visit(node)

    def visit_While(self, node: ast.While) -> None:
        self._add(node.test, f"not ({ast.unparse(node.test)})", "negate the condition")
        self.generic_visit(node)

    def visit_Compare(self, node: ast.Compare) -> None:
        for index, op in enumerate(node.ops):
            swap = _COMPARE_SWAPS.get(type(op))
            if swap is None:
                continue
            mutated = copy.deepcopy(node)
            mutated.ops[index] = swap()
            self._add(node, ast.unparse(mutated), f"{_symbol(op)} -> {_symbol(swap())}")
        self.generic_visit(node)

    def visit_BinOp(self, node: ast.BinOp) -> None:
        swap = _BINOP_SWAPS.get(type(node.op))
        if swap is not None:
            mutated = copy.deepcopy(node)
            mutated.op = swap()
            self._add(node, ast.unparse(mutated), f"{_symbol(node.op)} -> {_symbol(swap())}")
        self.generic_visit(node)

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        swap = _BINOP_SWAPS.get(type(node.op))
        if swap is not None:
            mutated = copy.deepcopy(node)
            mutated.op = swap()
            self._add(node, ast.unparse(mutated), f"{_symbol(node.op)}= -> {_symbol(swap())}=")
        self.generic_visit(node)

    def visit_BoolOp(self, node: ast.BoolOp) -> None:
        mutated = copy.deepcopy(node)
        mutated.op = ast.Or() if isinstance(node.op, ast.And) else ast.And()
        self._add(node, ast.unparse(mutated), f"{_symbol(node.op)} -> {_symbol(mutated.op)}")
        self.generic_visit(node)

    def visit_UnaryOp(self, node: ast.UnaryOp) -> None:
        if isinstance(node.op, ast.Not):
            self._add(node, ast.unparse(node.operand), "drop not")
        elif isinstance(node.op, ast.USub):
            self._add(node, ast.unparse(node.operand), "drop the minus")
        self.generic_visit(node)

    def visit_Constant(self, node: ast.Constant) -> None:
        value = node.value
        if isinstance(value, bool):
            self._add(node, repr(not value), f"{value} -> {not value}")
        elif isinstance(value, int):
            self._add(node, repr(value + 1), f"{value} -> {value + 1}")
        elif isinstance(value, float):
            self._add(node, repr(value + 1.0), f"{value} -> {value + 1.0}")

    def visit_Return(self, node: ast.Return) -> None:
        if node.value is not None and not (isinstance(node.value, ast.Constant) and node.value.value is None):
            self._add(node.value, "None", "return None")
        self.generic_visit(node)

    def visit_Break(self, node: ast.Break) -> None:
        self._add(node, "continue", "break -> continue")

    def visit_Continue(self, node: ast.Continue) -> None:
        self._add(node, "break", "continue -> break")

    def visit_Expr(self, node: ast.Expr) -> None:
        if isinstance(node.value, ast.Call) and not _is_log_call(node.value):
            self._add(node, "pass", "drop the call")  # a call made for its effect
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        # Log calls, arguments and all, are left alone: diagnostics, not behaviour a test pins.
        if _is_log_call(node):
            self._skipped(node, inside=True)
        else:
            self.generic_visit(node)

    def visit_Dict(self, node: ast.Dict) -> None:
        self._data_table(node)

    def visit_Set(self, node: ast.Set) -> None:
        self._data_table(node)

    def visit_List(self, node: ast.List) -> None:
        self._data_table(node)

    def visit_Tuple(self, node: ast.Tuple) -> None:
        self._data_table(node)

    def _data_table(self, node: ast.AST) -> None:
        # Module-level literal tables (number words, units, encodings) are data, not logic: the
        # tests of what they feed check them, and mutating each entry would swamp the sample.
        children = [child for child in ast.iter_child_nodes(node) if isinstance(child, ast.expr)]
        if self._function_depth == 0 and all(isinstance(child, ast.Constant) for child in children):
            self._skipped(node, inside=True)
        else:
            self.generic_visit(node)


def _is_docstring(stmt: ast.stmt) -> bool:
    return isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant) and isinstance(stmt.value.value, str)


def _is_log_call(call: ast.Call) -> bool:
    func = call.func
    return isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id in {"log", "logging"}


def _line_offsets(data: bytes) -> list[int]:
    """Byte offset of the start of each line (1-based index: entry 0 is unused)."""
    offsets = [0, 0]
    for index, byte in enumerate(data):
        if byte == 0x0A:
            offsets.append(index + 1)
    return offsets


def _line_at(data: bytes, offsets: list[int], line: int) -> str:
    start = offsets[line]
    end = data.find(b"\n", start)
    return data[start : end if end >= 0 else len(data)].decode("utf-8").strip()


def mutants_of(path: str, data: bytes) -> list[Mutant]:
    """Every mutant of one module's source, in source order; ones that do not compile are dropped."""
    tree = ast.parse(data)
    collector = _Collector()
    collector.visit(tree)
    offsets = _line_offsets(data)
    mutants: list[Mutant] = []
    seen: set[tuple[int, int, str]] = set()
    for node, text, description in collector.found:
        lineno, end_lineno = getattr(node, "lineno", None), getattr(node, "end_lineno", None)
        col, end_col = getattr(node, "col_offset", None), getattr(node, "end_col_offset", None)
        if lineno is None or end_lineno is None or col is None or end_col is None:
            continue
        # ast columns are UTF-8 byte offsets, so the splice works on bytes.
        start, end = offsets[lineno] + col, offsets[end_lineno] + end_col
        original = data[start:end].decode("utf-8")
        if "pragma: no mutate" in _line_at(data, offsets, lineno):
            continue
        replacement = text if isinstance(node, ast.stmt) else f"({text})"
        if replacement.strip("()") == original.strip("()") or (start, end, replacement) in seen:
            continue
        mutated = data[:start] + replacement.encode("utf-8") + data[end:]
        try:
            compile(mutated, path, "exec")
        except SyntaxError:
            continue
        seen.add((start, end, replacement))
        mutants.append(
            Mutant(
                path=path,
                line=lineno,
                start=start,
                end=end,
                replacement=replacement,
                description=description,
                original_line=_line_at(data, offsets, lineno),
                mutated_line=_line_at(mutated, _line_offsets(mutated), lineno),
            )
        )
    return mutants


def load_equivalent(path: Path = EQUIVALENT_FILE) -> dict[tuple[str, str, str], str]:
    """The mutants listed as equivalent: (module, original line, mutated line) to the reason."""
    if not path.exists():
        return {}
    known: dict[tuple[str, str, str], str] = {}
    for raw in path.read_text(encoding="utf-8").splitlines():
        if not raw.strip() or raw.startswith("#"):
            continue
        module, original, mutated, reason = raw.split("\t")
        known[(module, original, mutated)] = reason
    return known


def sample(mutants: Sequence[Mutant], per_module: int, seed: int) -> list[Mutant]:
    """At most ``per_module`` mutants, the same ones for the same seed and source, in source order."""
    if len(mutants) <= per_module:
        return list(mutants)
    picked = random.Random(seed).sample(range(len(mutants)), per_module)
    return [mutants[i] for i in sorted(picked)]


def copy_tree(dest: Path) -> None:
    """Copy the working tree's files (tracked and untracked, not ignored ones) to ``dest``."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPO,
        capture_output=True,
        check=True,
    ).stdout
    for name in listed.decode("utf-8", "surrogateescape").split("\0"):
        source = REPO / name
        if not name or not source.is_file():
            continue
        target = dest / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target)


def run_tests(tree: Path, tests: Sequence[str], timeout: float) -> tuple[int | None, float]:
    """Run ``tests`` in ``tree``; the exit status (None on timeout) and the seconds it took."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("COVERAGE_")}
    env.update(
        PYTHONPATH=os.pathsep.join([str(tree), str(tree / "scripts")]),
        HF_HUB_OFFLINE="1",
        # Mutants of one file can share its size and mtime second: stale bytecode would hide them.
        PYTHONDONTWRITEBYTECODE="1",
        TMPDIR=str(tree.parent / "tmp"),
    )
    started = time.monotonic()
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "pytest", *PYTEST_ARGS, *tests],
            cwd=tree,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return None, time.monotonic() - started
    return proc.returncode, time.monotonic() - started


@dataclass
class ModuleReport:
    """The outcome for one module."""

    module: str
    generated: int
    equivalent: int
    outcomes: list[Outcome]

    @property
    def killed(self) -> int:
        """Mutants the tests failed on (timeouts included)."""
        return sum(1 for o in self.outcomes if o.status != "survived")

    @property
    def rate(self) -> float:
        """Share of the run mutants that were killed, in percent."""
        return 100.0 * self.killed / len(self.outcomes) if self.outcomes else 100.0


def mutate_module(
    tree: Path,
    module: str,
    tests: Sequence[str],
    per_module: int,
    seed: int,
    equivalent: dict[tuple[str, str, str], str],
    lines: set[int] | None = None,
) -> ModuleReport:
    """Run the sampled mutants of ``module`` (all those on ``lines``, if given) in ``tree``.

    The file is restored after each mutant.
    """
    target = tree / module
    original = target.read_bytes()
    tests = [test for test in tests if (tree / test).is_file()]
    if not tests:
        raise SystemExit(f"{module}: none of its tests ({', '.join(PLAN[module])}) exist")
    every = mutants_of(module, original)
    candidates = [m for m in every if m.key() not in equivalent]
    chosen = sample(candidates, per_module, seed) if lines is None else [m for m in candidates if m.line in lines]
    status, baseline = run_tests(tree, tests, timeout=900)
    if status != 0:
        raise SystemExit(f"{module}: the tests fail (exit {status}) before any mutation; fix them first")
    timeout = max(30.0, 5 * baseline)
    print(f"{module}: {len(every)} mutants, {len(chosen)} sampled, tests take {baseline:.1f}s", file=sys.stderr)
    outcomes: list[Outcome] = []
    for index, mutant in enumerate(chosen, 1):
        try:
            target.write_bytes(original[: mutant.start] + mutant.replacement.encode("utf-8") + original[mutant.end :])
            code, seconds = run_tests(tree, tests, timeout)
        finally:
            target.write_bytes(original)
        state = "timeout" if code is None else ("survived" if code == 0 else "killed")
        outcomes.append(Outcome(mutant, state, seconds))
        print(f"  [{index}/{len(chosen)}] {module}:{mutant.line} {mutant.description}: {state}", file=sys.stderr)
    return ModuleReport(module, len(every), len(every) - len(candidates), outcomes)


def render(reports: Sequence[ModuleReport]) -> Iterator[str]:
    """A Markdown table of kill rates, then each survivor with its line before and after."""
    yield "| module | mutants | equivalent | run | killed | survived | killed % |"
    yield "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"
    for r in reports:
        survived = len(r.outcomes) - r.killed
        name = Path(r.module).name
        yield f"| {name} | {r.generated} | {r.equivalent} | {len(r.outcomes)} | {r.killed} | {survived} | {r.rate:.0f} |"
    run = sum(len(r.outcomes) for r in reports)
    killed = sum(r.killed for r in reports)
    overall = 100.0 * killed / run if run else 100.0
    yield f"| **all** | | | {run} | {killed} | {run - killed} | **{overall:.0f}** |"
    for r in reports:
        for o in r.outcomes:
            if o.status == "survived":
                m = o.mutant
                yield f"\nsurvived {m.path}:{m.line} ({m.description})\n  - {m.original_line}\n  + {m.mutated_line}"


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the arguments, run the mutants, print the table; exit 1 below ``--fail-under``."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("modules", nargs="*", help="modules to mutate (default: every pure module)")
    parser.add_argument("--per-module", type=int, default=40, help="mutants sampled per module (default 40)")
    parser.add_argument("--seed", type=int, default=1, help="sampling seed (default 1)")
    parser.add_argument("--list", action="store_true", help="only list the sampled mutants")
    parser.add_argument(
        "--lines", type=lambda raw: {int(n) for n in raw.split(",")}, help="every mutant of these lines (of one module)"
    )
    parser.add_argument("--json", type=Path, help="also write every outcome to this file")
    parser.add_argument("--fail-under", type=float, default=0.0, help="exit 1 when fewer are killed (percent)")
    args = parser.parse_args(argv)
    modules = [
        m if m.startswith("summarize_cli/") else f"summarize_cli/{m.removesuffix('.py')}.py" for m in args.modules
    ]
    for module in modules:
        if module not in PLAN:
            parser.error(f"{module} is not one of {', '.join(PLAN)}")
    if args.lines is not None and len(modules) != 1:
        parser.error("--lines needs exactly one module")
    equivalent = load_equivalent()
    if args.list:
        for module in modules or PLAN:
            every = mutants_of(module, (REPO / module).read_bytes())
            for m in sample([m for m in every if m.key() not in equivalent], args.per_module, args.seed):
                print(f"{m.path}:{m.line}\t{m.description}\t{m.mutated_line}")
        return 0
    with tempfile.TemporaryDirectory(prefix="summarize-cli-mutants-") as work:
        tree = Path(work) / "tree"
        (Path(work) / "tmp").mkdir()
        copy_tree(tree)
        reports = [
            mutate_module(tree, module, PLAN[module], args.per_module, args.seed, equivalent, args.lines)
            for module in (modules or PLAN)
        ]
    for line in render(reports):
        print(line)
    if args.json is not None:
        args.json.write_text(json.dumps([asdict(o) for r in reports for o in r.outcomes], indent=1), encoding="utf-8")
    run = sum(len(r.outcomes) for r in reports)
    overall = 100.0 * sum(r.killed for r in reports) / run if run else 100.0
    return 1 if overall < args.fail_under else 0


if __name__ == "__main__":
    sys.exit(main())
