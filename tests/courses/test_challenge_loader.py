"""The programme loader loads each course's weekly challenges with the same re-run rule as pages."""

import json

import pytest

from courses.loader import ProgrammeLoader
from courses.models import Challenge, ChallengeKind, CoursePage, LoadedChallenge, ModulePage
from tests.conftest import DEMO_PROGRAMME, MINI_PROGRAMME

pytestmark = pytest.mark.django_db

CHALLENGES = [
    {
        "week": 1,
        "title": "Use an opener",
        "brief": "Use it three times.",
        "module": "first",
        "target": 3,
        "kind": "networking",
        "openers": ["How is your week?", "What keeps you busy?"],
        "tips": ["Keep it light."],
    },
    {"week": 2, "title": "Lunch with someone new", "brief": "Twice.", "module": "second", "target": 2},
]


def programme_file(tmp_path, challenges=CHALLENGES, name="programme.json"):
    data = json.loads(MINI_PROGRAMME.read_text())
    data["courses"][0]["challenges"] = challenges
    path = tmp_path / name
    path.write_text(json.dumps(data))
    return path


def test_loader_creates_challenges_linked_to_their_modules(tmp_path):
    report = ProgrammeLoader(programme_file(tmp_path)).load()
    course = CoursePage.objects.get(slug="test-course")
    first, second = Challenge.objects.filter(course=course).order_by("week")
    assert (first.week, first.title, first.target, first.kind) == (1, "Use an opener", 3, ChallengeKind.NETWORKING)
    assert first.module == ModulePage.objects.get(slug="first")
    assert [b.value for b in first.openers] == ["How is your week?", "What keeps you busy?"]
    assert [b.value for b in first.tips] == ["Keep it light."]
    assert second.module.slug == "second" and second.target == 2 and list(second.openers) == []
    assert "challenge:test-course/1/Use an opener" in report.created


def test_challenges_are_loaded_idempotently_with_stable_block_ids(tmp_path):
    path = programme_file(tmp_path)
    ProgrammeLoader(path).load()
    ids = {c.pk: [b.id for b in c.openers] for c in Challenge.objects.all()}
    report = ProgrammeLoader(path).load()
    assert {c.pk: [b.id for b in c.openers] for c in Challenge.objects.all()} == ids
    assert Challenge.objects.count() == 2 and LoadedChallenge.objects.count() == 2
    assert report.created == [] and report.updated == []
    assert "challenge:test-course/2/Lunch with someone new" in report.unchanged


def test_unedited_challenge_follows_the_file(tmp_path):
    ProgrammeLoader(programme_file(tmp_path)).load()
    changed = [{**CHALLENGES[0], "brief": "Use it four times.", "target": 4}, CHALLENGES[1]]
    report = ProgrammeLoader(programme_file(tmp_path, changed, "changed.json")).load()
    challenge = Challenge.objects.get(week=1)
    assert (challenge.brief, challenge.target) == ("Use it four times.", 4)
    assert report.updated == ["challenge:test-course/1/Use an opener"]


def test_edited_challenge_is_kept_unless_forced(tmp_path):
    ProgrammeLoader(programme_file(tmp_path)).load()
    challenge = Challenge.objects.get(week=1)
    challenge.brief = "An editor's brief."
    challenge.save()

    changed = [{**CHALLENGES[0], "target": 5}, CHALLENGES[1]]
    path = programme_file(tmp_path, changed, "changed.json")
    report = ProgrammeLoader(path).load()
    challenge.refresh_from_db()
    assert (challenge.brief, challenge.target) == ("An editor's brief.", 3)
    assert report.skipped_edited == ["challenge:test-course/1/Use an opener"]

    report = ProgrammeLoader(path, force=True).load()
    challenge.refresh_from_db()
    assert (challenge.brief, challenge.target) == ("Use it three times.", 5)
    assert "challenge:test-course/1/Use an opener" in report.updated
    # Once overwritten, the next run sees it as the loader's again.
    assert ProgrammeLoader(path).load().skipped_edited == []


def test_challenge_made_by_an_editor_with_the_same_key_is_left_alone(tmp_path):
    ProgrammeLoader(MINI_PROGRAMME).load()
    course = CoursePage.objects.get(slug="test-course")
    own = Challenge.objects.create(course=course, week=1, title="Use an opener", brief="Mine.", target=1)
    report = ProgrammeLoader(programme_file(tmp_path)).load()
    own.refresh_from_db()
    assert own.brief == "Mine." and own.target == 1
    assert "challenge:test-course/1/Use an opener" in report.skipped_edited
    assert not LoadedChallenge.objects.filter(challenge=own).exists()


def test_demo_programme_ships_a_six_week_plan_and_a_practice_challenge():
    ProgrammeLoader(DEMO_PROGRAMME).load()
    plan = Challenge.objects.filter(course__slug="micro-connections").order_by("week")
    assert [c.week for c in plan] == [1, 2, 3, 4, 5, 6]
    assert all(c.module is not None and c.kind == ChallengeKind.NETWORKING for c in plan)
    practice = Challenge.objects.get(course__slug="stress-management")
    assert practice.kind == ChallengeKind.PRACTICE and practice.module.slug == "guided-relaxation"
