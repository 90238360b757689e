"""Start the playground: bind the port, print the URL, run uvicorn until a signal stops it."""

from __future__ import annotations

import errno
import logging
import secrets
import socket
import webbrowser
from collections.abc import Callable
from dataclasses import replace

import uvicorn

from iris_nn.core.errors import CannotUseError
from iris_nn.server.app import Serving, create_app

LOOPBACK = ("127.0.0.1", "localhost", "::1")


def bind(host: str, port: int) -> socket.socket:
    """Return a listening socket on ``host``:``port`` (0: a free port); CannotUseError if busy."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
        sock.listen(128)
    except OSError as e:
        sock.close()
        if e.errno == errno.EADDRINUSE:
            raise CannotUseError(
                f"port {port} on {host} is in use; try --port {port + 1}, or --port 0 for a "
                "free one"
            ) from None
        raise CannotUseError(f"cannot listen on {host} port {port}: {e.strerror or e}") from None
    return sock


def url_of(host: str, port: int, token: str | None) -> str:
    """Return the page's URL as a browser writes it."""
    name = f"[{host}]" if ":" in host else host
    return f"http://{name}:{port}/" + ("" if token is None else f"?token={token}")


def serve(
    serving: Serving,
    say: Callable[[str], None],
    warn: Callable[[str], None],
    verbose: bool = False,
    open_browser: bool = False,
) -> None:
    """Serve the playground until SIGINT or SIGTERM; ``say`` prints the URL (stdout).

    A non-loopback host gets a warning and a token that every request must carry. Uvicorn's own
    log lines are kept off stderr unless ``verbose``. Uvicorn re-raises the signal that stopped
    it once it has shut down (every page's training stopped), so the caller's handler decides the
    exit code.
    """
    token = None
    if serving.host not in LOOPBACK:
        token = secrets.token_urlsafe(18)
        warn(
            f"--host {serving.host} lets anyone who can reach this port use the playground "
            "(train, and write runs into --out); the printed URL carries a token"
        )
    sock = bind(serving.host, serving.port)
    port = sock.getsockname()[1]
    serving = replace(serving, port=port, token=token)
    if not verbose:
        logger = logging.getLogger("uvicorn")
        logger.handlers[:] = [logging.NullHandler()]
        logger.propagate = False
    config = uvicorn.Config(
        create_app(serving),
        log_config=None if not verbose else uvicorn.config.LOGGING_CONFIG,
        log_level="info" if verbose else "critical",
        access_log=verbose,
        ws="auto",  # the websockets package: uvicorn alone refuses WebSocket upgrades
        lifespan="off",
    )
    url = url_of(serving.host, port, token)
    say(url)
    if open_browser:
        webbrowser.open(url)
    try:
        uvicorn.Server(config).run(sockets=[sock])
    finally:
        sock.close()
