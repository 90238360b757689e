"""``iris-nn serve``: the page, the WebSocket protocol, the safety checks, save and reproduction.

The server's logic is tested with Starlette's test client (no browser); the process itself (its
URL, its signals, its log lines, the installed wheel) in subprocesses marked slow.
"""

import hashlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import tomllib
import urllib.request
import warnings
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from iris_nn.cli import cli
from iris_nn.experiments.experiment import build, train_network
from iris_nn.settings.config import Config, ConfigError, apply

warnings.filterwarnings("ignore", message=".*httpx.*", category=DeprecationWarning)
starlette_testclient = pytest.importorskip("starlette.testclient")
from starlette.websockets import WebSocketDisconnect  # noqa: E402

from iris_nn.server.app import STATIC, Serving, create_app  # noqa: E402

HOST = "127.0.0.1:8000"
SMALL = {"train.epochs": 60, "model.hidden": [5]}  # quick to train on every message


def client(tmp_path, settings=SMALL, token=None, host="127.0.0.1"):
    serving = Serving(apply(Config(), settings), tmp_path / "runs", host, 8000, token)
    return starlette_testclient.TestClient(create_app(serving), base_url=f"http://{HOST}")


def connect(c, path="/ws", **kw):
    return c.websocket_connect(f"ws://{HOST}{path}", **kw)


class Page:
    """One page's socket: send a message, get its answer (skipping training updates).

    As the page does, it appends each state's new history entries to the ones it holds.
    """

    def __init__(self, ws):
        self.ws, self.next_id, self.state = ws, 1, None
        self.controls = ws.receive_json()
        assert self.controls["type"] == "controls"
        self.receive()

    def receive(self):
        reply = self.ws.receive_json()
        assert reply["type"] == "state"
        state, start = reply["state"], reply["state"]["history_from"]
        if start > 0:
            assert state["generation"] == self.state["generation"]
            held = self.state["history"]
            assert all(len(v) >= start for v in held.values())
            state["history"] = {k: held[k][:start] + v for k, v in state["history"].items()}
        self.state = state
        return reply

    def send(self, **message):
        self.next_id += 1
        self.ws.send_json({**message, "id": self.next_id})
        while self.receive()["answered"] != self.next_id:
            pass
        return self.state

    def until_stopped(self):
        while self.state["playing"]:
            self.receive()
        return self.state


def weights(state):
    return {k: np.array(v) for k, v in state["weights"].items()}


