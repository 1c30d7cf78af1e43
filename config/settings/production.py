"""Production: every secret and host from the environment; secure by default."""

from .base import *

DEBUG = False
if not SECRET_KEY or SECRET_KEY.startswith("django-insecure") or len(SECRET_KEY) < 50:
    raise ImproperlyConfigured("SECRET_KEY must be set to a random string of at least 50 characters.")
if not os.environ.get("ALLOWED_HOSTS"):
    raise ImproperlyConfigured("ALLOWED_HOSTS must be set, e.g. ALLOWED_HOSTS=learn.example.com")

# Media and certificates: the local filesystem (a shared volume with several app servers), or
# S3-compatible storage when AWS_STORAGE_BUCKET_NAME is set. Static files: whitenoise, hashed
# names, compressed, served with a one-year immutable cache header.
STORAGES = {
    **STORAGES,
    **s3_storages(),
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
CONTENT_SECURITY_POLICY = content_security_policy(media_origins=s3_media_origins())

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", str(60 * 60 * 24 * 365)))
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

if os.environ.get("REDIS_URL"):
    try:
        import redis  # noqa: F401
    except ImportError:
        raise ImproperlyConfigured(
            "REDIS_URL is set but the redis package is not installed: pip install 'wagtail-microlearn[redis]'"
        ) from None
else:
    # Shared across app servers without Redis: run `manage.py createcachetable` on deploy.
    # MAX_ENTRIES well above Django's 300: rate-limit counters (one row per allowed request on this
    # backend, see lms/ratelimit.py) must not be culled while their window is open.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "django_cache",
            "OPTIONS": {"MAX_ENTRIES": 200_000},
        }
    }
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
