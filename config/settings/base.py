"""Settings shared by every environment of the runnable course site.

Everything that differs between machines comes from the environment; see README.md.
"""

import datetime as dt
import os
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def env_bool(name: str, default: bool = False, environ=os.environ) -> bool:
    value = environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "", environ=os.environ) -> list[str]:
    return [item.strip() for item in environ.get(name, default).split(",") if item.strip()]


def database_from_env(default_sqlite: Path) -> dict:
    """Parse DATABASE_URL, or fall back to an SQLite file. A bad URL is one clear error."""
    url = os.environ.get("DATABASE_URL", "").strip()
    if not url:
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(default_sqlite),
            "OPTIONS": {"transaction_mode": "IMMEDIATE", "timeout": 20},
        }
    try:
        # Persistent connections (DB_CONN_MAX_AGE seconds, 0 = one per request), re-checked before
        # reuse so a restarted database costs one failed ping, not a failed request.
        config = dj_database_url.parse(
            url, conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")), conn_health_checks=True
        )
    except Exception as exc:  # dj-database-url raises several types for bad input
        raise ImproperlyConfigured(
            f"DATABASE_URL is not a valid database URL ({exc}). "
            "Expected e.g. postgres://user:password@host:5432/dbname or sqlite:///path/to/db.sqlite3"
        ) from None
    if not config.get("ENGINE"):
        raise ImproperlyConfigured(f"DATABASE_URL names an unsupported database scheme: {url.split(':', 1)[0]}")
    return config


SECRET_KEY = os.environ.get("SECRET_KEY", "")
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    # The plugin
    "lms",
    "courses",
    "api",
    # Wagtail
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    # Third party
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "config.accounts",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_tasks",
    "django_tasks_db",
    # Django
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
]

MIDDLEWARE = [
    "config.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "config.accounts.mfa.SecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    "config.middleware.PrivacyHeadersMiddleware",
    "config.middleware.DatabaseUnavailableMiddleware",
    "axes.middleware.AxesMiddleware",  # last: turns a lockout into the lockout page (429)
]


# A strict policy for the public and participant pages: no inline script or style anywhere.
# Wagtail's admin and the API docs bring their own inline code, so they are exempt.
def content_security_policy(media_origins=()) -> str:
    """The site's policy; ``media_origins`` are where images and audio come from besides the site
    itself (an S3 bucket or CDN: see ``s3_media_origins``)."""
    media = " ".join(media_origins)
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            f"img-src 'self' data: blob: {media}".strip(),
            f"media-src 'self' blob: {media}".strip(),
            "font-src 'self' data:",
            "frame-src https://www.youtube-nocookie.com https://www.youtube.com https://player.vimeo.com",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


CONTENT_SECURITY_POLICY = content_security_policy()
CONTENT_SECURITY_POLICY_EXEMPT_PATHS = ("/admin/", "/django-admin/", "/api/v1/docs/", "/api/v1/redoc/")

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "wagtail.contrib.settings.context_processors.settings",
            ],
        },
    },
]

