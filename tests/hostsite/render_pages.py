"""Run inside the host site's virtual environment (``python -m hostsite.render_pages``) after
``migrate`` and ``load_demo``: renders the plugin's pages through the host's URLs and prints
what it saw as one JSON object for tests/test_hostsite.py to check."""

import json
import os
from pathlib import Path

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hostsite.settings")
django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.staticfiles import finders  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.migrations.executor import MigrationExecutor  # noqa: E402
from django.test import Client  # noqa: E402
from wagtail.documents import get_document_model  # noqa: E402

import api  # noqa: E402
import courses  # noqa: E402
import lms  # noqa: E402
from courses.models import Challenge, CoursePage, ModulePage  # noqa: E402


def get(client, url):
    response = client.get(url)
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return {
        "url": url,
        "status": response.status_code,
        "location": response.get("Location", ""),
        "body": body.decode("utf-8", "replace"),
    }


package = Path(lms.__file__).parent
executor = MigrationExecutor(connection)
participant = Client()
logged_in = participant.login(username="participant", password="learn-micro-2026")
course = CoursePage.objects.live().order_by("path").first()
module = ModulePage.objects.live().descendant_of(course).order_by("path").first()
audio = get_document_model().objects.filter(file__endswith=".mp3").order_by("pk").first()  # not its captions
learn = get(participant, "/learn/")
result = {
    "packages": {m.__name__: m.__file__ for m in (lms, courses, api)},
    "database": connection.vendor,
    "unapplied_migrations": [str(m) for m, _ in executor.migration_plan(executor.loader.graph.leaf_nodes())],
    "applied_apps": sorted({app for app, _ in executor.loader.applied_migrations}),
    "logged_in": logged_in,
    "course": {**get(Client(), course.url), "title": course.title},
    "module": {**get(participant, module.url), "title": module.title},
    "every_page": {
        page.url: Client().get(page.url).status_code
        for model in (CoursePage, ModulePage)
        for page in model.objects.live().order_by("path")
    },
    "learn": learn,
    "challenges": get(participant, f"/learn/challenges/{Challenge.objects.order_by('pk').first().course_id}/"),
    "learn_anonymous": get(Client(), "/learn/"),
    "audio": {
        "stored": audio.file.path,
        "name": Path(audio.file.name).name,
        "size": audio.file.size,
        "download": len(b"".join(Client().get(audio.url).streaming_content)),
        "demo_media": str(package / "demo_fixtures" / "media"),
    },
    "api_without_key": get(Client(), "/api/v1/participants/")["status"],
    "api_schema": get(Client(), "/api/v1/schema/")["status"],
    "scim_without_token": get(Client(), "/scim/v2/Users")["status"],
    "static": {
        str(path.relative_to(package / "static")): finders.find(str(path.relative_to(package / "static")))
        for path in (package / "static").rglob("*")
        if path.is_file()
    },
    "media_root": str(settings.MEDIA_ROOT),
}
print(json.dumps(result))
