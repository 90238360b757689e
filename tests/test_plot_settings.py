"""plots.row and plots.plane (SPEC 4): the example row the figures walk and the regions' plane."""

from pathlib import Path

from conftest import error, ok, run

from iris_nn.views.figures import load_view

ROOT = Path(__file__).resolve().parents[1]


def test_the_lesson_walks_flower_44_and_plot_row_overrides_it(tmp_path):
    lesson = ok(
        "train",
        "-q",
        "--no-plots",
        "-c",
        str(ROOT / "configs" / "lesson.toml"),
        "--out",
        str(tmp_path),
    ).strip()
    assert load_view(lesson).example_rows[0] == 44
    assert load_view(lesson, row=3).example_rows[0] == 3
    message = error(run("plot", lesson, "--row", "150"), code=1)
    assert "plots.row = 150: not a row of the run's data set" in message


def test_a_row_past_the_data_and_a_plane_off_the_inputs_are_errors(tmp_path):
    out = ["--out", str(tmp_path), "--no-plots", "--epochs", "1"]
    assert "plots.row = 150: the data set has 150 rows" in error(run("train", *out, "--row", "150"))
    plane = 'plots.plane=["sepal_width", "petal_colour"]'
    assert "['petal_colour'] not among the inputs" in error(run("train", *out, "--set", plane))


def test_the_plane_replaces_the_data_sets_own(tmp_path):
    plane = 'plots.plane=["sepal_length", "sepal_width"]'
    path = ok("train", "-q", "--no-plots", "--epochs", "1", "--out", str(tmp_path), "--set", plane)
    assert load_view(path.strip()).info.plane == ("sepal_length", "sepal_width")
