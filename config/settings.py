"""Settings, read from the environment (see `.env.example`).

The embedded default (no variables set but DEBUG=1) is SQLite, media on
local disk and Celery tasks run in-process. Production sets DATABASE_URL,
REDIS_URL, SECRET_KEY, ALLOWED_HOSTS and optionally S3 storage.
"""

from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)

SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set it in the environment (or set DEBUG=1 for a "
            "development run, which uses a throwaway key)."
        )
    SECRET_KEY = "dev-only-insecure-key-never-use-in-production"
# Signed cursors, sessions, password-reset links and CSRF all rest on this key:
# a short one could be guessed offline from any signed value we hand out.
if not DEBUG and len(SECRET_KEY) < 50:
    raise ImproperlyConfigured(
        f"SECRET_KEY is {len(SECRET_KEY)} characters long; with DEBUG off it must be at least 50 "
        "random characters, e.g. python3 -c 'import secrets; print(secrets.token_urlsafe(50))'."
    )

ALLOWED_HOSTS = env.list(
    "ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"] if DEBUG else []
)
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI's files, served by us (no CDN, so the CSP holds)
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "simple_history",
    "accounts",
    "catalogue",
    "evidence",
    "seeds",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "config.nul_bytes.RefuseNulBytesMiddleware",  # before sessions and auth: their lookups would choke on it
    "django.contrib.sessions.middleware.SessionMiddleware",
    # After sessions (a language chosen with the switch is kept there), before common.
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "accounts.second_factor.AdminSecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",  # last: it turns a flagged lockout into the 429
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE takes the write lock when a transaction starts, so two writers
    # appending to one custody chain queue up instead of racing on `seq`.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"transaction_mode": "IMMEDIATE", "timeout": 30}
    )
    # Tests that exercise concurrent writers need a file, not a shared in-memory database.
    # tests/conftest.py makes its folder, so a fresh clone's `make test` works.
    DATABASES["default"].setdefault(
        "TEST", {"NAME": env.str("SQLITE_TEST_NAME", default=str(BASE_DIR / "var" / "test.sqlite3"))}
    )
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=0))
# A Celery worker keeps its database connection from task to task for this many seconds
# (config/celery.py): with the web's CONN_MAX_AGE of 0 every task opened a new session,
# and on a 2-core host that cost a sealed item more CPU, in the worker and in PostgreSQL,
# than its sealing did (bench/bench_pipeline.py, sessions per item). Each task then checks
# the connection once before using it (CONN_HEALTH_CHECKS), so a restarted server costs
# one reconnect, not a failed task. 0: a connection per task, as before.
EVIDENCE_WORKER_CONN_MAX_AGE = env.int("EVIDENCE_WORKER_CONN_MAX_AGE", default=600)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# django-axes first: it refuses a locked-out account or address before any password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

# How many reverse proxies in front of us append to X-Forwarded-For. The client
# address (for the login lockout, the API throttles and the access log) is read
# from that many entries from the right; 0 means REMOTE_ADDR alone, so a client's
# own X-Forwarded-For header counts for nothing (accounts/client_address.py).
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)

# Sign-in lockout (django-axes), on the admin login and POST /api/v1/auth/token/:
# this many failures for one username, or from one client address, locks it for
# the cool-off; while locked even the right password is refused.
LOGIN_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
LOGIN_COOLOFF_MINUTES = env.int("LOGIN_COOLOFF_MINUTES", default=15)
AXES_FAILURE_LIMIT = LOGIN_FAILURE_LIMIT
AXES_COOLOFF_TIME = LOGIN_COOLOFF_MINUTES / 60  # hours
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]  # either one alone locks
AXES_CLIENT_IP_CALLABLE = "accounts.client_address.client_address"
AXES_LOCKOUT_CALLABLE = "accounts.lockout.lockout_response"
# A success does not wipe the failures: axes would wipe every failure from that address,
# so one valid account would let its holder guess other accounts' passwords without end.
AXES_RESET_ON_SUCCESS = False
# A failure while locked does not extend the lock: an attacker could otherwise keep
# a victim's account locked for ever.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"  # shared by every process
AXES_VERBOSE = False

