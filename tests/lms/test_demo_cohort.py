"""The demo cohort: varied progress for the demo trainer, idempotent, with or without challenges."""

import pytest
from django.core.management import call_command

from courses.loader import ProgrammeLoader
from courses.models import Challenge, CoursePage
from lms import demo
from lms.models import ChallengeLog, Cohort, Enrolment
from lms.selectors.cohorts import cohort_report
from tests.conftest import DEMO_PROGRAMME

pytestmark = pytest.mark.django_db


def test_demo_cohort_is_created_by_load_demo_once(demo_programme):
    cohort = Cohort.objects.get(name=demo.DEMO_COHORT)
    assert cohort.trainers.filter(username="trainer").exists()
    assert Enrolment.objects.filter(cohort=cohort).count() == len(demo.DEMO_PARTICIPANTS) + 1
    entries = ChallengeLog.objects.count()
    assert entries > 0  # the demo programme ships challenges, so the cohort has practice entries
    call_command("load_demo", stdout=__import__("io").StringIO())
    assert Enrolment.objects.filter(cohort=cohort).count() == len(demo.DEMO_PARTICIPANTS) + 1
    assert ChallengeLog.objects.count() == entries


def test_demo_cohort_without_challenges_creates_no_entries(mini_programme):
    demo.ensure_demo_accounts()
    mini_programme.slug = demo.DEMO_COURSE_SLUG
    mini_programme.save()
    _cohort, added = demo.ensure_demo_cohort()
    assert added == len(demo.DEMO_PARTICIPANTS)
    assert not ChallengeLog.objects.exists()


def test_demo_cohort_with_challenges_shows_varied_progress(db):
    ProgrammeLoader(DEMO_PROGRAMME).load()
    demo.ensure_demo_accounts()
    course = CoursePage.objects.get(slug=demo.DEMO_COURSE_SLUG)
    for week in range(1, 7):
        Challenge.objects.create(course=course, week=week, title=f"Week {week}", brief="b", target=2 + week % 2)
    cohort, added = demo.ensure_demo_cohort()
    assert added == len(demo.DEMO_PARTICIPANTS)
    report = cohort_report(cohort=cohort)
    rows = report.rows
    assert report.current_week == 4
    assert any(r.progress == 100 for r in rows) and any(r.progress == 0 for r in rows)
    assert 3 <= report.at_risk_count <= 7
    assert sum(r.wins for r in rows) >= 5 and any(r.overdue for r in rows) and any(r.streak >= 2 for r in rows)
    assert any("Quiz attempts used up" in reason for r in rows for reason in r.reasons)
    entries = ChallengeLog.objects.count()
    assert entries > 40
    assert demo.ensure_demo_cohort()[1] == 0 and ChallengeLog.objects.count() == entries
