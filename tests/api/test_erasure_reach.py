"""Erasure reaches everything: one person gets data in every model that can hold theirs, is erased,
then every text, JSON and binary column of every installed model is scanned for their email, names
and ids. Nothing may remain.

Generic on purpose: the scan walks ``django.apps.get_models()``, so a new model is scanned
automatically, and ``test_every_model_tied_to_a_person_is_covered`` fails when a new model points
at a person (account, record, enrolment) until it is given data here or its eraser is registered.
"""

import datetime as dt

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.apps import apps
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from api.models import WebhookDelivery
from courses.models import ModulePage
from lms.models import (
    Certificate,
    ChallengeLog,
    CohortImport,
    Enrolment,
    NudgeLog,
    OrganisationMember,
    ParticipantPreferences,
    PracticeBadgeAward,
    QuizAttempt,
    QuizAttemptGrant,
)
from lms.models.plans import Plan, PlanOccurrence
from lms.models.sso import SsoIdentity
from lms.services.account_erasure import account_erase
from lms.services.certificates import certificate_credential_issue, certificate_revoke
from tests.factories import UserFactory
from tests.factories_api import api_key_for, cohort_for
from tests.factories_challenges import ChallengeFactory, ChallengeLogFactory

from .conftest import issued_certificate, make_client

pytestmark = pytest.mark.django_db

PERSON = {
    "email": "zebulon.quillfeather@acme.example",
    "first_name": "Zebulon",
    "last_name": "Quillfeather",
    "external_id": "XQ-774411",
    "user_name": "zquillfeather",
    "employee_number": "EMP-998877",
}
IDENTIFIERS = ("zebulon", "quillfeather", "XQ-774411", "EMP-998877")
TEXT_FIELDS = (models.CharField, models.TextField, models.JSONField, models.BinaryField)

# Models that point at a person and how this test gives them data (or why they hold none).
COVERED = {
    "auth.user": "the account",
    "microlearn_lms.organisationmember": "the record (API provisioning)",
    "microlearn_lms.enrolment": "API enrolment",
    "microlearn_lms.challengelog": "notes",
    "microlearn_lms.quizattempt": "answers",
    "microlearn_lms.nudgelog": "recipient, subject, body, note",
    "microlearn_lms.quizattemptgrant": "the trainer's reason",
    "microlearn_lms.certificate": "holder name, PDF, revoke reason",
    "microlearn_lms.issuedcredential": "the certificate's Open Badges credential: subject name, JWT, revoke reason",
    "microlearn_lms.participantpreferences": "calendar token",
    "microlearn_lms.ssoidentity": "the provider's subject (deleted)",
    "microlearn_lms.plan": "cue and action (the participant's own words)",
    "microlearn_lms.practicebadgeaward": "evidence (counts only; the awards are deleted)",
    "microlearn_lms.cohortimport": "rows, errors",
    "microlearn_lms.moduleprogress": "no text: dates and scores only",
    "microlearn_lms.challengelogoutcomechange": "no text: outcome choices only",
    "microlearn_lms.cohort": "trainers (the person is never a trainer: erasure refuses privileged accounts)",
    "microlearn_api.idempotencyrecord": "API provisioning body",
    "microlearn_api.webhookdelivery": "payload",
    "admin.logentry": "object_repr, change_message",
    "wagtailcore.modellogentry": "certificate revoke label",
}
# Framework models keyed to a user that hold no personal text of theirs (ids, flags, settings).
NO_PERSONAL_TEXT = {
    "auth.user_groups",
    "auth.user_user_permissions",
    "microlearn_lms.cohort_trainers",
    # Practice scheduling rows: question ids, ISO weeks, counters and outcome choices only.
    "microlearn_lms.boostercard",
    "microlearn_lms.planoccurrence",
    "microlearn_lms.boosterdigest",
    # Editors' work (pages, revisions, media, comments, admin state, API tokens) and 2FA devices:
    # an erased person never has a staff or trainer role (erasure refuses those accounts), and the
    # scan still reads every text column of these tables.
    "microlearn_courses.homepage",
    "microlearn_courses.courseindexpage",
    "microlearn_courses.coursepage",
    "microlearn_courses.modulepage",
    "wagtailcore.page",
    "wagtailcore.revision",
    "wagtailcore.workflowstate",
    "wagtailcore.taskstate",
    "wagtailcore.pagelogentry",
    "wagtailcore.comment",
    "wagtailcore.commentreply",
    "wagtailcore.apitoken",
    "wagtailadmin.editingsession",
    "wagtailadmin.formstate",
    "wagtailusers.userprofile",
    "wagtaildocs.document",
    "wagtailimages.image",
    "otp_totp.totpdevice",
    "otp_static.staticdevice",
}