def test_the_page_and_its_files(tmp_path):
    c = client(tmp_path)
    page = c.get("/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    for button in ("play", "step", "reset", "save"):
        assert f'id="{button}"' in page.text
    assert "{{query}}" not in page.text
    js = c.get("/static/main.js")
    assert js.status_code == 200 and "window.irisnn" in js.text
    for name in STATIC:  # every module the page imports is served
        assert c.get(f"/static/{name}").status_code == 200
    assert c.get("/static/page.css").headers["content-type"].startswith("text/css")
    assert c.get("/static/../app.py").status_code == 404
    assert c.get("/static/secret.txt").status_code == 404


def test_http_takes_no_writes(tmp_path):
    c = client(tmp_path)
    for method in ("post", "put", "delete"):
        assert getattr(c, method)("/").status_code == 405
    assert not (tmp_path / "runs").exists()


@pytest.mark.parametrize("host", ["127.0.0.1:8000", "localhost:8000", "[::1]:8000"])
def test_the_servers_own_host_names_are_accepted(tmp_path, host):
    assert client(tmp_path).get("/", headers={"host": host}).status_code == 200


@pytest.mark.parametrize("host", ["evil.example:8000", "127.0.0.1:8001", "127.0.0.1", ""])
def test_another_host_header_is_refused_dns_rebinding(tmp_path, host):
    c = client(tmp_path)
    response = c.get("/", headers={"host": host})
    assert response.status_code == 403 and "Host" in response.text
    with (
        pytest.raises(WebSocketDisconnect),
        c.websocket_connect(f"ws://{HOST}/ws", headers={"host": host}),
    ):
        pass


def test_a_websocket_from_another_origin_is_refused(tmp_path):
    c = client(tmp_path)
    refused = pytest.raises(WebSocketDisconnect)
    with refused, connect(c, headers={"origin": "http://evil.example"}) as ws:
        ws.receive_json()
    with connect(c, headers={"origin": f"http://{HOST}"}) as ws:
        assert Page(ws).state["epoch"] == 0


def test_a_token_is_needed_on_every_request_when_set(tmp_path):
    c = client(tmp_path, token="s3cret", host="0.0.0.0")
    assert c.get("/").status_code == 403
    assert c.get("/?token=wrong").status_code == 403
    assert c.get("/static/connection.js").status_code == 403
    page = c.get("/?token=s3cret")
    assert page.status_code == 200 and "main.js?token=s3cret" in page.text
    assert c.get("/static/connection.js?token=s3cret").status_code == 200
    with pytest.raises(WebSocketDisconnect), connect(c) as ws:
        ws.receive_json()
    with connect(c, "/ws?token=s3cret") as ws:
        assert Page(ws).state["epoch"] == 0


def test_the_first_state_is_the_configs_network(tmp_path):
    config = apply(Config(), SMALL)
    _, net, _ = build(config)
    with connect(client(tmp_path)) as ws:
        state = Page(ws).state
    assert state["epoch"] == 0 and state["settings"]["train.epochs"] == 60
    assert state["settings"]["model.hidden"] == [5]
    for name, value in net.state_dict().items():
        np.testing.assert_array_equal(weights(state)[name], value)
    assert set(state["history"]) >= {"train_loss", "val_loss", "test_accuracy"}
    assert len(state["history"]["train_loss"]) == 1 and state["history"]["val_loss"] == [None]
    assert state["selected"] is None and state["error"] is None and state["playing"] is False


def test_play_trains_to_the_weights_that_train_reaches(tmp_path):
    config = apply(Config(), SMALL)
    expected = train_network(config)
    with connect(client(tmp_path)) as ws:
        page = Page(ws)
        page.send(type="play")
        state = page.until_stopped()
    assert state["epoch"] == 60 and state["stop_reason"] == "epochs"
    got = np.concatenate([np.append(weights(state)[f"W{i}"], weights(state)[f"b{i}"])
                          for i in (1, 2)])  # fmt: skip
    want = np.concatenate([np.append(expected.net.W(i), expected.net.b(i)) for i in (1, 2)])
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-12)
    np.testing.assert_array_equal(
        state["history"]["train_loss"], expected.history.columns["train_loss"]
    )


def test_step_pause_speed_and_reset(tmp_path):
    with connect(client(tmp_path)) as ws:
        page = Page(ws)
        start = weights(page.state)
        assert page.send(type="step")["epoch"] == 1
        assert page.send(type="step", epochs=4)["epoch"] == 5
        assert len(page.state["history"]["train_loss"]) == 6
        assert page.send(type="speed", epochs=1)["speed"] == 1
        page.send(type="play")
        assert page.send(type="pause")["playing"] is False
        paused_at = page.state["epoch"]
        assert 5 <= paused_at < 60
        assert page.send(type="state")["epoch"] == paused_at  # paused: no more epochs
        state = page.send(type="reset")
        assert state["epoch"] == 0
        for name, value in start.items():
            np.testing.assert_array_equal(weights(state)[name], value)
        for bad in ({"epochs": 0}, {"epochs": 1001}, {"epochs": "2"}):
            assert "epochs" in page.send(type="step", **bad)["error"]["message"]
        assert page.send(type="speed", epochs=-1)["error"]["message"].startswith("speed -1")


