"""Data: the bundled Iris, stratified splits, scalers fitted on training rows only."""

import io
import sys
import zipfile

import numpy as np
import pytest
from sklearn.datasets import load_iris
from sklearn.preprocessing import MinMaxScaler, StandardScaler

from iris_nn.core.errors import BadInputError
from iris_nn.data import datasets, limits, scaler, split, values
from iris_nn.data.prepare import open_dataset, prepare
from iris_nn.data.scaler import Scaler
from iris_nn.settings.config import DataConfig


def test_features_in_order():
    X, y = datasets.get_dataset("iris").rows(("petal_width", "sepal_length"))
    ref = load_iris()
    np.testing.assert_array_equal(X, ref.data[:, [3, 0]])
    np.testing.assert_array_equal(y, ref.target)


def test_split_is_stratified_disjoint_and_seeded():
    _, y = datasets.get_dataset("iris").rows()
    s = split.split_rows(y, 0.2, 0.1, seed=5)
    assert (len(s.train), len(s.val), len(s.test)) == (105, 15, 30)
    assert set(s.train) | set(s.val) | set(s.test) == set(range(150))
    assert not (set(s.train) & set(s.test)) and not (set(s.val) & set(s.test))
    for part, n in ((s.test, 10), (s.val, 5), (s.train, 35)):
        assert np.bincount(y[part]).tolist() == [n, n, n]
    again = split.split_rows(y, 0.2, 0.1, seed=5)
    assert all(np.array_equal(getattr(again, k), getattr(s, k)) for k in ("train", "val", "test"))
    assert not np.array_equal(split.split_rows(y, 0.2, 0.1, seed=6).test, s.test)
    assert len(split.split_rows(y, 0.2, 0.0, seed=5).val) == 0


def test_too_small_parts_are_config_errors():
    _, y = datasets.get_dataset("iris").rows()
    with pytest.raises(BadInputError, match=r"data.test_size = 0.01 gives 2 of 150 rows"):
        split.split_rows(y, 0.01, 0.1, seed=0)
    with pytest.raises(BadInputError, match="data.val_size"):
        split.split_rows(y, 0.2, 0.005, seed=0)


def fit_scaler(X, scaling):
    s = Scaler.fit(X, scaling)
    return s.center, s.scale


@pytest.mark.parametrize(
    ("scaling", "oracle"), [("standard", StandardScaler), ("minmax", MinMaxScaler)]
)
def test_scalers_match_sklearn(scaling, oracle):
    X, _ = datasets.get_dataset("iris").rows()
    center, scale = fit_scaler(X[:100], scaling)
    np.testing.assert_allclose((X - center) / scale, oracle().fit(X[:100]).transform(X), atol=1e-12)


@pytest.mark.parametrize("block", [7, 100, 65536])
def test_standard_scaler_in_blocks_matches_sklearn_and_scales_in_place(monkeypatch, block):
    monkeypatch.setattr(scaler, "STD_BLOCK", block)  # big data: the deviations a block at a time
    X = np.random.default_rng(3).normal(5.0, 2.0, size=(1000, 3))
    s = Scaler.fit(X, "standard")
    oracle = StandardScaler().fit(X)
    np.testing.assert_allclose(s.scale, oracle.scale_, rtol=1e-14)
    copy = X.copy()
    assert s(copy, out=copy) is copy  # in place: a big part needs no second copy
    np.testing.assert_allclose(copy, oracle.transform(X), atol=1e-13)


def test_constant_column_does_not_divide_by_zero():
    X = np.array([[1.0, 5.0], [2.0, 5.0], [3.0, 5.0]])
    for scaling in ("standard", "minmax", "none"):
        center, scale = fit_scaler(X, scaling)
        Z = (X - center) / scale
        assert np.all(np.isfinite(Z))
    center, scale = fit_scaler(X, "standard")
    assert np.all(((X - center) / scale)[:, 1] == 0)


