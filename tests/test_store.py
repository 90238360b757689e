"""Model files and run directories: round trips, and every kind of broken file refused cleanly."""

import io
import json
import os
import pickle
import zipfile
from pathlib import Path

import numpy as np
import pytest

from iris_nn.core.network import Network
from iris_nn.data.scaler import Scaler
from iris_nn.data.split import Split
from iris_nn.store import jsontext, outdir, rundir
from iris_nn.store import model_file as mf


@pytest.fixture
def model_file(tmp_path):
    net = Network.initialised([4, 5, 3], "tanh", np.random.default_rng(0))
    meta = mf.model_meta(
        version="0",
        activation="tanh",
        hidden=[5],
        features=["sepal_length", "sepal_width", "petal_length", "petal_width"],
        scaling="standard",
        created=mf.utc_now(),
        classes=("setosa", "versicolor", "virginica"),
        dataset="iris",
        target="species",
    )
    path = tmp_path / "model.npz"
    mf.save_model(path, net, Scaler(np.zeros(4), np.ones(4)), meta)
    return path, net


def _arrays(path):
    with np.load(path, allow_pickle=False) as npz:
        return {k: npz[k] for k in npz.files}


def _write(path, arrays):
    with open(path, "wb") as f:
        np.savez(f, **arrays)
    return path


def test_round_trip(model_file):
    path, net = model_file
    model = mf.load_model(path)
    np.testing.assert_array_equal(model.net.theta, net.theta)
    assert model.features[0] == "sepal_length" and model.classes[2] == "virginica"
    assert model.temperature == 1.0
    assert mf.load_model(path.parent).meta == model.meta  # a run directory works too


def test_missing_paths(tmp_path):
    with pytest.raises(mf.ModelError, match="does not exist"):
        mf.load_model(tmp_path / "nope.npz")
    with pytest.raises(mf.ModelError, match="holds no model.npz"):
        mf.load_model(tmp_path)


def test_truncated_at_many_offsets(model_file, tmp_path):
    path, _ = model_file
    data = path.read_bytes()
    for cut in range(0, len(data), max(1, len(data) // 60)):
        broken = tmp_path / f"cut{cut}.npz"
        broken.write_bytes(data[:cut])
        with pytest.raises(mf.ModelError, match="is not a usable iris-nn model"):
            mf.load_model(broken)


@pytest.mark.parametrize("content", [b"", b"\x00" * 100, os.urandom(3000), b"PK\x03\x04garbage"])
def test_garbage(tmp_path, content):
    path = tmp_path / "m.npz"
    path.write_bytes(content)
    with pytest.raises(mf.ModelError):
        mf.load_model(path)


class _Payload:
    """Unpickling this would create a file: the test proves it never happens."""

    target = ""

    def __reduce__(self):
        return (open, (self.target, "w"))


def test_pickled_object_array_is_refused_without_running_it(model_file, tmp_path):
    path, _ = model_file
    arrays = _arrays(path)
    marker = tmp_path / "pwned"
    _Payload.target = str(marker)
    arrays["W1"] = np.array([_Payload()], dtype=object)
    buf = io.BytesIO()
    np.savez(buf, **arrays)  # numpy pickles object arrays on save
    evil = tmp_path / "evil.npz"
    evil.write_bytes(buf.getvalue())
    assert b"pwned" in zipfile.ZipFile(evil).read("W1.npy")
    with pytest.raises(mf.ModelError, match="pickled object"):
        mf.load_model(evil)
    assert not marker.exists()
    pickle.dumps(1)  # (the module is used above only to make the payload importable)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda a: a.pop("meta"), "no 'meta' entry"),
        (lambda a: a.update(meta=np.array("{not json")), "'meta' is not JSON"),
        (lambda a: a.update(meta=np.array("[1, 2]")), "'meta' is not a JSON object"),
        (lambda a: a.pop("b2"), r"missing \['b2'\]"),
        (lambda a: a.update(W3=np.zeros((3, 3))), "missing"),
        (lambda a: a.update(extra=np.zeros(3)), r"unexpected \['extra'\]"),
        (lambda a: a.pop("scaler_scale"), "no scaler_center or scaler_scale"),
        (lambda a: a.update(W2=np.zeros((4, 3))), "inconsistent shapes"),
        (lambda a: a.update(b1=np.zeros(7)), "inconsistent shapes"),
        (lambda a: a.update(scaler_center=np.zeros(3)), "scaler shapes"),
        (lambda a: a.update(W1=np.full((4, 5), np.nan)), "W1 holds non-finite values"),
        (lambda a: a.update(W1=np.array([["a"] * 5] * 4)), "W1 is not numeric"),
    ],
)
def test_broken_contents(model_file, change, message):
    path, _ = model_file
    arrays = _arrays(path)
    change(arrays)
    with pytest.raises(mf.ModelError, match=message):
        mf.load_model(_write(path, arrays))


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("format", "iris-nn/99", "unknown format 'iris-nn/99'"),
        ("activation", "swish", "unknown activation 'swish'"),
        ("features", ["petal_colour"] * 4, "bad feature list"),
        ("features", ["sepal_length"], "scaler shapes do not match"),
        ("classes", ["a", "b"], "do not match"),
        ("temperature", -1, "bad temperature"),
        ("hidden", [6], "does not match the weights"),
        ("hidden", 5, "meta hidden 5 is not a list of widths"),
        ("created", 5, "meta created 5 is not a string"),
        ("temperature", True, "bad temperature"),
    ],
)
def test_bad_meta(model_file, key, value, message):
    path, _ = model_file
    arrays = _arrays(path)
    meta = json.loads(str(arrays["meta"]))
    meta[key] = value
    arrays["meta"] = np.array(json.dumps(meta))
    with pytest.raises(mf.ModelError, match=message):
        mf.load_model(_write(path, arrays))


