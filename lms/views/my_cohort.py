"""The participant's cohort on /learn/: its name, trainers and the cohort's week."""

from .. import weeks
from ..models import Enrolment, EnrolmentStatus
from ..selectors.cohorts import is_trainer


def cohort_section(request):
    enrolments = list(
        Enrolment.objects.filter(user=request.user, cohort__isnull=False)
        .exclude(status=EnrolmentStatus.WITHDRAWN)
        .select_related("cohort__organisation", "course")
        .prefetch_related("cohort__trainers")
        .order_by("-enrolled_at")[:10]
    )
    today = weeks.local_today()
    cohorts = []
    for enrolment in enrolments:
        cohort = enrolment.cohort
        cohorts.append(
            {
                "cohort": cohort,
                "course": enrolment.course,
                "week": weeks.week_of(cohort.start_date, today),
                "trainers": [t.get_full_name() or t.username for t in cohort.trainers.all()],
            }
        )
    trainer = is_trainer(request.user)
    if not cohorts and not trainer:
        return None
    return {"template": "microlearn_lms/dashboard/_cohort.html", "order": 20, "cohorts": cohorts, "is_trainer": trainer}
