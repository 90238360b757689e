import json

import numpy as np
import pytest
from click.testing import CliRunner
from sklearn.model_selection import RepeatedStratifiedKFold

from iris_nn.cli import cli
from iris_nn.data.datasets import get_dataset
from iris_nn.estimators.cv import MODEL_NAMES, cross_validate, make_folds, mlp_classifier
from iris_nn.settings.config import Config, apply

# A few epochs are enough to compare runs with each other.
QUICK = apply(Config(), {"train.epochs": 30, "seed": 5})


def test_folds_equal_scikit_learns():
    _, y = get_dataset("iris").rows()
    ours = make_folds(y, 4, 3, seed=11)
    theirs = list(RepeatedStratifiedKFold(n_splits=4, n_repeats=3, random_state=11).split(y, y))
    assert len(ours) == len(theirs) == 12
    for (a, b), (c, d) in zip(ours, theirs, strict=True):
        np.testing.assert_array_equal(a, c)
        np.testing.assert_array_equal(b, d)


@pytest.fixture(scope="module")
def serial():
    return cross_validate(QUICK, folds=3, repeats=2, jobs=1)


def test_results_are_deterministic_and_the_same_for_every_jobs(serial):
    again = cross_validate(QUICK, folds=3, repeats=2, jobs=1)
    parallel = cross_validate(QUICK, folds=3, repeats=2, jobs=2)
    for other in (again, parallel):
        assert list(other.scores) == list(serial.scores)
        for name, scores in serial.scores.items():
            for metric in ("accuracy", "log_loss"):
                np.testing.assert_array_equal(other.scores[name][metric], scores[metric])


def test_every_model_has_one_score_per_fold(serial):
    assert list(serial.scores) == list(MODEL_NAMES)
    assert all(len(s["accuracy"]) == 6 for s in serial.scores.values())
    assert serial.summary()["models"]["dummy"]["log_loss_mean"] == pytest.approx(np.log(3), 0.01)


def test_the_seed_changes_the_folds():
    other = cross_validate(apply(QUICK, {"seed": 6}), folds=3, repeats=1, jobs=1, models=["lda"])
    first = cross_validate(QUICK, folds=3, repeats=1, jobs=1, models=["lda"])
    assert not np.array_equal(other.scores["lda"]["log_loss"], first.scores["lda"]["log_loss"])


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"folds": 1}, "folds = 1 is not allowed; allowed: an integer 2 .. 50"),
        ({"repeats": 101}, "repeats = 101 is not allowed"),
        ({"jobs": 0}, "jobs = 0 is not allowed"),
        ({"models": ["knn"]}, "unknown models ['knn']"),
    ],
)
def test_bad_values_raise_value_error(kwargs, message):
    with pytest.raises(ValueError, match=message.replace("[", r"\[").replace("'", "'")):
        cross_validate(QUICK, **kwargs)


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        (
            {"train.optimizer": "gd", "model.activation": "sigmoid"},
            {"solver": "sgd", "batch_size": 120, "momentum": 0.0, "activation": "logistic"},
        ),
        (
            {"train.optimizer": "momentum", "train.batch_size": 16, "train.nesterov": True},
            {"solver": "sgd", "batch_size": 16, "momentum": 0.9, "nesterovs_momentum": True},
        ),
        (
            {
                "train.optimizer": "adam",
                "train.early_stopping": True,
                "data.val_size": 0.1,
                "train.patience": 7,
            },
            {"solver": "adam", "early_stopping": True, "n_iter_no_change": 7},
        ),
    ],
)
def test_mlp_classifier_mirrors_the_config(overrides, expected):
    config = apply(Config(), {**overrides, "train.l2": 0.5, "train.lr": 0.02})
    params = mlp_classifier(config, n_train=120, n_val=15, seed=0).get_params()
    assert params["alpha"] == 0.5 and params["learning_rate_init"] == 0.02
    assert params["hidden_layer_sizes"] == config.model.hidden
    assert params["max_iter"] == config.train.epochs
    assert {k: params[k] for k in expected} == expected


def test_cli_json_and_plot(tmp_path):
    plot = tmp_path / "cv.png"
    args = ["cv", "--folds", "3", "--repeats", "1", "--epochs", "20", "--jobs", "1"]
    result = CliRunner().invoke(cli, [*args, "--format", "json", "--plot", str(plot)])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert list(doc) == ["folds", "repeats", "seed", "models"]
    assert (doc["folds"], doc["repeats"], doc["seed"]) == (3, 1, 0)
    assert list(doc["models"]) == list(MODEL_NAMES)
    assert set(doc["models"]["iris_nn"]) == {
        "accuracy_mean",
        "accuracy_std",
        "log_loss_mean",
        "log_loss_std",
        "fit_time_mean",
    }
    assert plot.read_bytes().startswith(b"\x89PNG")


