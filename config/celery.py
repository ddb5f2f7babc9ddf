"""The Celery application.

Broker and behaviour come from Django settings (the CELERY_* names in
config/settings.py, read from the environment): REDIS_URL is the broker;
without it tasks run in-process. Start workers with `celery -A config worker`
and one scheduler with `celery -A config beat` (README, "Workers").
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("evidence_catalogue")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