def person_world(organisation, course):
    """The person, provisioned by ``organisation``'s API, with data in every model."""
    raw = api_key_for(organisation)[1]
    client = make_client(raw)
    response = client.post("/api/v1/participants/", PERSON, format="json", HTTP_IDEMPOTENCY_KEY="provision-1")
    assert response.status_code == 201, response.content
    member = OrganisationMember.objects.get(uuid=response.json()["id"])
    user = member.user
    trainer = UserFactory(first_name="Tess", last_name="Trainer")
    cohort = cohort_for(organisation, course)
    cohort.trainers.add(trainer)
    response = client.post(
        "/api/v1/enrolments/",
        {"participant": str(member.uuid), "cohort": str(cohort.uuid)},
        format="json",
        HTTP_IDEMPOTENCY_KEY="enrol-1",
    )
    assert response.status_code == 201, response.content
    enrolment = Enrolment.objects.get(user=user)
    module = ModulePage.objects.live().first()
    QuizAttempt.objects.create(
        enrolment=enrolment,
        module=module,
        number=1,
        served=[],
        answers={"free": ["I am Zebulon Quillfeather"]},
        results={"free": "Zebulon answered"},
        pass_mark=80,
        started_at=timezone.now(),
    )
    ChallengeLogFactory(
        enrolment=enrolment,
        challenge=ChallengeFactory(course=course),
        who="Zebulon's manager",
        notes="Zebulon Quillfeather met them",
        learned="zebulon.quillfeather@acme.example gave a card",
    )
    PracticeBadgeAward.objects.create(
        enrolment=enrolment,
        course=course,
        awarded_at=timezone.now(),
        expires_at=timezone.now() + dt.timedelta(days=180),
        evidence={"weeks_met": 6, "follow_ups_done": 5},
    )
    NudgeLog.objects.create(
        cohort=cohort,
        enrolment=enrolment,
        sent_by=trainer,
        sent_at=timezone.now(),
        recipient=PERSON["email"],
        subject="Keep going, Zebulon",
        body="Dear Zebulon Quillfeather, …",
        note="Zebulon is behind",
        reasons=["inactive"],
    )
    QuizAttemptGrant.objects.create(
        enrolment=enrolment,
        module=module,
        granted_by=trainer,
        granted_at=timezone.now(),
        reason="Zebulon Quillfeather was ill on the day",
    )
    CohortImport.objects.create(
        cohort=cohort,
        rows=[{"line": 2, "email": PERSON["email"], "first_name": "Zebulon"}, {"line": 3, "email": "x@y.example"}],
        errors=["Row 4: the email zebulon.quillfeather@acme.example is already on row 2."],
    )
    enrolment.status, enrolment.completed_at = "completed", timezone.now()
    enrolment.save()
    certificate = issued_certificate(enrolment)
    Certificate.objects.filter(pk=certificate.pk).update(holder_name="Zebulon Quillfeather")
    certificate.refresh_from_db()
    certificate_credential_issue(certificate=certificate)
    certificate_revoke(certificate=certificate, reason="Zebulon Quillfeather asked for a correction")
    endpoint = organisation.webhook_endpoints.create(url="https://hooks.example.com/x", events=["enrolment.created"])
    WebhookDelivery.objects.create(
        endpoint=endpoint,
        event="enrolment.created",
        payload={"type": "enrolment.created", "data": {"email": PERSON["email"], "name": "Zebulon Quillfeather"}},
        last_error="502 for XQ-774411",
    )
    ParticipantPreferences.objects.create(user=user, calendar_token="secret-calendar-token-zebulon")
    challenge = ChallengeFactory(course=course)
    plan = Plan.objects.create(
        enrolment=enrolment,
        challenge=challenge,
        cue="When Zebulon Quillfeather joins the stand-up",
        action="I will ask zebulon.quillfeather@acme.example about his week",
        day=timezone.localdate(),
        time=dt.time(9, 0),
        timezone="Europe/London",
        cue_at=timezone.now(),
    )
    PlanOccurrence.objects.create(plan=plan, user=user, cue_at=plan.cue_at, due_at=plan.cue_at)
    # Some identity providers use the email as the subject: the identity is deleted on erasure.
    SsoIdentity.objects.create(
        organisation=organisation, issuer="https://idp.acme.example", subject=PERSON["email"], member=member
    )
    LogEntry.objects.create(
        user=trainer,
        content_type=ContentType.objects.get_for_model(get_user_model()),
        object_id=str(user.pk),
        object_repr=str(user),
        action_flag=CHANGE,
        change_message='[{"changed": {"fields": ["Zebulon Quillfeather"]}}]',
    )
    DBTaskResult.objects.create(
        task_path="lms.services.participants.welcome_email_send",
        args_kwargs={"args": [], "kwargs": {"to": PERSON["email"]}},
        queue_name="default",
        backend_name="default",
        priority=0,
        status="FAILED",
        traceback="SMTPRecipientsRefused: zebulon.quillfeather@acme.example",
        return_value=None,
        exception_class_path="smtplib.SMTPRecipientsRefused",
        worker_ids=[],
    )
    now = timezone.now()
    common = {"ip_address": "10.0.0.1", "user_agent": "test", "http_accept": "*/*", "attempt_time": now}
    login = {"username": PERSON["email"], "path_info": "/accounts/login/", **common}
    AccessAttempt.objects.create(get_data="", post_data="", failures_since_start=1, **login)
    AccessFailureLog.objects.create(**login)
    AccessLog.objects.create(**login)
    return member, certificate, client


