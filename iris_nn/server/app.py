"""The playground's web app: the page's files, one WebSocket per page, and the safety checks.

Routes: ``GET /`` (the page), ``GET /static/<file>`` (its CSS and JavaScript, package data) and
the WebSocket ``/ws``. Every request passes ``Guard`` first: the ``Host`` header must name this
server's own address and port (against DNS rebinding), a WebSocket must come from a page of this
origin (a site open in the same browser cannot drive it), and with a token (a non-loopback
``--host``) every request carries ``?token=...``. The HTTP routes only read (GET, HEAD): nothing
another site could post changes anything.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import secrets
import tempfile
import time
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from starlette.applications import Starlette
from starlette.responses import HTMLResponse, PlainTextResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.types import ASGIApp, Receive, Scope, Send
from starlette.websockets import WebSocket, WebSocketDisconnect

from iris_nn.core.errors import BadInputError, CannotUseError
from iris_nn.server.session import MAX_UPLOAD, UPDATE_S, Session, Slots, to_flat_settings
from iris_nn.server.views import controls
from iris_nn.settings.config import Config

STATIC = {  # the page's files: name -> media type
    "page.css": "text/css",
    "room.css": "text/css",
    "main.js": "text/javascript",
    "connection.js": "text/javascript",
    "controls.js": "text/javascript",
    "link.js": "text/javascript",
    "draw.js": "text/javascript",
    "curves.js": "text/javascript",
    "regions.js": "text/javascript",
    "network.js": "text/javascript",
    "softmax.js": "text/javascript",
    "explain.js": "text/javascript",
    "stepview.js": "text/javascript",
    "upload.js": "text/javascript",
    "pictures.js": "text/javascript",
}
LOOPBACK_NAMES = ("127.0.0.1", "localhost", "[::1]")


@dataclass(frozen=True)
class Serving:
    """What the app serves: the start config, where runs go, and whom it answers."""

    config: Config
    out: Path
    host: str = "127.0.0.1"
    port: int = 8000
    token: str | None = None  # required on every request when set

    def hosts(self) -> set[str]:
        """Return the ``Host`` header values that name this server."""
        names = set(LOOPBACK_NAMES)
        if self.host not in ("127.0.0.1", "localhost", "::1", "0.0.0.0", "::"):
            names.add(f"[{self.host}]" if ":" in self.host else self.host)
        return {f"{name}:{self.port}" for name in names}


class Guard:
    """ASGI middleware: the Host, Origin and token checks, before any route runs."""

    def __init__(self, app: ASGIApp, serving: Serving):
        self.app, self.serving, self.hosts = app, serving, serving.hosts()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        why = self.refusal(scope, headers)
        if why is None:
            await self.app(scope, receive, send)
        elif scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1008, "reason": why})
        else:
            await PlainTextResponse(f"Forbidden: {why}\n", status_code=403)(scope, receive, send)

    def refusal(self, scope: Scope, headers: dict[str, str]) -> str | None:
        """Return why this request is refused, or None."""
        host = headers.get("host", "")
        if host not in self.hosts:
            return f"Host {host!r} is not this server's address"
        origin = headers.get("origin")
        if scope["type"] == "websocket" and origin is not None and origin != f"http://{host}":
            return f"Origin {origin!r} is not this server's page"
        token = self.serving.token
        if token is not None:
            given = parse_qs(scope.get("query_string", b"").decode("latin-1")).get("token", [""])
            if not secrets.compare_digest(given[0].encode(), token.encode()):
                return "a missing or wrong token; use the URL that iris-nn serve printed"
        return None


def page_file(name: str) -> str:
    """Return the text of one of the page's files, shipped inside the package."""
    return resources.files("iris_nn.server").joinpath("static", name).read_text("utf-8")


