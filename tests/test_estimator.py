import pickle
import subprocess
import sys

import numpy as np
import pytest
from sklearn.datasets import load_iris, make_classification
from sklearn.model_selection import GridSearchCV, cross_validate
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

from iris_nn.estimators.classifier import PARAMETERS, IrisNNClassifier, class_indices
from iris_nn.settings.config import Config, apply

# Few epochs at a higher rate keep scikit-learn's ~50 checks fast; the checks pass as they are.
FAST = {"epochs": 300, "lr": 0.3}


@parametrize_with_checks([IrisNNClassifier(**FAST)])
def test_scikit_learn_checks(estimator, check):
    check(estimator)


@pytest.fixture(scope="module")
def iris():
    X, y = load_iris(return_X_y=True)
    return X, np.array(["setosa", "versicolor", "virginica"])[y]


def test_defaults_mirror_the_config():
    params = IrisNNClassifier().get_params()
    assert IrisNNClassifier.from_config(Config()).get_params() == params
    assert params["random_state"] == Config().seed
    assert set(params) == set(PARAMETERS)
    assert {"random_state", "init_seed", "lr", "hidden"} <= set(params)


def test_from_config_takes_every_key():
    config = apply(Config(), {"train.lr": 0.05, "model.hidden": (4, 4), "seed": 7})
    params = IrisNNClassifier.from_config(config).get_params()
    assert (params["lr"], params["hidden"], params["random_state"]) == (0.05, (4, 4), 7)


def test_string_labels_fit_predict_score(iris):
    X, y = iris
    clf = IrisNNClassifier(**FAST).fit(X, y)
    assert list(clf.classes_) == ["setosa", "versicolor", "virginica"]
    assert clf.n_features_in_ == 4
    P = clf.predict_proba(X)
    np.testing.assert_allclose(P.sum(axis=1), 1.0)
    np.testing.assert_array_equal(clf.predict(X), clf.classes_[P.argmax(axis=1)])
    assert clf.score(X, y) > 0.95


@pytest.mark.parametrize(
    "labels",
    [
        np.array([3, 7, 42]),  # integers with gaps: counted, not sorted
        np.array([0, 1, 2], dtype=np.uint8),
        np.array([0, 1, 2], dtype=np.uint64),  # beyond bincount: sorted
        np.array([-5, 0, 5]),
        np.array([0.0, 1.0, 2.0]),
    ],
)
def test_labels_of_every_integer_kind_map_to_classes_as_np_unique_does(iris, labels):
    X, y = iris
    y = labels[np.searchsorted(["setosa", "versicolor", "virginica"], y)]
    classes, index = class_indices(y)
    expected_classes, expected_index = np.unique(y, return_inverse=True)
    assert classes.dtype == expected_classes.dtype
    np.testing.assert_array_equal(classes, expected_classes)
    np.testing.assert_array_equal(index, expected_index)
    clf = IrisNNClassifier(**FAST).fit(X, y)
    np.testing.assert_array_equal(clf.classes_, labels)
    assert clf.score(X, y) > 0.95


def test_continuous_labels_are_refused(iris):
    X, _ = iris
    with pytest.raises(ValueError, match="Unknown label type"):
        IrisNNClassifier(**FAST).fit(X, np.linspace(0, 1, len(X)))


def test_any_number_of_classes_and_features():
    X, y = make_classification(
        n_samples=200, n_features=7, n_informative=5, n_classes=5, random_state=0
    )
    labels = np.array([10, 20, 30, 40, 50])[y]
    clf = IrisNNClassifier(hidden=(), **FAST).fit(X, labels)
    assert clf.predict_proba(X).shape == (200, 5)
    assert set(clf.predict(X)) <= set(labels)


def test_same_seed_same_network_and_pickle_round_trip(iris):
    X, y = iris
    a = IrisNNClassifier(**FAST, random_state=3).fit(X, y)
    b = IrisNNClassifier(**FAST, random_state=3).fit(X, y)
    np.testing.assert_array_equal(a.network_.theta, b.network_.theta)
    c = pickle.loads(pickle.dumps(a))
    np.testing.assert_array_equal(c.predict_proba(X), a.predict_proba(X))


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"lr": 0.0}, "lr: train.lr = 0.0 is not allowed"),
        ({"activation": "swish"}, "activation: model.activation = 'swish' is not allowed"),
        ({"hidden": (0,)}, "hidden: model.hidden = [0] is not allowed"),
        ({"early_stopping": True, "val_size": 0.0}, "early_stopping=True needs validation rows"),
        ({"random_state": 1.5}, "random_state: seed = 1.5: expected an integer"),
    ],
)
def test_bad_hyperparameters_raise_value_error(iris, params, message):
    with pytest.raises(ValueError, match=message.replace("[", r"\[").replace("(", r"\(")):
        IrisNNClassifier(**params).fit(*iris)


def test_in_pipeline_grid_search_and_cross_validate(iris):
    X, y = iris
    pipe = make_pipeline(StandardScaler(), IrisNNClassifier(**FAST, scaling="none"))
    search = GridSearchCV(pipe, {"irisnnclassifier__l2": [0.1, 1.0]}, cv=3).fit(X, y)
    assert search.best_score_ > 0.9
    scores = cross_validate(IrisNNClassifier(**FAST), X, y, cv=3, scoring="neg_log_loss")
    assert np.all(scores["test_score"] > -0.3)


def test_import_iris_nn_does_not_load_scikit_learn():
    code = (
        "import sys, iris_nn; assert 'sklearn' not in sys.modules; "
        "from iris_nn import IrisNNClassifier; print(IrisNNClassifier.__name__)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "IrisNNClassifier"


def test_numpy_scalars_from_a_parameter_grid_are_accepted(iris):
    X, y = iris
    clf = IrisNNClassifier(
        epochs=np.int64(50), lr=np.float64(0.3), nesterov=np.bool_(False), hidden=np.array([4])
    )
    assert clf.fit(X, y).score(X, y) > 0.5
