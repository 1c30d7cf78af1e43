"""Packaging lives in pyproject.toml; only the package list is here, because it maps the
top-level ``fixtures/`` folder (the demo programme and its media) into the wheel as
``lms/demo_fixtures/``, which pyproject's ``packages.find`` cannot express. See ADR 0004."""

from setuptools import find_namespace_packages, setup

DEMO_FIXTURES = "lms.demo_fixtures"

setup(
    packages=[
        # namespace packages too: templates/ and static/ are data folders without __init__.py
        *find_namespace_packages(
            include=["lms", "lms.*", "courses", "courses.*", "api", "api.*"], exclude=["*.__pycache__"]
        ),
        DEMO_FIXTURES,
        f"{DEMO_FIXTURES}.media",
    ],
    package_dir={DEMO_FIXTURES: "fixtures"},
)
