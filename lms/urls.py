from django.urls import path

from .views import account, certificates, challenges, learning, participant, plans, practice, privacy, sso, trainer

app_name = "microlearn_lms"

urlpatterns = [
    path("learn/", participant.learn_home, name="learn"),
    path("start/", trainer.after_login, name="start"),  # LOGIN_REDIRECT_URL: trainers to their cohorts
    path("learn/account/", account.account_page, name="account"),
    path("sso/", sso.sso_start, name="sso-start"),
    path("sso/callback/", sso.sso_callback, name="sso-callback"),
    path("sso/<slug:slug>/login/", sso.sso_login, name="sso-login"),
    path("learn/account/my-data.zip", privacy.data_export, name="account_data_export"),
    path("learn/account/erase/", privacy.erase_account, name="account_erase"),
    path("account-erased/", privacy.account_erased, name="account_erased"),
    path("learn/courses/<int:course_id>/enrol/", learning.enrol, name="enrol"),
    path("learn/modules/<int:module_id>/confirm/", learning.module_confirm, name="module_confirm"),
    path("learn/modules/<int:module_id>/quiz/", learning.quiz_start, name="quiz_start"),
    path("learn/attempts/<uuid:uuid>/", learning.attempt_detail, name="attempt"),
    path("learn/attempts/<uuid:uuid>/result/", learning.attempt_result, name="attempt_result"),
    path("certificates/verify/", certificates.verify_lookup, name="certificate_verify_lookup"),
    path("certificates/verify/<str:code>/", certificates.verify, name="certificate_verify"),
    path("certificates/<uuid:uuid>/download/", certificates.download, name="certificate_download"),
    path("trainer/cohorts/", trainer.cohort_list, name="trainer-cohorts"),
    path("trainer/cohorts/<int:cohort_id>/", trainer.cohort_detail, name="trainer-cohort"),
    path("trainer/cohorts/<int:cohort_id>/people/<int:enrolment_id>/", trainer.participant, name="trainer-participant"),
    path("trainer/cohorts/<int:cohort_id>/nudge/", trainer.nudge, name="trainer-nudge"),
    path("trainer/cohorts/<int:cohort_id>/progress.csv", trainer.export_progress, name="trainer-export-progress"),
    path("trainer/cohorts/<int:cohort_id>/entries.csv", trainer.export_entries, name="trainer-export-entries"),
    path("learn/challenges/<int:course_id>/", challenges.challenge_page, name="challenges"),
    path("learn/challenges/<int:course_id>/wins/", challenges.wins_page, name="challenge_wins"),
    path("learn/challenges/entries/<uuid:entry>/edit/", challenges.entry_edit, name="challenge_entry_edit"),
    path("learn/challenges/entries/<uuid:entry>/delete/", challenges.entry_delete, name="challenge_entry_delete"),
    path(
        "learn/challenges/entries/<uuid:entry>/follow-up-done/",
        challenges.entry_follow_up_done,
        name="challenge_follow_up_done",
    ),
    path("learn/challenges/entries/<uuid:entry>/outcome/", challenges.entry_outcome, name="challenge_entry_outcome"),
    path("learn/check-ins/<str:token>/", practice.checkin_answer, name="checkin_answer"),
    path("learn/boosters/answer/", practice.booster_answer, name="booster_answer"),
    # If-then plans, calendar and reminders (docs/practice.md)
    path("learn/plans/<uuid:plan>/delete/", plans.plan_delete, name="plan_delete"),
    path("learn/plans/<uuid:plan>/calendar.ics", plans.plan_ics, name="plan_ics"),
    path("learn/challenges/entries/<uuid:entry>/follow-up.ics", plans.follow_up_ics, name="follow_up_ics"),
    path("learn/challenges/<int:course_id>/weeks/<uuid:challenge>.ics", plans.challenge_ics, name="challenge_ics"),
    path("learn/calendar/<str:token>.ics", plans.calendar_feed, name="calendar_feed"),
    path("learn/reminders/yes/<str:token>/", plans.reminder_yes, name="reminder_yes"),
    path("learn/reminders/no/<str:token>/", plans.reminder_no, name="reminder_no"),
    path("learn/unsubscribe/<str:token>/", plans.unsubscribe, name="unsubscribe"),
    path("learn/account/practice-emails/", plans.practice_emails_save, name="account_practice_emails"),
    path("learn/account/calendar/", plans.calendar_token, name="account_calendar"),
]
