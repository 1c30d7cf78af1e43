"""The cohort table rows are built in Python (lms/views/cohort_rows.py): same markup, escaped."""

import datetime as dt

from django.utils import timezone

from lms.selectors.cohorts import ModuleCell, ParticipantRow
from lms.selectors.practice import PracticeStats
from lms.views.cohort_rows import row_html

DASH = "\N{EN DASH}"


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


def test_an_at_risk_row_has_a_pick_box_reasons_and_the_row_class():
    html = row_html(make_row(reasons=["No activity for 9 days"]), url="/t/1/7/", week_target=3)
    assert html.startswith('<tr class="row-at-risk">')
    assert '<input type="checkbox" name="participant" value="7" id="pick-7"' in html
    assert '<strong class="risk">At risk</strong><ul class="reasons"><li>No activity for 9 days</li></ul>' in html


def test_a_row_not_at_risk_has_no_pick_box():
    html = row_html(make_row(), url="/t/1/7/", week_target=None)
    assert html.startswith("<tr>") and "checkbox" not in html and '<span class="ok">No</span>' in html
    assert "<td>2</td>" in html  # no target: the count alone


def test_cells_progress_challenge_figures_and_local_time():
    html = row_html(make_row(), url="/t/1/7/", week_target=3)
    assert '<a href="/t/1/7/">' in html
    assert (
        '<progress max="100" value="50" aria-label="Ann &lt;b&gt;Bold&lt;/b&gt; &amp; Co: 50% complete">50%</progress>'
        in html
    )
    assert (
        '<td class="cell-done"><span class="status-badge status-done">Done</span> <span class="score">80%</span></td>'
        in html
    )
    assert '<span class="flag">attempts used up</span>' in html
    assert '<td class="cell-todo"><span class="status-badge status-todo">Not started</span></td>' in html
    assert "<td>2 / 3</td><td>1 wk</td><td>1</td><td>3</td>" in html
    assert f"<td>3</td><td>{DASH}</td><td>{DASH}</td><td>{DASH}</td>" in html  # no check-in, booster or plan yet
    local = timezone.localtime(make_row().last_activity)
    assert f'<time datetime="{local.isoformat()}">{local.day} {local:%b}</time>' in html


def test_practice_figures():
    stats = PracticeStats(checkins_sent=3, checkins_answered=2, questions_total=9, questions_retained=5)
    html = row_html(make_row(practice=stats), url="/t/1/7/", week_target=3)
    assert f"<td>3</td><td>2 / 3</td><td>5 / 9</td><td>{DASH}</td>" in html
