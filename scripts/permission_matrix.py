"""Print the site's permission matrix, generated from the URL configuration (docs/security.md).

Every named route of the plugin (``microlearn_lms:``) and of the accounts pages is requested
with GET by each role, in a throw-away in-memory database holding one small world: a course,
cohort A (trainer A, participant P with a practice entry and a quiz attempt) and cohort B
(trainer B). A new route appears in the table without editing this script.

    python scripts/permission_matrix.py > /tmp/matrix.md

Cells: 200 allowed; 302 to the login page (anonymous) or a redirect; 403 not a trainer; 404 not
yours (records of others answer 404 so nobody can probe for them); 405 POST-only (GET refused).
"""

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from django.urls import URLPattern, URLResolver, get_resolver, reverse  # noqa: E402

ROLES = ["anonymous", "participant (own)", "other participant", "cohort's trainer", "other trainer", "staff"]
NAMESPACES = ("microlearn_lms",)
ACCOUNT_ROUTES = ["login", "password_reset", "password_change", "mfa_manage", "mfa_setup", "mfa_verify"]


def routes(patterns=None, namespace=""):
    for entry in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(entry, URLResolver):
            yield from routes(entry.url_patterns, entry.namespace or namespace)
        elif isinstance(entry, URLPattern) and entry.name and namespace in NAMESPACES:
            yield f"{namespace}:{entry.name}", list(entry.pattern.converters)


def build_world():
    import datetime as dt

    from django.utils import timezone

    from courses.loader import ProgrammeLoader
    from courses.models import CoursePage, ModulePage
    from lms import services
    from tests.conftest import MINI_PROGRAMME
    from tests.factories import UserFactory
    from tests.factories_challenges import ChallengeFactory
    from tests.factories_cohorts import cohort_for, entry, participant, trainer_user

    ProgrammeLoader(MINI_PROGRAMME).load()
    course = CoursePage.objects.get(slug="test-course")
    challenge = ChallengeFactory(course=course, week=1)
    trainer_a, trainer_b = trainer_user(username="trainer-a"), trainer_user(username="trainer-b")
    cohort_a = cohort_for(course, trainers=[trainer_a])
    cohort_for(course, trainers=[trainer_b])
    enrolment = participant(cohort_a, last_activity=timezone.now() - dt.timedelta(days=10))
    module = ModulePage.objects.get(slug="first")  # the mini programme's module with a quiz
    attempt = services.quiz_attempt_start(enrolment=enrolment, module=module)
    log = entry(enrolment, challenge)
    other = participant(cohort_a)
    users = {
        "participant (own)": enrolment.user,
        "other participant": other.user,
        "cohort's trainer": trainer_a,
        "other trainer": trainer_b,
        "staff": UserFactory(username="staff", is_staff=True),
    }
    values = {
        "course_id": course.pk,
        "module_id": module.pk,
        "uuid": attempt.uuid,
        "code": "UNKNOWN-CODE",
        "cohort_id": cohort_a.pk,
        "enrolment_id": enrolment.pk,
        "entry": log.uuid,
        "slug": cohort_a.organisation.slug,  # no single sign-on configured: 404 for everyone
    }
    return users, values


def main():
    setup_test_environment()
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    users, values = build_world()
    rows = []
    found = list(routes()) + [(name, []) for name in ACCOUNT_ROUTES]
    for name, args in found:
        url = reverse(name, kwargs={arg: values[arg] for arg in args})
        if name == "microlearn_lms:trainer-nudge":
            url += f"?participant={values['enrolment_id']}"
        cells = []
        for role in ROLES:
            client = Client()
            if role in users:
                client.force_login(users[role])
            cells.append(str(client.get(url).status_code))
        rows.append((name, url, cells))
    print("| route | path | " + " | ".join(ROLES) + " |")
    print("|---|---|" + "---|" * len(ROLES))
    for name, url, cells in rows:
        print(f"| `{name}` | `{url}` | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
