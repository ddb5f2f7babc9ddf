"""The yardstick task for bench/bench_pipeline.py: hash a 64 KiB file, nothing else.

Loaded into the bench's worker with `-I celery_baseline` (bench/ on PYTHONPATH).
It counts completions in Redis because the project runs without a result backend.
"""

from __future__ import annotations

import os

import redis
from celery import shared_task

from evidence.hashing import digest_path

_client = None


@shared_task(name="bench.hash_file")
def hash_file(path: str, counter: str) -> str:
    global _client
    digests = digest_path(path)
    if _client is None:
        _client = redis.Redis.from_url(os.environ["REDIS_URL"])
    _client.incr(counter)
    return digests.sha256
