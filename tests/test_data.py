"""Data: the bundled Iris, stratified splits, scalers fitted on training rows only."""

import numpy as np
import pytest
from sklearn.datasets import load_iris
from sklearn.preprocessing import MinMaxScaler, StandardScaler

from iris_nn.core.errors import BadInputError
from iris_nn.data import datasets, split
from iris_nn.data.prepare import prepare
from iris_nn.data.scaler import Scaler
from iris_nn.runs.config import DataConfig


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
    assert again.as_dict() == s.as_dict()
    assert split.split_rows(y, 0.2, 0.1, seed=6).as_dict() != s.as_dict()
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
    ds = prepare(d.dataset, d.features, d.test_size, d.val_size, d.scaling, seed=3)
    Xtr, _ = ds.scaled("train")
    np.testing.assert_allclose(Xtr.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(Xtr.std(axis=0), 1, atol=1e-12)
    Xte, _ = ds.scaled("test")
    assert np.abs(Xte.mean(axis=0)).max() > 1e-6  # the test rows did not shape the scaler


def test_seed_streams_are_independent_and_reproducible():
    a, b, c = split.seeds(1)
    assert len({split.int_seed(a), split.int_seed(b), split.int_seed(c)}) == 3
    assert split.int_seed(split.seeds(1)[0]) == split.int_seed(a)
