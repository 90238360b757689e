"""The suite itself: every file of tests is collected, and the everyday part is most of it."""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent


def defines_tests(path: Path) -> bool:
    """Return whether ``path`` defines a test function or class at its top level."""
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name.startswith(
            "test"
        ):
            return True
        if isinstance(node, ast.ClassDef) and node.name.startswith("Test"):
            return True
    return False


def test_every_file_with_tests_is_named_for_pytest_to_find():
    # a file of tests named check_x.py or x_test.py would pass by never running
    for path in TESTS.rglob("*.py"):
        if defines_tests(path):
            assert path.name.startswith("test_") and path.parent == TESTS, path.name
        else:
            assert not path.name.startswith("test_"), f"{path.name} defines no test"


@pytest.mark.slow
def test_pytest_collects_every_test_file_and_slow_leaves_most_in():
    command = [sys.executable, "-m", "pytest", "--collect-only", "-q", "-o", "addopts="]
    command += ["-p", "no:cacheprovider", "--strict-markers"]
    done = subprocess.run(command, cwd=TESTS.parent, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-2000:]
    ids = [line for line in done.stdout.splitlines() if "::" in line]
    assert {i.split("::")[0] for i in ids} == {f"tests/{p.name}" for p in TESTS.glob("test_*.py")}
    everyday = subprocess.run(
        [*command, "-m", "not slow"], cwd=TESTS.parent, capture_output=True, text=True, timeout=300
    )
    selected = [line for line in everyday.stdout.splitlines() if "::" in line]
    assert len(ids) * 2 / 3 <= len(selected) < len(ids)  # STYLE 15: most tests, every day