def scan(identifiers=IDENTIFIERS) -> list[str]:
    """Every (model, field, pk) of any installed model whose text mentions an identifier."""
    found = []
    for model in apps.get_models(include_auto_created=True):
        opts = model._meta
        if opts.proxy or not opts.managed:
            continue
        for field in opts.concrete_fields:
            if not isinstance(field, TEXT_FIELDS):
                continue
            if isinstance(field, models.BinaryField):
                for pk, value in model.objects.values_list("pk", field.name).iterator():
                    text = bytes(value or b"").decode("utf-8", "replace").lower()
                    found += [f"{opts.label}.{field.name}#{pk}" for i in identifiers if i.lower() in text]
                continue
            q = models.Q()
            for identifier in identifiers:
                q |= models.Q(**{f"{field.name}__icontains": identifier})
            pks = list(model.objects.filter(q).values_list("pk", flat=True)[:5])
            found += [f"{opts.label}.{field.name}#{pk}" for pk in pks]
    return found


@pytest.fixture
def person(organisation, mini_programme):
    return person_world(organisation, mini_programme)


def test_the_scan_finds_the_person_before_erasure(person):
    found = scan()
    for place in (
        "auth.User.email",
        "microlearn_lms.OrganisationMember.external_id",
        "microlearn_lms.ChallengeLog.notes",
        "microlearn_lms.QuizAttempt.answers",
        "microlearn_lms.NudgeLog.body",
        "microlearn_lms.CohortImport.rows",
        "microlearn_lms.Certificate.holder_name",
        "microlearn_lms.IssuedCredential.subject_name",
        "microlearn_lms.IssuedCredential.revoked_reason",
        "microlearn_api.IdempotencyRecord.body",
        "microlearn_api.WebhookDelivery.payload",
        "wagtailcore.ModelLogEntry.label",
        "admin.LogEntry.object_repr",
        "django_tasks_database.DBTaskResult.traceback",
        "axes.AccessLog.username",
    ):
        assert any(hit.startswith(place + "#") for hit in found), place


def test_api_erasure_leaves_nothing(person, django_capture_on_commit_callbacks):
    member, certificate, token_client = person
    storage, name = certificate.pdf.storage, certificate.pdf.name
    assert storage.exists(name)
    with django_capture_on_commit_callbacks(execute=True):
        response = token_client.post(f"/api/v1/participants/{member.uuid}/erase/")
    assert response.status_code == 204
    assert scan() == []
    assert not storage.exists(name)
    # The other person of the import stays; the idempotent replay neither re-creates nor reveals.
    assert CohortImport.objects.get().rows == [{"line": 3, "email": "x@y.example"}]
    replay = token_client.post("/api/v1/participants/", PERSON, format="json", HTTP_IDEMPOTENCY_KEY="provision-1")
    assert replay.status_code == 410
    assert OrganisationMember.objects.filter(erased_at__isnull=True, email=PERSON["email"]).count() == 0
    assert ChallengeLog.objects.count() == 1 and QuizAttempt.objects.get().answers == {}
    assert not PracticeBadgeAward.objects.exists()


def test_self_service_erasure_with_two_organisations_leaves_nothing(
    person, other_organisation, django_capture_on_commit_callbacks
):
    member, _certificate, _client = person
    OrganisationMember.objects.create(
        organisation=other_organisation,
        user=member.user,
        email=PERSON["email"],
        first_name="Zebulon",
        last_name="Quillfeather",
        external_id="XQ-774411",
        user_name="zq@globex",
    )
    with django_capture_on_commit_callbacks(execute=True):
        account_erase(user=member.user)
    assert scan() == []
    assert OrganisationMember.objects.filter(erased_at__isnull=True).count() == 0


def test_every_model_tied_to_a_person_is_covered():
    """A model with a foreign key to the account, a person's record or an enrolment must be listed
    in COVERED (given data above, so the scan checks it) or NO_PERSONAL_TEXT."""
    person_models = {
        get_user_model()._meta.label_lower,
        "microlearn_lms.organisationmember",
        "microlearn_lms.enrolment",
    }
    missing = []
    for model in apps.get_models(include_auto_created=True):
        label = model._meta.label_lower
        if label in COVERED or label in NO_PERSONAL_TEXT or model._meta.proxy:
            continue
        for field in model._meta.concrete_fields:
            target = getattr(field, "related_model", None)
            points_at_person = target is not None and target._meta.label_lower in person_models
            if points_at_person and isinstance(field, models.ForeignKey) and _holds_text(model):
                missing.append(f"{label}.{field.name}")
    assert missing == [], "give these models data in person_world (and erase it): " + ", ".join(missing)


def _holds_text(model) -> bool:
    return any(isinstance(f, TEXT_FIELDS) for f in model._meta.concrete_fields)
