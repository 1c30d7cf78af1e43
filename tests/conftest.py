"""Root fixtures: factories live in tests/factories.py; page trees are built per test."""

import io
from pathlib import Path

import pytest
from django.core.management import call_command

from courses.loader import ProgrammeLoader

ROOT = Path(__file__).resolve().parent.parent
MINI_PROGRAMME = Path(__file__).resolve().parent / "fixtures" / "mini_programme.json"
DEMO_PROGRAMME = ROOT / "fixtures" / "demo_programme.json"


def pytest_collection_modifyitems(config, items):
    # Browser tests are slow; run them last so fast failures show first.
    items.sort(key=lambda item: "browser" in item.keywords)


@pytest.fixture
def mini_programme(db):
    """A two-module course built by the real loader; returns the loaded CoursePage."""
    from courses.models import CoursePage

    ProgrammeLoader(MINI_PROGRAMME).load()
    return CoursePage.objects.get(slug="test-course")


@pytest.fixture
def demo_programme(db):
    call_command("load_demo", stdout=io.StringIO())


@pytest.fixture
def is_postgres():
    from django.db import connection

    return connection.vendor == "postgresql"
