import os
import uuid

import pytest

from tests.integration import workers


@pytest.fixture
def services(committed_db):
    workers.require_services()


@pytest.fixture
def queue():
    return f"it-{uuid.uuid4().hex[:12]}"


@pytest.fixture
def started(services, tmp_path):
    """Start workers (and redis-servers) that are stopped after the test, before its flush."""
    running = []

    def start(thing):
        running.append(thing)
        return thing.start()

    yield start
    for thing in reversed(running):
        thing.stop()


@pytest.fixture
def queue_to(monkeypatch):
    """Point evidence_register's on-commit queueing at a given broker and queue."""
    from evidence import tasks

    def point(redis_url: str, queue: str):
        send = workers.sender(redis_url, queue)
        monkeypatch.setattr(tasks.ingest, "delay", send)
        return send
    return point


@pytest.fixture
def redis_url():
    return os.environ.get("REDIS_URL", "")