def test_set_a_setting_and_its_checks(tmp_path):
    with connect(client(tmp_path)) as ws:
        page = Page(ws)
        page.send(type="step", epochs=3)
        state = page.send(type="set", key="train.lr", value=0.05)
        assert state["settings"]["train.lr"] == 0.05 and state["error"] is None
        assert state["epoch"] == 0  # a new start from the current weights
        state = page.send(type="set", key="model.hidden", value=[3, 2])
        assert weights(state)["W1"].shape == (4, 3) and weights(state)["W3"].shape == (2, 3)
        # a bad value: the config's own message, tied to its key; nothing changes
        for key, value in [("train.lr", 0), ("model.activation", "relux"), ("nope", 1),
                           ("train.epochs", 2.5)]:  # fmt: skip
            with pytest.raises(ConfigError) as expected:
                apply(Config(), {key: value})
            state = page.send(type="set", key=key, value=value)
            assert state["error"] == {"key": key, "message": str(expected.value)}
            assert state["settings"]["model.hidden"] == [3, 2]
        state = page.send(type="step")  # the server keeps serving
        assert state["epoch"] == 1 and state["error"] is None
        # fine alone, not with the rest: the message of the training loop, nothing changes
        page.send(type="set", key="train.optimizer", value="sgd")
        page.send(type="step", epochs=2)
        state = page.send(type="set", key="train.batch_size", value=10_000)
        assert state["error"]["key"] == "train.batch_size"
        assert "larger than the" in state["error"]["message"]
        assert state["settings"]["train.batch_size"] == 0 and state["epoch"] == 2


def test_the_page_reads_no_file_of_the_machine(tmp_path):
    secret = tmp_path / "secret.csv"
    secret.write_text("a,b\n1,x\n2,y\n")
    with connect(client(tmp_path)) as ws:
        page = Page(ws)
        error = page.send(type="set", key="data.dataset", value=str(secret))["error"]
        assert error["key"] == "data.dataset" and "reads no file" in error["message"]
        error = page.send(type="set", key="model.init", value=str(tmp_path / "w.npz"))["error"]
        assert error["key"] == "model.init" and "reads no file" in error["message"]
        state = page.send(type="set", key="data.dataset", value="wine")
        assert state["error"] is None and len(state["classes"]) == 3 and state["rows"] == 178
        error = page.send(type="save", name="../escape")["error"]
        assert "run name '../escape' is not allowed" in error["message"]
    assert not (tmp_path / "escape").exists()


def test_select_a_row_shows_its_forward_pass(tmp_path):
    data, net, _ = build(apply(Config(), SMALL))
    with connect(client(tmp_path)) as ws:
        page = Page(ws)
        selected = page.send(type="select", row=100)["selected"]
        x = data.X[100:101]
        P = net.predict_proba(data.scaler(x.copy()))[0]
        assert selected["row"] == 100 and list(selected["inputs"].values()) == x[0].tolist()
        np.testing.assert_allclose(selected["probabilities"], P, rtol=1e-14)
        assert sum(selected["probabilities"]) == pytest.approx(1.0)
        assert selected["prediction"] == data.classes[int(np.argmax(P))]
        assert selected["true_class"] == "virginica"
        for bad in (150, -1, "3", True):
            assert "row" in page.send(type="select", row=bad)["error"]["message"]


def test_set_a_weight_moves_the_outputs_without_training(tmp_path):
    with connect(client(tmp_path)) as ws:
        page = Page(ws)
        page.send(type="select", row=0)
        page.send(type="step", epochs=2)
        before = page.state["selected"]["raw_outputs"]
        state = page.send(type="weight", name="b2", i=0, value=before[0] + 10.0 - before[0])
        assert weights(state)["b2"][0] == 10.0 and state["epoch"] == 0  # the new start
        state = page.send(type="weight", name="W1", i=1, j=2, value=-0.75)
        assert weights(state)["W1"][1, 2] == -0.75
        assert state["selected"]["raw_outputs"] != before
        for bad in [{"name": "W9", "i": 0, "j": 0}, {"name": "W1", "i": 4, "j": 0},
                    {"name": "b1", "i": 0, "value": float("nan")}, {"name": "x", "i": 0}]:  # fmt: skip
            message = {"value": 1.0, **bad}
            assert page.send(type="weight", **message)["error"] is not None


