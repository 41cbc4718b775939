"""Settings, read from the environment (django-environ).

With nothing set, the app runs on embedded defaults: SQLite and a filesystem
Celery broker under var/. Production differs only by environment variables;
without DEBUG it refuses to start unless SECRET_KEY and ALLOWED_HOSTS are set.
"""

import secrets
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

VAR_DIR = Path(env("VAR_DIR", default=str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env.bool("DEBUG", default=False)

SECRET_KEY = env("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Production (DEBUG off) needs a long random SECRET_KEY "
            "in the environment; for local development run `make run`, which sets DEBUG=1."
        )
    SECRET_KEY = "django-insecure-development-only-key-never-use-in-production"

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"] if DEBUG else [])
if not ALLOWED_HOSTS and not DEBUG:
    raise ImproperlyConfigured(
        "ALLOWED_HOSTS is not set. Production (DEBUG off) needs the host names the app is served "
        "under, comma-separated, e.g. ALLOWED_HOSTS=crm.hotel.example"
    )
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "hotel_crm.admin_site.HotelAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "hotel_crm",
    "rooms",
    "guests",
    "complaints",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "hotel_crm.api",
    "anymail",
]

MIDDLEWARE = [
    "hotel_crm.request_ids.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "hotel_crm.security_headers.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "hotel_crm.security_headers.NoStoreMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "hotel_crm.audit.AuditContextMiddleware",
    "hotel_crm.session_middleware.StaffSessionMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "hotel_crm.middleware.CurrentPropertyMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "hotel_crm.db_retry.RetryDroppedConnectionMiddleware",
]
# Benchmark only (`make bench`): count each request's SQL queries in an X-Query-Count header.
if env.bool("BENCH_QUERY_COUNT", default=False):
    MIDDLEWARE.insert(0, "hotel_crm.middleware.QueryCountMiddleware")
# Benchmark only: serve H0 (/h0/, a plain view with no middleware and no session; hotel_crm.bench_floor).
BENCH_FLOOR = env.bool("BENCH_FLOOR", default=False)

ROOT_URLCONF = "hotel_crm.urls"
WSGI_APPLICATION = "hotel_crm.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "hotel_crm.context_processors.current_property",
                "complaints.context_processors.bell",
            ],
            # Dates and times in the property's style and zone (hotel_crm.dates): in every template.
            "builtins": ["hotel_crm.templatetags.dates"],
        },
    },
]

# Django's form renderer, with inputs and labels written in Python (ADR 0022).
FORM_RENDERER = "hotel_crm.form_renderer.FastFormRenderer"

# --- Database: SQLite under var/ unless DATABASE_URL is set -----------------
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'hotel_crm.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Covering indexes (INCLUDE) are a PostgreSQL speed-up; SQLite makes them plain ones.
    SILENCED_SYSTEM_CHECKS = ["models.W040"]
    # WAL and IMMEDIATE transactions let the web server and the Celery worker
    # write to the same file without "database is locked" errors.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Authentication ---------------------------------------------------------
