"""Authored course content: Wagtail page models, StreamField blocks, quizzes and challenges."""