def test_bad_messages_get_an_error_and_the_server_keeps_serving(tmp_path):
    with connect(client(tmp_path)) as ws:
        page = Page(ws)
        ws.send_text("not json")
        assert ws.receive_json()["state"]["error"]["message"].startswith("a message is a JSON")
        assert "unknown message type 'fly'" in page.send(type="fly")["error"]["message"]
        assert page.send(type="set", value=1)["error"]["message"].startswith("set needs a key")
        assert page.send(type="step")["epoch"] == 1


def test_save_writes_a_run_that_train_reproduces(tmp_path):
    with connect(client(tmp_path)) as ws:
        page = Page(ws)
        page.send(type="step", epochs=7)
        page.send(type="weight", name="W1", i=0, j=0, value=1.5)  # the start is now these weights
        start = weights(page.state)
        page.send(type="set", key="train.optimizer", value="adam")
        page.send(type="set", key="train.batch_size", value=16)
        page.send(type="step", epochs=5)
        state = page.send(type="save", name="mine")
        saved = weights(state)
    run = Path(state["saved"])
    assert run == (tmp_path / "runs" / "mine").resolve() and state["error"] is None
    config = tomllib.loads((run / "config.toml").read_text())
    assert config["train"]["epochs"] == 5 and config["train"]["optimizer"] == "adam"
    assert config["model"]["init"] == str(run / "start.npz")
    digest = hashlib.sha256((run / "start.npz").read_bytes()).hexdigest()
    assert config["model"]["init_sha256"] == digest
    with np.load(run / "start.npz") as npz:
        for name, value in start.items():
            np.testing.assert_array_equal(npz[name], value)
    with np.load(run / "model.npz") as npz:
        for name, value in saved.items():
            np.testing.assert_allclose(npz[name], value, rtol=0, atol=1e-12)
    runner = CliRunner()
    again = runner.invoke(cli, ["train", "-c", str(run / "config.toml"), "--out",
                                str(tmp_path / "again"), "--name", "again", "--no-plots", "-q"])  # fmt: skip
    assert again.exit_code == 0, again.output
    with np.load(tmp_path / "again" / "again" / "model.npz") as a, np.load(run / "model.npz") as b:
        for name in saved:
            np.testing.assert_allclose(a[name], b[name], rtol=0, atol=1e-12)
    predicted = runner.invoke(cli, ["predict", "-m", str(run), "5.1", "3.5", "1.4", "0.2"])
    assert predicted.exit_code == 0, predicted.output
    plotted = runner.invoke(cli, ["plot", str(run)])
    assert plotted.exit_code == 0, plotted.output
    # a changed start file is refused by name
    (run / "start.npz").write_bytes((run / "start.npz").read_bytes() + b"\0")
    changed = runner.invoke(cli, ["train", "-c", str(run / "config.toml"), "--out",
                                  str(tmp_path / "again"), "--no-plots", "-q"])  # fmt: skip
    assert changed.exit_code == 1 and "model.init_sha256" in changed.output


def _training_threads():
    return [t for t in threading.enumerate() if t.name == "iris-nn training"]


def _wait_for(condition, seconds=10.0):
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.01)
    return condition()


def test_at_most_four_pages_train_at_once(tmp_path):
    slow = {**SMALL, "train.epochs": 1_000_000}
    c = client(tmp_path, slow)
    sockets = [connect(c) for _ in range(5)]
    pages = [Page(ws.__enter__()) for ws in sockets]
    try:
        for page in pages:
            page.send(type="speed", epochs=1)
        for page in pages[:4]:
            assert page.send(type="play")["error"] is None
        refused = pages[4].send(type="play")
        assert refused["playing"] is False
        assert refused["error"]["message"].startswith("4 pages are training already")
        pages[0].send(type="pause")  # a paused page frees its place
        assert pages[4].send(type="play")["error"] is None
    finally:
        for ws in sockets:
            ws.__exit__(None, None, None)
    assert _wait_for(lambda: not _training_threads())


def test_a_closed_page_stops_its_training(tmp_path):
    c = client(tmp_path, {**SMALL, "train.epochs": 1_000_000})
    with connect(c) as ws:
        page = Page(ws)
        page.send(type="speed", epochs=1)
        page.send(type="play")
        assert _training_threads()
    assert _wait_for(lambda: not _training_threads())