AUTHENTICATION_BACKENDS = ["hotel_crm.auth_backends.PropertyRoleBackend"]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
# Length, not composition (NIST SP 800-63B, ADR 0008): no upper bound, no "must contain a digit".
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
# Login throttling (hotel_crm.login_throttle): per username and IP, and a short lock against sprays.
LOGIN_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=10)
LOGIN_COOLOFF_MINUTES = env.int("LOGIN_COOLOFF_MINUTES", default=15)
LOGIN_SPRAY_FAILURE_LIMIT = env.int("LOGIN_SPRAY_FAILURE_LIMIT", default=30)
LOGIN_SPRAY_LOCK_SECONDS = env.int("LOGIN_SPRAY_LOCK_SECONDS", default=60)
# The client IP: REMOTE_ADDR unless the app is behind your own proxy, e.g. HTTP_X_FORWARDED_FOR.
CLIENT_IP_HEADER = env("CLIENT_IP_HEADER", default="")
TRUSTED_PROXY_HOPS = env.int("TRUSTED_PROXY_HOPS", default=1)
# Second factor (TOTP): required for these roles (group names, plus "superuser"); optional for others.
MFA_REQUIRED_ROLES = env.list(
    "MFA_REQUIRED_ROLES", default=["Guest Relations Manager", "Property Administrator", "superuser"]
)
MFA_ISSUER = env("MFA_ISSUER", default="hotel_crm")
# Wrong second-factor codes (per staff member, across logins): the first few are free, then each
# further one makes the next attempt wait twice as long (MFA_DELAY_SECONDS, 2x, 4x… up to the cap),
# and MFA_FAILURES_BEFORE_LOCK of them lock the authenticator until a recovery code or a manager
# lifts the lock (ADR 0015).
MFA_FAILURES_BEFORE_DELAY = env.int("MFA_FAILURES_BEFORE_DELAY", default=3)
MFA_DELAY_SECONDS = env.int("MFA_DELAY_SECONDS", default=2)
MFA_DELAY_MAX_SECONDS = env.int("MFA_DELAY_MAX_SECONDS", default=300)
MFA_FAILURES_BEFORE_LOCK = env.int("MFA_FAILURES_BEFORE_LOCK", default=10)
# Sessions: shared terminals log out when idle; every session ends after one shift.
SESSION_IDLE_SECONDS = env.int("SESSION_IDLE_SECONDS", default=15 * 60)
SESSION_ABSOLUTE_SECONDS = env.int("SESSION_ABSOLUTE_SECONDS", default=12 * 60 * 60)
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=SESSION_ABSOLUTE_SECONDS)

# --- Internationalisation ---------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("zh-hans", _("Simplified Chinese"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env("TIME_ZONE", default="Asia/Shanghai")
# Phone numbers typed without a country code are read as numbers of this country.
PHONE_DEFAULT_REGION = env("PHONE_DEFAULT_REGION", default="CN")
USE_I18N = True
USE_TZ = True

# --- Static files (served by whitenoise; nothing from a CDN) ----------------
STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": env(
            "STATICFILES_BACKEND",
            default="django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage",
        )
    },
}

# --- Celery: filesystem broker under var/ unless REDIS_URL / CELERY_BROKER_URL
REDIS_URL = env("REDIS_URL", default="")
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL or "filesystem://")
BROKER_DIR = VAR_DIR / "broker"
if CELERY_BROKER_URL.startswith("filesystem://"):
    for sub in ("queue", "processed", "control"):
        (BROKER_DIR / sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR / "queue"),
        "data_folder_out": str(BROKER_DIR / "queue"),
        "processed_folder": str(BROKER_DIR / "processed"),
        "control_folder": str(BROKER_DIR / "control"),
        "polling_interval": 0.2,
    }
CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND", default=None)
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE = {
    "heartbeat": {
        "task": "hotel_crm.tasks.heartbeat",
        "schedule": env.float("HEARTBEAT_SECONDS", default=15),
    },
    # Reminders: the database is the schedule; this only looks for due rows. Every 5 s: a reminder
    # waits at most that long to be claimed (lateness p95 <= 15 s, ADR 0021); a look is one query.
    "reminders": {
        "task": "complaints.reminders_dispatch",
        "schedule": env.float("REMINDER_DISPATCH_SECONDS", default=5),
    },
    "digest": {"task": "complaints.digest_schedule", "schedule": 300.0},
    # Webhook deliveries whose message was lost or whose retry is due; expired idempotency keys.
    "webhooks": {"task": "api.webhooks_dispatch", "schedule": 30.0},
    # The GRM dashboard's standard periods, computed ahead (ADR 0013).
    "dashboard-snapshots": {
        "task": "complaints.dashboard_snapshots_refresh",
        "schedule": env.float("DASHBOARD_SNAPSHOT_SECONDS", default=300),
    },
    # The guest's links: makes post-stay checks that are due and emails links waiting to go.
    "guest-checks": {
        "task": "complaints.guest_checks_dispatch",
        "schedule": env.float("GUEST_CHECK_DISPATCH_SECONDS", default=60),
    },
    # Guests' own channels (ADR 0020): the hotel mailboxes over IMAP; team-chat alerts and replies due.
    "mailboxes-poll": {
        "task": "complaints.mailboxes_poll",
        "schedule": env.float("MAILBOX_POLL_SECONDS", default=60),
    },
    "channels-dispatch": {"task": "complaints.channels_dispatch", "schedule": 30.0},
    # The guest pages' rate-limit windows long past: the table grows with every hit otherwise.
    "rate-limit-prune": {
        "task": "complaints.rate_limit_prune",
        "schedule": env.float("GUEST_CHECK_DISPATCH_SECONDS", default=60),
    },
}
# The "last N days" periods beat keeps computed for the dashboard, and the age after which the page
# recomputes a snapshot itself (beat stopped): ADR 0013.
DASHBOARD_SNAPSHOT_DAYS = env.list("DASHBOARD_SNAPSHOT_DAYS", cast=int, default=[7, 30, 90])
DASHBOARD_SNAPSHOT_MAX_AGE = env.int("DASHBOARD_SNAPSHOT_MAX_AGE", default=900)

