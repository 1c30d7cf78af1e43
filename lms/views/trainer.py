"""Trainer pages: cohort list, cohort page, participant drill-down, exports and nudges.

Access: anonymous users go to the login page; signed-in users who are neither staff nor in
the trainer permission (``lms.roles``) get 403; a cohort outside the trainer's scope (and anything inside it) is 404.
"""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_http_methods

from .. import exports, selectors
from ..charts import bar_chart
from ..models import Enrolment
from ..roles import home_url, is_trainer
from ..selectors.badges import cohort_badge_count
from ..selectors.cohorts import (
    PER_PAGE,
    SORTS,
    cohort_list_stats,
    cohort_page,
    cohort_report,
    participant_detail,
    participant_for_trainer,
)
from ..selectors.grants import grantable_modules, grants_for
from ..services.cohorts import NUDGE_NOTE_MAX, CohortError, nudge_send
from ..services.quiz import GRANT_REASON_MAX
from .cohort_rows import row_html

COHORTS_PER_PAGE = 25


def trainer_required(view):
    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not is_trainer(request.user):
            raise PermissionDenied("Trainer pages are for trainers.")
        return view(request, *args, **kwargs)

    return wrapper


def _cohort(request, cohort_id: int):
    return get_object_or_404(selectors.cohorts_for_trainer(user=request.user), pk=cohort_id)


@login_required
def after_login(request):
    """``/start/``, for a site's ``LOGIN_REDIRECT_URL``: a trainer who is not staff to their
    cohorts, everyone else to /learn/ (``lms.roles.home_url``)."""
    return redirect(home_url(request.user))


@trainer_required
def cohort_list(request):
    cohorts = selectors.cohorts_for_trainer(user=request.user).prefetch_related("trainers")
    page = Paginator(cohorts, COHORTS_PER_PAGE).get_page(request.GET.get("page"))
    cohort_list_stats(cohorts=list(page.object_list))
    return render(request, "microlearn_lms/trainer/cohort_list.html", {"page": page})


def _charts(report) -> dict:
    participants = report.total
    modules = bar_chart(
        id="chart-modules",
        title="Module completion across the cohort",
        desc=f"Percent of the {participants} participants who completed each module.",
        items=[(m["label"], m["percent"], f"{m['percent']}%") for m in report.module_chart],
        maximum=100,
    )
    weekly = bar_chart(
        id="chart-weekly",
        title="Weekly challenge participation",
        desc="Percent of participants who logged at least one challenge entry, week by week.",
        items=[(f"Week {w['week']}", w["percent"], f"{w['percent']}%") for w in report.weekly_chart],
        maximum=100,
    )
    most = max((o["total"] for o in report.outcome_chart), default=0)
    outcomes = bar_chart(
        id="chart-outcomes",
        title="Outcomes per week",
        desc="Challenge entries with an outcome beyond “none yet” (wins), by the week they happened.",
        items=[(f"Week {o['week']}", o["total"], str(o["total"])) for o in report.outcome_chart],
        maximum=most,
        counts=True,
    )
    return {"modules": modules, "weekly": weekly, "outcomes": outcomes}


SORT_OPTIONS = [
    ("name", "Name"),
    ("-progress", "Progress (most first)"),
    ("progress", "Progress (least first)"),
    ("activity", "Last activity (oldest first)"),
    ("-week", "Entries this week (most first)"),
    ("-streak", "Streak (longest first)"),
    ("-risk", "At risk first"),
]


@trainer_required
def cohort_detail(request, cohort_id: int):
    """The cohort page: counts and charts over the whole cohort, one page of rows (``PER_PAGE``);
    filter, sort and page are in the query string, so every view of the table has its own link."""
    cohort = _cohort(request, cohort_id)
    at_risk = request.GET.get("at_risk") == "1"
    query = request.GET.get("q", "")[:100]
    sort = request.GET.get("sort", "name")
    if sort.lstrip("-") not in SORTS:
        sort = "name"
    report = cohort_page(cohort=cohort, at_risk=at_risk, q=query, sort=sort, page_number=request.GET.get("page"))
    people_url = reverse("microlearn_lms:trainer-participant", args=[cohort.pk, 0]).removesuffix("0/")
    required = report.required_count
    rows_html = mark_safe(  # noqa: S308 - every row is built with format_html
        "".join(
            row_html(
                row,
                url=f"{people_url}{row.enrolment_id}/",
                week_target=report.week_target,
                modules=report.modules,
                required=required,
            )
            for row in report.rows
        )
    )
    params = request.GET.copy()
    params.pop("page", None)
    at_risk_params = params.copy()
    at_risk_params["at_risk"] = "1"
    return render(
        request,
        "microlearn_lms/trainer/cohort_detail.html",
        {
            "cohort": cohort,
            "report": report,
            # One query, and only for a course with the practice badge on (docs/badges.md).
            "badges_held": cohort_badge_count(cohort=cohort) if cohort.course.badge_enabled else None,
            "page": report.page,
            "rows_html": rows_html,
            "at_risk": at_risk,
            "query": query,
            "sort": sort,
            "sort_options": SORT_OPTIONS,
            "per_page": PER_PAGE,
            "filtered_count": report.filtered_count,
            "querystring": params.urlencode(),
            "at_risk_querystring": at_risk_params.urlencode(),
            "charts": _charts(report),
        },
    )


