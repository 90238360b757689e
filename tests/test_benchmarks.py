"""The benchmarks keep working: each runs in its quick mode and prints ratios that follow from the
times it prints beside them (no timing checks: the machine may be busy)."""

import math
import re
import subprocess
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"
RATIO = re.compile(r"ratio [^()]*?(\d+\.\d+)x")


def quick_run(script: str) -> str:
    """Return the stdout of ``benchmarks/SCRIPT --quick``, asserting exit 0 and a ratio printed."""
    done = subprocess.run(
        [sys.executable, str(BENCHMARKS / script), "--quick"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    ratios = [float(r) for r in RATIO.findall(done.stdout)]
    assert ratios and all(math.isfinite(r) and r > 0 for r in ratios), done.stdout
    return done.stdout


def half_unit(printed: str) -> float:
    """Return half a unit of the last digit ``printed`` shows (0.005 for "0.12", 0.5 for "12")."""
    decimals = len(printed.split(".")[1]) if "." in printed else 0
    return 0.5 * 10.0**-decimals


def near(ratio: str, a: str, b: str) -> bool:
    """Return whether the printed ``ratio`` is ``a / b`` of the printed values, to their rounding:
    within 3% of it, or some value within half a unit of ``a`` over one within half a unit of ``b``
    rounds to it (a time printed as 0.011 s may be 0.0115 s)."""
    (x, dx), (y, dy) = (float(a), half_unit(a)), (float(b), half_unit(b))
    if math.isclose(float(ratio), x / y, rel_tol=0.03, abs_tol=0.01):
        return True
    low = (x - dx) / (y + dy)
    high = (x + dx) / (y - dy) if y > dy else math.inf
    return low - half_unit(ratio) <= float(ratio) <= high + half_unit(ratio)


def test_near_allows_the_printed_rounding_and_no_more():
    assert near("8.88", "0.102", "0.011")  # 0.102 / 0.0115 = 8.87: CI printed this
    assert not near("8.00", "0.102", "0.011")  # no value that rounds to these gives 8.00
    assert near("2.56", "1697000", "662000") and not near("3.00", "1697000", "662000")


@pytest.mark.slow
@pytest.mark.parametrize("script", ["bench_cli.py", "bench_scale.py"])
def test_benchmark_quick_mode_prints_ratios(script):
    quick_run(script)


@pytest.mark.slow
def test_bench_train_ratios_follow_from_its_times():
    out = quick_run("bench_train.py")
    times = re.findall(r"ours ([\d.]+) us/epoch, plain numpy ([\d.]+), scikit-learn ([\d.]+)", out)
    ratios = re.findall(r"ratio ours/plain ([\d.]+)x .*, ours/scikit-learn ([\d.]+)x", out)
    assert len(times) == len(ratios) == 2  # the two architectures
    for (ours, plain, sklearn), (to_plain, to_sklearn) in zip(times, ratios, strict=True):
        assert near(to_plain, ours, plain) and near(to_sklearn, ours, sklearn), out


@pytest.mark.slow
def test_bench_csv_ratios_follow_from_its_times():
    out = quick_run("bench_csv.py")
    rows = re.findall(r"  ([\d.]+)s +([\d.]+)s +([\d.]+)x", out)  # iris-nn, loadtxt, ratio
    assert len(rows) == 9, out  # every shape of the table
    for ours, numpy, ratio in rows:
        # seconds are printed to 1 ms: the ratio lies between the extremes that rounding allows
        low = (float(ours) - 5e-4) / (float(numpy) + 5e-4)
        high = (float(ours) + 5e-4) / max(float(numpy) - 5e-4, 1e-9)
        assert low - 0.005 <= float(ratio) <= high + 0.005, (ours, numpy, ratio)
    (worst,) = re.findall(r"worst ratio ([\d.]+)x", out)
    assert float(worst) == max(float(r) for _, _, r in rows), out


@pytest.mark.slow
def test_bench_csv_only_reads_the_files_named_and_refuses_others():
    script = str(BENCHMARKS / "bench_csv.py")
    done = subprocess.run([sys.executable, script, "--quick", "--only", "2", "8"],
                          capture_output=True, text=True, timeout=120)  # fmt: skip
    files = re.findall(r"^([\d,]+ x \d+) .*\d\.\d\dx", done.stdout, re.MULTILINE)
    assert done.returncode == 0 and files == ["8,000 x 4", "100 x 784"], done.stdout
    bad = subprocess.run([sys.executable, script, "--only", "10"], capture_output=True, text=True)
    assert bad.returncode == 2 and "--only takes file numbers 1 to 9" in bad.stderr


@pytest.mark.slow
def test_bench_serve_prints_spec_15s_figures():
    import os

    chromium = os.environ.get("IRIS_NN_CHROMIUM", "/usr/bin/chromium")
    if not Path(chromium).exists() and not os.environ.get("CI"):
        pytest.skip(f"no Chromium at {chromium}: the browser benchmark skips outside CI")
    out = quick_run("bench_serve.py")
    rows = re.findall(r"to updated regions: +([\d.]+) ms over 3, ratio to target ([\d.]+)x", out)
    assert len(rows) == 3, out  # two controls and an edited weight
    for ms, ratio in rows:
        assert near(ratio, ms, "100"), out
    page, train, ratio = re.search(
        r"page ([\d.]+) s, train_time_s ([\d.]+) s, ratio page/train ([\d.]+)x", out
    ).groups()
    assert float(train) > 0 and near(ratio, page, train), out
    assert re.search(r"max \|difference\| [\d.e+-]+ \(target <= 1e-12\)", out), out


@pytest.mark.slow
def test_bench_shapes_prints_every_shape_with_ratios_that_follow_from_its_rates():
    out = quick_run("bench_shapes.py")
    rows = re.findall(
        r"(?:adam|sgd) \d+ +([\d,]+) \([^)]*\) +([\d,]+) \([^)]*\) +ratio ([\d.]+)x", out
    )
    assert len(rows) == 6, out  # SPEC 18's table
    for ours, sklearn, ratio in rows:
        assert near(ratio, ours.replace(",", ""), sklearn.replace(",", "")), (ours, sklearn, ratio)


@pytest.mark.slow
def test_bench_csv_text_ratio_follows_from_its_times():
    out = quick_run("bench_csv_text.py")
    ((ours, plain, ratio),) = re.findall(
        r"columns +([\d.]+)s +numbers only +([\d.]+)s +ratio ([\d.]+)x", out
    )
    low = (float(ours) - 5e-4) / (float(plain) + 5e-4)
    high = (float(ours) + 5e-4) / max(float(plain) - 5e-4, 1e-9)
    assert low - 0.005 <= float(ratio) <= high + 0.005, out
