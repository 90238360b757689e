"""Mutation testing of ``iris_nn/core``: does some core test fail when the code is made wrong?

Each mutant changes one thing in one core module: an arithmetic operator (``+`` and ``-``, ``*``
and ``/``, ``**`` to ``*``, ``@`` to ``*``), a comparison (``<`` and ``<=``, ``>`` and ``>=``,
``==`` and ``!=``), ``and`` and ``or``, a number (``n`` to ``n + 1``, ``0.5`` to ``1.0``), ``True``
and ``False``, or a unary minus dropped. Strings, docstrings and annotations are left alone. The
core tests (``test_functional``, ``test_network``, ``test_engine``, ``test_optim``, ``test_train``)
then run on a copy of the project with that one change, stopping at the first failure: a mutant
that fails a test is killed, one that passes them all survives, and a survivor is a change to the
math that no test notices (or, now and then, a change that makes no difference: ``<`` to ``<=``
where the two are never equal).

Run ``python benchmarks/mutation.py`` (every mutant: about 600, hours on a busy 2-core machine) or
``--sample 60`` for a random sample (``--seed``), ``--module optim`` for one module. It needs
nothing beyond the dev extras; it is not part of CI. The survivors are printed as
``module:line  before -> after``, the code line below each.
"""

from __future__ import annotations

import argparse
import ast
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORE = ROOT / "iris_nn" / "core"
TESTS = [
    "test_functional.py",
    "test_network.py",
    "test_engine.py",
    "test_optim.py",
    "test_train.py",
]
SWAPS: dict[type[ast.AST], type[ast.AST]] = {
    ast.Add: ast.Sub,
    ast.Sub: ast.Add,
    ast.Mult: ast.Div,
    ast.Div: ast.Mult,
    ast.FloorDiv: ast.Mult,
    ast.Pow: ast.Mult,
    ast.MatMult: ast.Mult,
    ast.Lt: ast.LtE,
    ast.LtE: ast.Lt,
    ast.Gt: ast.GtE,
    ast.GtE: ast.Gt,
    ast.Eq: ast.NotEq,
    ast.NotEq: ast.Eq,
    ast.And: ast.Or,
    ast.Or: ast.And,
    ast.Is: ast.IsNot,
    ast.IsNot: ast.Is,
}
SYMBOLS: dict[type[ast.AST], str] = {
    ast.Add: "+",
    ast.Sub: "-",
    ast.Mult: "*",
    ast.Div: "/",
    ast.FloorDiv: "//",
    ast.Pow: "**",
    ast.MatMult: "@",
    ast.Lt: "<",
    ast.LtE: "<=",
    ast.Gt: ">",
    ast.GtE: ">=",
    ast.Eq: "==",
    ast.NotEq: "!=",
    ast.And: "and",
    ast.Or: "or",
    ast.Is: "is",
    ast.IsNot: "is not",
}


@dataclass(frozen=True)
class Mutant:
    """One change: the ``index``-th mutable node of ``module`` (in ``ast.walk`` order)."""

    module: str
    index: int
    line: int
    before: str
    after: str


def _skipped(tree: ast.Module) -> set[int]:
    """Return the ids of nodes that are not code to mutate: docstrings, annotations, strings."""
    skip: set[int] = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        first = body[0] if isinstance(body, list) and body else None
        if isinstance(first, ast.Expr) and isinstance(getattr(first.value, "value", None), str):
            skip |= {id(n) for n in ast.walk(first)}
        annotations = [getattr(node, "annotation", None), getattr(node, "returns", None)]
        for annotation in annotations:
            if annotation is not None:
                skip |= {id(n) for n in ast.walk(annotation)}
        if isinstance(node, ast.JoinedStr):  # f-strings: messages, not math
            skip |= {id(n) for n in ast.walk(node)}
    return skip


def _change(node: ast.AST) -> tuple[str, str, ast.AST] | None:
    """Return (before, after, replacement) for a node this script mutates, else None."""
    if isinstance(node, ast.BinOp | ast.BoolOp | ast.Compare):
        op = node.ops[0] if isinstance(node, ast.Compare) else node.op
        new = SWAPS.get(type(op))
        if new is None:
            return None
        return SYMBOLS[type(op)], SYMBOLS[new], new()
    if isinstance(node, ast.Constant) and not isinstance(node.value, str | bytes):
        value = node.value
        if isinstance(value, bool):
            return repr(value), repr(not value), ast.Constant(not value)
        if isinstance(value, int):
            return repr(value), repr(value + 1), ast.Constant(value + 1)
        if isinstance(value, float):
            new_value = value * 2 if value else 1.0
            return repr(value), repr(new_value), ast.Constant(new_value)
        return None
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        return "-x", "x", node.operand
    return None


def mutants(module: Path) -> list[Mutant]:
    """Return every mutant of ``module``."""
    tree = ast.parse(module.read_text())
    skip = _skipped(tree)
    found = []
    for index, node in enumerate(ast.walk(tree)):
        change = None if id(node) in skip else _change(node)
        if change is not None:
            found.append(Mutant(module.stem, index, node.lineno, change[0], change[1]))  # type: ignore[attr-defined]
    return found