def _participant(cohort, enrolment_id: int) -> Enrolment:
    try:
        return participant_for_trainer(cohort=cohort, enrolment_id=enrolment_id)
    except Enrolment.DoesNotExist:
        raise Http404("No such participant in this cohort.") from None


@trainer_required
def participant(request, cohort_id: int, enrolment_id: int):
    cohort = _cohort(request, cohort_id)
    enrolment = _participant(cohort, enrolment_id)
    report = cohort_report(cohort=cohort, enrolment_ids=[enrolment.pk])
    row = next(iter(report.rows), None)
    detail = participant_detail(enrolment=enrolment)
    return render(
        request,
        "microlearn_lms/trainer/participant.html",
        {
            "cohort": cohort,
            "enrolment": enrolment,
            "row": row,
            "report": report,
            **detail,
            # Extra quiz attempts (lms/views/grants.py): where one may be granted, and the log.
            "grantable": grantable_modules(enrolment=enrolment, modules=detail["modules"]),
            "attempt_grants": grants_for(enrolment=enrolment),
            "grant_reason_max": GRANT_REASON_MAX,
        },
    )


@trainer_required
def export_progress(request, cohort_id: int):
    cohort = _cohort(request, cohort_id)
    header, rows = exports.progress_rows(cohort_report(cohort=cohort, charts=False))
    stamp = timezone.localdate().isoformat()
    return exports.streaming_csv(f"cohort-{cohort.pk}-progress-{stamp}.csv", header, rows)


@trainer_required
def export_entries(request, cohort_id: int):
    cohort = _cohort(request, cohort_id)
    header, rows = exports.entry_rows(cohort)
    stamp = timezone.localdate().isoformat()
    return exports.streaming_csv(f"cohort-{cohort.pk}-challenge-entries-{stamp}.csv", header, rows)


def _ids(values) -> list[int]:
    ids = []
    for value in values[:200]:
        try:
            ids.append(int(value))
        except (TypeError, ValueError):
            continue
    return ids


@trainer_required
@require_http_methods(["GET", "POST"])
def nudge(request, cohort_id: int):
    cohort = _cohort(request, cohort_id)
    if request.method == "POST":
        ids = _ids(request.POST.getlist("participant"))
        note = request.POST.get("note", "")
        try:
            result = nudge_send(cohort=cohort, sender=request.user, enrolment_ids=ids, note=note)
        except CohortError as exc:
            messages.error(request, str(exc))
            return redirect("microlearn_lms:trainer-cohort", cohort_id=cohort.pk)
        if result.sent:
            messages.success(request, f"Nudge sent to {len(result.sent)}: {', '.join(result.sent)}.")
        for skipped in result.skipped:
            messages.warning(request, f"Not sent — {skipped}.")
        if len(ids) == 1:
            return redirect("microlearn_lms:trainer-participant", cohort_id=cohort.pk, enrolment_id=ids[0])
        return redirect("microlearn_lms:trainer-cohort", cohort_id=cohort.pk)
    ids = set(_ids(request.GET.getlist("participant")))
    chosen = cohort_report(cohort=cohort, enrolment_ids=ids).rows
    if not chosen:
        messages.error(request, "Select at least one at-risk participant to nudge.")
        return redirect("microlearn_lms:trainer-cohort", cohort_id=cohort.pk)
    return render(
        request,
        "microlearn_lms/trainer/nudge.html",
        {"cohort": cohort, "chosen": sorted(chosen, key=lambda r: r.sort_name), "note_max": NUDGE_NOTE_MAX},
    )
