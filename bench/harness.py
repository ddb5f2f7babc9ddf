"""What several benchmarks share: the "before" side's code, gunicorn started and answering,
and a GET through Django's WSGI handler. No Django at import time (a side may be older code)."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def export_sides(before_ref: str, into: str) -> list[tuple[str, str]]:
    """[("before", its code), ("after", this tree)]: the code at `before_ref`, exported with
    `git archive` into the folder `into`; only the after side when `before_ref` is ''."""
    sides = [("after", str(ROOT))]
    if before_ref:
        say(f"exporting {before_ref} into {into}…")
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", before_ref], check=True,
                                 capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", into], input=archive, check=True)
        sides.insert(0, ("before", into))
    return sides


def start_gunicorn(code: Path, port: int, workers: int, *, options: tuple[str, ...] = (),
                   env: dict[str, str] | None = None) -> subprocess.Popen:
    """gunicorn serving `code` on 127.0.0.1:`port`, returned once every worker has answered.

    Listening is not ready: each worker imports Django after the fork (seconds on a loaded
    machine), and a series that started before would time that.
    """
    command = [str(Path(sys.executable).parent / "gunicorn"), "config.wsgi", "--bind", f"127.0.0.1:{port}",
               "--workers", str(workers), *options, "--keep-alive", "30", "--log-level", "warning"]
    server = subprocess.Popen(command, cwd=code, env=env if env is not None else dict(os.environ),
                              start_new_session=True)
    deadline, answers = time.monotonic() + 180, 0
    while time.monotonic() < deadline and answers < workers:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=30) as response:
                response.read()
                answers += 1
        except OSError:
            time.sleep(0.5)
    if answers < workers:
        os.killpg(server.pid, signal.SIGTERM)
        raise RuntimeError("gunicorn did not answer within 180 s")
    return server


def wsgi_get(token: str):
    """A GET through Django's WSGI handler, as a WSGI server makes it; the function returns
    (status line, whole body). Call after django.setup()."""
    from django.core.handlers.wsgi import WSGIHandler

    handler = WSGIHandler()
    headers = {"HTTP_AUTHORIZATION": f"Token {token}", "HTTP_ACCEPT": "application/json",
               "HTTP_HOST": "testserver", "REMOTE_ADDR": "127.0.0.1"}

    def get(url: str) -> tuple[str, bytes]:
        path, _, query = url.partition("?")
        environ = {
            "REQUEST_METHOD": "GET", "PATH_INFO": path, "QUERY_STRING": query, "SCRIPT_NAME": "",
            "SERVER_NAME": "testserver", "SERVER_PORT": "80", "SERVER_PROTOCOL": "HTTP/1.1",
            "wsgi.version": (1, 0), "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(b""),
            "wsgi.errors": sys.stderr, "wsgi.multithread": False, "wsgi.multiprocess": True,
            "wsgi.run_once": False, **headers,
        }
        started: list[str] = []
        result = handler(environ, lambda status, response_headers, exc_info=None: started.append(status))
        try:
            body = b"".join(result)
        finally:
            getattr(result, "close", lambda: None)()  # fires request_finished, as servers do
        return started[0], body

    return get


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