def test_json_never_holds_nan():
    text = jsontext.dumps(
        {"a": float("nan"), "b": [np.float64("inf"), np.int64(3)], "c": np.bool_(1)}
    )
    assert json.loads(text) == {"a": None, "b": [None, 3], "c": True}


def test_run_dir_commit_and_names(tmp_path):
    out = tmp_path / "out"
    first = outdir.RunDir(out, "exp")
    assert first.tmp.name.startswith(".exp.tmp-")
    (first.path("model.npz")).write_text("x")
    assert first.commit() == out / "exp"
    second = outdir.RunDir(out, "exp")
    assert second.commit() == out / "exp-2"
    assert (out / "exp" / "model.npz").read_text() == "x"  # never overwritten
    third = outdir.RunDir(out, "exp")
    third.discard()
    assert sorted(p.name for p in out.iterdir()) == ["exp", "exp-2"]


@pytest.mark.parametrize("name", ["", ".x", "a/b", "..", "a b", "x" * 201, "é"])
def test_bad_run_names(tmp_path, name):
    with pytest.raises(ValueError, match="is not allowed"):
        outdir.RunDir(tmp_path, name)


def test_hidden_and_incomplete_directories_are_not_runs(tmp_path, model_file):
    path, _ = model_file
    for name in (".exp.tmp-123", "incomplete", "good"):
        (tmp_path / "out" / name).mkdir(parents=True)
    for name in (".exp.tmp-123", "good"):
        (tmp_path / "out" / name / "model.npz").write_bytes(path.read_bytes())
        (tmp_path / "out" / name / "metrics.json").write_text('{"status": "completed"}')
    (tmp_path / "out" / "incomplete" / "model.npz").write_bytes(path.read_bytes())
    assert [r.path.name for r in outdir.list_runs(tmp_path / "out")] == ["good"]
    assert outdir.newest_run(tmp_path / "out").name == "good"
    with pytest.raises(rundir.RunError, match="no runs in"):
        outdir.newest_run(tmp_path / "empty")


def _run(out, name, model_bytes, metrics):
    (out / name).mkdir(parents=True)
    (out / name / "model.npz").write_bytes(model_bytes)
    (out / name / "metrics.json").write_text(json.dumps(metrics))


