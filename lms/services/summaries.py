"""Per-enrolment summary columns the trainer's cohort page filters and sorts on (docs/performance.md).

``Enrolment.done_count``, ``exhausted_count``, ``streak_week`` and ``streak_run`` are
maintained by the services that write the facts, in their transaction:

* ``refresh_modules``: after a module completes (``lms.services.progress.evaluate_module``), a
  quiz attempt is recorded (``quiz_attempt_submit``) or extra attempts are granted
  (``grant_extra_attempt``, which un-exhausts a module).
* ``refresh_streak``: after a challenge entry is logged, edited or deleted
  (``lms.services.challenges``).

``done_count`` counts the course's live *required* modules completed; ``exhausted_count``
the live modules with a limited quiz whose attempts (limit plus trainer grants) are all used and
none passed: the rules of ``lms.selectors.cohorts``.

The streak depends on "now", so what is stored does not: ``streak_week`` is the latest programme
week whose entries met its target (0: none) and ``streak_run`` the number of consecutive met weeks
ending there. Entries are never dated after today, so at the current week ``W`` the streak of
``lms.weeks.streak`` is ``streak_run`` when ``streak_week`` is ``W`` or ``W - 1`` and 0 otherwise:
a plain SQL expression, right at every week boundary with no periodic job.

What the summary also depends on is edited in the Wagtail admin: a module's ``required`` flag or
attempt limit, a module published, unpublished or deleted, a challenge's week or target, a
cohort's start date. Those admin actions queue ``summaries_rebuild_task`` for the course or the
cohort (``lms.wagtail_hooks``, ``lms.admin.cohorts``). ``rebuild`` (``manage.py
cohort_summaries_rebuild``) recomputes everything from the facts: for what the admin hooks do
not see (a scheduled publish, a shell), the ``summaries`` Procfile process runs it daily, and it
is safe to run whenever in doubt. It takes the model classes from ``apps`` so the data migration
that added the columns uses it too.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from django.db import transaction
from django.db.models import Count, F, IntegerField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django_tasks import task

from .. import weeks
from ..worker.enqueue import enqueue_on_commit

BATCH = 2000


class _Models:
    def __init__(self, apps=None):
        if apps is None:
            from django.apps import apps as live_apps

            apps = live_apps
        self.Enrolment = apps.get_model("microlearn_lms", "Enrolment")
        self.ModuleProgress = apps.get_model("microlearn_lms", "ModuleProgress")
        self.ChallengeLog = apps.get_model("microlearn_lms", "ChallengeLog")
        self.Cohort = apps.get_model("microlearn_lms", "Cohort")
        self.CoursePage = apps.get_model("microlearn_courses", "CoursePage")
        self.ModulePage = apps.get_model("microlearn_courses", "ModulePage")
        self.Challenge = apps.get_model("microlearn_courses", "Challenge")


def _count(queryset) -> Coalesce:
    counted = queryset.order_by().values("enrolment_id").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def module_counts(module_rules: Iterable[tuple[int, bool, int]], progress_model=None) -> dict:
    """``done_count`` and ``exhausted_count`` as correlated counts on ``OuterRef("pk")`` (an
    enrolment), from the course's live modules ``(id, required, quiz_max_attempts)``."""
    if progress_model is None:
        progress_model = _Models().ModuleProgress
    rules = list(module_rules)
    required_ids = [pk for pk, required, _ in rules if required]
    exhausted_q = Q(pk__in=[])
    for pk, _, max_attempts in rules:
        if max_attempts:
            exhausted_q |= Q(module_id=pk, attempts_used__gte=F("attempts_granted") + max_attempts)
    mine = progress_model.objects.filter(enrolment=OuterRef("pk"))
    limited = any(max_attempts for _, _, max_attempts in rules)
    return {
        "done_count": _count(mine.filter(completed_at__isnull=False, module_id__in=required_ids))
        if required_ids
        else Value(0),
        "exhausted_count": _count(mine.filter(exhausted_q, quiz_passed_at__isnull=True)) if limited else Value(0),
    }


def _module_rules(m: _Models, course_id: int) -> list[tuple[int, bool, int]]:
    course = m.CoursePage.objects.values("path", "depth").get(pk=course_id)
    return list(
        m.ModulePage.objects.filter(live=True, path__startswith=course["path"], depth=course["depth"] + 1)
        .order_by("path")
        .values_list("id", "required", "quiz_max_attempts")
    )


def _targets(m: _Models, course_id: int) -> dict[int, int]:
    targets: dict[int, int] = {}
    for week, target in (
        m.Challenge.objects.filter(course_id=course_id).order_by("week", "pk").values_list("week", "target")
    ):
        targets.setdefault(week, target)
    return targets


def streak_summary(counts_by_week: dict[int, int], targets_by_week: dict[int, int]) -> tuple[int, int]:
    """(latest week that met its target, consecutive met weeks ending there); (0, 0) for none."""
    met = {
        week
        for week, n in counts_by_week.items()
        if week >= 1 and weeks.target_met(n, weeks.target_for_week(week, targets_by_week))
    }
    if not met:
        return 0, 0
    last = max(met)
    run = 0
    while last - run in met:
        run += 1
    return last, run


