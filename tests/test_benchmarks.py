"""The benchmarks keep working: each runs in its quick mode and prints its ratios (no timing checks)."""

import subprocess
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"


@pytest.mark.parametrize(
    "script", ["bench_train.py", "bench_cli.py", "bench_csv.py", "bench_scale.py"]
)
def test_benchmark_quick_mode_prints_ratios(script):
    done = subprocess.run(
        [sys.executable, str(BENCHMARKS / script), "--quick"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert "ratio" in done.stdout
