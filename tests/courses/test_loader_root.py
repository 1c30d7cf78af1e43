import pytest
from wagtail.models import Collection, Page, Site

from courses.loader import ProgrammeLoader
from courses.models import HomePage
from tests.conftest import DEMO_PROGRAMME, MINI_PROGRAMME


@pytest.mark.django_db
def test_loader_rebuilds_a_missing_root_and_site():
    Site.objects.all().delete()
    Page.objects.all().delete()
    Collection.objects.all().delete()
    ProgrammeLoader(MINI_PROGRAMME).load()
    ProgrammeLoader(DEMO_PROGRAMME).load()  # uploads the audio document into a rebuilt collection
    home = HomePage.objects.get()
    assert home.get_parent().depth == 1
    assert Site.objects.get(is_default_site=True).root_page_id == home.pk
