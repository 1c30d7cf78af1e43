"""The participant rows of the cohort page, rendered in Python.

A page shows 100 rows of about 20 values and 8 module cells each: as template nodes that is
some 3,000 variable lookups and ~30 ms; built here with ``format_html`` (which escapes every
value it is given) it is about a millisecond. The markup is the same one the template had;
``tests/lms/test_cohort_rows.py`` checks it.
"""

from __future__ import annotations

from django.utils import dateformat, timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from ..selectors.cohorts import ModuleCell, ParticipantRow

_FLAG = mark_safe(' <span class="flag">attempts used up</span>')


def cell_html(cell: ModuleCell) -> SafeString:
    score = format_html(' <span class="score">{}%</span>', int(cell.best_score)) if cell.best_score is not None else ""
    return format_html(
        '<td class="cell-{0}"><span class="status-badge status-{0}">{1}</span>{2}{3}</td>',
        cell.status,
        cell.label,
        score,
        _FLAG if cell.exhausted else "",
    )


def _ratio(part: int | None, whole: int | None) -> str:
    """ "2 / 3", or an en dash when there is nothing to count."""
    return f"{part} / {whole}" if whole else "\N{EN DASH}"


def row_html(row: ParticipantRow, *, url: str, week_target: int | None) -> SafeString:
    """One ``<tr>`` of the cohort table: pick box, name, progress, module cells, challenge
    figures, practice figures (check-ins answered / sent, booster questions retained / in
    boosters, plans kept / made), last activity and the at-risk reasons."""
    pick = (
        format_html(
            '<input type="checkbox" name="participant" value="{0}" id="pick-{0}" aria-label="Select {1} for a nudge">',
            row.enrolment_id,
            row.name,
        )
        if row.at_risk
        else ""
    )
    if row.at_risk:
        risk = format_html(
            '<strong class="risk">At risk</strong><ul class="reasons">{}</ul>',
            format_html_join("", "<li>{}</li>", ((reason,) for reason in row.reasons)),
        )
    else:
        risk = mark_safe('<span class="ok">No</span>')
    local = timezone.localtime(row.last_activity)
    return format_html(
        "<tr{class_}>"
        "<td>{pick}</td>"
        '<th scope="row"><a href="{url}">{name}</a><br><span class="meta">{email}</span></th>'
        '<td><progress max="100" value="{progress}" aria-label="{name}: {progress}% complete">{progress}%</progress>'
        ' <span class="nowrap">{progress}%</span></td>'
        "{cells}"
        "<td>{week}{target}</td><td>{streak} wk</td><td>{overdue}</td><td>{wins}</td>"
        "<td>{checkins}</td><td>{retained}</td><td>{plans}</td>"
        '<td><time datetime="{iso}">{day}</time></td>'
        "<td>{risk}</td></tr>",
        class_=mark_safe(' class="row-at-risk"') if row.at_risk else "",
        pick=pick,
        url=url,
        name=row.name,
        email=row.email,
        progress=row.progress,
        cells=mark_safe("".join(cell_html(c) for c in row.cells)),  # noqa: S308 - each cell is escaped
        week=row.week_count,
        target=f" / {week_target}" if week_target else "",
        streak=row.streak,
        overdue=row.overdue,
        wins=row.wins,
        checkins=_ratio(row.practice.checkins_answered, row.practice.checkins_sent),
        retained=_ratio(row.practice.questions_retained, row.practice.questions_total),
        plans=_ratio(row.practice.plans_kept, row.practice.plans_made),
        iso=dateformat.format(local, "c"),
        day=dateformat.format(local, "j M"),
        risk=risk,
    )