def test_serve_is_registered_without_loading_the_server():
    code = "import sys, iris_nn.cli; print(sorted(m for m in sys.modules if m.split('.')[0] in ('starlette', 'uvicorn', 'iris_nn.server')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
    assert "serve" in CliRunner().invoke(cli, ["--help"]).output


def test_serve_help_names_its_options():
    result = CliRunner().invoke(cli, ["serve", "--help"])
    assert result.exit_code == 0
    for option in ("--host", "--port", "--out", "--open / --no-open", "--verbose", "-c, --config"):
        assert option in result.output


def test_a_busy_port_is_exit_1_naming_it():
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = CliRunner().invoke(cli, ["serve", "--port", str(port)])
    assert result.exit_code == 1
    assert f"Error: port {port} on 127.0.0.1 is in use; try --port {port + 1}" in result.output


def _start(args, env=None, python=sys.executable, cwd=None):
    process = subprocess.Popen(
        [python, "-m", "iris_nn", "serve", "--port", "0", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=cwd,
    )
    url = process.stdout.readline().strip()
    return process, url


@pytest.mark.slow
@pytest.mark.parametrize("signum, code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_the_server_starts_serves_and_stops_on_a_signal(tmp_path, signum, code):
    process, url = _start(["--out", str(tmp_path)])
    try:
        assert url.startswith("http://127.0.0.1:") and url.endswith("/"), url
        page = urllib.request.urlopen(url, timeout=10).read().decode()
        assert 'id="play"' in page
        process.send_signal(signum)
        assert process.wait(timeout=20) == code
    finally:
        process.kill()
        process.wait()
    stderr = process.stderr.read()
    assert "Uvicorn" not in stderr and "INFO" not in stderr, stderr  # uvicorn's lines stay off


@pytest.mark.slow
def test_a_non_loopback_host_warns_and_prints_a_token(tmp_path):
    process, url = _start(["--host", "0.0.0.0", "--out", str(tmp_path)])
    try:
        assert "?token=" in url
        port = url.split(":")[2].split("/")[0]
        token_url = f"http://127.0.0.1:{port}/?" + url.split("?")[1]
        assert "iris-nn" in urllib.request.urlopen(token_url, timeout=10).read().decode()
        with pytest.raises(urllib.error.HTTPError):
            urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=10)
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=20) == 130
    finally:
        process.kill()
        process.wait()
    assert process.stderr.read().startswith("Warning: --host 0.0.0.0 lets anyone")


@pytest.mark.slow
def test_the_installed_wheel_serves_the_page(tmp_path):
    root = Path(__file__).resolve().parents[1]
    wheels = tmp_path / "wheels"
    build_wheel = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                   "--no-index", "-w", str(wheels), str(root)]  # fmt: skip
    subprocess.run(build_wheel, check=True, capture_output=True)
    (wheel,) = wheels.glob("iris_nn-*.whl")
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    site = Path(subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               capture_output=True, text=True, check=True).stdout.strip())  # fmt: skip
    # the wheel's dependencies from this environment, after the wheel's own files
    here = [p for p in sys.path if p.endswith("site-packages")]
    (site / "zz_dependencies.pth").write_text("\n".join(here) + "\n")
    install = [sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps",
               "--no-index", str(wheel)]  # fmt: skip
    subprocess.run(install, check=True, capture_output=True)
    where = subprocess.run([python, "-c", "import iris_nn; print(iris_nn.__file__)"],
                           capture_output=True, text=True, check=True, cwd=tmp_path)  # fmt: skip
    assert where.stdout.startswith(str(site))
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    process, url = _start(["--out", str(tmp_path / "runs")], env=env, python=str(python),
                          cwd=tmp_path)  # fmt: skip
    try:
        assert url.startswith("http://127.0.0.1:"), process.stderr.read()
        assert 'id="save"' in urllib.request.urlopen(url, timeout=10).read().decode()
        js = urllib.request.urlopen(url + "static/main.js", timeout=10).read().decode()
        assert "window.irisnn" in js
        for name in STATIC:  # every file of the page is in the wheel
            assert urllib.request.urlopen(url + f"static/{name}", timeout=10).status == 200
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=20)