def create_app(serving: Serving) -> ASGIApp:
    """Return the playground's ASGI app for ``serving``."""
    slots = Slots()
    query = "" if serving.token is None else f"?token={serving.token}"

    async def index(request: Any) -> Response:
        html = page_file("index.html").replace("{{query}}", query)
        return HTMLResponse(html, headers={"Cache-Control": "no-store"})

    async def static(request: Any) -> Response:
        name = request.path_params["name"]
        if name not in STATIC:
            return PlainTextResponse("Not found\n", status_code=404)
        return Response(page_file(name), media_type=STATIC[name])

    async def ws(websocket: WebSocket) -> None:
        await websocket_session(websocket, serving, slots)

    routes = [
        Route("/", index, methods=["GET", "HEAD"]),
        Route("/static/{name}", static, methods=["GET", "HEAD"]),
        WebSocketRoute("/ws", ws),
    ]
    return Guard(Starlette(routes=routes), serving)


async def websocket_session(websocket: WebSocket, serving: Serving, slots: Slots) -> None:
    """One page's session over one WebSocket at ``/ws``.

    Every message is a JSON object with a ``type``, and may carry an ``id`` that the answer
    echoes as ``answered`` (so the page knows when every message sent has been answered):

    - ``{"type": "state"}``: answer with the state, nothing else.
    - ``{"type": "set", "key": "train.lr", "value": 0.1}``: change a setting (a dotted config key;
      the value as in a config file), checked by the config's own checks. Training settings go
      on from the current weights (they become the new start); the others build the network
      again from the seeds. A bad value is answered with ``error = {"key", "message"}``, the
      message as ``--set`` would print it, and nothing changes.
    - ``{"type": "play"}`` / ``{"type": "pause"}``: train in a thread of this page until paused,
      done (``train.epochs`` or early stopping) or the page closes; at most 4 pages train at once
      (a fifth is answered with an error; a paused page frees its place).
    - ``{"type": "step", "epochs": 1}``: train that many epochs now (default 1, at most 1000).
    - ``{"type": "speed", "epochs": 10}``: epochs per update while playing (0 = full speed).
    - ``{"type": "reset"}``: stop, and start again from the current seeds.
    - ``{"type": "select", "row": 12}``: the data row whose forward pass ``selected`` shows.
    - ``{"type": "draw", "pixels": [...]}``: on image data, the drawing grid's grey levels (row by
      row, within the data's range) become the input ``selected`` shows (``row`` null).
    - ``{"type": "weight", "name": "W1", "i": 0, "j": 2, "value": 0.5}`` (no ``j`` for a bias
      ``b1``): set one parameter; the weights become the new start.
    - ``{"type": "save", "name": "my-run"}`` (name optional): write a run directory into
      ``--out`` as ``train`` does; answered with ``saved`` = its path.
    - ``{"type": "backprop", "show": true}``: put the selected row's step of backprop in the
      state (``step``, as ``iris-nn backprop --format json`` prints it, with the run's ``train.lr``
      and ``train.l2``), or stop (``false``). ``{"type": "apply"}`` takes that step: its new
      weights become the new start, as an edited weight's do.
    - ``{"type": "upload", "name": "flowers.csv", "size": 1234}`` followed by ``size`` bytes in
      binary messages (at most 100 MB in all): a CSV to train on, read by SPEC 7's reader; its
      error comes as ``error = {"key": "data.upload", "message"}``, its warnings in ``notes``.
      Uploading over this socket keeps it under the Origin check, and the HTTP routes read only.

    The first message the page receives is ``{"type": "controls", "controls": [...],
    "start": {...}}``: the schema's settings as the page shows them (``key``, ``kind``, ``type``,
    ``help``, ``allowed``, a slider's ``low``, ``high``, ``scale``, a choice's ``options``) and
    the start config's settings (dotted keys), from which a link's changes are counted.

    Every answer, and every update while training (at most about 10 a second), is
    ``{"type": "state", "answered": id or null, "state": {...}}`` with the state as
    ``window.irisnn.state()`` holds it: ``epoch``, ``settings`` (dotted keys), ``weights``
    (``{"W1": [[...]], "b1": [...], ...}``), ``history`` (``{"train_loss": [...], ...}``, one
    entry per epoch from 0), ``selected`` (``{row, inputs, raw_outputs, probabilities,
    prediction, true_class}`` or null), ``error`` (null, or ``{key, message}`` about the message
    answered), ``playing``, ``stop_reason``, ``speed``, ``rows``, ``classes``, ``features``, ``plane``
    (the regions' grid of probabilities and the rows drawn on it, ``views.Plane``), ``image``
    (null, or on image data the grid's shape and grey levels and the unit-weights view,
    ``pictures.image_view``) (plus
    ``saved`` after a save); ``selected`` also holds ``true_class`` and ``explain``, the row as
    ``predict --explain --format json`` prints it; ``notes`` (the reader's warnings), ``upload``
    (``{name, dataset}`` of the uploaded CSV, or null) and ``step`` (see ``backprop``). The
    history is sent as it grows: ``history`` holds the entries from ``history_from`` on (0: all
    of them; more: the page appends them to the ones it holds, of the same ``generation``), and
    the plane's SoftMax comes in ten-thousandths (``probabilities_e4``). Closing the socket
    stops this page's training.
    """
    await websocket.accept()
    loop = asyncio.get_running_loop()
    changed = asyncio.Event()

    def notify() -> None:  # called from the training thread
        with contextlib.suppress(RuntimeError):  # a closed event loop: nobody left to tell
            loop.call_soon_threadsafe(changed.set)

    try:
        session = await asyncio.to_thread(Session, serving.config, serving.out, slots, notify)
    except (BadInputError, CannotUseError) as e:
        await websocket.send_text(json.dumps({"type": "error", "message": str(e)}))
        await websocket.close(code=1011)
        return
    sending = asyncio.Lock()
    held: tuple[int, int] | None = None  # (generation, entries) of the history the page holds

    async def send(answered: Any = None, extra: dict[str, Any] | None = None) -> None:
        nonlocal held
        async with sending:  # one at a time, so each state's history follows what the page holds
            # waits for a chunk of epochs to end
            state = await asyncio.to_thread(session.state, held)
            state.update(extra or {})
            text = json.dumps({"type": "state", "answered": answered, "state": state},
                              allow_nan=False)  # fmt: skip
            await websocket.send_text(text)
            entries = state["history_from"] + len(state["history"]["train_loss"])
            held = (state["generation"], entries)

    async def updates() -> None:
        """Send the state after training moved it, at most once per UPDATE_S."""
        while True:
            await changed.wait()
            changed.clear()
            started = time.perf_counter()
            await send()
            await asyncio.sleep(max(0.0, UPDATE_S - (time.perf_counter() - started)))

    updater = asyncio.create_task(updates())
    try:
        first = {"type": "controls", "controls": controls(serving.config),
                 "start": to_flat_settings(serving.config)}  # fmt: skip
        await websocket.send_text(json.dumps(first, allow_nan=False))
        await send()
        while True:
            message = await websocket.receive()
            if message["type"] == "websocket.disconnect":
                break
            text = message.get("text")
            if text is None:
                continue  # bytes outside an upload: nothing asked for them
            answered, extra = await answer(session, text)
            upload = extra.pop("upload", None)
            if upload is not None:
                await receive_upload(websocket, session, *upload)
            await send(answered, extra)
    except WebSocketDisconnect:
        pass
    finally:
        updater.cancel()
        session.close()  # no await: this runs even when the connection's task is cancelled


