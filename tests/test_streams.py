"""The terminal streams are a courtesy (SPEC 5): a closed, full or vanished stdout or stderr never
costs the run or changes the exit code."""

import errno
import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from iris_nn.cli.app import interrupt_behind
from iris_nn.cli.signals import Interrupted
from iris_nn.cli.streams import Courteous

EXE = shutil.which("iris-nn", path=os.path.dirname(sys.executable)) or "iris-nn"
TRAIN = ["train", "--epochs", "300", "--no-plots", "--name", "v"]


def _saved(out: Path) -> dict:
    return json.loads((out / "v" / "metrics.json").read_text())


@pytest.mark.slow
def test_train_finishes_and_saves_when_both_streams_are_a_closed_pipe(tmp_path):
    # `iris-nn train 2>&1 | head -1` once the reader has gone: every write fails with EPIPE
    proc = subprocess.Popen(
        [EXE, *TRAIN, "--out", tmp_path], stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    proc.stdout.close()
    assert proc.wait(timeout=120) == 0
    assert _saved(tmp_path)["status"] == "completed"


@pytest.mark.slow
@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
def test_train_finishes_and_saves_when_the_streams_are_full(tmp_path):
    with open("/dev/full", "w") as full:  # every write fails with ENOSPC
        result = subprocess.run([EXE, *TRAIN, "--out", tmp_path], stdout=full, stderr=full)
    assert result.returncode == 1  # the run's path it prints never arrived (SPEC 5)
    assert _saved(tmp_path)["status"] == "completed"


FULL = pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
CUT_SHORT = "Error: could not write the output to stdout: No space left on device\n"


def _into_full(*args):
    with open("/dev/full", "w") as full:
        return subprocess.run(
            [EXE, *map(str, args)], stdout=full, stderr=subprocess.PIPE, text=True, timeout=300
        )


@pytest.mark.slow
@FULL
@pytest.mark.parametrize(
    "args",
    [
        ["softmax", "1.43", "-0.4", "0.23"],
        ["softmax", *map(str, range(300)), "--format", "json"],  # fails mid-write, not at exit
        ["predict", "-m", "RUN", "5.1", "3.5", "1.4", "0.2", "--format", "csv"],
        ["predict", "-m", "RUN", "5.1", "3.5", "1.4", "0.2", "--format", "json"],
        ["evaluate", "RUN", "--format", "json"],
        ["runs", "--out", "OUT"],
        ["backprop", "-m", "RUN", "5.1", "3.5", "1.4", "0.2", "--label", "setosa"],
    ],
)
def test_a_product_cut_short_on_stdout_is_exit_1(trained_run, args):
    # `> /dev/full` (ENOSPC): as `cat file > /dev/full`, never exit 0 with output lost
    swap = {"RUN": trained_run, "OUT": trained_run.parent}
    result = _into_full(*[swap.get(a, a) for a in args])
    assert (result.returncode, result.stderr) == (1, CUT_SHORT)


@pytest.mark.slow
@FULL
def test_train_into_a_full_stdout_keeps_the_run_and_exits_1(tmp_path):
    result = _into_full(*TRAIN, "-q", "--out", tmp_path)
    assert (result.returncode, result.stderr) == (1, CUT_SHORT)
    assert _saved(tmp_path)["status"] == "completed"


@FULL
def test_only_stderr_full_is_no_failure(tmp_path):
    with open("/dev/full", "w") as full:
        result = subprocess.run([EXE, "softmax", "1", "2"], stdout=subprocess.PIPE, stderr=full)
    assert result.returncode == 0 and result.stdout


def test_a_pipe_whose_reader_went_away_is_no_failure_for_a_product():
    proc = subprocess.Popen(
        [EXE, "softmax", *map(str, range(300)), "--format", "json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    proc.stdout.close()
    assert proc.wait(timeout=60) == 0
    assert proc.stderr.read() == b""


@pytest.mark.slow
@pytest.mark.parametrize("quiet", [[], ["-q"]])
def test_train_with_stderr_closed_saves_an_intact_run(tmp_path, quiet):
    # `2>&-`: Python starts with sys.stderr = None and the next file opened would get number 2
    result = subprocess.run(
        [EXE, *TRAIN, *quiet, "--out", tmp_path],
        stdout=subprocess.PIPE,
        text=True,
        preexec_fn=lambda: os.close(2),
    )
    assert result.returncode == 0
    assert result.stdout.strip().endswith(str(tmp_path / "v"))
    assert _saved(tmp_path)["epochs_run"] == 300
    with open(tmp_path / "v" / "model.npz", "rb") as f:
        assert f.read(4) == b"PK\x03\x04"  # nothing meant for stderr landed in it


def test_predict_explain_into_a_closed_pipe_exits_0(trained_run):
    # `iris-nn predict ... --explain | head -1`
    proc = subprocess.Popen(
        [EXE, "predict", "-m", trained_run, "5.1", "3.5", "1.4", "0.2", "--explain"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    proc.stdout.close()
    assert proc.wait(timeout=60) == 0
    assert proc.stderr.read() == b""


def test_an_error_line_that_cannot_be_shown_keeps_its_exit_code(tmp_path):
    result = subprocess.run(
        [EXE, "predict", "--out", tmp_path, "1", "2", "3", "4"],
        stderr=subprocess.DEVNULL,
        preexec_fn=lambda: os.close(2),
    )
    assert result.returncode == 1  # no run to use


class Failing(io.StringIO):
    def __init__(self, error):
        super().__init__()
        self.error, self.writes = error, 0

    def write(self, text):
        self.writes += 1
        raise self.error


@pytest.mark.parametrize(
    "error",
    [
        BrokenPipeError(errno.EPIPE, "Broken pipe"),
        OSError(errno.ENOSPC, "No space left on device"),
        OSError(errno.EBADF, "Bad file descriptor"),
        ValueError("I/O operation on closed file"),
    ],
)
def test_a_failed_write_silences_the_stream_for_good(error):
    inner = Failing(error)
    stream = Courteous(inner)
    assert stream.write("epoch 1\n") == len("epoch 1\n")
    stream.write("epoch 2\n")
    stream.flush()
    assert stream.silenced and inner.writes == 1
    assert not stream.isatty()


def test_a_missing_stream_takes_writes_and_is_no_terminal():
    stream = Courteous(None)
    assert stream.write("x") == 1 and not stream.isatty()
    stream.flush()


def test_unicode_errors_are_not_mistaken_for_a_closed_stream():
    stream = Courteous(io.TextIOWrapper(io.BytesIO(), encoding="ascii"))
    with pytest.raises(UnicodeEncodeError):
        stream.write("±")
    assert not stream.silenced


def test_an_interrupt_wrapped_by_a_library_is_still_an_interrupt():
    # pybind11 modules turn an exception during their initialisation into this ImportError
    try:
        try:
            raise Interrupted(15)
        except Interrupted as e:
            raise ImportError("initialization failed") from e
    except ImportError as wrapped:
        assert interrupt_behind(wrapped) == 15
    assert interrupt_behind(ValueError("x")) is None


def test_softmax_json_stops_once_nobody_reads_it():
    # 10,000 values make 100 million derivatives: written whole only while someone reads them
    values = [str(k % 7) for k in range(10_000)]
    proc = subprocess.Popen([EXE, "softmax", *values, "--format", "json"], stdout=subprocess.PIPE)
    assert proc.stdout.read(100).startswith(b'{\n  "values"')
    proc.stdout.close()
    assert proc.wait(timeout=60) == 0
