"""Django's Redis cache, with one redis-py client per server instead of one per command.

Django's RedisCacheClient builds a new `redis.Redis` for every command (it keeps the
connection pools, not the clients), and each construction fills its table of reply
handlers: ~50 µs of CPU. The API's throttle runs three commands on every request
(SET NX, EXISTS and INCR through add() and incr()), so that was ~0.15 ms of every
request's CPU under gunicorn (bench/bench_filing.py). A redis-py client is safe to share
between threads (it takes a connection from its pool per command) and after a fork (the
pool notices the new process and opens its own connections).

`count` is the throttle's one atomic count (catalogue.api.throttling) in one round trip.
"""

from __future__ import annotations

from django.core.cache.backends import redis as django_redis


class RedisCacheClient(django_redis.RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients: dict[int, object] = {}

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            client = self._clients[index] = self._client(connection_pool=self._get_connection_pool(write))
        return client

    def count(self, key: str, timeout: int) -> int:
        # MULTI/EXEC: the counter made (at 0, expiring) if missing and incremented, atomically.
        with self.get_client(key, write=True).pipeline(transaction=True) as pipe:
            pipe.set(key, self._serializer.dumps(0), ex=timeout, nx=True)
            pipe.incr(key)
            return pipe.execute()[1]


class RedisCache(django_redis.RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = RedisCacheClient

    def count(self, key: str, timeout: int, version: int | None = None) -> int:
        """One more use of `key`: its count so far, this one included. A missing key starts
        at 0 and expires `timeout` seconds after it was made (not after each use)."""
        return self._cache.count(self.make_and_validate_key(key, version=version), timeout)