def test_prepare_fits_scaler_on_training_rows_only():
    d = DataConfig()
    ds = prepare(open_dataset(d.dataset), d.features, d.test_size, d.val_size, d.scaling, seed=3)
    Xtr, _ = ds.scaled("train")
    np.testing.assert_allclose(Xtr.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(Xtr.std(axis=0), 1, atol=1e-12)
    Xte, _ = ds.scaled("test")
    assert np.abs(Xte.mean(axis=0)).max() > 1e-6  # the test rows did not shape the scaler


def test_seed_streams_are_independent_and_reproducible():
    a, b, c = split.seeds(1)
    assert len({split.int_seed(a), split.int_seed(b), split.int_seed(c)}) == 3
    assert split.int_seed(split.seeds(1)[0]) == split.int_seed(a)


# ----------------------------------------------------------------------------- numbers (SPEC 7)


@pytest.mark.parametrize(
    ("text", "x"),
    [("5.1", 5.1), ("-0.4", -0.4), ("+2", 2.0), ("1e-3", 1e-3), ("2.5e+2", 250.0), (" 7\t", 7.0)],
)
def test_numbers_follow_the_ascii_grammar(text, x):
    assert values.parse_number(text, "v") == x
    assert values.parse_numbers([text, text], str).tolist() == [x, x]


@pytest.mark.parametrize(
    "text",
    # underscores, other digits, forms Python's float() takes and SPEC 7 does not
    [
        "5_1",
        "1_000",
        "٥",
        "５",
        ".5",
        "5.",
        "0x10",
        "1e",
        "infinity",
        "1.2.3",
        "",
        " ",
        "+-1",
    ],
)
def test_anything_else_is_not_a_number(text):
    with pytest.raises(BadInputError, match=r"v: .* is not (a number|finite)"):
        values.parse_number(text, "v")
    with pytest.raises(BadInputError, match=r"cell 1: "):
        values.parse_numbers(["1", text], lambda i: f"cell {i}")


@pytest.mark.parametrize("text", ["nan", "-inf", "inf", "NaN"])
def test_non_finite_numbers_are_named_so(text):
    with pytest.raises(BadInputError, match="is not finite; allowed: finite numbers"):
        values.parse_number(text, "v")


def test_overflow_is_too_large():
    with pytest.raises(BadInputError, match="'1e999' is too large"):
        values.parse_number("1e999", "v")


def test_the_vectorised_path_agrees_with_one_cell_at_a_time():
    rng = np.random.default_rng(0)
    cells = [f"{x:.6g}" for x in rng.normal(0, 1e3, 5000)] + ["0", "-0", "1e-300"]
    np.testing.assert_array_equal(values.parse_numbers(cells, str), [float(c) for c in cells])
    assert values.parse_numbers([], str).shape == (0,)
    with pytest.raises(BadInputError, match="cell 2: '1\\\\n2'"):  # a line break hides nothing
        values.parse_numbers(["1", "2", "1\n2"], lambda i: f"cell {i}")


def test_integers():
    assert values.parse_integer("-12", "n") == -12
    for text in ("1_0", "1.0", "1e3", "", "٣"):
        with pytest.raises(BadInputError, match="is not an integer"):
            values.parse_integer(text, "n")


# ----------------------------------------------------------------------------- size limits


def test_an_endless_file_ends_at_the_limit():
    with pytest.raises(limits.TooLargeError, match="larger than 1 MB, the limit for a config"):
        limits.read_bytes("/dev/zero", "config file")


def test_a_file_within_its_limit_is_read_whole(tmp_path):
    path = tmp_path / "c.toml"
    path.write_bytes(b"\xef\xbb\xbfname = 'x'\n")
    assert limits.read_text(path, "config file") == "name = 'x'\n"  # the BOM dropped


def test_lines_past_the_limit_are_refused(monkeypatch):
    monkeypatch.setitem(limits.LIMITS, "CSV line", 10)
    assert list(limits.bounded_lines(io.StringIO("a,b\n1,2\n"))) == ["a,b\n", "1,2\n"]
    with pytest.raises(limits.TooLargeError, match="longer than 10 bytes"):
        list(limits.bounded_lines(io.StringIO("a,b\n" + "1" * 11)))


def test_the_limits_allow_specs_maxima():
    # a 1,000,000-epoch history (8 columns of repr floats) and 8 x 4096 hidden units
    row = "1000000," + ",".join([repr(0.1234567890123456)] * 7) + "\n"
    assert 1_000_001 * len(row) < limits.LIMITS["history file"]
    assert limits.LIMITS["model file"] > (7 * 4096 * 4096 + 8 * 4096) * 8
    assert 10_000_000 * len("9999999, ") < limits.LIMITS["split file"]


def _npz_member(tmp_path, header_shape, data):
    """Return an .npz whose one member declares ``header_shape`` but holds ``data`` bytes."""
    head = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        head, {"descr": "<f8", "fortran_order": False, "shape": header_shape}
    )
    path = tmp_path / "m.npz"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("W1.npy", head.getvalue() + data)
    return path


