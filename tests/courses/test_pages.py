import pytest
from wagtail.models import Page

from courses.models import CourseIndexPage, CoursePage, HomePage, ModulePage

pytestmark = pytest.mark.django_db


def test_every_demo_page_answers_200_to_anonymous(client, demo_programme):
    pages = Page.objects.live().filter(depth__gt=1).specific()
    assert len(pages) >= 10
    for page in pages:
        response = client.get(page.url)
        assert response.status_code == 200, page.url


def test_home_lists_both_courses(client, demo_programme):
    html = client.get("/").content.decode()
    for course in CoursePage.objects.all():
        assert course.title in html
    assert CoursePage.objects.filter(slug__in=["micro-connections", "stress-management"]).count() == 2


def test_course_card_headings_follow_the_page_outline(client, demo_programme):
    """The course index puts its cards right under the h1 (h2 titles); the home page under its
    "Courses" h2 (h3 titles): no heading level is skipped on either."""
    import itertools
    import re

    def levels(html):
        return [int(n) for n in re.findall(r"<h([1-6])[\s>]", html.split("<main", 1)[1].split("</main>", 1)[0])]

    index_html = client.get(CourseIndexPage.objects.live().first().url).content.decode()
    home_html = client.get("/").content.decode()
    course_count = CoursePage.objects.live().count()
    assert levels(index_html) == [1] + [2] * course_count
    home = levels(home_html)
    assert home[home.index(2) + 1 :][:course_count] == [3] * course_count
    for html in (index_html, home_html):
        outline = levels(html)
        assert all(b <= a + 1 for a, b in itertools.pairwise(outline)), outline


def test_module_page_renders_every_block_type(client, mini_programme):
    module = ModulePage.objects.get(slug="first")
    html = client.get(module.url).content.decode()
    assert "<h2>A heading</h2>" in html
    assert "Some <b>rich</b> text." in html
    assert 'aria-label="Key lesson"' in html and "Remember this." in html
    assert 'class="checklist"' in html and "Listen" in html
    assert '<blockquote class="quote">' in html and "— Someone" in html
    assert 'aria-label="Reflection"' in html and "Think about it." in html
    assert "“How is your week?”" in html


def test_course_page_lists_modules_in_order_with_navigation(client, mini_programme):
    html = client.get(mini_programme.url).content.decode()
    assert html.index("First module") < html.index("Second module")
    first, second = ModulePage.objects.get(slug="first"), ModulePage.objects.get(slug="second")
    first_html = client.get(first.url).content.decode()
    assert f'rel="next" href="{second.url}"' in first_html
    second_html = client.get(second.url).content.decode()
    assert f'rel="prev" href="{first.url}"' in second_html


def test_reordering_modules_changes_navigation(client, mini_programme):
    first, second = ModulePage.objects.get(slug="first"), ModulePage.objects.get(slug="second")
    second.move(first, pos="left")
    assert [m.slug for m in mini_programme.modules()] == ["second", "first"]
    html = client.get(first.url).content.decode()
    assert f'rel="prev" href="{second.url}"' in html


def test_audio_block_has_controls_transcript_and_no_autoplay(client, demo_programme):
    module = next(m for m in ModulePage.objects.all() if any(b.block_type == "audio" for b in m.body))
    html = client.get(module.url).content.decode()
    assert "<audio controls" in html
    assert "autoplay" not in html
    assert 'class="transcript"' in html
    assert ".mp3" in html
    assert "[Pause: three breaths" in html  # the transcript marks the long pauses


def test_audio_block_serves_its_captions_from_this_site(client, demo_programme):
    module = next(m for m in ModulePage.objects.all() if any(b.block_type == "audio" for b in m.body))
    captions = next(b.value["captions"] for b in module.body if b.block_type == "audio")
    html = client.get(module.url).content.decode()
    assert f'<track kind="captions" src="{captions.url}" srclang="en-gb" label="Captions" default>' in html
    assert captions.url.startswith("/")  # same origin: a <track> from elsewhere would need CORS
    response = client.get(captions.url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/vtt")
    assert b"".join(response.streaming_content if response.streaming else [response.content]).startswith(b"WEBVTT")


def test_page_type_rules_prevent_broken_trees():
    assert CoursePage.parent_page_types == ["microlearn_courses.CourseIndexPage"]
    assert ModulePage.parent_page_types == ["microlearn_courses.CoursePage"]
    assert ModulePage.subpage_types == []
    assert HomePage.subpage_types == ["microlearn_courses.CourseIndexPage"]
    assert CourseIndexPage.subpage_types == ["microlearn_courses.CoursePage"]
    assert not ModulePage.can_create_at(HomePage())
    assert ModulePage.can_create_at(CoursePage())
