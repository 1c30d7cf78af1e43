"""The cohort table rows are built in Python (lms/views/cohort_rows.py): same markup, escaped."""

import datetime as dt

from django.utils import timezone

from lms.selectors.cohorts import ModuleCell, ModuleInfo, ParticipantRow
from lms.selectors.practice import PracticeStats
from lms.views.cohort_rows import row_html as _row_html

DASH = "\N{EN DASH}"


MODULES = [
    ModuleInfo(1, "Why <small> talk", True, 3),
    ModuleInfo(2, "Openers", True, 3),
    ModuleInfo(3, "Follow-ups", True, 0),
]


def row_html(row, **kwargs):
    return _row_html(row, modules=MODULES, required=3, **kwargs)


def make_row(**overrides) -> ParticipantRow:
    values = {
        "enrolment_id": 7,
        "user_id": 3,
        "name": "Ann <b>Bold</b> & Co",
        "email": 'ann"@example.com',
        "status": "active",
        "last_activity": dt.datetime(2026, 3, 4, 23, 30, tzinfo=dt.UTC),
        "progress": 50,
        "week_count": 2,
        "streak": 1,
        "overdue": 1,
        "wins": 3,
        "done": 1,
        "cells": [
            ModuleCell("done", "Done", 80, 1, False),
            ModuleCell("progress", "In progress", None, 3, True),
            ModuleCell("todo", "Not started", None, 0, False),
        ],
    }
    return ParticipantRow(**{**values, **overrides})


def test_values_are_escaped():
    html = row_html(make_row(reasons=["<script>alert(1)</script>"]), url="/t/1/7/", week_target=3)
    assert "<b>" not in html and "Ann &lt;b&gt;Bold&lt;/b&gt; &amp; Co" in html
    assert "ann&quot;@example.com" in html
    assert "<script>" not in html and "<li>&lt;script&gt;alert(1)&lt;/script&gt;</li>" in html


def test_an_at_risk_row_has_a_pick_box_and_its_reasons_under_the_name():
    html = row_html(make_row(reasons=["No activity for 9 days"]), url="/t/1/7/", week_target=3)
    assert html.startswith('<tr class="row-at-risk">')
    assert '<input type="checkbox" name="participant" value="7" id="pick-7"' in html
    name_cell = html[html.index('<th scope="row" class="col-name">') : html.index("</th>")]
    assert '<a href="/t/1/7/">Ann &lt;b&gt;Bold&lt;/b&gt; &amp; Co</a>' in name_cell
    assert '<strong class="risk">At risk</strong><ul class="reasons"><li>No activity for 9 days</li></ul>' in name_cell


def test_a_row_not_at_risk_has_no_pick_box():
    html = row_html(make_row(), url="/t/1/7/", week_target=None)
    assert html.startswith("<tr>") and "checkbox" not in html and "At risk" not in html
    assert '<td data-label="This week">2</td>' in html  # no target: the count alone


def test_cells_progress_challenge_figures_and_local_time():
    html = row_html(make_row(), url="/t/1/7/", week_target=3)
    assert (
        '<progress max="100" value="50" aria-label="Ann &lt;b&gt;Bold&lt;/b&gt; &amp; Co: 50% complete">50%</progress>'
        in html
    )
    # the module statuses: one column, done of required, the list in a disclosure
    assert '<td data-label="Modules" class="col-modules"><details><summary>1 / 3 done</summary>' in html
    assert (
        '<li class="cell-done"><span class="module-name"><abbr title="Why &lt;small&gt; talk">M1</abbr></span> '
        '<span class="status-badge status-done">Done</span> <span class="score">80%</span></li>'
    ) in html
    assert '<span class="flag">attempts used up</span>' in html
    assert '<span class="status-badge status-todo">Not started</span></li>' in html
    assert (
        '<td data-label="This week">2 / 3</td><td data-label="Streak">1 wk</td>'
        '<td data-label="Overdue follow-ups">1</td><td data-label="Wins">3</td>'
    ) in html
    assert (
        f'<td data-label="Check-ins answered">{DASH}</td><td data-label="Booster questions retained">{DASH}</td>'
        f'<td data-label="Plans kept / made">{DASH}</td>'
    ) in html  # no check-in, booster or plan yet
    local = timezone.localtime(make_row().last_activity)
    assert f'<time datetime="{local.replace(microsecond=0).isoformat()}">{local.day} {local:%b}</time>' in html


def test_the_time_element_carries_no_fraction_of_a_second():
    row = make_row(last_activity=dt.datetime(2026, 3, 4, 23, 30, 5, 123456, tzinfo=dt.UTC))
    html = row_html(row, url="/t/1/7/", week_target=3)
    iso = html.split('<time datetime="')[1].split('"')[0]
    assert "." not in iso and iso.endswith(("+00:00", "+01:00")) and ":05" in iso


def test_practice_figures():
    stats = PracticeStats(checkins_sent=3, checkins_answered=2, questions_total=9, questions_retained=5)
    html = row_html(make_row(practice=stats), url="/t/1/7/", week_target=3)
    assert (
        '<td data-label="Check-ins answered">2 / 3</td><td data-label="Booster questions retained">5 / 9</td>'
        f'<td data-label="Plans kept / made">{DASH}</td>'
    ) in html