def test_an_array_declared_larger_than_it_is_never_allocated(tmp_path):
    path = _npz_member(tmp_path, (10**12,), b"\0" * 64)  # 8 TB declared, 64 bytes held
    with pytest.raises(ValueError, match="declares more data than it holds"):
        limits.read_npz(path, "model file")


def test_a_compressed_member_that_expands_past_the_limit_is_refused(tmp_path, monkeypatch):
    monkeypatch.setitem(limits.LIMITS, "model file", 8 * limits.KB)
    path = _npz_member(tmp_path, (5000,), b"\0" * 40_000)  # a few hundred bytes on disk
    assert path.stat().st_size < 1000
    with pytest.raises(limits.TooLargeError, match="larger than 8 KB, the limit for a model file"):
        limits.read_npz(path, "model file")


def _savez(tmp_path):
    arrays = {
        "W1": np.arange(12.0).reshape(3, 4),
        "b1": np.array([1, 2, 3], dtype=np.int32),
        "F": np.asfortranarray(np.arange(6.0).reshape(2, 3)),
        "meta": np.array('{"format": "iris-nn/1", "classes": ["a"]}'),
    }
    path = tmp_path / "model.npz"
    np.savez(path, **arrays)
    return path, arrays


def test_npz_files_as_numpy_writes_them_are_read_without_the_zip_module(tmp_path, monkeypatch):
    path, arrays = _savez(tmp_path)
    monkeypatch.setitem(sys.modules, "zipfile", None)  # importing it now fails
    got = limits.read_npz(path, "model file")
    assert got.keys() == arrays.keys()
    for name, a in arrays.items():
        np.testing.assert_array_equal(got[name], a)
        assert got[name].dtype == a.dtype
    assert limits.read_npz(path, "model file", ["meta"]).keys() == {"meta"}
    monkeypatch.setitem(limits.LIMITS, "model file", 64)
    with pytest.raises(limits.TooLargeError):
        limits.read_npz(path, "model file")


def test_a_damaged_stored_npz_is_judged_by_the_zip_module(tmp_path):
    path, _ = _savez(tmp_path)
    raw = bytearray(path.read_bytes())
    at = raw.index(b"\x93NUMPY") + 200  # a byte of the first member's numbers
    raw[at] ^= 0xFF
    path.write_bytes(bytes(raw))
    with pytest.raises(zipfile.BadZipFile, match="CRC"):
        limits.read_npz(path, "model file")
    path.write_bytes(bytes(raw[: len(raw) // 2]))  # cut short
    with pytest.raises(zipfile.BadZipFile):
        limits.read_npz(path, "model file")
    stored = tmp_path / "s.npz"  # stored, declaring more than it holds: checked as before
    head = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        head, {"descr": "<f8", "fortran_order": False, "shape": (10**12,)}
    )
    with zipfile.ZipFile(stored, "w", zipfile.ZIP_STORED) as z:
        z.writestr("W1.npy", head.getvalue() + b"\0" * 64)
    with pytest.raises(ValueError, match="declares more data than it holds"):
        limits.read_npz(stored, "model file")


@pytest.mark.parametrize("seed", [0, 1, 7, 123456789])
@pytest.mark.parametrize(
    "counts", [(50, 50, 50), (4, 5, 6), (5, 17, 4, 40), (1000, 10, 333), (6, 6), (9, 9, 9, 9, 5)]
)
def test_the_split_is_scikit_learns(counts, seed):
    from sklearn.model_selection import train_test_split

    rng = np.random.default_rng(seed)
    y = rng.permutation(np.repeat(np.arange(len(counts)), counts))
    y[rng.integers(0, len(y), 2)] = -1  # rows dropped for a missing cell
    if np.bincount(y[y >= 0], minlength=len(counts)).min() < 3:
        pytest.skip("a class too small for three stratified parts")
    kept = np.flatnonzero(y >= 0)
    ours = split.split_rows(y, 0.3, 0.25, seed)
    n_test, n_val = len(ours.test), len(ours.val)
    # the oracle: what split_rows did with scikit-learn itself
    before_val, test = train_test_split(kept, test_size=n_test, stratify=y[kept], random_state=seed)
    rest, val = train_test_split(
        before_val, test_size=n_val, stratify=y[before_val], random_state=seed
    )
    first, second = split.stratified_split(kept, y[kept], n_test, seed)
    np.testing.assert_array_equal(first, before_val)  # the same rows, in the same order
    np.testing.assert_array_equal(second, test)
    np.testing.assert_array_equal(ours.test, np.sort(test))
    np.testing.assert_array_equal(ours.val, np.sort(val))
    np.testing.assert_array_equal(ours.train, np.sort(rest))