DATABASES = {"default": database_from_env(BASE_DIR / "db.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "config.accounts.backends.AxesBackend",  # lockouts first (docs/security.md)
    "django.contrib.auth.backends.ModelBackend",
    "lms.oidc.OrganisationOIDCBackend",  # single sign-on per organisation (docs/sso.md)
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "microlearn_lms:start"  # trainers to their cohorts, everyone else to /learn/
LOGOUT_REDIRECT_URL = "/"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = os.environ.get("TIME_ZONE", "Europe/London")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
MEDIA_URL = "/media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "training@localhost")

# Background work goes through the Django tasks API; django-tasks-db stores the queue in
# the database and `manage.py db_worker` runs it.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000

WAGTAIL_SITE_NAME = "Micro-connections Academy"
WAGTAILADMIN_BASE_URL = os.environ.get("WAGTAILADMIN_BASE_URL", "http://127.0.0.1:8000")
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
WAGTAILDOCS_EXTENSIONS = [
    *("csv", "docx", "key", "odt", "pdf", "pptx", "rtf", "txt", "xlsx", "zip"),
    *("mp3", "ogg", "m4a", "vtt"),  # audio, and its WebVTT captions
]
WAGTAILEMBEDS_RESPONSIVE_HTML = True

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "api.schema.ApiAutoSchema",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Micro-connections Academy HR API",
    "VERSION": "1.0.0",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "PREPROCESSING_HOOKS": ["api.schema.only_hr_api"],
    # OpenAPI 3.1 for its `webhooks` section: the body of every event type the API pushes.
    "OAS_VERSION": "3.1.0",
    "WEBHOOKS": "api.v1.events.WEBHOOKS",
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums", "api.schema.add_links"],
    # --- HR API (api app) ---
    "DESCRIPTION": "REST API for corporate HR systems: provisioning, cohorts, enrolments, a completions feed, "
    "certificates and signed webhooks. Every request carries an organisation's API key: "
    "`Authorization: Bearer <key>`. Errors are RFC 9457 problem details. See docs/api.md.",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "EnrolmentStatusEnum": "lms.models.EnrolmentStatus",
        "WebhookEventEnum": "api.models.WebhookEvent",
    },
}

# --- HR API (api app): see docs/api.md ---
MICROLEARN_API_THROTTLE_RATE = os.environ.get("MICROLEARN_API_THROTTLE_RATE", "600/min")  # per API key
MICROLEARN_API_THROTTLE_CACHE = "default"  # use a shared cache (database/Redis) when running several processes
MICROLEARN_API_MAX_BODY_BYTES = 1024 * 1024
MICROLEARN_WEBHOOK_MAX_ATTEMPTS = 8  # retried over 27.6 h (MICROLEARN_WEBHOOK_RETRY_SCHEDULE), then failed
MICROLEARN_WEBHOOK_TIMEOUT_SECONDS = 10
MICROLEARN_WEBHOOK_ALLOW_LOOPBACK = False  # tests only: accept http:// and loopback targets
# The site's Learning Record Store for xAPI statements (docs/xapi.md); unset: none (organisations
# can still set their own in the admin). The password stays in the environment.
MICROLEARN_XAPI = {
    "ENDPOINT": os.environ.get("XAPI_ENDPOINT", ""),
    "USERNAME": os.environ.get("XAPI_USERNAME", ""),
    "PASSWORD": os.environ.get("XAPI_PASSWORD", ""),
}

