"""Journey: a visitor opens the home page, a course, a module, and plays the relaxation audio with captions."""

import pytest

pytestmark = pytest.mark.django_db(transaction=True)


def test_visitor_reaches_a_module_and_plays_the_audio(page, demo_programme, assert_accessible):
    page.goto("/")
    assert page.get_by_role("heading", level=1).is_visible()
    assert_accessible(page)

    page.locator(".card-grid a", has_text="Stress").first.click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="Modules").is_visible()
    assert_accessible(page)

    page.locator(".module-list a").last.click()
    page.wait_for_load_state()
    audio = page.locator("audio")
    assert audio.count() == 1
    assert audio.get_attribute("autoplay") is None
    assert page.locator(".transcript").first.inner_text().strip()
    assert_accessible(page)

    # Keyboard: the player is focusable, and play() starts the stream.
    audio.focus()
    assert page.evaluate("document.activeElement.tagName") == "AUDIO"
    page.evaluate("document.querySelector('audio').play()")
    page.wait_for_function("document.querySelector('audio').currentTime > 0.5", timeout=15_000)
    assert page.evaluate("document.querySelector('audio').duration") >= 7.5 * 60
    assert page.evaluate("document.querySelector('audio').error") is None


def test_the_audio_element_has_its_captions_track(page, demo_programme):
    page.goto("/")
    page.locator(".card-grid a", has_text="Stress").first.click()
    page.locator(".module-list a").last.click()
    page.wait_for_load_state()
    track = page.locator("audio > track")
    assert track.count() == 1
    assert track.get_attribute("kind") == "captions"
    assert track.get_attribute("default") is not None
    # The browser fetched and parsed the WebVTT file (readyState 2 is LOADED, 3 would be ERROR).
    page.wait_for_function("document.querySelector('audio > track').readyState === 2", timeout=15_000)
    cues = page.evaluate(
        """() => {
            const list = document.querySelector('audio').textTracks[0].cues;
            return {count: list.length, first: list[0].text, lastEnd: list[list.length - 1].endTime};
        }"""
    )
    assert cues["count"] > 40
    assert cues["first"].startswith("Welcome.")
    page.wait_for_function("document.querySelector('audio').duration > 0", timeout=15_000)
    assert cues["lastEnd"] <= page.evaluate("document.querySelector('audio').duration")

    # Browsers draw no captions for audio; the page's script shows the current cue while it plays.
    caption = page.locator(".audio-caption")
    assert caption.inner_text() == ""
    page.evaluate("document.querySelector('audio').play()")
    page.wait_for_function(
        "document.querySelector('.audio-caption').textContent.startsWith('Welcome.')", timeout=15_000
    )
    assert caption.is_visible()


def test_module_navigation_moves_between_modules(page, demo_programme):
    page.goto("/")
    page.locator(".card-grid a", has_text="Micro-connections").first.click()
    page.locator(".module-list a").first.click()
    first_title = page.get_by_role("heading", level=1).inner_text()
    page.locator("a[rel=next]").click()
    second_title = page.get_by_role("heading", level=1).inner_text()
    assert second_title != first_title
    page.locator("a[rel=prev]").click()
    assert page.get_by_role("heading", level=1).inner_text() == first_title


def test_pages_satisfy_the_content_security_policy(strict_page, demo_programme):
    page = strict_page
    refused = []
    page.on("console", lambda msg: refused.append(msg.text) if "Content Security Policy" in msg.text else None)
    page.on("pageerror", lambda exc: refused.append(str(exc)))
    page.goto("/")
    page.locator(".card-grid a", has_text="Stress").first.click()
    page.locator(".module-list a").last.click()
    page.wait_for_load_state("load")
    page.goto("/accounts/login/")
    assert refused == []
    assert "script-src 'self'" in page.evaluate(
        "fetch(location.href).then(r => r.headers.get('content-security-policy'))"
    )