# The admin's second factor (accounts/second_factor.py) is required whenever DEBUG is off.
OTP_TOTP_ISSUER = env.str("OTP_TOTP_ISSUER", default="Evidence catalogue")
OTP_ADMIN_HIDE_SENSITIVE_DATA = True  # the device admin never shows a TOTP secret

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# The interface speaks these languages: the browser's Accept-Language chooses one, the
# switch in the admin's header (Django's set_language view) overrides it for the session.
# English is the default. The project's own catalogues are in locale/ (README: Languages).
LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", "English"),
    ("uk", "Українська"),
    ("ru", "Русский"),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "var" / "static")
MEDIA_URL = "media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "var" / "media")

# Storage: local disk by default; any S3-compatible store when a bucket is named.
AWS_STORAGE_BUCKET_NAME = env.str("AWS_STORAGE_BUCKET_NAME", default="")
if AWS_STORAGE_BUCKET_NAME:
    _default_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": AWS_STORAGE_BUCKET_NAME,
            "endpoint_url": env.str("AWS_S3_ENDPOINT_URL", default=None),
            "file_overwrite": False,
            "default_acl": None,
            "querystring_auth": True,
        },
    }
else:
    _default_storage = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"file_permissions_mode": 0o440, "directory_permissions_mode": 0o750},
    }
