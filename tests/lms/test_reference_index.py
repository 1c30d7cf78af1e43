"""Wagtail's reference index ("usage" in the admin) tracks content, not learner records.

Every save of an indexable model queues a reference-index update through the task worker;
for quiz attempts, progress, challenge entries and API records that would be a task per
learner action with nothing worth showing, so those models opt out."""

from django.apps import apps
from wagtail.models import ReferenceIndex


def test_only_content_facing_models_of_the_plugin_are_reference_indexed():
    models = [*apps.get_app_config("microlearn_lms").get_models(), *apps.get_app_config("microlearn_api").get_models()]
    indexed = {m.__name__ for m in models if ReferenceIndex.model_is_indexable(m)}
    # The certificate settings reference the logo image; a cohort references its course page.
    assert indexed == {"CertificateSettings", "Cohort"}
