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
def fit_hashing_to_host(**_kwargs) -> None:
    """Lay the digests out over threads by this host's measured speeds (cached on disk)."""
    from django.conf import settings

    from evidence import hash_layout, hashing

    path = settings.EVIDENCE_HASH_SPEEDS_FILE or hash_layout.default_cache_path()
    hashing.use_speeds(hash_layout.cached_speeds(path, hashing.ALGORITHMS))
