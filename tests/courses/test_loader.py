import io
import json

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from wagtail.documents import get_document_model
from wagtail.models import Page, Site

from courses.loader import ProgrammeLoader
from courses.models import CoursePage, HomePage, LoadedContent, ModulePage
from tests.conftest import DEMO_PROGRAMME, MINI_PROGRAMME

pytestmark = pytest.mark.django_db


def test_loader_builds_tree_and_points_default_site_at_home():
    report = ProgrammeLoader(MINI_PROGRAMME).load()
    home = HomePage.objects.get()
    assert Site.objects.get(is_default_site=True).root_page_id == home.pk
    course = CoursePage.objects.get(slug="test-course")
    assert [m.slug for m in course.modules()] == ["first", "second"]
    # Wagtail's placeholder welcome page is gone.
    assert not Page.objects.filter(title="Welcome to your new Wagtail site!").exists()
    assert "course:test-course" in report.created


def test_loader_is_idempotent():
    ProgrammeLoader(MINI_PROGRAMME).load()
    count = Page.objects.count()
    revisions = {p.pk: p.latest_revision_id for p in Page.objects.all()}
    report = ProgrammeLoader(MINI_PROGRAMME).load()
    assert Page.objects.count() == count
    assert {p.pk: p.latest_revision_id for p in Page.objects.all()} == revisions
    assert report.created == [] and report.updated == []


def test_demo_loader_command_twice_duplicates_nothing():
    out = io.StringIO()
    call_command("load_demo", stdout=out)
    pages, users = Page.objects.count(), get_user_model().objects.count()
    call_command("load_demo", stdout=out)
    assert Page.objects.count() == pages
    assert get_user_model().objects.count() == users
    assert "password" in out.getvalue()
    data = json.loads(DEMO_PROGRAMME.read_text())
    expected_modules = sum(len(c["modules"]) for c in data["courses"])
    assert ModulePage.objects.count() == expected_modules


def test_editors_changes_are_kept_unless_forced(tmp_path):
    ProgrammeLoader(MINI_PROGRAMME).load()
    module = ModulePage.objects.get(slug="first")
    module.title = "Edited by an editor"
    module.save_revision().publish()

    # The file changes too: the loader still must not overwrite the editor's work.
    data = json.loads(MINI_PROGRAMME.read_text())
    data["courses"][0]["modules"][0]["summary"] = "Changed in the file."
    changed = tmp_path / "programme.json"
    changed.write_text(json.dumps(data))

    report = ProgrammeLoader(changed).load()
    module.refresh_from_db()
    assert module.title == "Edited by an editor"
    assert "module:test-course/first" in report.skipped_edited

    # --force publishes the file's version; the editor's version stays in the history.
    report = ProgrammeLoader(changed, force=True).load()
    module.refresh_from_db()
    assert module.title == "First module"
    assert module.summary == "Changed in the file."
    titles = [r.as_object().title for r in module.revisions.all()]
    assert "Edited by an editor" in titles
    assert "module:test-course/first" in report.updated


def test_unedited_page_is_updated_when_file_changes(tmp_path):
    ProgrammeLoader(MINI_PROGRAMME).load()
    data = json.loads(MINI_PROGRAMME.read_text())
    data["courses"][0]["summary"] = "A new summary."
    changed = tmp_path / "programme.json"
    changed.write_text(json.dumps(data))
    report = ProgrammeLoader(changed).load()
    assert CoursePage.objects.get(slug="test-course").summary == "A new summary."
    assert report.updated == ["course:test-course"]
    record = LoadedContent.objects.get(key="course:test-course")
    assert record.revision_id == CoursePage.objects.get(slug="test-course").latest_revision_id


def test_quiz_block_ids_are_stable_across_reloads(tmp_path):
    ProgrammeLoader(MINI_PROGRAMME).load()
    first_ids = [
        (q.id, [o.id for o in q.value["options"].bound_blocks]) for q in ModulePage.objects.get(slug="first").quiz
    ]
    data = json.loads(MINI_PROGRAMME.read_text())
    data["courses"][0]["modules"][0]["quiz"]["questions"][0]["text"] = "Pick A, please"
    changed = tmp_path / "programme.json"
    changed.write_text(json.dumps(data))
    ProgrammeLoader(changed).load()
    second_ids = [
        (q.id, [o.id for o in q.value["options"].bound_blocks]) for q in ModulePage.objects.get(slug="first").quiz
    ]
    assert first_ids == second_ids
    assert all(qid for qid, _ in first_ids)


def test_loader_rejects_missing_file_with_clear_error(tmp_path):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="not found"):
        call_command("load_demo", file=tmp_path / "nope.json", stdout=io.StringIO())
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(CommandError, match="not valid JSON"):
        call_command("load_demo", file=bad, stdout=io.StringIO())


def _audio_programme(tmp_path, audio_value):
    data = json.loads(MINI_PROGRAMME.read_text())
    data["courses"][0]["modules"][1]["body"] = [{"type": "audio", "value": audio_value}]
    (tmp_path / "media").mkdir(exist_ok=True)
    (tmp_path / "media" / "talk.mp3").write_bytes(b"ID3 not really audio")
    (tmp_path / "media" / "talk.vtt").write_text("WEBVTT\n\n00:00:00.000 --> 00:00:01.000\nHello.\n")
    path = tmp_path / "programme.json"
    path.write_text(json.dumps(data))
    return path


def test_audio_captions_load_as_a_document_and_render_as_a_track(tmp_path, client):
    audio = {"title": "Talk", "file": "talk.mp3", "captions_file": "talk.vtt", "transcript": "Hello."}
    ProgrammeLoader(_audio_programme(tmp_path, audio)).load()
    module = ModulePage.objects.get(slug="second")
    value = module.body[0].value
    assert value["captions"].title == "Talk (captions)"
    assert value["captions"].file.name.endswith(".vtt")
    assert value["audio"].pk != value["captions"].pk
    assert f'<track kind="captions" src="{value["captions"].url}"' in client.get(module.url).content.decode()

    # Re-loading the same file reuses both documents (they are found by content hash).
    documents = get_document_model().objects.count()
    ProgrammeLoader(_audio_programme(tmp_path, audio)).load()
    assert get_document_model().objects.count() == documents


def test_audio_without_captions_renders_no_track(tmp_path, client):
    ProgrammeLoader(_audio_programme(tmp_path, {"title": "Talk", "file": "talk.mp3", "transcript": "Hello."})).load()
    module = ModulePage.objects.get(slug="second")
    assert module.body[0].value["captions"] is None
    html = client.get(module.url).content.decode()
    assert "<audio controls" in html and "<track" not in html


def test_load_demo_updates_unedited_pages_to_new_content(tmp_path):
    """A re-run picks up changed content: how the rewritten demo reaches existing sites."""
    ProgrammeLoader(DEMO_PROGRAMME).load()
    data = json.loads(DEMO_PROGRAMME.read_text())
    question = data["courses"][0]["modules"][0]["quiz"]["questions"][0]
    question["options"][0]["feedback"] = "A new explanation."
    changed = tmp_path / "programme.json"
    changed.write_text(json.dumps(data))
    report = ProgrammeLoader(changed, media_dir=DEMO_PROGRAMME.parent / "media").load()
    assert report.updated == [f"module:{data['courses'][0]['slug']}/{data['courses'][0]['modules'][0]['slug']}"]
    module = ModulePage.objects.get(slug=data["courses"][0]["modules"][0]["slug"])
    options = module.quiz[0].value["options"]
    assert options[0]["feedback"] == "A new explanation."