async def answer(session: Session, text: str) -> tuple[Any, dict[str, Any]]:
    """Act on one message; return its id and what the answer adds to the state."""
    try:
        message = json.loads(text)
    except ValueError:
        message = None
    if not isinstance(message, dict):
        session.error = {"key": None, "message": "a message is a JSON object with a type"}
        return None, {}
    answered, kind = message.get("id"), message.get("type")
    key = message.get("key") if kind == "set" else None
    extra: dict[str, Any] = {}
    session.error = None
    try:
        if kind == "state":
            pass
        elif kind == "set":
            if not isinstance(key, str):
                raise BadInputError("set needs a key (a dotted config key, e.g. train.lr)")
            await asyncio.to_thread(session.set, key, message.get("value"))
        elif kind == "play":
            await asyncio.to_thread(session.play)
        elif kind == "pause":
            await asyncio.to_thread(session.pause)
        elif kind == "step":
            epochs = message.get("epochs", 1)
            if isinstance(epochs, bool) or not isinstance(epochs, int) or not 1 <= epochs <= 1000:
                raise BadInputError(f"epochs = {epochs!r} is not allowed; allowed: 1 .. 1000")
            await asyncio.to_thread(session.step, epochs)
        elif kind == "speed":
            epochs = message.get("epochs")
            if isinstance(epochs, bool) or not isinstance(epochs, int) or not 0 <= epochs <= 10_000:
                raise BadInputError(f"speed {epochs!r} is not allowed; allowed: 0 .. 10000")
            session.speed = epochs
        elif kind == "reset":
            await asyncio.to_thread(session.reset)
        elif kind == "select":
            await asyncio.to_thread(session.select, message.get("row"))
        elif kind == "draw":
            await asyncio.to_thread(session.draw, message.get("pixels"))
        elif kind == "weight":
            args = (message.get("name"), message.get("i"), message.get("j"), message.get("value"))
            await asyncio.to_thread(session.set_weight, *args)
        elif kind == "save":
            path = await asyncio.to_thread(session.save, message.get("name"))
            extra["saved"] = str(path)
        elif kind == "backprop":
            await asyncio.to_thread(session.show_step, message.get("show", True))
        elif kind == "apply":
            await asyncio.to_thread(session.apply_step)
        elif kind == "upload":
            key = "data.upload"
            size = message.get("size")
            if isinstance(size, bool) or not isinstance(size, int) or not 0 <= size <= MAX_UPLOAD:
                raise BadInputError(
                    f"a file of {size!r} bytes is not allowed; allowed: at most {MAX_UPLOAD:,} "
                    "bytes (100 MB)"
                )
            extra["upload"] = (message.get("name"), size)
        else:
            raise BadInputError(
                f"unknown message type {kind!r}; allowed: state, set, play, pause, step, speed, "
                "reset, select, draw, weight, save, backprop, apply, upload"
            )
    except (BadInputError, CannotUseError) as e:
        session.error = {"key": key, "message": str(e)}
    return answered, extra


async def receive_upload(websocket: WebSocket, session: Session, name: Any, size: int) -> None:
    """Receive ``size`` bytes of binary messages into a file, then have ``session`` read it.

    The reader's error becomes the session's error under the upload control's key.
    """
    handle, raw = tempfile.mkstemp(prefix="iris-nn-upload-", suffix=".part")
    path = Path(raw)
    try:
        with os.fdopen(handle, "wb") as file:
            received = 0
            while received < size:
                message = await websocket.receive()
                if message["type"] == "websocket.disconnect":
                    raise WebSocketDisconnect(message.get("code", 1000))
                chunk = message.get("bytes")
                if chunk is None:
                    session.error = {"key": "data.upload", "message":
                                     f"the upload ended after {received:,} of {size:,} bytes"}  # fmt: skip
                    return
                if received + len(chunk) > size:
                    session.error = {"key": "data.upload", "message":
                                     f"the upload sent more than the {size:,} bytes it announced"}  # fmt: skip
                    return
                file.write(chunk)
                received += len(chunk)
        await asyncio.to_thread(session.use_upload, name, path)
    except (BadInputError, CannotUseError) as e:
        session.error = {"key": "data.upload", "message": str(e)}
    finally:
        path.unlink(missing_ok=True)
