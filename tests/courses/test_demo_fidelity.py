"""The demo programme is an adaptation in our own words: no run of eight or more words is
copied from the source article, except the article's title where the course credits it.

The article lives outside the repository (``../shared/source``); without it the copy check
cannot run, and says so. The title check needs nothing but the programme file.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.conftest import DEMO_PROGRAMME

ROOT = Path(__file__).resolve().parents[2]
ARTICLE_CANDIDATES = [ROOT.parent / "shared" / "source" / "micro-connections-article.txt"]
ARTICLE_CANDIDATES += [ROOT.parent.parent / "shared" / "source" / "micro-connections-article.txt"]
MEDIA = DEMO_PROGRAMME.parent / "media"
RUN = 8
TITLE_MARK = "xtitlex"


def words(text: str) -> list[str]:
    text = re.sub(r"<[^>]+>", " ", text)
    text = text.translate(str.maketrans({"\u2011": "-", "\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"'}))
    return re.findall(r"[a-z0-9]+(?:['-][a-z0-9]+)*", text.lower())


def strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings(item)


def copied_runs(article: str, texts: list[str], title: str) -> list[str]:
    source = words(article)
    runs = {tuple(source[i : i + RUN]) for i in range(len(source) - RUN + 1)}
    title_words = words(title)
    found = []
    for text in texts:
        own = words(text)
        # The title, where it is quoted, is a credit: it neither counts nor joins its neighbours.
        i = 0
        while i <= len(own) - len(title_words):
            if own[i : i + len(title_words)] == title_words:
                own[i : i + len(title_words)] = [TITLE_MARK]
            i += 1
        found += [" ".join(own[i : i + RUN]) for i in range(len(own) - RUN + 1) if tuple(own[i : i + RUN]) in runs]
    return found


def test_copy_check_finds_a_copied_run_and_forgives_the_title():
    article = "Micro connections matter. Small talk opens big doors for every single professional in the room."
    title = "Micro connections matter"
    assert copied_runs(article, ["We say small talk opens big doors for every single professional."], title) == [
        "small talk opens big doors for every single",
        "talk opens big doors for every single professional",
    ]
    assert copied_runs(article, ["Read 'Micro connections matter. Small talk' by A. Author."], title) == []


def test_no_eight_word_run_of_the_article_in_the_course():
    article = next((path for path in ARTICLE_CANDIDATES if path.is_file()), None)
    if article is None:
        pytest.skip("the source article is not beside this checkout (../shared/source)")
    data = json.loads(DEMO_PROGRAMME.read_text(encoding="utf-8"))
    texts = [*strings(data), (MEDIA / "relaxation-transcript.txt").read_text(encoding="utf-8")]
    assert copied_runs(article.read_text(encoding="utf-8"), texts, data["source"]["title"]) == []


def test_the_article_and_its_free_recording_are_credited():
    data = json.loads(DEMO_PROGRAMME.read_text(encoding="utf-8"))
    assert data["source"]["author"] in data["source"]["credit"]
    assert data["source"]["title"] in data["source"]["credit"]
    stress = next(c for c in data["courses"] if c["slug"] == "stress-management")
    body = " ".join(strings(stress))
    assert "Jenny Ibbotson" in body and "eight-minute" in body and 'href="https://' in body