def test_the_controls_come_from_the_schema(tmp_path):
    from iris_nn.settings.schema import SETTINGS

    with connect(client(tmp_path)) as ws:
        controls = {c["key"]: c for c in Page(ws).controls["controls"]}
    assert all(SETTINGS[k].control.kind != "hidden" for k in controls)
    lr = controls["train.lr"]
    assert (lr["kind"], lr["scale"], lr["allowed"]) == ("slider", "log", "0 < x <= 1000")
    assert controls["data.dataset"]["options"][:2] == ["iris", "wine"]
    assert controls["model.activation"]["options"][0] == "relu"


def test_the_plane_is_the_engines_probabilities_and_predictions(tmp_path):
    with connect(client(tmp_path)) as ws:
        page = Page(ws)
        state = page.send(type="step", epochs=20)
    plane = state["plane"]
    P = np.array(plane["probabilities_e4"]) / 10_000  # (grid**2, n_classes)
    assert P.shape == (plane["grid"] ** 2, 3)
    assert plane["features"] == ["petal_length", "petal_width"]  # Iris's own pair
    data, _, _ = build(apply(Config(), SMALL))
    assert sorted(plane["rows"]) == list(range(len(data.y)))
    from iris_nn.core.network import Network

    net = Network([4, 5, 3], Config().model.activation)
    for k, v in weights(state).items():
        (net.W if k[0] == "W" else net.b)(int(k[1:]))[...] = v
    # each row's prediction is the engine's on all its inputs: the network from the state's weights
    expected = net.predict_proba(data.scaler(data.X[plane["rows"]].copy())).argmax(axis=1)
    assert plane["predicted"] == expected.tolist()
    # the grid: the engine's SoftMax at each point, the other inputs at their training median
    median = np.median(data.X[data.split.train], axis=0)
    gx = np.linspace(*plane["x"], plane["grid"])
    gy = np.linspace(*plane["y"], plane["grid"])
    grid = np.tile(median, (plane["grid"] ** 2, 1))
    grid[:, 2], grid[:, 3] = np.tile(gx, plane["grid"]), np.repeat(gy, plane["grid"])
    np.testing.assert_allclose(P, net.predict_proba(data.scaler(grid)), atol=0.5e-4 + 1e-12)


def test_a_long_history_is_sent_as_it_grows(tmp_path):
    with connect(client(tmp_path)) as ws:
        page = Page(ws)
        page.send(type="step", epochs=30)
        ws.send_json({"type": "step", "epochs": 5, "id": 99})
        reply = ws.receive_json()["state"]
        assert reply["history_from"] == 31 and len(reply["history"]["train_loss"]) == 5
        # a fresh trainer (an edited setting) begins a new history: sent whole
        ws.send_json({"type": "set", "key": "train.lr", "value": 0.2, "id": 100})
        fresh = ws.receive_json()["state"]
        assert fresh["generation"] > reply["generation"]
        assert fresh["history_from"] == 0 and len(fresh["history"]["train_loss"]) == 1


def test_the_plane_changes_without_touching_training(tmp_path):
    with connect(client(tmp_path)) as ws:
        page = Page(ws)
        before = page.send(type="step", epochs=5)
        after = page.send(type="set", key="plots.plane", value=["sepal_length", "sepal_width"])
        assert after["plane"]["features"] == ["sepal_length", "sepal_width"]
        assert after["epoch"] == 5 and after["weights"] == before["weights"]
        bad = page.send(type="set", key="plots.plane", value=["sepal_length", "nope"])
        assert "not among the inputs" in bad["error"]["message"]
        assert bad["plane"]["features"] == ["sepal_length", "sepal_width"]


