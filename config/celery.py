"""The Celery application.

Broker and behaviour come from Django settings (the CELERY_* names in
config/settings.py, read from the environment): REDIS_URL is the broker;
without it tasks run in-process. Start workers with `celery -A config worker`
and one scheduler with `celery -A config beat` (README, "Workers").
"""

import os

from celery import Celery
from celery.signals import worker_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("evidence_catalogue")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_init.connect
def keep_database_connections(databases: dict | None = None, **_kwargs) -> None:
    """Workers reuse their database connection across tasks (settings.EVIDENCE_WORKER_CONN_MAX_AGE).

    Celery's Django fixup closes a connection after each task once it is older than
    CONN_MAX_AGE; the web processes' 0 would make every task, even one that finds its
    item already sealed, open a new PostgreSQL session."""
    from django.conf import settings

    age = settings.EVIDENCE_WORKER_CONN_MAX_AGE
    if age > 0:
        # The very dicts the connections read when they connect (None: kept for ever already).
        for database in (settings.DATABASES if databases is None else databases).values():
            if database.get("CONN_MAX_AGE") is not None and database["CONN_MAX_AGE"] < age:
                database["CONN_MAX_AGE"] = age
            database["CONN_HEALTH_CHECKS"] = True


@worker_init.connect
def fit_hashing_to_host(**_kwargs) -> None:
    """Lay the digests out over threads by this host's measured speeds (cached on disk)."""
    from django.conf import settings

    from evidence import hash_layout, hashing

    path = settings.EVIDENCE_HASH_SPEEDS_FILE or hash_layout.default_cache_path()
    hashing.use_speeds(hash_layout.cached_speeds(path, hashing.ALGORITHMS))
