"""The participant's cohort on /learn/: its name, trainers and the cohort's week."""

from .. import weeks
from ..roles import is_trainer
from ..selectors.cohorts import cohort_enrolments_for_participant


def cohort_section(request):
    today = weeks.local_today()
    cohorts = [
        {
            "cohort": enrolment.cohort,
            "course": enrolment.course,
            "week": weeks.week_of(enrolment.cohort.start_date, today),
            "trainers": [t.get_full_name() or t.username for t in enrolment.cohort.trainers.all()],
        }
        for enrolment in cohort_enrolments_for_participant(user=request.user)
    ]
    trainer = is_trainer(request.user)
    if not cohorts and not trainer:
        return None
    return {"template": "microlearn_lms/dashboard/_cohort.html", "order": 20, "cohorts": cohorts, "is_trainer": trainer}