def test_hand_edited_runs_are_skipped_not_fatal(tmp_path, model_file):
    path, _ = model_file
    arrays = _arrays(path)
    meta = json.loads(str(arrays["meta"]))
    meta["hidden"] = 5
    arrays["meta"] = np.array(json.dumps(meta))
    edited = _write(tmp_path / "edited.npz", arrays)
    out = tmp_path / "out"
    _run(out, "good", path.read_bytes(), {"status": "completed", "test": None})
    _run(out, "bad-meta", edited.read_bytes(), {"status": "completed"})
    _run(out, "bad-metrics", path.read_bytes(), {"status": "completed", "test": 5})
    assert [r.path.name for r in outdir.list_runs(out)] == ["good"]


def test_only_interrupted_runs_are_no_default(tmp_path, model_file):
    path, _ = model_file
    _run(tmp_path / "out", "stopped", path.read_bytes(), {"status": "interrupted"})
    with pytest.raises(rundir.RunError, match=r"no completed runs in .* \(only 1 interrupted\)"):
        outdir.newest_run(tmp_path / "out")


# ----------------------------------------------------------------------------- issue 17


def test_a_scale_that_is_not_positive_is_refused(tmp_path, model_file):
    path, _ = model_file
    arrays = _arrays(path)
    arrays["scaler_scale"] = np.array([1.0, -1.0, 1.0, 1.0])
    with pytest.raises(mf.ModelError, match="scaler_scale holds a value <= 0"):
        mf.load_model(_write(tmp_path / "neg.npz", arrays))


@pytest.mark.parametrize(
    "edits",
    [{"scaler_scale": 5e-324}, {"W1": 1.0, "W2": 1e308, "b2": 1e308}],
)
def test_a_model_whose_outputs_overflow_is_refused_on_load(tmp_path, model_file, edits):
    path, _ = model_file
    arrays = _arrays(path)
    for name, value in edits.items():  # every array finite, yet not the forward pass
        arrays[name] = np.full_like(arrays[name], value)
    with pytest.raises(mf.ModelError, match="make the raw outputs overflow"):
        mf.load_model(_write(tmp_path / "overflow.npz", arrays))


def test_a_meta_nested_too_deeply_is_not_json(tmp_path, model_file):
    path, _ = model_file
    arrays = _arrays(path)
    arrays["meta"] = np.array("[" * 100_000 + "]" * 100_000)
    with pytest.raises(mf.ModelError, match="'meta' is not JSON"):
        mf.load_model(_write(tmp_path / "deep.npz", arrays))


def test_a_model_past_its_size_limit_is_refused(model_file, monkeypatch):
    from iris_nn.data import limits

    path, _ = model_file
    monkeypatch.setitem(limits.LIMITS, "model file", 100)
    with pytest.raises(mf.ModelError, match="larger than 100 bytes, the limit for a model file"):
        mf.load_model(path)


def test_a_dangling_out_link_is_named(tmp_path):
    (tmp_path / "out").symlink_to(tmp_path / "gone")
    with pytest.raises(rundir.RunError, match="out is a symbolic link to .*gone, which does not"):
        outdir.RunDir(tmp_path / "out" / "deeper", "x")
    (tmp_path / "file").write_text("")
    with pytest.raises(rundir.RunError, match="file is not a directory"):
        outdir.RunDir(tmp_path / "file", "x")


@pytest.mark.parametrize("name", ["-x", "_x", ".x"])
def test_run_names_start_with_a_letter_or_digit(tmp_path, name):
    with pytest.raises(ValueError, match="allowed: a letter or digit, then"):
        outdir.RunDir(tmp_path, name)


def test_split_json_round_trips_one_line_per_part(tmp_path):
    rng = np.random.default_rng(0)
    rows = rng.permutation(100_000)
    split = Split(np.sort(rows[:70_000]), np.array([], dtype=np.intp), np.sort(rows[70_000:]))
    rundir.write_split(tmp_path, split)
    text = (tmp_path / "split.json").read_text()
    assert len(text.splitlines()) == 5  # {, train, val, test, }
    as_json = json.loads(text)
    assert as_json == {"train": split.train.tolist(), "val": [], "test": split.test.tolist()}
    again = rundir.read_split(tmp_path, 100_000)
    for part in ("train", "val", "test"):
        np.testing.assert_array_equal(getattr(again, part), getattr(split, part))
    with pytest.raises(rundir.RunError, match="row indices 0 .. 99998"):
        rundir.read_split(tmp_path, 99_999)  # one row fewer: the largest index is out of range


