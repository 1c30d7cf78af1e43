"""Wagtail admin viewsets of the LMS, one module per domain, registered from lms/wagtail_hooks.py."""