def _counts_by_week(start, dates: Iterable[tuple]) -> dict[int, int]:
    counts: dict[int, int] = defaultdict(int)
    for day, n in dates:
        counts[weeks.week_of(start, day)] += n
    return counts


# Concurrency: every refresh first locks the enrolment's row (the services that call them have
# usually locked it already, by touching ``last_activity_at``), so two writers of one enrolment's
# facts refresh one after the other, and the second, in READ COMMITTED, counts the first's facts.


@transaction.atomic(savepoint=False)
def refresh_modules(*, enrolment_id: int, course_id: int) -> None:
    """Recount the enrolment's completed and used-up modules (four queries)."""
    m = _Models()
    list(m.Enrolment.objects.select_for_update().filter(pk=enrolment_id).values_list("pk"))
    rules = _module_rules(m, course_id)
    m.Enrolment.objects.filter(pk=enrolment_id).update(**module_counts(rules, m.ModuleProgress))


@transaction.atomic(savepoint=False)
def refresh_streak(*, enrolment_id: int) -> None:
    """Recompute the enrolment's streak summary from its entries (four queries)."""
    m = _Models()
    enrolment = (
        m.Enrolment.objects.select_for_update(of=("self",))
        .values("course_id", "enrolled_at", "cohort__start_date")
        .get(pk=enrolment_id)
    )
    start = weeks.programme_start(enrolled_at=enrolment["enrolled_at"], cohort_start=enrolment["cohort__start_date"])
    dates = (
        m.ChallengeLog.objects.filter(enrolment_id=enrolment_id)
        .values("occurred_on")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("occurred_on", "n")
    )
    week, run = streak_summary(_counts_by_week(start, dates), _targets(m, enrolment["course_id"]))
    m.Enrolment.objects.filter(pk=enrolment_id).update(streak_week=week, streak_run=run)


def rebuild(*, enrolments=None, apps=None) -> int:
    """Recompute every summary column of ``enrolments`` (a queryset; default: all) from the facts.
    Returns the number of enrolments written. Per course: its modules and challenges; per batch
    of ``BATCH`` of its enrolments, in a transaction that first locks their rows (see above):
    one UPDATE for the module counts, one grouped query of their entries and a bulk update of
    their streaks."""
    m = _Models(apps)
    if enrolments is None:
        enrolments = m.Enrolment.objects.all()
    written = 0
    for course_id in enrolments.order_by().values_list("course_id", flat=True).distinct():
        mine = enrolments.filter(course_id=course_id)
        rules = _module_rules(m, course_id)
        counts = module_counts(rules, m.ModuleProgress)
        targets = _targets(m, course_id)
        ids = list(mine.order_by("pk").values_list("pk", flat=True))
        for i in range(0, len(ids), BATCH):
            with transaction.atomic():
                written += _rebuild_batch(m, ids[i : i + BATCH], counts, targets)
    return written


def _rebuild_batch(m: _Models, ids: list[int], counts: dict, targets: dict[int, int]) -> int:
    batch = list(
        m.Enrolment.objects.select_for_update(of=("self",))
        .filter(pk__in=ids)
        .order_by("pk")
        .select_related("cohort")
        .only("pk", "enrolled_at", "cohort__start_date", "streak_week", "streak_run")
    )
    m.Enrolment.objects.filter(pk__in=ids).update(**counts)
    dates: dict[int, list] = defaultdict(list)
    for enrolment_id, day, n in (
        m.ChallengeLog.objects.filter(enrolment_id__in=[e.pk for e in batch])
        .values("enrolment_id", "occurred_on")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("enrolment_id", "occurred_on", "n")
    ):
        dates[enrolment_id].append((day, n))
    for e in batch:
        start = weeks.programme_start(
            enrolled_at=e.enrolled_at, cohort_start=e.cohort.start_date if e.cohort_id else None
        )
        e.streak_week, e.streak_run = streak_summary(_counts_by_week(start, dates[e.pk]), targets)
    m.Enrolment.objects.bulk_update(batch, ["streak_week", "streak_run"], batch_size=500)
    return len(batch)


@task()
def summaries_rebuild_task(
    *, course_id: int | None = None, cohort_id: int | None = None, enrolment_ids: list[int] | None = None
) -> int:
    """Rebuild the summaries of a course's, a cohort's or some enrolments (queued by the admin
    hooks, and when an enrolment joins a cohort: its programme, so its weeks, start anew)."""
    m = _Models()
    enrolments = m.Enrolment.objects.all()
    if enrolment_ids is not None:
        enrolments = enrolments.filter(pk__in=enrolment_ids)
    if course_id is not None:
        enrolments = enrolments.filter(course_id=course_id)
    if cohort_id is not None:
        enrolments = enrolments.filter(cohort_id=cohort_id)
    return rebuild(enrolments=enrolments)


def schedule_rebuild(
    *, course_id: int | None = None, cohort_id: int | None = None, enrolment_ids: list[int] | None = None
) -> None:
    """Queue ``summaries_rebuild_task`` once the current transaction commits."""
    if course_id is None and cohort_id is None and not enrolment_ids:
        return
    enqueue_on_commit(summaries_rebuild_task, course_id=course_id, cohort_id=cohort_id, enrolment_ids=enrolment_ids)
