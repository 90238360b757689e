"""data.sha256 and model.init_sha256: a run records the files it trained from, and a reproduction
(``train -c RUN/config.toml``) refuses a file that changed since, naming it (SPEC 4)."""

import hashlib
import shutil
import tomllib
from pathlib import Path

from conftest import error, ok, run

ROOT = Path(__file__).resolve().parents[1]


def config_of(run_dir):
    return tomllib.loads((Path(run_dir) / "config.toml").read_text())


def test_a_changed_csv_is_refused_naming_it(tmp_path):
    csv = tmp_path / "w.csv"
    shutil.copy(ROOT / "examples" / "wine.csv", csv)
    args = ["--no-plots", "-q", "--out", str(tmp_path / "o"), "--epochs", "3"]
    first = ok("train", *args, "--name", "a", "--data", str(csv), "--target", "Cultivar").strip()
    recorded = config_of(first)["data"]["sha256"]
    assert recorded == hashlib.sha256(csv.read_bytes()).hexdigest()
    again = ok("train", *args, "--name", "b", "-c", f"{first}/config.toml").strip()
    assert config_of(again)["data"]["sha256"] == recorded
    csv.write_text(csv.read_text().replace("\n14.23", "\n14.24", 1))
    message = error(run("train", *args, "--name", "c", "-c", f"{first}/config.toml"), code=1)
    assert f"data.dataset = '{csv}' has changed since data.sha256 was recorded" in message
    assert not (tmp_path / "o" / "c").exists()


def test_a_changed_init_file_is_refused_naming_it(tmp_path):
    weights = tmp_path / "w.toml"
    shutil.copy(ROOT / "configs" / "lesson-weights.toml", weights)
    lesson = (ROOT / "configs" / "lesson.toml").read_text().replace("lesson-weights.toml", "w.toml")
    (tmp_path / "lesson.toml").write_text(lesson)
    args = ["--no-plots", "-q", "--out", str(tmp_path / "o")]
    first = ok("train", *args, "--name", "a", "-c", str(tmp_path / "lesson.toml")).strip()
    recorded = config_of(first)["model"]["init_sha256"]
    assert recorded == hashlib.sha256(weights.read_bytes()).hexdigest()
    ok("train", *args, "--name", "b", "-c", f"{first}/config.toml")
    weights.write_text(weights.read_text() + "\n# edited\n")
    message = error(run("train", *args, "--name", "c", "-c", f"{first}/config.toml"), code=1)
    assert f"model.init = '{weights}' has changed since model.init_sha256 was recorded" in message


def test_a_bundled_data_set_records_no_hash(tmp_path):
    first = ok("train", "--no-plots", "-q", "--out", str(tmp_path), "--epochs", "2").strip()
    assert "sha256" not in config_of(first)["data"]
    message = error(run("train", "--set", "data.sha256=" + "0" * 64, "--out", str(tmp_path)))
    assert "data.sha256 is for CSV files" in message