STORAGES = {
    "default": _default_storage,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Uploads over this many bytes are refused (413 in the API, a form error in the admin).
EVIDENCE_MAX_UPLOAD_SIZE = env.int("EVIDENCE_MAX_UPLOAD_SIZE", default=4 * 1024**3)
# Files bigger than this are streamed to a temporary file rather than held in memory.
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
# Resumable uploads (evidence/resumable.py): the browser sends pieces of this many bytes
# (a request may carry no more), and an upload with no piece for this many hours is
# abandoned: its pieces are removed (beat, hourly, or `manage.py expire_uploads`).
EVIDENCE_UPLOAD_CHUNK_SIZE = env.int("EVIDENCE_UPLOAD_CHUNK_SIZE", default=8 * 1024 * 1024)
EVIDENCE_UPLOAD_EXPIRY_HOURS = env.int("EVIDENCE_UPLOAD_EXPIRY_HOURS", default=24)

# Online media fetching (the pipeline's first step for URL-only items).
EVIDENCE_FETCH_MAX_BYTES = env.int("EVIDENCE_FETCH_MAX_BYTES", default=2 * 1024**3)
EVIDENCE_FETCH_TIMEOUT = env.float("EVIDENCE_FETCH_TIMEOUT", default=30.0)
EVIDENCE_FETCH_ALLOW_PRIVATE = env.bool("EVIDENCE_FETCH_ALLOW_PRIVATE", default=False)

# Celery: a Redis broker when REDIS_URL is set, otherwise tasks run in-process.
REDIS_URL = env.str("REDIS_URL", default="")
# The cache holds API throttle counts. Production points CACHE_URL at a Redis
# database of its own (not the broker's) so limits hold across processes.
CACHE_URL = env.str("CACHE_URL", default="")
CACHES = {
    # Django's, with its redis-py clients reused (config/cache.py).
    "default": {"BACKEND": "config.cache.RedisCache", "LOCATION": CACHE_URL}
    if CACHE_URL
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
}
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# A killed worker's unacknowledged task comes back after this many seconds
# (Redis's default is an hour). A redelivery that finds a live worker's claim
# on the item (refreshed while it hashes or downloads) leaves it alone, so a
# task longer than this is not done twice.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=300),
}
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
# One queue name per deployment (tests give each worker its own).
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_QUEUE", default="celery")
# Resend un-acked messages on a lost connection (Redis restarted) rather than drop them.
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
EVIDENCE_FIXITY_INTERVAL_HOURS = env.int("EVIDENCE_FIXITY_INTERVAL_HOURS", default=24)
# A worker refreshes its claim on an item this often while it works; a claim
# older than EVIDENCE_CLAIM_STALE_SECONDS belongs to a dead worker and is retaken.
EVIDENCE_CLAIM_STALE_SECONDS = env.int("EVIDENCE_CLAIM_STALE_SECONDS", default=300)
# The sweeper re-queues items left received/processing longer than this (a broker
# that lost its messages, a worker that died): "no lost submission".
EVIDENCE_SWEEP_AFTER_SECONDS = env.int("EVIDENCE_SWEEP_AFTER_SECONDS", default=300)
EVIDENCE_SWEEP_INTERVAL_SECONDS = env.int("EVIDENCE_SWEEP_INTERVAL_SECONDS", default=120)
# Staged files no item refers to (a crash between staging and commit) are removed
# once this old; the hourly sweep does it.
EVIDENCE_ORPHAN_UPLOAD_HOURS = env.int("EVIDENCE_ORPHAN_UPLOAD_HOURS", default=24)
# Networks fetched even though private (e.g. an internal archive), in CIDR form.
EVIDENCE_FETCH_ALLOW_NETWORKS = env.list("EVIDENCE_FETCH_ALLOW_NETWORKS", default=[])
EVIDENCE_FETCH_MAX_REDIRECTS = env.int("EVIDENCE_FETCH_MAX_REDIRECTS", default=5)
# Quotas on what any role can make the service do (issue 9): court packages a user may ask
# for in 24 hours (one per case runs at a time), and verifications of one item per minute
# (each appends a custody entry and a log leaf).
EVIDENCE_EXPORTS_PER_DAY = env.int("EVIDENCE_EXPORTS_PER_DAY", default=20)
EVIDENCE_VERIFY_PER_ITEM_PER_MINUTE = env.int("EVIDENCE_VERIFY_PER_ITEM_PER_MINUTE", default=2)
# The admin's item page (issue 13). Viewing a preview or playing an item in the browser is a
# dissemination custody entry, once per person, item and kind of view within this many seconds
# (a player asks for dozens of byte ranges while one person listens once); every download is
# recorded. The page's integrity badge re-hashes stored bytes up to this size on each view;
# larger items show their last recorded fixity check instead.
EVIDENCE_VIEW_RECORD_WINDOW_SECONDS = env.int("EVIDENCE_VIEW_RECORD_WINDOW_SECONDS", default=600)
EVIDENCE_BADGE_REHASH_MAX_BYTES = env.int("EVIDENCE_BADGE_REHASH_MAX_BYTES", default=64 * 1024**2)
# A metadata parser (Pillow, pypdf, hachoir) still running after this many seconds is
# stopped, and the item sealed with its metadata marked as not parsed.
EVIDENCE_METADATA_TIMEOUT = env.float("EVIDENCE_METADATA_TIMEOUT", default=60.0)
# Test-only: seconds to sleep per hashed chunk, so a test can kill a worker mid-hash.
EVIDENCE_HASH_CHUNK_DELAY = env.float("EVIDENCE_HASH_CHUNK_DELAY", default=0.0)
# A worker's ingest task also takes up to EVIDENCE_INGEST_BATCH - 1 other items waiting,
# committing their endings together, at the latest every EVIDENCE_INGEST_BATCH_BYTES
# hashed (evidence/batch.py). 1 turns batching off. While a burst is queued (its last
# claim came back full) a worker claims more, enough for about EVIDENCE_INGEST_BATCH_BYTES
# at the sizes it just sealed, up to EVIDENCE_INGEST_BATCH_MAX items.
EVIDENCE_INGEST_BATCH = env.int("EVIDENCE_INGEST_BATCH", default=16)
EVIDENCE_INGEST_BATCH_MAX = env.int("EVIDENCE_INGEST_BATCH_MAX", default=64)
EVIDENCE_INGEST_BATCH_BYTES = env.int("EVIDENCE_INGEST_BATCH_BYTES", default=64 * 1024 * 1024)
# Where a worker keeps the digest speeds it measured on this host at start, which lay the
# digests out over hashing threads (evidence/hash_layout.py); empty: ~/.cache/evidence-catalogue/.
EVIDENCE_HASH_SPEEDS_FILE = env.str("EVIDENCE_HASH_SPEEDS_FILE", default="")
CELERY_BEAT_SCHEDULE = {
    "evidence-fixity-sweep": {
        "task": "evidence.tasks.fixity_sweep",
        "schedule": EVIDENCE_FIXITY_INTERVAL_HOURS * 3600.0,
    },
    "evidence-requeue-stuck": {
        "task": "evidence.tasks.sweep_stuck",
        "schedule": float(EVIDENCE_SWEEP_INTERVAL_SECONDS),
    },
    "evidence-orphaned-uploads": {
        "task": "evidence.tasks.sweep_orphaned_uploads",
        "schedule": 3600.0,
    },
}
# Task modules besides each app's tasks.py that workers must load.
CELERY_IMPORTS = ["evidence.ledger_tasks", "evidence.export_tasks", "evidence.upload_tasks"]
# Periodic tasks (`celery -A config beat`). Add entries; don't replace the dict.
# The one signer: beat asks a worker for a new tree head this often (signed only
# if the log has grown); web requests never sign, they serve the latest head.
LEDGER_HEAD_INTERVAL_SECONDS = env.float("LEDGER_HEAD_INTERVAL_SECONDS", default=60.0)
CELERY_BEAT_SCHEDULE |= {
    "ledger-sign-tree-head": {
        "task": "evidence.ledger_tasks.sign_tree_head",
        "schedule": LEDGER_HEAD_INTERVAL_SECONDS,
    },
    # The sequencer (evidence/sequencer.py): integrates queued custody entries and
    # signs a head per batch. Any worker may run it; the lease lets one at a time.
    "ledger-integrate-log": {
        "task": "evidence.ledger_tasks.integrate_log",
        "schedule": env.float("LEDGER_SEQUENCER_INTERVAL_SECONDS", default=1.0),
    },
    # Heads the TSA could not stamp when they were signed (it was down) are stamped later.
    "ledger-stamp-pending-heads": {
        "task": "evidence.ledger_tasks.stamp_pending_heads",
        "schedule": env.float("LEDGER_TSA_RETRY_SECONDS", default=600.0),
    },
}
# The sequenced log: a custody append only queues its leaf; the sequencer takes up to
# LEDGER_SEQUENCER_BATCH entries per batch for at most LEDGER_SEQUENCER_RUN_SECONDS a
# run, under a lease that a dead holder keeps for LEDGER_SEQUENCER_LEASE_SECONDS.
# LEDGER_INTEGRATE_IN_WRITER (the embedded default, without Redis) integrates in the
# writer's own transaction instead, with no head signed there.
LEDGER_SEQUENCER_BATCH = env.int("LEDGER_SEQUENCER_BATCH", default=2000)
LEDGER_SEQUENCER_RUN_SECONDS = env.float("LEDGER_SEQUENCER_RUN_SECONDS", default=10.0)
LEDGER_SEQUENCER_LEASE_SECONDS = env.float("LEDGER_SEQUENCER_LEASE_SECONDS", default=30.0)
LEDGER_INTEGRATE_IN_WRITER = env.bool("LEDGER_INTEGRATE_IN_WRITER", default=not REDIS_URL)
# Test-only: seconds a batch sleeps before it commits, so a test can kill a sequencer mid-batch.
LEDGER_SEQUENCER_BATCH_DELAY = env.float("LEDGER_SEQUENCER_BATCH_DELAY", default=0.0)
# An export job refreshes its claim after each item it packs; one quiet for this
# long (its worker died), or queued this long (its task was lost), is sent to a
# worker again by the sweeper, and a stale claim is taken over.
EVIDENCE_EXPORT_STALE_SECONDS = env.int("EVIDENCE_EXPORT_STALE_SECONDS", default=600)
# Test-only: seconds to sleep after each packed item, so a test can kill a worker mid-export.
EVIDENCE_EXPORT_ITEM_DELAY = env.float("EVIDENCE_EXPORT_ITEM_DELAY", default=0.0)
CELERY_BEAT_SCHEDULE |= {
    "evidence-expire-uploads": {
        "task": "evidence.upload_tasks.expire_uploads",
        "schedule": 3600.0,
    },
    "evidence-export-sweep": {
        "task": "evidence.export_tasks.export_sweep",
        "schedule": float(EVIDENCE_SWEEP_INTERVAL_SECONDS),
    },
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first: an unauthenticated API call is then a 401 with WWW-Authenticate.
        "catalogue.api.authentication.ExpiringTokenAuthentication",
        "catalogue.api.authentication.VerifiedSessionAuthentication",  # the browsable API
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": [
        "config.api_renderers.JSONRenderer",  # DRF's JSON, encoded by orjson
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["catalogue.api.filters.StrictFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "catalogue.api.pagination.SignedCursorPagination",
    # A JSON body is one object, nested 32 deep at most (a deeper one is a 400, not a RecursionError).
    "DEFAULT_PARSER_CLASSES": [
        "config.api_parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "EXCEPTION_HANDLER": "config.api_errors.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": ["catalogue.api.throttling.UserRateThrottle"],  # one atomic count per request
    # Throttle counts live in the default cache (CACHE_URL: Redis in production).
    "DEFAULT_THROTTLE_RATES": {
        "user": env.str("API_USER_RATE", default="6000/hour"),
        "auth": env.str("API_AUTH_RATE", default="30/minute"),
    },
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
# Tokens from POST /api/v1/auth/token/ stop working after this many hours.
API_TOKEN_TTL_HOURS = env.int("API_TOKEN_TTL_HOURS", default=24)
SPECTACULAR_SETTINGS = {
    "TITLE": "Evidence catalogue API",
    "DESCRIPTION": "Read, download, verify and export evidence with its custody record.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # The schema and the docs need a signed-in user (token or session) unless DEBUG is on.
    "SERVE_PERMISSIONS": ["accounts.permissions.SignedInUnlessDebug"],
    # Swagger UI and ReDoc from drf-spectacular-sidecar's pinned copies, served by us: no CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # No validator badge: Swagger UI would send our schema's address to validator.swagger.io.
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
    "SCHEMA_PATH_PREFIX": "/api/v1/",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "EvidenceKindEnum": "evidence.models.EvidenceItem.Kind",
        "ActorKindEnum": "catalogue.models.Actor.Kind",
        "SourceKindEnum": "catalogue.models.Source.Kind",
        "SensitivityEnum": "catalogue.models.Case.Sensitivity",
        "TimePrecisionEnum": "evidence.times.Precision",
        "AnalysisKindEnum": "evidence.models.ExhibitAnalysis.Kind",
        "VerificationStatusEnum": "evidence.verification_records.STATUSES",
        # Named, or the two "status" sets collide and one gets a hash for a name.
        "CaseStatusEnum": "catalogue.models.Case.Status",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "config.api_errors.add_error_responses",
    ],
}

# Merkle log signing key (Ed25519, PEM). Without one, a development key is
# generated on first use under var/.
LEDGER_SIGNING_KEY = env.str("LEDGER_SIGNING_KEY", default="")
LEDGER_SIGNING_KEY_FILE = env.path(
    "LEDGER_SIGNING_KEY_FILE", default=BASE_DIR / "var" / "ledger-signing-key.pem"
)
# Every public-key PEM in this folder is trusted to check tree heads, looked up by
# key id; the signer adds its own. Web hosts need only this, never the private key.
# Keep a retired key's PEM here after a rotation: the heads it signed still verify.
LEDGER_PUBLIC_KEYS_DIR = env.path("LEDGER_PUBLIC_KEYS_DIR", default=BASE_DIR / "var" / "ledger-keys")
# Each signed head is also written here (<tree size, 10 digits>.json, never
# overwritten), for a witness to copy away; "" turns it off.
LEDGER_WITNESS_DIR = env.str("LEDGER_WITNESS_DIR", default=str(BASE_DIR / "var" / "witness"))
# An RFC 3161 Time-Stamping Authority for the heads ("" = none), the CA
# certificate(s) its tokens are checked against, and how long to wait for it.
LEDGER_TSA_URL = env.str("LEDGER_TSA_URL", default="")
LEDGER_TSA_CA_FILE = env.str("LEDGER_TSA_CA_FILE", default="")
LEDGER_TSA_TIMEOUT = env.float("LEDGER_TSA_TIMEOUT", default=10.0)

# Identities of victims, witnesses and human sources are encrypted with these
# Fernet keys (newest first); without any, a key file is made on first use.
IDENTITY_ENCRYPTION_KEYS = env.str("IDENTITY_ENCRYPTION_KEYS", default="")
IDENTITY_KEY_FILE = env.path("IDENTITY_KEY_FILE", default=BASE_DIR / "var" / "identity-key")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}

# Admin sessions end after this many seconds without a request (each request
# starts the count again), not Django's two weeks.
SESSION_IDLE_TIMEOUT_SECONDS = env.int("SESSION_IDLE_TIMEOUT_SECONDS", default=30 * 60)
SESSION_COOKIE_AGE = SESSION_IDLE_TIMEOUT_SECONDS
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# Security headers on every response (SecurityMiddleware, XFrameOptionsMiddleware, django-csp).
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Scripts only from our own origin (the admin's and Swagger UI's static files), so
# an uploaded HTML file could not run script here even if a browser rendered it.
# Inline styles are allowed: the admin and Swagger UI set style attributes.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

# Base-map tiles for the admin's maps (evidence/maps.py): only from the tile server the
# operator names, e.g. https://tiles.example.org/{z}/{x}/{y}.png, and none by default: each
# tile request tells that server which square of the earth a viewer is looking at, and a map
# of a confidential case must not (docs/threat-model.md). Markers and coordinates show without.
# Only the map pages may load images from it (their CSP names it; evidence.maps.allow_tiles).
MAP_TILE_URL = env.str("MAP_TILE_URL", default="")
MAP_TILE_ATTRIBUTION = env.str("MAP_TILE_ATTRIBUTION", default="")
MAP_TILE_MAX_ZOOM = env.int("MAP_TILE_MAX_ZOOM", default=18)
if MAP_TILE_URL:
    from urllib.parse import urlsplit

    _tiles = urlsplit(MAP_TILE_URL)
    if (_tiles.scheme not in ("https", "http") or not _tiles.netloc
            or not all(part in MAP_TILE_URL for part in ("{z}", "{x}", "{y}"))
            or ("{s}" in _tiles.netloc and not _tiles.netloc.startswith("{s}."))):
        raise ImproperlyConfigured(
            f"MAP_TILE_URL={MAP_TILE_URL!r} is not a tile URL: give http(s)://host/…/{{z}}/{{x}}/{{y}}.png "
            "(a subdomain placeholder only as a leading {s}.), or leave it empty for no base map."
        )

if not DEBUG:
    SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=True)
    CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    # HTTPS only. Behind a proxy that terminates TLS, SECURE_PROXY_SSL_HEADER above
    # tells us the original scheme; a proxy that already redirects may set
    # SECURE_SSL_REDIRECT=0. The health checks answer plain HTTP for load balancers.
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=365 * 24 * 3600)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
    # Preloading is a request to browser vendors that is slow to undo, so it is the
    # operator's decision (SECURE_HSTS_PRELOAD=1), and check --deploy is not asked to nag about it.
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
    if not SECURE_HSTS_PRELOAD:
        SILENCED_SYSTEM_CHECKS = ["security.W021"]
