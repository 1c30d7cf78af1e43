"""A real Ralph LRS for the xAPI tests: started once per test process (session scope; each
pytest-xdist worker has its own), stopped at the end. See tests/xapi/ralph_lrs.py."""

import pytest

from .ralph_lrs import HOME_PAGE, start


@pytest.fixture(scope="session")
def ralph(tmp_path_factory):
    server = start(tmp_path_factory.mktemp("ralph"))
    yield server
    server.stop()


@pytest.fixture
def base_url(settings):
    settings.MICROLEARN_BASE_URL = HOME_PAGE
    return HOME_PAGE


@pytest.fixture
def site_lrs(settings, ralph, base_url):
    """The site's LRS is Ralph's ``site`` user."""
    settings.MICROLEARN_XAPI = ralph.credentials("site")
    return ralph