# --- Inbound email webhooks of the mail services (django-anymail, ADR 0020): they must authenticate
# with HTTP basic auth "user:password". Unset, a random secret is made, so no webhook is accepted.
ANYMAIL = {
    "WEBHOOK_SECRET": env("ANYMAIL_WEBHOOK_SECRET", default="") or f"unset:{secrets.token_urlsafe(24)}",
}
# The services whose inbound webhook is served. These three need only the secret above; others (mailgun,
# brevo, postal, resend …) need their own signing key in ANYMAIL as well, then can be added here.
ANYMAIL_INBOUND_SERVICES = env.list("ANYMAIL_INBOUND_SERVICES", default=["postmark", "mailjet", "sparkpost"])

# --- Cache: per process unless REDIS_URL is set. The API's per-token rate limit counts in the
# cache, so with several web processes it only holds across them on Redis.
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            # An unreachable Redis costs a request at most this long, then the database answers.
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
# With a cache every web process shares (Redis), a signed-in request reads its session and its user
# with where they may work from the cache, not the database (ADR 0019): the session writes through
# to the database and is deleted from both (revocation stays immediate); the user's context is
# checked against generation tokens that every change renews. A per-process cache cannot see
# another process's change, so both stay on the database without Redis. On with Redis unless
# AUTH_CONTEXT_CACHE=0. When Redis cannot be reached both fall back to the database (signing in and
# working go on), and a cached copy lives at most AUTH_CONTEXT_MAX_AGE seconds, so a renewal or a
# sign-out that an outage kept from the cache cannot leave a stale copy for longer.
AUTH_CONTEXT_CACHE = bool(REDIS_URL) and env.bool("AUTH_CONTEXT_CACHE", default=True)
AUTH_CONTEXT_MAX_AGE = env.int("AUTH_CONTEXT_MAX_AGE", default=120)
SESSION_ENGINE = "hotel_crm.sessions" if AUTH_CONTEXT_CACHE else "django.contrib.sessions.backends.db"


# --- REST API (api app): tokens or the browser session, JSON errors, cursor pages.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "hotel_crm.api.authentication.ApiTokenAuthentication",
        "hotel_crm.api.authentication.PropertySessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["hotel_crm.api.permissions.ScopePermission"],
    "DEFAULT_THROTTLE_CLASSES": ["hotel_crm.api.throttling.TokenRateThrottle"],
    "DEFAULT_PAGINATION_CLASS": "hotel_crm.api.pagination.Cursor",
    "PAGE_SIZE": 50,
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_PARSER_CLASSES": ["hotel_crm.api.parsers.CheckedJSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "hotel_crm.api.errors.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
# Requests per minute a token may make unless its own limit says otherwise.
API_TOKEN_RATE_PER_MINUTE = env.int("API_TOKEN_RATE_PER_MINUTE", default=600)
# JSON bodies: refused (413 / 400) past this size or nesting, before they are parsed (issue #18).
API_JSON_MAX_BYTES = env.int("API_JSON_MAX_BYTES", default=1_000_000)
API_JSON_MAX_DEPTH = env.int("API_JSON_MAX_DEPTH", default=20)
API_WEBHOOK_TIMEOUT_SECONDS = env.float("API_WEBHOOK_TIMEOUT_SECONDS", default=10)
SPECTACULAR_SETTINGS = {
    "TITLE": "hotel_crm API",
    "DESCRIPTION": "Guests, stays, rooms and the complaint cycle, for the PMS and other integrations.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "ENUM_NAME_OVERRIDES": {
        "CaseStatusEnum": "complaints.workflow.Status.choices",
        "StayStatusEnum": "guests.models.StayStatus.choices",
        "RoomStatusEnum": "rooms.models.RoomStatus.choices",
        "OfferStatusEnum": "complaints.models.OfferStatus.choices",
        "ComplaintKindEnum": "complaints.models.ComplaintKind.choices",
        "EventKindEnum": "complaints.models.EventKind.choices",
        "LogCategoryEnum": "complaints.models.LogCategory.choices",
    },
}

