import pytest
from wagtail.models import Page, Site

from courses.loader import ProgrammeLoader
from courses.models import HomePage
from tests.conftest import MINI_PROGRAMME


@pytest.mark.django_db
def test_loader_rebuilds_a_missing_root_and_site():
    Site.objects.all().delete()
    Page.objects.all().delete()
    ProgrammeLoader(MINI_PROGRAMME).load()
    home = HomePage.objects.get()
    assert home.get_parent().depth == 1
    assert Site.objects.get(is_default_site=True).root_page_id == home.pk