def test_lesson_mode_selects_the_lessons_flower_with_its_explain(tmp_path):
    from iris_nn.settings.config import load

    lesson = load(Path(__file__).resolve().parent.parent / "configs" / "lesson.toml")
    serving = Serving(lesson, tmp_path / "runs", "127.0.0.1", 8000, None)
    c = starlette_testclient.TestClient(create_app(serving), base_url=f"http://{HOST}")
    with connect(c) as ws:
        selected = Page(ws).state["selected"]
    assert selected["row"] == 44 and selected["true_class"] == "setosa"
    explain = selected["explain"]
    np.testing.assert_allclose(list(explain["logits"].values()), [1.43, -0.40, 0.23], atol=0.005)
    np.testing.assert_allclose(
        list(explain["probabilities"].values()), [0.684, 0.110, 0.206], atol=5e-4
    )
    assert explain["argmax"] == [1, 0, 0]


def test_one_step_is_backprops_step_and_apply_takes_it(tmp_path):
    from iris_nn.inference.backprop import backprop

    with connect(client(tmp_path)) as ws:
        page = Page(ws)
        page.send(type="step", epochs=3)
        assert page.send(type="backprop", show=True)["step"] is None  # no row selected yet
        assert "no row is selected" in page.send(type="apply")["error"]["message"]
        state = page.send(type="select", row=17)
        before = weights(state)
        step = page.send(type="backprop", show=True)["step"]
        state = page.send(type="save", name="at-step")
        run = Path(state["saved"])
        applied = page.send(type="apply")
        assert applied["error"] is None and applied["epoch"] == 0  # the step is the new start
        assert page.send(type="backprop", show=False)["step"] is None
        assert "show" in page.send(type="backprop", show="yes")["error"]["message"]
    import iris_nn

    model = iris_nn.load(run).model
    x = list(state["selected"]["inputs"].values())
    expected = backprop(model.stored, np.array(x), [state["selected"]["true_class"]], 0.3, 0.3)
    assert step["loss_before"] == pytest.approx(expected["loss_before"], abs=1e-12)
    assert step["loss_after"] == pytest.approx(expected["loss_after"], abs=1e-12)
    for got, want in zip(step["layers"], expected["layers"], strict=True):
        for part in ("W", "b"):
            for field in ("value", "grad", "new"):
                np.testing.assert_allclose(got[part][field], want[part][field], rtol=0, atol=1e-12)
        np.testing.assert_allclose(got["delta"], want["delta"], rtol=0, atol=1e-12)
    after = weights(applied)
    for i, layer in enumerate(step["layers"], 1):
        np.testing.assert_allclose(after[f"W{i}"], layer["W"]["new"], rtol=0, atol=1e-15)
        np.testing.assert_allclose(after[f"b{i}"], layer["b"]["new"], rtol=0, atol=1e-15)
        assert not np.array_equal(after[f"W{i}"], before[f"W{i}"])


TABLE = "width,height,kind\n" + "".join(
    f"{1 + i % 5}.{i % 7},{2 + i % 3}.{i % 4},{'tall' if i % 2 else 'short'}\n" for i in range(30)
)


