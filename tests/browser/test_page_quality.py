"""Every page of the plugin, at 1366 and 390 px, for the role that sees it: no axe violation (any impact),
no horizontal scrolling, and no error from the Nu HTML Checker (docs/quality.md).

One seeded dataset (the demo programme and accounts, plus the objects the remaining pages need) and
one browser context per role and width serve the whole module: ``crawl`` visits every page once, then
one test per page and width reports that page's findings. The crawl seeds the database outside a test
transaction and flushes it as soon as it has visited every page, as a transactional test does; its
tests use no database themselves. ``xdist_group`` keeps the module on one pytest-xdist worker
(`make test` passes ``--dist loadgroup``), and the fixture is session-scoped, so the crawl runs once
even when pytest-django's ordering puts other modules' tests between its cases.

``test_every_plugin_url_is_in_the_inventory`` fails when a URL pattern of the plugin is added without a
page here (or an entry in ``EXCLUDED`` saying why it has none).
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from tests.browser.conftest import WIDTHS
from tests.browser.htmlcheck import HtmlChecker, describe

pytestmark = pytest.mark.xdist_group("page-quality")

PASSWORDS = {"participant": "learn-micro-2026", "trainer": "coach-micro-2026", "admin": "admin-micro-2026"}


@dataclass(frozen=True)
class Page:
    """A page to check: ``key`` is its URL name (or ``page:<type>`` for a Wagtail page type)."""

    key: str
    role: str  # "anonymous", "participant", "trainer" or "admin"
    path: Callable[[dict], str]
    label: str = ""
    status: int = 200

    @property
    def id(self) -> str:
        return self.label or self.key.split(":")[-1]


def _url(name: str, *args) -> Callable[[dict], str]:
    from django.urls import reverse

    return lambda seed: reverse(name, args=[seed[a] if isinstance(a, str) and a in seed else a for a in args])


def _seed(key: str) -> Callable[[dict], str]:
    return lambda seed: seed[key]


LMS = "microlearn_lms"
INVENTORY: list[Page] = [
    # Public pages
    Page("page:home", "anonymous", _seed("home_url")),
    Page("page:course-index", "anonymous", _seed("index_url")),
    Page("page:course", "anonymous", _seed("course_url"), label="course-anonymous"),
    Page("login", "anonymous", _url("login")),
    Page("password_reset", "anonymous", _url("password_reset")),
    Page("password_reset_done", "anonymous", _url("password_reset_done")),
    Page("password_reset_confirm", "anonymous", _seed("reset_url")),
    Page("password_reset_complete", "anonymous", _url("password_reset_complete")),
    Page(f"{LMS}:sso-start", "anonymous", _url(f"{LMS}:sso-start")),
    Page(f"{LMS}:certificate_verify_lookup", "anonymous", _url(f"{LMS}:certificate_verify_lookup")),
    Page(f"{LMS}:certificate_verify", "anonymous", _url(f"{LMS}:certificate_verify", "verification_code")),
    Page(f"{LMS}:account_erased", "anonymous", _url(f"{LMS}:account_erased")),
    Page(f"{LMS}:unsubscribe", "anonymous", _url(f"{LMS}:unsubscribe", "unsubscribe_token")),
    Page(f"{LMS}:checkin_answer", "anonymous", _url(f"{LMS}:checkin_answer", "checkin_token")),
    Page(f"{LMS}:reminder_no", "anonymous", _url(f"{LMS}:reminder_no", "reminder_no_token")),
    Page(f"{LMS}:badge_achievement", "anonymous", _url(f"{LMS}:badge_achievement", "badge_key")),
    Page(f"{LMS}:credential_verify", "anonymous", _url(f"{LMS}:credential_verify")),
    Page("not-found", "anonymous", lambda seed: "/no-such-page/", status=404),
    # A participant's pages
    Page(f"{LMS}:learn", "participant", _url(f"{LMS}:learn")),
    Page("page:course", "participant", _seed("course_url"), label="course-enrolled"),
    Page("page:module", "participant", _seed("module_url")),
    Page(f"{LMS}:attempt", "participant", _url(f"{LMS}:attempt", "open_attempt")),
    Page(f"{LMS}:attempt_result", "participant", _url(f"{LMS}:attempt_result", "done_attempt")),
    Page(f"{LMS}:challenges", "participant", _url(f"{LMS}:challenges", "course_id")),
    Page(f"{LMS}:challenge_wins", "participant", _url(f"{LMS}:challenge_wins", "course_id")),
    Page(f"{LMS}:challenge_entry_edit", "participant", _url(f"{LMS}:challenge_entry_edit", "entry")),
    Page(f"{LMS}:challenge_entry_delete", "participant", _url(f"{LMS}:challenge_entry_delete", "entry")),
    Page(f"{LMS}:reminder_yes", "participant", _url(f"{LMS}:reminder_yes", "reminder_yes_token")),
    Page(f"{LMS}:account", "participant", _url(f"{LMS}:account")),
    Page(f"{LMS}:account_erase", "participant", _url(f"{LMS}:account_erase")),
    Page("mfa_manage", "participant", _url("mfa_manage")),
    Page("mfa_setup", "participant", _url("mfa_setup")),
    Page("mfa_verify", "participant", _url("mfa_verify")),
    Page("password_change", "participant", _url("password_change")),
    Page("password_change_done", "participant", _url("password_change_done")),
    Page("forbidden", "participant", _url(f"{LMS}:trainer-cohorts"), status=403),
    # A trainer's pages
    Page(f"{LMS}:trainer-cohorts", "trainer", _url(f"{LMS}:trainer-cohorts")),
    Page(f"{LMS}:trainer-cohort", "trainer", _url(f"{LMS}:trainer-cohort", "cohort_id")),
    Page(
        f"{LMS}:trainer-participant",
        "trainer",
        _url(f"{LMS}:trainer-participant", "cohort_id", "cohort_enrolment_id"),
    ),
    # The plugin's own Wagtail admin pages
    Page("microlearn_lms_cohort_import", "admin", _url("microlearn_lms_cohort_import", "cohort_id")),
    Page(
        "microlearn_lms_cohort_import_preview",
        "admin",
        _url("microlearn_lms_cohort_import_preview", "cohort_id", "import_id"),
    ),
    Page(
        "microlearn_lms_cohort_import_progress",
        "admin",
        _url("microlearn_lms_cohort_import_progress", "cohort_id", "done_import_id"),
    ),
]

# URL patterns of the plugin that are not HTML pages of their own, and why.
EXCLUDED = {
    "healthz": "JSON health check",
    "microlearn_api:*": "the JSON API (its Swagger UI page is drf-spectacular's, not ours)",
    "microlearn_scim:*": "SCIM 2.0 JSON",
    f"{LMS}:sso-callback": "redirects to the provider or back; its refusals render sso/start (checked)",
    f"{LMS}:sso-login": "redirects to the organisation's provider",
    f"{LMS}:account_data_export": "a ZIP download (POST)",
    f"{LMS}:enrol": "POST only; redirects",
    f"{LMS}:module_confirm": "POST only; redirects",
    f"{LMS}:quiz_start": "POST only; redirects to the attempt (checked)",
    f"{LMS}:certificate_download": "a PDF download",
    f"{LMS}:certificate_credential": "a JSON download (the certificate's verifiable credential)",
    f"{LMS}:badge_credential": "a JSON download (the badge award's verifiable credential)",
    f"{LMS}:credential_did_document": "JSON (the issuer's DID document)",
    f"{LMS}:credential_status_list": "a VC-JWT (the revocation status list)",
    f"{LMS}:start": "redirects by role to /learn/ or the trainer's cohorts (both checked)",
    f"{LMS}:trainer-grant-attempt": "POST only: form on the participant page (checked); redirects",
    f"{LMS}:trainer-nudge": "POST form shown on the participant and cohort pages (checked); GET redirects",
    f"{LMS}:trainer-export-progress": "CSV",
    f"{LMS}:trainer-export-entries": "CSV",
    f"{LMS}:challenge_follow_up_done": "POST only; redirects",
    f"{LMS}:challenge_entry_outcome": "POST only; redirects",
    f"{LMS}:booster_answer": "POST only; redirects",
    f"{LMS}:plan_delete": "POST only; redirects",
    f"{LMS}:plan_ics": "iCalendar",
    f"{LMS}:follow_up_ics": "iCalendar",
    f"{LMS}:challenge_ics": "iCalendar",
    f"{LMS}:calendar_feed": "iCalendar",
    f"{LMS}:account_practice_emails": "POST only; redirects to the account page (checked)",
    f"{LMS}:account_calendar": "POST only; redirects to the account page (checked)",
    "mfa_recovery_codes": "POST only: shows the codes once, after the form on mfa_manage",
    "microlearn_lms_cohort_import_template": "CSV",
    "microlearn_lms_certificate_preview": "a PDF (design preview; tests/lms/certificates/test_preview.py)",
    "logout": "POST only; redirects to the login page (checked)",
    # Wagtail's generic admin views (IndexView, EditView, InspectView) render Wagtail's own templates;
    # their accessibility is Wagtail's (checked by its own axe-based accessibility checker).
    "microlearn_lms_enrolments:*": "Wagtail's generic admin views (ModelViewSet)",
    "microlearn_lms_attempts:*": "Wagtail's generic admin views (ModelViewSet)",
    "certificates:*": "Wagtail's generic admin views (ModelViewSet)",
    "cohorts:*": "Wagtail's generic admin views (ModelViewSet)",
    "api_keys:*": "Wagtail's generic admin views (ModelViewSet)",
    "api_scim_tokens:*": "Wagtail's generic admin views (ModelViewSet)",
    "api_webhook_deliveries:*": "Wagtail's generic admin views (ModelViewSet)",
}
OUR_PACKAGES = {"lms", "courses", "config", "api"}
ACCOUNT_PREFIX = "accounts/"  # django.contrib.auth's views there render the site's registration templates


def plugin_url_names() -> set[str]:
    """Every named URL pattern whose view is ours, or that renders our templates (accounts/)."""

    def walk(patterns, prefix="", namespace=None):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = pattern.namespace or None
                if inner and namespace and namespace != "wagtailadmin":
                    inner = f"{namespace}:{inner}"
                yield from walk(pattern.url_patterns, prefix + str(pattern.pattern), inner or namespace)
            elif isinstance(pattern, URLPattern) and pattern.name:
                view = getattr(pattern.callback, "view_class", pattern.callback)
                module = getattr(view, "__module__", "") or ""
                ours = module.split(".")[0] in OUR_PACKAGES or prefix.startswith(ACCOUNT_PREFIX)
                if ours:
                    qualified = pattern.name if namespace in (None, "wagtailadmin") else f"{namespace}:{pattern.name}"
                    yield qualified

    return set(walk(get_resolver().url_patterns))


def test_every_plugin_url_is_in_the_inventory():
    inventoried = {page.key for page in INVENTORY}
    missing = []
    for name in sorted(plugin_url_names()):
        namespace = name.split(":")[0] + ":*" if ":" in name else None
        if name in inventoried or name in EXCLUDED or (namespace and namespace in EXCLUDED):
            continue
        missing.append(name)
    assert not missing, (
        "URL patterns without a page in tests/browser/test_page_quality.py INVENTORY (or a reason in EXCLUDED): "
        f"{missing}"
    )
    stale = [key for key in EXCLUDED if not key.endswith(":*") and key not in plugin_url_names()]
    assert not stale, f"EXCLUDED names no longer resolve: {stale}"


def test_every_page_type_is_in_the_inventory():
    from wagtail.models import get_page_models

    ours = {m for m in get_page_models() if m.__module__.split(".")[0] in OUR_PACKAGES}
    names = {
        "HomePage": "page:home",
        "CourseIndexPage": "page:course-index",
        "CoursePage": "page:course",
        "ModulePage": "page:module",
    }
    keys = {page.key for page in INVENTORY}
    missing = [m.__name__ for m in ours if names.get(m.__name__) not in keys]
    assert not missing, f"Page types without a page in INVENTORY: {missing}"


# --- Seeding -------------------------------------------------------------------------------------


def seed_database() -> dict:
    """The demo programme and accounts, and the objects the remaining pages need. Returns ids and URLs."""
    import datetime as dt

    from django.contrib.auth import get_user_model
    from django.contrib.auth.tokens import default_token_generator
    from django.core.management import call_command
    from django.urls import reverse
    from django.utils import timezone
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    from courses.models import CourseIndexPage, CoursePage, HomePage
    from lms import services
    from lms.demo import DEMO_CHALLENGE_COURSE
    from lms.links import make_action_token
    from lms.models import ChallengeLog, CheckIn, Cohort, Enrolment, ModuleProgress
    from lms.services.csv_import import csv_import_confirm, csv_import_preview
    from lms.services.practice import CHECKIN_PURPOSE, booster_cards_seed
    from lms.services.reminders import REMINDER_NO, REMINDER_YES, UNSUBSCRIBE
    from tests.factories_certificates import issued_certificate
    from tests.factories_plans import make_plan
    from tests.lms.test_services import right_answers

    call_command("load_demo", stdout=io.StringIO())
    User = get_user_model()
    participant = User.objects.get(username="participant")
    course = CoursePage.objects.get(slug=DEMO_CHALLENGE_COURSE)
    enrolment = Enrolment.objects.filter(user=participant, course=course).exclude(status="withdrawn").get()
    quiz_modules = [m for m in course.modules() if m.has_quiz]
    done = services.quiz_attempt_start(enrolment=enrolment, module=quiz_modules[0])
    services.quiz_attempt_submit(attempt=done, answers=right_answers(done, quiz_modules[0]))
    open_attempt = services.quiz_attempt_start(enrolment=enrolment, module=quiz_modules[1])
    # Passed ten days ago: its booster questions are due, so /learn/ shows the boosters section.
    ModuleProgress.objects.filter(enrolment=enrolment, module=quiz_modules[0]).update(
        quiz_passed_at=timezone.now() - dt.timedelta(days=10)
    )
    booster_cards_seed()
    entry = ChallengeLog.objects.filter(enrolment=enrolment).order_by("-occurred_on").first()
    checkin = CheckIn.objects.create(log=entry, stage=30, claimed_at=timezone.now())
    plan = make_plan(enrolment, entry.challenge, timezone.localdate() + dt.timedelta(days=2), dt.time(9))
    occurrence = plan.occurrences.get()
    certificate = issued_certificate(course, username="grad", first_name="Noor", last_name="Haddad")

    cohort = Cohort.objects.filter(trainers__username="trainer").order_by("pk").first()
    cohort_enrolment = cohort.enrolments.order_by("pk").first()
    admin = User.objects.get(username="admin")
    csv = (
        b"email,first name,last name,external id\r\n"
        b"new.person@example.com,New,Person,E1\r\nparticipant@example.com,Pat,Okafor,\r\n"
    )
    preview = csv_import_preview(cohort=cohort, data=csv, filename="people.csv", uploaded_by=admin)
    confirmed = csv_import_preview(cohort=cohort, data=csv, filename="people.csv", uploaded_by=admin)
    csv_import_confirm(cohort_import=confirmed)

    module = course.modules()[0]
    reset_path = reverse(
        "password_reset_confirm",
        args=[urlsafe_base64_encode(force_bytes(participant.pk)), default_token_generator.make_token(participant)],
    )
    return {
        "home_url": HomePage.objects.live().first().url,
        "index_url": CourseIndexPage.objects.live().first().url,
        "course_url": course.url,
        "module_url": module.url,
        "course_id": course.pk,
        "badge_key": course.translation_key,
        "open_attempt": open_attempt.uuid,
        "done_attempt": done.uuid,
        "entry": entry.uuid,
        "verification_code": certificate.verification_code,
        "unsubscribe_token": make_action_token(UNSUBSCRIBE, {"u": participant.pk}),
        "checkin_token": make_action_token(CHECKIN_PURPOSE, {"c": checkin.pk, "o": "meeting"}),
        "reminder_yes_token": make_action_token(REMINDER_YES, {"o": occurrence.pk}),
        "reminder_no_token": make_action_token(REMINDER_NO, {"o": occurrence.pk}),
        "reset_url": reset_path,
        "cohort_id": cohort.pk,
        "cohort_enrolment_id": cohort_enrolment.pk,
        "import_id": preview.pk,
        "done_import_id": confirmed.pk,
    }


@pytest.mark.django_db(transaction=True)
def test_inventory_paths_lead_to_their_patterns():
    """The seeded paths resolve to the pattern each page names (so the crawl checks the page it claims to).

    Also the reason pytest-django sets up the test database when this module runs on its own."""
    from django.urls import resolve

    seed = seed_database()
    for page in INVENTORY:
        if page.key.startswith("page:") or page.key in {"not-found", "forbidden"}:
            continue
        match = resolve(page.path(seed).split("?")[0])
        assert match.view_name == page.key, (page.key, match.view_name)


# --- The crawl -----------------------------------------------------------------------------------


@dataclass
class Finding:
    url: str = ""
    status: int | None = None
    violations: list[str] = field(default_factory=list)
    overflow: str = ""
    html_errors: list[dict] = field(default_factory=list)
    error: str = ""


OVERFLOW_JS = """() => {
  const doc = document.documentElement;
  if (doc.scrollWidth <= window.innerWidth) return "";
  const wide = [...document.querySelectorAll("body *")]
    .filter((el) => el.getBoundingClientRect().right > window.innerWidth + 1)
    .slice(0, 5)
    .map((el) => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") +
         (el.className && typeof el.className === "string" ? "." + el.className.trim().split(/\\s+/).join(".") : ""));
  return `scrollWidth ${doc.scrollWidth} > innerWidth ${window.innerWidth}; widest: ${wide.join(", ")}`;
}"""


def log_in(page, role: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(role)
    page.get_by_label("Password").fill(PASSWORDS[role])
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()
    if "/accounts/login/" in page.url:
        raise AssertionError(f"{role} could not log in")


def visit(page, target: Page, seed: dict, axe, checker: HtmlChecker) -> Finding:
    finding = Finding()
    try:
        url = target.path(seed)
        response = page.goto(url)
        page.wait_for_load_state("load")
        finding.url = page.url
        finding.status = response.status if response else None
        html = response.text() if response else page.content()
        finding.html_errors = checker.check(html)
        results = axe.run(page)
        finding.violations = [
            f"{v['id']} ({v.get('impact')}): {v['help']} — {[n['target'] for n in v['nodes']][:5]}"
            for v in results.response["violations"]
        ]
        finding.overflow = page.evaluate(OVERFLOW_JS)
    except Exception as exc:  # reported by the page's own test, not the whole module
        finding.error = f"{type(exc).__name__}: {exc}"
    return finding


@pytest.fixture(scope="session")
def crawl(request, browser, axe, django_db_setup, django_db_blocker):
    from pytest_django.live_server_helper import LiveServer

    from tests.browser.conftest import new_context

    findings: dict[tuple[str, str], Finding] = {}
    with django_db_blocker.unblock():
        seed = seed_database()
        server = LiveServer("localhost")
        checker = HtmlChecker()
        try:
            for role in ("anonymous", "participant", "trainer", "admin"):
                pages = [p for p in INVENTORY if p.role == role]
                for width, (w, h) in WIDTHS.items():
                    context = new_context(browser, server.url, width=w, height=h)
                    page = context.new_page()
                    if role != "anonymous":
                        log_in(page, role)
                    for target in pages:
                        findings[(target.id, width)] = visit(page, target, seed, axe, checker)
                    context.close()
        finally:
            checker.stop()
            server.stop()
            # The findings are plain data: the seeded rows go at once, so the tests that run after
            # the crawl on this worker find the empty database they expect.
            from django.core.management import call_command

            call_command("flush", interactive=False, verbosity=0)
    yield findings


CASES = [pytest.param(p, w, id=f"{p.role}-{p.id}-{w}") for p in INVENTORY for w in WIDTHS]


@pytest.mark.parametrize(("target", "width"), CASES)
def test_page_quality(crawl, target, width):
    finding = crawl[(target.id, width)]
    assert not finding.error, f"{target.id} could not be checked: {finding.error}"
    problems = []
    if finding.status != target.status:
        problems.append(f"status {finding.status}, expected {target.status}")
    if finding.violations:
        problems.append("axe violations:\n  " + "\n  ".join(finding.violations))
    if finding.overflow:
        problems.append(f"horizontal overflow at {WIDTHS[width][0]} px: {finding.overflow}")
    if finding.html_errors:
        problems.append(f"Nu HTML Checker errors ({len(finding.html_errors)}):\n{describe(finding.html_errors)}")
    assert not problems, f"{finding.url} ({target.role}, {width}):\n" + "\n".join(problems)


def test_labels_are_unique():
    ids = [(p.id) for p in INVENTORY]
    duplicates = {i for i in ids if ids.count(i) > 1}
    assert not duplicates, duplicates
    assert all(re.fullmatch(r"[\w:.-]+", i) for i in ids)