def mutated_source(module: Path, mutant: Mutant) -> str:
    """Return the source of ``module`` with ``mutant`` applied."""
    tree = ast.parse(module.read_text())
    for index, node in enumerate(ast.walk(tree)):
        if index != mutant.index:
            continue
        change = _change(node)
        assert change is not None and change[:2] == (mutant.before, mutant.after)
        replacement = change[2]
        if isinstance(node, ast.Compare):
            node.ops[0] = replacement  # type: ignore[call-overload]
        elif isinstance(node, ast.BinOp | ast.BoolOp):
            node.op = replacement  # type: ignore[assignment]
        else:
            for parent in ast.walk(tree):
                for field, value in ast.iter_fields(parent):
                    if value is node:
                        setattr(parent, field, replacement)
                    elif isinstance(value, list) and any(v is node for v in value):
                        value[[v is node for v in value].index(True)] = replacement
        return ast.unparse(ast.fix_missing_locations(tree))
    raise ValueError(f"no node {mutant.index} in {module}")


def run_tests(copy: Path, timeout: float, module: str = "") -> str:
    """Return "killed", "survived" or "timeout" for the core tests run in ``copy`` (the tests of
    ``module`` first: a mutant they kill is over sooner)."""
    env = {**os.environ, "PYTHONPATH": str(copy), "PYTHONDONTWRITEBYTECODE": "1"}
    env.pop("CI", None)  # the short Hypothesis profile
    command = [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider"]
    try:
        done = subprocess.run(
            [*command, *(f"tests/{t}" for t in sorted(TESTS, key=lambda t: module not in t))],
            cwd=copy,
            env=env,
            capture_output=True,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        return "timeout"  # an endless loop: as good as killed
    return "survived" if done.returncode == 0 else "killed"


def main() -> None:
    """Run the mutants (all, or a sample) and print the survivors."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sample", type=int, help="run this many mutants chosen at random")
    parser.add_argument("--seed", type=int, default=0, help="the sample's seed")
    parser.add_argument("--module", action="append", help="only this core module (repeatable)")
    parser.add_argument("--timeout", type=float, default=600, help="seconds per mutant")
    args = parser.parse_args()
    # a kill ends like Ctrl-C: the temporary copy of the project is removed
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(143))

    modules = sorted(p for p in CORE.glob("*.py") if p.stem not in ("__init__", "errors"))
    if args.module:
        modules = [p for p in modules if p.stem in args.module]
    sources = {p.stem: p.read_text() for p in modules}  # as mutated, whatever happens to CORE
    everything = [m for p in modules for m in mutants(p)]
    chosen = everything
    if args.sample is not None and args.sample < len(everything):
        chosen = sorted(random.Random(args.seed).sample(everything, args.sample), key=str)
    print(f"{len(chosen)} of {len(everything)} mutants of {', '.join(p.stem for p in modules)}")

    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "project"
        ignore = shutil.ignore_patterns(".venv", ".git", "outputs", "__pycache__", ".*cache*")
        shutil.copytree(ROOT, copy, ignore=ignore)
        copy_core = copy / "iris_nn" / "core"
        for stem, text in sources.items():
            (copy_core / f"{stem}.py").write_text(text)
        where = subprocess.run(
            [sys.executable, "-c", "import iris_nn; print(iris_nn.__file__)"],
            cwd=copy,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        if not Path(where).is_relative_to(copy):  # the tests would check the real code
            sys.exit(f"Error: the copy imports iris_nn from {where}, not from the copy")
        start = time.perf_counter()
        if run_tests(copy, args.timeout) != "survived":
            sys.exit("Error: the core tests fail without any mutant; fix them first")
        print(f"the unchanged code passes the core tests in {time.perf_counter() - start:.0f} s")
        survivors, counts = [], {"killed": 0, "survived": 0, "timeout": 0}
        for n, mutant in enumerate(chosen, 1):
            target = copy_core / f"{mutant.module}.py"
            original = target.read_text()
            target.write_text(mutated_source(copy_core / f"{mutant.module}.py", mutant))
            try:
                outcome = run_tests(copy, args.timeout, mutant.module)
            finally:
                target.write_text(original)
            counts[outcome] += 1
            where = f"{mutant.module}:{mutant.line}"
            print(f"[{n}/{len(chosen)}] {outcome:8} {where}  {mutant.before} -> {mutant.after}")
            sys.stdout.flush()
            if outcome == "survived":
                survivors.append(mutant)
    killed = counts["killed"] + counts["timeout"]
    print(f"\nkilled {killed} of {len(chosen)} ({counts['timeout']} by timeout); survivors:")
    for mutant in survivors:
        code = sources[mutant.module].splitlines()[mutant.line - 1].strip()
        print(f"  {mutant.module}:{mutant.line}  {mutant.before} -> {mutant.after}\n      {code}")


if __name__ == "__main__":
    main()
