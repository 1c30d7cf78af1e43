"""Operational endpoints of the site, and its 500 handler."""

import sys
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse
from django.utils import timezone
from django.views import defaults
from django.views.decorators.cache import never_cache

from .middleware import DATABASE_ERRORS, database_unavailable


def server_error(request):
    """``handler500``: a database error raised outside a view (a middleware loading the session of
    a signed-in visitor while the database is down) still gets the 503 page; anything else the 500."""
    if isinstance(sys.exc_info()[1], DATABASE_ERRORS):
        return database_unavailable(request)
    return defaults.server_error(request)


@never_cache
def healthz(request):
    """200 when the database, the cache and the task queue are healthy; 503 with reasons otherwise."""
    checks, reasons = {}, []
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except Exception as exc:
        checks["database"] = "error"
        reasons.append(f"database: {exc.__class__.__name__}")
    try:
        cache.set("healthz", "1", 5)
        ok = cache.get("healthz") == "1"
        checks["cache"] = "ok" if ok else "error"
        if not ok:
            reasons.append("cache: value not read back")
    except Exception as exc:
        checks["cache"] = "error"
        reasons.append(f"cache: {exc.__class__.__name__}")
    if checks["database"] == "ok" and "django_tasks_db" in settings.INSTALLED_APPS:
        from django_tasks_db.models import DBTaskResult

        oldest = DBTaskResult.objects.ready().order_by("enqueued_at").values_list("enqueued_at", flat=True).first()
        age = (timezone.now() - oldest).total_seconds() if oldest else 0.0
        checks["oldest_queued_task_seconds"] = round(age, 1)
        limit = timedelta(seconds=getattr(settings, "HEALTHZ_MAX_TASK_AGE_SECONDS", 300)).total_seconds()
        if age > limit:
            reasons.append(f"tasks: oldest queued task is {age:.0f}s old (limit {limit:.0f}s); is a worker running?")
    status = 200 if not reasons else 503
    return JsonResponse(
        {"status": "ok" if status == 200 else "unhealthy", "checks": checks, "reasons": reasons}, status=status
    )