def test_cli_notes_an_activation_scikit_learn_lacks():
    args = ["cv", "--folds", "2", "--repeats", "1", "--epochs", "5", "--jobs", "1"]
    result = CliRunner().invoke(cli, [*args, "--activation", "softplus"])
    assert result.exit_code == 0, result.output
    assert "mlp_classifier       absent: scikit-learn's MLPClassifier has no 'softplus'" in (
        result.stdout
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--folds", "51"], "Error: Invalid value for '--folds': 51 is not in the range 2<=x<=50"),
        (["--folds", "1"], "Error: Invalid value for '--folds': 1 is not in the range 2<=x<=50"),
        (["--repeats", "0"], "Error: Invalid value for '--repeats': 0 is not in the range"),
        (["--jobs", "0"], "Error: Invalid value for '--jobs': 0 is not in the range 1<=x<=1024"),
        (["--set", "train.lr=0"], "Error: train.lr = 0 is not allowed"),
    ],
)
def test_cli_bad_values_exit_2(args, message):
    result = CliRunner().invoke(cli, ["cv", *args])
    assert result.exit_code == 2
    assert result.stderr.startswith(message) and result.stderr.count("\n") == 1


CV = ["cv", "--folds", "2", "--repeats", "1", "--epochs", "5", "--jobs", "1"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--set", "data.val_size=0.7", "--set", "data.test_size=0.05"],
            "Error: data.val_size = 0.7 asks for 105 validation rows, but 2-fold cross-validation "
            "trains on 75 of the 150 rows; allowed: data.val_size <= 0.480 (72 rows, leaving a "
            "training row per class)",
        ),
        (
            ["--optimizer", "sgd", "--batch-size", "100"],
            "Error: train.batch_size = 100 is larger than the 75 rows a fold trains on (2-fold "
            "cross-validation trains on 75 of the 150 rows); allowed: 0 (full batch) .. 75",
        ),
        (
            ["--optimizer", "adam", "--batch-size", "70", "--set", "data.val_size=0.1"],
            "Error: train.batch_size = 70 is larger than the 60 rows a fold trains on (2-fold "
            "cross-validation trains on 75 of the 150 rows, less 15 validation rows); allowed: "
            "0 (full batch) .. 60",
        ),
        (["--plot", "cv"], "Error: --plot 'cv': the extension chooses the format; allowed: .png"),
        (["--plot", "cv.gif"], "Error: --plot 'cv.gif': the extension chooses the format"),
        (["--folds", "5_1"], "Error: Invalid value for '--folds': '5_1' is not an integer"),
    ],
)
def test_what_does_not_fit_a_fold_is_refused_before_any_fold_runs(args, message):
    result = CliRunner().invoke(cli, [*CV, *args])
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith(message) and result.stderr.count("\n") == 1


def test_an_unwritable_plot_path_is_refused_before_any_fold_runs(tmp_path):
    for path, why in ((tmp_path / "no" / "cv.png", "no directory"), (tmp_path, "extension")):
        result = CliRunner().invoke(cli, [*CV, "--plot", str(path)])
        assert result.exit_code in (1, 2) and why in result.stderr
        assert "fold" not in result.stderr


def test_the_plot_format_follows_the_extension(tmp_path):
    path = tmp_path / "cv.SVG"
    result = CliRunner().invoke(cli, [*CV, "--plot", str(path)])
    assert result.exit_code == 0, result.output
    assert b"<svg" in path.read_bytes()[:500]
    assert not (tmp_path / "cv.SVG.png").exists()


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_fold_that_diverges_from_l2_suggests_a_smaller_l2(jobs):
    # 150 rows, 2 folds: each fold trains on 75 - 15 = 60 rows; lr 0.3 * l2 10000 / 60 > 1
    args = ["cv", "--folds", "2", "--repeats", "1", "--epochs", "300", "--jobs", jobs]
    result = CliRunner().invoke(cli, [*args, "--set", "train.l2=10000"])
    assert result.exit_code == 1, result.output
    assert result.stderr.startswith("Error: training diverged in a fold: ")
    assert result.stderr.rstrip().endswith(
        "Try a smaller L2 strength (--set train.l2=0.3): with --lr 0.3 it shrinks the weights "
        "past zero at every step"
    )