# Structured logs: one JSON object per line with the request id (LOG_FORMAT=plain for humans).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_id": {"()": "config.logging.RequestIdFilter"},
        "redact": {"()": "config.logging.RedactFilter"},
    },
    "formatters": {
        "json": {"()": "config.logging.JsonFormatter"},
        "plain": {"format": "%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["request_id", "redact"],
            "formatter": "plain" if os.environ.get("LOG_FORMAT") == "plain" else "json",
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    # One line per task state change is noise; failures are still logged as warnings/errors.
    "loggers": {
        "django_tasks": {"level": os.environ.get("TASKS_LOG_LEVEL", "WARNING")},
        # runserver's request lines (with query strings) go through the same redacting handler.
        "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}

# Cache: Redis where REDIS_URL is set (shared by every app server: throttles, cached sessions),
# otherwise a per-process memory cache (development); production falls back to the database cache.
if os.environ.get("REDIS_URL"):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": os.environ["REDIS_URL"],
            # A hung Redis fails fast instead of holding a request thread.
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Load balancers probe app servers over plain HTTP: no HTTPS redirect for the health check.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
HEALTHZ_MAX_TASK_AGE_SECONDS = int(os.environ.get("HEALTHZ_MAX_TASK_AGE_SECONDS", "300"))
# --- Certificates (lms/certificates; docs/certificates.md) -----------------------------------
# PDFs live in their own private storage, never under the public /media/. In production point
# this alias at an S3-compatible backend with a private bucket (e.g. django-storages).
STORAGES["certificates"] = {
    "BACKEND": "django.core.files.storage.FileSystemStorage",
    "OPTIONS": {"location": str(Path(os.environ.get("CERTIFICATES_ROOT", BASE_DIR / "private" / "certificates")))},
}
# Absolute origin printed in certificates and their QR codes (the public verification page);
# empty means WAGTAILADMIN_BASE_URL.
MICROLEARN_BASE_URL = os.environ.get("MICROLEARN_BASE_URL", "")
MICROLEARN_CERTIFICATE_SERIAL_PREFIX = os.environ.get("MICROLEARN_CERTIFICATE_SERIAL_PREFIX", "MC")
MICROLEARN_CERTIFICATE_RENDER_TIMEOUT = int(
    os.environ.get("MICROLEARN_CERTIFICATE_RENDER_TIMEOUT", "30")
)  # seconds, in the worker
MICROLEARN_CERTIFICATE_MAX_ATTEMPTS = 5  # automatic retries with backoff; `manage.py issue_certificates` retries beyond
MICROLEARN_CERTIFICATE_VERIFY_RATE = (30, 60)  # verification requests per client address: 30 per 60 seconds


# --- Object storage (docs/deploy.md) ---------------------------------------------------------
def s3_storages(environ=os.environ) -> dict:
    """``STORAGES`` entries putting media and certificates on S3-compatible storage (django-storages).

    Empty unless ``AWS_STORAGE_BUCKET_NAME`` is set; production settings merge the result in.
    Credentials come from ``AWS_ACCESS_KEY_ID``/``AWS_SECRET_ACCESS_KEY`` or the instance role
    (boto3's usual chain), never from here. Media goes under ``AWS_MEDIA_LOCATION`` (``media/``);
    certificates under ``AWS_CERTIFICATES_LOCATION`` (``private/``), optionally in their own
    bucket, with a private ACL, signed URLs only and never the public custom domain: they are
    downloaded through the permission-checked view, which streams them from the bucket.
    """
    bucket = environ.get("AWS_STORAGE_BUCKET_NAME", "").strip()
    if not bucket:
        return {}
    try:
        import storages.backends.s3  # noqa: F401
    except ImportError:
        raise ImproperlyConfigured(
            "AWS_STORAGE_BUCKET_NAME is set but django-storages/boto3 are not installed: "
            "pip install 'wagtail-microlearn[s3]'"
        ) from None
    backend = "storages.backends.s3.S3Storage"
    common = {
        "endpoint_url": environ.get("AWS_S3_ENDPOINT_URL") or None,  # MinIO, R2, Scaleway...
        "region_name": environ.get("AWS_S3_REGION_NAME") or None,
        "addressing_style": environ.get("AWS_S3_ADDRESSING_STYLE") or None,  # "path" for most MinIO setups
        "file_overwrite": False,  # a second upload named like the first gets a new name
    }
    media = {
        **common,
        "bucket_name": bucket,
        "location": environ.get("AWS_MEDIA_LOCATION", "media"),
        "default_acl": None,  # the bucket policy decides who reads media
        "querystring_auth": env_bool("AWS_QUERYSTRING_AUTH", True, environ),
        "querystring_expire": int(environ.get("AWS_QUERYSTRING_EXPIRE", "3600")),
        "custom_domain": environ.get("AWS_S3_CUSTOM_DOMAIN") or None,  # a CDN in front of public media
    }
    certificates = {
        **common,
        "bucket_name": environ.get("AWS_CERTIFICATES_BUCKET_NAME", "").strip() or bucket,
        "location": environ.get("AWS_CERTIFICATES_LOCATION", "private"),
        # Empty sends no ACL: needed on buckets with ACLs disabled (S3 Object Ownership
        # "bucket owner enforced"); privacy then rests on the bucket policy alone.
        "default_acl": environ.get("AWS_CERTIFICATES_DEFAULT_ACL", "private") or None,
        "querystring_auth": True,
        "querystring_expire": 300,
        "custom_domain": None,
    }
    return {
        "default": {"BACKEND": backend, "OPTIONS": media},
        "certificates": {"BACKEND": backend, "OPTIONS": certificates},
    }


def s3_media_origins(environ=os.environ) -> list[str]:
    """Origins that media URLs point at when media is on S3, for the Content-Security-Policy
    (pages show images and play audio straight from the bucket or CDN). ``CSP_MEDIA_ORIGINS``
    (comma-separated) replaces the guess; certificates never need one (streamed by the site)."""
    bucket = environ.get("AWS_STORAGE_BUCKET_NAME", "").strip()
    if not bucket:
        return []
    if environ.get("CSP_MEDIA_ORIGINS", "").strip():
        return env_list("CSP_MEDIA_ORIGINS", environ=environ)
    if environ.get("AWS_S3_CUSTOM_DOMAIN"):
        return [f"https://{environ['AWS_S3_CUSTOM_DOMAIN'].strip('/')}"]
    endpoint, region = environ.get("AWS_S3_ENDPOINT_URL", ""), environ.get("AWS_S3_REGION_NAME", "")
    style = environ.get("AWS_S3_ADDRESSING_STYLE", "")  # path: host/bucket/key; virtual: bucket.host/key
    if endpoint:
        scheme, host = urlsplit(endpoint)[:2]
        hosts = {"path": [host], "virtual": [f"{bucket}.{host}"]}.get(style, [host, f"{bucket}.{host}"])
        return [f"{scheme}://{name}" for name in hosts]
    aws_hosts = ["s3.amazonaws.com"] + ([f"s3.{region}.amazonaws.com"] if region else [])
    return [f"https://{name}" if style == "path" else f"https://{bucket}.{name}" for name in aws_hosts]


# --- Accounts: login protection, password reset, two-factor (docs/security.md) ---------------
# The client address behind proxies (lms.ratelimit.client_ip, used by every limit and by axes):
# the header the proxies write (a request.META key) and how many trusted proxies sit in front.
# 0 (the default) ignores the header: the client is REMOTE_ADDR. See docs/deploy.md.
MICROLEARN_CLIENT_IP_HEADER = os.environ.get("CLIENT_IP_HEADER", "HTTP_X_FORWARDED_FOR")
MICROLEARN_TRUSTED_PROXIES = int(os.environ.get("TRUSTED_PROXIES", "0"))
# django-axes: after LOGIN_FAILURE_LIMIT failed logins for one account (any case of the
# username), or from one client address, logins are refused for LOGIN_COOLOFF_MINUTES; every
# login form (site, Wagtail admin, Django admin) answers 429 with the lockout page. Staff unlock
# early by deleting the "access attempts" in /django-admin/axes/.
AXES_FAILURE_LIMIT = int(os.environ.get("LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = dt.timedelta(minutes=int(os.environ.get("LOGIN_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]  # either one: per account and per client address
AXES_USERNAME_CALLABLE = "config.accounts.backends.lockout_username"
AXES_CLIENT_IP_CALLABLE = "lms.ratelimit.client_ip"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/lockout.html"
AXES_HTTP_RESPONSE_CODE = 429
AXES_VERBOSE = False
# Password reset: (requests, seconds) per client address and per email address; over: 429.
PASSWORD_RESET_RATE_PER_IP = (10, 3600)
PASSWORD_RESET_RATE_PER_EMAIL = (3, 3600)
PASSWORD_RESET_TIMEOUT = 60 * 60 * 3  # reset links expire after 3 hours (and work once)
# Two-factor authentication (django-otp): MFA_REQUIRED=true makes it compulsory for staff,
# Wagtail admin users and trainers; anyone may turn it on at /accounts/2fa/.
MFA_REQUIRED = env_bool("MFA_REQUIRED", False)
MFA_RECOVERY_CODES = 10
OTP_TOTP_ISSUER = WAGTAIL_SITE_NAME
