"""The participant rows of the cohort page, rendered in Python.

A page shows 50 rows of about a dozen values and a module list each: as template nodes that is
some 1,500 variable lookups; built here with ``format_html`` (which escapes every value it is
given) it is about a millisecond. ``tests/lms/test_cohort_rows.py`` checks the markup.

Layout (``trainer.css``): the participant cell (name, email and, for an at-risk row, the reasons
under the name) is the sticky first column; the module statuses sit in one "Modules" cell, done
of required with the per-module list in a ``<details>`` disclosure, so the table fits a 1366 px
screen; under 700 px every row becomes a card, each cell labelled by its ``data-label``.
"""

from __future__ import annotations

from django.utils import dateformat, timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from ..selectors.cohorts import ModuleCell, ModuleInfo, ParticipantRow
from ..templatetags.microlearn_time import html_datetime

_FLAG = mark_safe(' <span class="flag">attempts used up</span>')


def cell_html(cell: ModuleCell, module: ModuleInfo, number: int) -> SafeString:
    """One module's line in the row's module list."""
    score = format_html(' <span class="score">{}%</span>', int(cell.best_score)) if cell.best_score is not None else ""
    return format_html(
        '<li class="cell-{0}"><span class="module-name"><abbr title="{4}">M{5}</abbr></span> '
        '<span class="status-badge status-{0}">{1}</span>{2}{3}</li>',
        cell.status,
        cell.label,
        score,
        _FLAG if cell.exhausted else "",
        module.title,
        number,
    )


def _ratio(part: int | None, whole: int | None) -> str:
    """ "2 / 3", or an en dash when there is nothing to count."""
    return f"{part} / {whole}" if whole else "\N{EN DASH}"


def row_html(
    row: ParticipantRow, *, url: str, week_target: int | None, modules: list[ModuleInfo], required: int
) -> SafeString:
    """One ``<tr>`` of the cohort table: pick box, participant (with the at-risk reasons),
    progress, modules, challenge figures, practice figures (check-ins answered / sent, booster
    questions retained / in boosters, plans kept / made) and last activity."""
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
        risk = ""
    cells = mark_safe(  # noqa: S308 - each line is escaped
        "".join(cell_html(c, m, i) for i, (c, m) in enumerate(zip(row.cells, modules, strict=True), start=1))
    )
    local = timezone.localtime(row.last_activity)
    return format_html(
        "<tr{class_}>"
        '<td class="col-pick" data-label="Nudge">{pick}</td>'
        '<th scope="row" class="col-name"><a href="{url}">{name}</a><span class="meta email">{email}</span>{risk}</th>'
        '<td data-label="Progress"><progress max="100" value="{progress}" aria-label="{name}: {progress}% complete">'
        '{progress}%</progress> <span class="nowrap">{progress}%</span></td>'
        '<td data-label="Modules" class="col-modules"><details><summary>{done} / {required} done</summary>'
        '<ul class="module-cells">{cells}</ul></details></td>'
        '<td data-label="This week">{week}{target}</td>'
        '<td data-label="Streak">{streak} wk</td>'
        '<td data-label="Overdue follow-ups">{overdue}</td>'
        '<td data-label="Wins">{wins}</td>'
        '<td data-label="Check-ins answered">{checkins}</td>'
        '<td data-label="Booster questions retained">{retained}</td>'
        '<td data-label="Plans kept / made">{plans}</td>'
        '<td data-label="Last activity"><time datetime="{iso}">{day}</time></td>'
        "</tr>",
        class_=mark_safe(' class="row-at-risk"') if row.at_risk else "",
        pick=pick,
        url=url,
        name=row.name,
        email=row.email,
        risk=risk,
        progress=row.progress,
        done=row.done,
        required=required,
        cells=cells,
        week=row.week_count,
        target=f" / {week_target}" if week_target else "",
        streak=row.streak,
        overdue=row.overdue,
        wins=row.wins,
        checkins=_ratio(row.practice.checkins_answered, row.practice.checkins_sent),
        retained=_ratio(row.practice.questions_retained, row.practice.questions_total),
        plans=_ratio(row.practice.plans_kept, row.practice.plans_made),
        iso=html_datetime(local),
        day=dateformat.format(local, "j M"),
    )