def _locked_by_someone(directory):
    import fcntl

    with open(directory / outdir.LOCK_FILE, "a") as f:
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(f, fcntl.LOCK_UN)
        return False


def test_two_writers_of_one_name_in_one_process_never_share_a_directory(tmp_path):
    first, second = outdir.RunDir(tmp_path, "same"), outdir.RunDir(tmp_path, "same")
    assert first.tmp != second.tmp
    assert first.tmp.name.startswith(".same.tmp-") and second.tmp.name.startswith(".same.tmp-")
    assert _locked_by_someone(first.tmp) and _locked_by_someone(second.tmp)
    outdir.RunDir(tmp_path, "other").discard()  # a third writer sweeps: both live ones stay
    assert first.tmp.is_dir() and second.tmp.is_dir()
    assert first.commit() == tmp_path / "same" and second.commit() == tmp_path / "same-2"
    assert not (tmp_path / "same" / outdir.LOCK_FILE).exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["same", "same-2"]


_KILLED_WRITER = """
import os, signal, sys
from iris_nn.store import outdir
run = outdir.RunDir(sys.argv[1], "lost")
run.path("model.npz").write_bytes(b"x" * 1000)
print(run.tmp, flush=True)
if sys.argv[2] == "kill":
    os.kill(os.getpid(), signal.SIGKILL)
sys.stdin.read()  # a live writer: holds its lock until told to go
"""


def test_a_killed_writers_directory_is_removed_by_the_next_writer(tmp_path):
    import subprocess
    import sys

    killed = subprocess.run(
        [sys.executable, "-c", _KILLED_WRITER, str(tmp_path), "kill"],
        capture_output=True,
        text=True,
    )
    assert killed.returncode == -9
    left = Path(killed.stdout.strip())
    assert (left / "model.npz").is_file() and not _locked_by_someone(left)
    live = subprocess.Popen(
        [sys.executable, "-c", _KILLED_WRITER, str(tmp_path), "live"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        building = Path(live.stdout.readline().strip())
        assert not left.exists()  # the next writer swept it: its writer was killed
        assert building.is_dir() and _locked_by_someone(building)
        outdir.RunDir(tmp_path, "next").commit()
        assert (building / "model.npz").is_file()  # its writer is alive: kept
    finally:
        live.communicate("")
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["next", building.name])


def test_an_older_versions_leftover_is_removed_only_when_its_process_is_gone(tmp_path):
    import subprocess
    import sys

    gone = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True
    )
    dead = tmp_path / f".old.tmp-{int(gone.stdout)}"
    alive = tmp_path / f".old.tmp-{os.getpid()}"
    unrelated = tmp_path / ".old.tmp-notapid"
    for d in (dead, alive, unrelated):
        d.mkdir()
    assert outdir.remove_stale(tmp_path) == [dead]
    assert alive.is_dir() and unrelated.is_dir()


def test_a_reserved_name_is_the_final_one_and_a_killed_writers_reservation_is_released(tmp_path):
    first, second = outdir.RunDir(tmp_path, "same"), outdir.RunDir(tmp_path, "same")
    assert second.reserve() == "same" and first.reserve() == "same-2"  # first come, first named
    assert first.reserve() == "same-2"  # once
    assert outdir.list_runs(tmp_path) == []  # an empty reserved directory is no run
    assert first.commit() == tmp_path / "same-2" and second.commit() == tmp_path / "same"
    assert not (tmp_path / "same" / outdir.RESERVED_FILE).exists()
    killed = outdir.RunDir(tmp_path, "lost")
    assert killed.reserve() == "lost"
    killed._unlock()  # as a kill -9 would: the lock is free, the directories stay
    assert (tmp_path / "lost").is_dir()
    outdir.RunDir(tmp_path, "next").discard()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["same", "same-2"]