# --- Email: printed to the console in development; in production SMTP via
# EMAIL_URL (e.g. smtp+tls://user:pass@mail.hotel.example:587), by default the
# local mail relay on port 25.
_email = env.email_url("EMAIL_URL", default="consolemail://" if DEBUG else "smtp://localhost:25")
_smtp_options = {
    "host": _email.get("EMAIL_HOST"),
    "port": _email.get("EMAIL_PORT"),
    "username": _email.get("EMAIL_HOST_USER"),
    "password": _email.get("EMAIL_HOST_PASSWORD"),
    "use_tls": _email.get("EMAIL_USE_TLS"),
    "use_ssl": _email.get("EMAIL_USE_SSL"),
    "timeout": env.int("EMAIL_TIMEOUT", default=10),
}
MAILERS = {
    "default": {
        "BACKEND": _email["EMAIL_BACKEND"],
        "OPTIONS": {k: v for k, v in _smtp_options.items() if v not in (None, "")}
        if _email["EMAIL_BACKEND"].endswith("smtp.EmailBackend")
        else {},
    }
}
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="guest-relations@localhost")

# --- Security: safe by default when DEBUG is off ----------------------------
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env.bool("BEHIND_TLS_PROXY", True) else None
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy, enforced: only our own files; an inline <script> needs the request's
# nonce ({{ csp_nonce }}), so does an inline <style> (only the API docs pages have them); no style=""
# attributes (htmx's indicator style is off, see base.html).
SECURE_CSP: dict[str, list[str]] = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.NONCE],
    "img-src": [CSP.SELF, "data:"],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "hotel_crm.request_ids.RequestIdLogFilter"}},
    "formatters": {
        "with_request_id": {
            "format": "%(asctime)s %(levelname)s %(name)s [request %(request_id)s] %(message)s"
        }
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["request_id"],
            "formatter": "with_request_id",
        }
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# Every date typed into a form, a filter or the API must lie this many days around today (issue #18);
# a stay is at most STAY_MAX_NIGHTS long.
DATE_WINDOW_PAST_DAYS = env.int("DATE_WINDOW_PAST_DAYS", default=3660)
DATE_WINDOW_FUTURE_DAYS = env.int("DATE_WINDOW_FUTURE_DAYS", default=730)
STAY_MAX_NIGHTS = env.int("STAY_MAX_NIGHTS", default=365)

# --- The guest's own voice (complaints.guest_voice) ------------------------------
# Links in emails are built on this address (https://crm.hotel.example); the case page
# uses its own host when it is empty.
GUEST_LINK_BASE_URL = env("GUEST_LINK_BASE_URL", default="")
GUEST_CHECK_VALID_DAYS = env.int("GUEST_CHECK_VALID_DAYS", default=7)
POST_STAY_CHECK_DELAY_MINUTES = env.int("POST_STAY_CHECK_DELAY_MINUTES", default=120)
# The public page: hits per client IP and per link in one window, shared by all web processes.
GUEST_PAGE_HITS_PER_IP = env.int("GUEST_PAGE_HITS_PER_IP", default=30)
GUEST_PAGE_HITS_PER_LINK = env.int("GUEST_PAGE_HITS_PER_LINK", default=10)
GUEST_PAGE_RATE_WINDOW_SECONDS = env.int("GUEST_PAGE_RATE_WINDOW_SECONDS", default=600)
