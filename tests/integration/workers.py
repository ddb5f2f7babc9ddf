"""Real services for integration tests: a Celery worker subprocess on the test
database, a private redis-server, and a way to queue tasks to them.

Needs PostgreSQL (DATABASE_URL) and Redis (REDIS_URL). Without them the tests
skip, unless EVIDENCE_REQUIRE_SERVICES=1 (CI), where they fail.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from celery import Celery
from django.conf import settings
from django.db import connection

BASE_DIR = Path(settings.BASE_DIR)
CELERY = str(Path(sys.executable).with_name("celery"))


def require_services() -> None:
    problems = []
    if not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        problems.append("DATABASE_URL is not PostgreSQL")
    redis_url = os.environ.get("REDIS_URL", "")
    if not redis_url:
        problems.append("REDIS_URL is not set")
    elif not _redis_answers(redis_url):
        problems.append(f"Redis at {redis_url} does not answer")
    if problems:
        message = "integration test needs real services: " + "; ".join(problems)
        if os.environ.get("EVIDENCE_REQUIRE_SERVICES") == "1":
            pytest.fail(message)
        pytest.skip(message)


def _redis_answers(url: str) -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=2).ping())
    except redis.RedisError:
        return False


def worker_database_url() -> str:
    """The URL of the database pytest-django created (test_<name>), for the worker."""
    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s.get("PASSWORD") else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Worker:
    """`celery -A config worker` in its own process group, logging to a file."""

    def __init__(self, *, redis_url: str, queue: str, log_dir: Path, extra_env: dict | None = None,
                 beat: bool = False) -> None:
        self.redis_url, self.queue, self.log_dir = redis_url, queue, log_dir
        self.env = {
            **os.environ,
            "DATABASE_URL": worker_database_url(),
            "REDIS_URL": redis_url,
            "CELERY_QUEUE": queue,
            "MEDIA_ROOT": str(settings.MEDIA_ROOT),
            "SECRET_KEY": os.environ.get("SECRET_KEY", "test-only-secret-key"),
            "DEBUG": "0",
            "LOG_LEVEL": "INFO",
            "PYTHONUNBUFFERED": "1",
            **(extra_env or {}),
        }
        self.beat = beat
        self.proc: subprocess.Popen | None = None
        self.log_path: Path | None = None

    def start(self) -> Worker:
        self.log_path = self.log_dir / f"worker-{uuid.uuid4().hex[:8]}.log"
        args = [CELERY, "-A", "config", "worker", "--pool=solo", "--loglevel=INFO",
                "--without-gossip", "--without-mingle", "--hostname", f"it-{uuid.uuid4().hex[:8]}@%h"]
        if self.beat:
            args += ["-B", "--schedule-filename", str(self.log_dir / f"beat-{uuid.uuid4().hex[:8]}")]
        with open(self.log_path, "wb") as log:
            self.proc = subprocess.Popen(args, cwd=BASE_DIR, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                                         start_new_session=True)
        return self

    def kill(self) -> None:
        """SIGKILL the worker and its children (its own process group): no goodbye, no ack."""
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path and self.log_path.exists() else ""


class RedisServer:
    """A private, non-persistent redis-server on a free port (never the shared 6379)."""

    def __init__(self, log_dir: Path) -> None:
        self.port = free_port()
        self.log_dir = log_dir
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> RedisServer:
        binary = shutil.which("redis-server")
        if binary is None:
            message = "redis-server is not installed"
            if os.environ.get("EVIDENCE_REQUIRE_SERVICES") == "1":
                pytest.fail(message)
            pytest.skip(message)
        self.proc = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.log_dir)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        )
        wait_for(lambda: _redis_answers(self.url), 10, "redis-server did not start")
        return self

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)

    def restart(self) -> None:
        self.stop()
        self.start()


def sender(redis_url: str, queue: str):
    """A function that queues `evidence.tasks.ingest` on this broker and queue."""
    app = Celery("integration-sender", broker=redis_url, set_as_current=False)
    app.conf.broker_connection_retry_on_startup = True

    def send(item_id: str) -> None:
        app.send_task("evidence.tasks.ingest", args=[item_id], queue=queue)

    send.app = app
    return send


def wait_for(condition, timeout: float, message: str, interval: float = 0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(message)


def queue_length(redis_url: str, queue: str) -> int:
    import redis

    return redis.Redis.from_url(redis_url).llen(queue)
