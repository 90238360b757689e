"""A CSV file replaced while a command reads it: the bytes parsed are the bytes hashed (SPEC 7).

The swap is injected at a fixed point, not raced: once the file's bytes are read (before its header
is parsed), or just before numpy parses the numbers. Whatever the command, it must use the
contents it read and hashed, as if the swap had come a moment later: the same weights, the same
scores, the same predictions as a read of the unchanged file.
"""

import hashlib
import json
import os
from pathlib import Path

import numpy as np
import pytest
from conftest import ok
from sklearn.datasets import load_iris

from iris_nn.data import csvnumpy, csvopen
from iris_nn.store import model_file


def _iris_csv(reverse: bool = False) -> bytes:
    """Return Iris as CSV bytes; ``reverse`` turns each row's four numbers round (same size)."""
    iris = load_iris()
    lines = ["sepal_length,sepal_width,petal_length,petal_width,species"]
    for x, k in zip(iris.data, iris.target, strict=True):
        cells = [f"{v:.1f}" for v in (x[::-1] if reverse else x)]
        lines.append(",".join([*cells, str(iris.target_names[k])]))
    return ("\n".join(lines) + "\n").encode()


ORIGINAL, REPLACEMENT = _iris_csv(), _iris_csv(reverse=True)


def _replace(path: Path, contents: bytes) -> None:
    """Replace the file at ``path`` atomically, as ``mv`` does."""
    spare = path.with_name(".spare.csv")
    spare.write_bytes(contents)
    os.replace(spare, path)


SWAP_POINTS = ("after the read", "before numpy parses")


@pytest.fixture(params=SWAP_POINTS)
def swap(request, monkeypatch):
    """Return a function that arms a swap of ``path`` to the replacement at the fixed point."""

    def arm(path: Path) -> None:
        def swap_now() -> None:
            if path.read_bytes() != REPLACEMENT:
                _replace(path, REPLACEMENT)

        if request.param == "after the read":
            real_parse = csvopen.parse_header

            def parse_header(raw, *args, **kwargs):
                swap_now()
                return real_parse(raw, *args, **kwargs)

            for module in _users_of_parse_header():
                monkeypatch.setattr(module, "parse_header", parse_header)
        else:
            real_parse_rows = csvnumpy.parse

            def parse_rows(*args, **kwargs):
                swap_now()
                return real_parse_rows(*args, **kwargs)

            monkeypatch.setattr(csvnumpy, "parse", parse_rows)

    return arm


def _users_of_parse_header():
    from iris_nn.store import rundata

    return (csvopen, rundata)


@pytest.fixture
def data(tmp_path):
    path = tmp_path / "flowers.csv"
    path.write_bytes(ORIGINAL)
    return path


def _train(out: Path, data: Path, name: str) -> Path:
    ok("train", "--data", data, "--out", out, "--epochs", "30", "--no-plots", "-q", "--name", name)
    return out / name


def test_train_learns_from_the_bytes_it_hashed(out, data, swap):
    plain = model_file.load_model(_train(out, data, "plain"))
    swap(data)
    swapped = model_file.load_model(_train(out, data, "swapped"))
    assert data.read_bytes() == REPLACEMENT  # the swap happened, during the command
    assert swapped.meta["dataset_sha256"] == hashlib.sha256(ORIGINAL).hexdigest()
    np.testing.assert_array_equal(swapped.net.theta, plain.net.theta)


first_plot = (SWAP_POINTS[0], "plot")


@pytest.mark.parametrize(
    ("swap", "command"),
    [
        *((when, "evaluate") for when in SWAP_POINTS),
        # plot and animate read the rows as the figures do (figures.run_rows), whichever the swap
        # point: the everyday run draws with plot at one point; drawing more is slow
        *(
            pytest.param(
                when, command, marks=[pytest.mark.slow] if (when, command) != first_plot else []
            )
            for command in ("plot", "animate")
            for when in SWAP_POINTS
        ),
    ],
    indirect=["swap"],
)
def test_a_run_scores_and_draws_the_bytes_it_hashed(out, data, swap, command, monkeypatch):
    run_dir = _train(out, data, "run")
    expected = ok("evaluate", run_dir, "--format", "json")
    seen: list[np.ndarray] = []
    from iris_nn.store import rundata

    real_run_rows = rundata.run_rows

    def run_rows(*args):
        info, X, y = real_run_rows(*args)
        seen.append(X)
        return info, X, y

    for module in _users_of_run_rows():
        monkeypatch.setattr(module, "run_rows", run_rows)
    swap(data)
    shown = ok(command, run_dir, *(["--format", "json"] if command == "evaluate" else []))
    assert data.read_bytes() == REPLACEMENT
    if command == "evaluate":
        assert json.loads(shown) == json.loads(expected)
    original = np.loadtxt(
        ORIGINAL.decode().splitlines(), delimiter=",", skiprows=1, usecols=range(4)
    )
    assert seen and all(np.array_equal(X, original) for X in seen)


def _users_of_run_rows():
    from iris_nn.inference import evaluate
    from iris_nn.views import figures

    return (evaluate, figures)


@pytest.mark.parametrize("command", ["predict", "evaluate"])
def test_input_rows_are_the_bytes_read(out, data, tmp_path, swap, command):
    run_dir = _train(out, data, "run")
    rows = tmp_path / "rows.csv"
    rows.write_bytes(ORIGINAL)
    expected = ok(
        command, *(["-m"] if command == "predict" else []), run_dir, "-i", rows, "--format", "json"
    )
    swap(rows)
    assert (
        ok(
            command,
            *(["-m"] if command == "predict" else []),
            run_dir,
            "-i",
            rows,
            "--format",
            "json",
        )
        == expected
    )
    assert rows.read_bytes() == REPLACEMENT


def test_an_init_file_replaced_after_its_read_still_trains_from_the_bytes_checked(
    tmp_path, monkeypatch
):
    # model.init with its SHA-256: the weights file is read once, hashed and parsed; a swap after
    # that read changes nothing (before, the file was hashed, then opened again and parsed).
    from iris_nn.experiments import experiment
    from iris_nn.settings.config import load

    first = tmp_path / "first.toml"
    first.write_text(
        "W1 = [[0.5, -0.25], [0.75, 0.125]]\nb1 = [0.5, -0.5]\n"
        "W2 = [[1.0, -1.0, 0.5], [-0.5, 0.25, 1.0]]\nb2 = [0.0, 0.125, -0.125]\n"
    )
    second = first.read_text().replace("0.5, -0.25", "9.5, -9.25")
    sha = hashlib.sha256(first.read_bytes()).hexdigest()
    config = load(
        "configs/statquest.toml",
        sets=[f"model.init={first}", f"model.init_sha256={sha}", "train.epochs=0"],
    )
    real = experiment.init_file_bytes

    def read_then_swap(path):
        raw = real(path)
        Path(path).write_text(second)  # replaced just after its bytes were read and hashed
        return raw

    monkeypatch.setattr(experiment, "init_file_bytes", read_then_swap)
    _, net, _ = experiment.build(config)
    np.testing.assert_array_equal(net.W(1), [[0.5, -0.25], [0.75, 0.125]])