def upload(page, name, data, pieces=3):
    page.next_id += 1
    page.ws.send_json({"type": "upload", "name": name, "size": len(data), "id": page.next_id})
    step = max(1, -(-len(data) // pieces))
    for at in range(0, len(data), step):
        page.ws.send_bytes(data[at : at + step])
    while page.receive()["answered"] != page.next_id:
        pass
    return page.state


def test_an_uploaded_csv_trains_and_is_saved_into_the_run(tmp_path):
    with connect(client(tmp_path)) as ws:
        page = Page(ws)
        page.send(type="select", row=120)
        state = upload(page, "my shapes.csv", TABLE.encode())
        assert state["error"] is None and state["notes"] == []
        assert state["features"] == ["width", "height"] and state["classes"] == ["short", "tall"]
        assert state["rows"] == 30 and state["selected"] is None
        assert state["upload"]["name"] == "my_shapes.csv"
        dataset = state["settings"]["data.dataset"]
        assert dataset == state["upload"]["dataset"]
        page.send(type="set", key="data.dataset", value="iris")  # away, and back again
        assert page.send(type="set", key="data.dataset", value=dataset)["error"] is None
        page.send(type="step", epochs=4)
        state = page.send(type="save", name="shapes")
    run = Path(state["saved"])
    assert (run / "data.csv").read_text() == TABLE
    assert not Path(dataset).exists()  # the closed page's upload is gone; the run has its copy
    config = tomllib.loads((run / "config.toml").read_text())
    assert config["data"]["dataset"] == str(run / "data.csv")
    assert config["data"]["sha256"] == hashlib.sha256(TABLE.encode()).hexdigest()
    runner = CliRunner()
    again = runner.invoke(cli, ["train", "-c", str(run / "config.toml"), "--out",
                                str(tmp_path / "again"), "--name", "again", "--no-plots", "-q"])  # fmt: skip
    assert again.exit_code == 0, again.output
    with np.load(tmp_path / "again" / "again" / "model.npz") as a, np.load(run / "model.npz") as b:
        for name in ("W1", "b1", "W2", "b2"):
            np.testing.assert_allclose(a[name], b[name], rtol=0, atol=1e-12)
    assert runner.invoke(cli, ["evaluate", str(run)]).exit_code == 0


def test_a_bad_upload_gets_the_readers_message_and_nothing_changes(tmp_path):
    with connect(client(tmp_path)) as ws:
        page = Page(ws)
        state = upload(page, "one.csv", b"a,b\n1,2\n3,2\n")
        assert state["error"] == {
            "key": "data.upload",
            "message": "'one.csv': the class column 'b' holds one class only ('2'); a "
            "classifier needs at least 2 (name another column with --target)",
        }
        assert state["features"] == ["sepal_length", "sepal_width", "petal_length", "petal_width"]
        assert state["upload"] is None and state["settings"]["data.dataset"] == "iris"
        assert "allowed: a .csv file" in upload(page, "table.txt", b"a,b\n")["error"]["message"]
        page.next_id += 1
        ws.send_json(
            {"type": "upload", "name": "big.csv", "size": 100 * 2**20 + 1, "id": page.next_id}
        )
        assert "at most 104,857,600 bytes" in ws.receive_json()["state"]["error"]["message"]
        rows = "".join(f"{i},{i % 2}\n" for i in range(1, 21))
        state = upload(page, "ids.csv", f"id,label\n{rows}".encode())
        assert state["error"] is None and "looks like a row id" in state["notes"][0]
        assert page.send(type="step")["epoch"] == 1  # the page keeps working


def test_pages_reading_at_once_keep_their_own_warnings(tmp_path, monkeypatch):
    from iris_nn.server import session as session_module
    from iris_nn.server.session import Session, Slots

    ids = tmp_path / "ids.csv"  # its reader warns: a column that looks like a row id
    ids.write_text("id,label\n" + "".join(f"{i},{i % 2}\n" for i in range(1, 21)))
    # the worst order: the iris page starts its read while the CSV page is inside its own
    csv_reading, iris_reading, csv_done = threading.Event(), threading.Event(), threading.Event()
    real_build = session_module.build

    def build(config):
        if config.data.dataset == "iris":
            iris_reading.set()
            csv_done.wait(timeout=5)
            return real_build(config)
        csv_reading.set()
        iris_reading.wait(timeout=0.5)  # never set while the CSV page's read holds the lock
        try:
            return real_build(config)
        finally:
            csv_done.set()

    monkeypatch.setattr(session_module, "build", build)
    notes: dict[str, list[str]] = {}

    def read(dataset):
        if dataset == "iris":
            csv_reading.wait(timeout=5)
        config = apply(Config(), {"data.dataset": dataset, "model.hidden": [3]})
        notes[dataset] = Session(config, tmp_path, Slots(), lambda: None).notes

    threads = [threading.Thread(target=read, args=(d,)) for d in (str(ids), "iris")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert notes["iris"] == []
    assert len(notes[str(ids)]) == 1 and "looks like a row id" in notes[str(ids)][0]
