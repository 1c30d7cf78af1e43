"""Editors author modules and quizzes in the Wagtail admin; authoring mistakes are form errors."""

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from wagtail.documents import get_document_model
from wagtail.test.utils import WagtailPageTestCase
from wagtail.test.utils.form_data import nested_form_data, rich_text, streamfield

from courses.loader import ProgrammeLoader
from courses.models import CoursePage, ModulePage
from tests.conftest import MINI_PROGRAMME


def option(text, correct=False, feedback=""):
    return {"text": text, "correct": "on" if correct else "", "feedback": feedback}


def question(kind, text, options, partial_credit=False):
    return {
        "kind": kind,
        "text": text,
        "partial_credit": "on" if partial_credit else "",
        "options": streamfield([("item", o) for o in options]),
        "explanation": "Because.",
    }


def module_form(title, *, questions=(), pass_mark=70):
    return nested_form_data(
        {
            "title": title,
            "slug": title.lower().replace(" ", "-"),
            "summary": "A summary",
            "estimated_minutes": "12",
            "required": "on",
            "body": streamfield(
                [
                    ("heading", "Opening"),
                    ("rich_text", rich_text("<p>Body text</p>")),
                    ("key_lesson", {"title": "Lesson", "text": "Be brief."}),
                ]
            ),
            "quiz": streamfield([("question", q) for q in questions]),
            "quiz_pass_mark": str(pass_mark),
            "quiz_max_attempts": "0",
            "quiz_reveal": "after_pass",
        }
    )


class AuthoringTestCase(WagtailPageTestCase):
    """The mini programme's course, and a logged-in superuser who authors modules under it."""

    @classmethod
    def setUpTestData(cls):
        ProgrammeLoader(MINI_PROGRAMME).load()
        cls.course = CoursePage.objects.get(slug="test-course")
        cls.editor = get_user_model().objects.create_superuser("editor", "editor@example.com", "pw")

    def setUp(self):
        self.client.force_login(self.editor)


class ModuleAuthoringTests(AuthoringTestCase):
    def test_editor_can_create_a_module_with_a_quiz(self):
        data = module_form(
            "Listening well",
            questions=[
                question("single", "Which?", [option("A", True), option("B"), option("C")]),
                question("multiple", "Pick two", [option("A", True), option("B", True), option("C")], True),
                question("true_false", "True?", [option("True", True), option("False")]),
            ],
        )
        self.assertCanCreate(self.course, ModulePage, data)
        module = ModulePage.objects.get(slug="listening-well")
        assert module.get_parent().pk == self.course.pk
        assert [q.value["kind"] for q in module.quiz] == ["single", "multiple", "true_false"]
        assert all(o.id for q in module.quiz for o in q.value["options"].bound_blocks)
        assert self.client.get(module.url).status_code == 200

    def _post(self, data):
        url = reverse("wagtailadmin_pages:add", args=["microlearn_courses", "modulepage", self.course.pk])
        return self.client.post(url, {**data, "action-publish": "publish"})

    def assert_rejected(self, data, message):
        before = ModulePage.objects.count()
        response = self._post(data)
        assert response.status_code == 200  # the form is shown again with errors
        assert message in response.content.decode()
        assert ModulePage.objects.count() == before

    def test_question_without_a_correct_option_is_an_error(self):
        data = module_form("No correct", questions=[question("single", "Q", [option("A"), option("B")])])
        self.assert_rejected(data, "Mark at least one option as correct.")

    def test_single_choice_with_two_correct_options_is_an_error(self):
        data = module_form("Two correct", questions=[question("single", "Q", [option("A", True), option("B", True)])])
        self.assert_rejected(data, "exactly one correct option")

    def test_pass_mark_outside_0_to_100_is_an_error(self):
        data = module_form(
            "Bad mark", questions=[question("single", "Q", [option("A", True), option("B")])], pass_mark=150
        )
        self.assert_rejected(data, "Ensure this value is less than or equal to 100.")

    def test_partial_credit_on_single_choice_is_an_error(self):
        data = module_form(
            "Partial single", questions=[question("single", "Q", [option("A", True), option("B")], True)]
        )
        self.assert_rejected(data, "Partial credit applies to multiple-choice questions only.")


class QuizCheckOnPublishTests(AuthoringTestCase):
    """Authors see the content lint's warnings when they publish a module (courses/content_lint.py)."""

    def publish(self, title, questions, shuffle=True):
        data = module_form(title, questions=questions)
        if shuffle:
            data["quiz_shuffle"] = "on"
        url = reverse("wagtailadmin_pages:add", args=["microlearn_courses", "modulepage", self.course.pk])
        response = self.client.post(url, {**data, "action-publish": "publish"}, follow=True)
        assert ModulePage.objects.get(slug=data["slug"]).live  # warnings never block publishing
        return [str(m) for m in response.context["messages"] if str(m).startswith("Quiz check:")]

    def test_a_quiz_that_gives_its_answers_away_is_flagged(self):
        cued = [
            question(
                "single",
                f"Q{i}",
                [option("The right answer, clearly the longest", True, "Yes."), option("No", False, "No.")],
            )
            for i in range(3)
        ]
        warnings = self.publish(
            "Cued quiz", [*cued, question("true_false", "T?", [option("True"), option("False", True)])], shuffle=False
        )
        assert any("correct option is the longest" in w for w in warnings)
        assert any("the first option" in w for w in warnings)
        assert any("Shuffling is off" in w for w in warnings)
        assert any("no explanation" in w for w in warnings)

    def test_a_fair_quiz_publishes_without_warnings(self):
        def opts(right):
            texts = ["An answer of fair length", "Another of similar length", "A third, about as long"]
            return [option(t, i == right, "Because.") for i, t in enumerate(texts)]

        questions = [question("single", f"Q{i}", opts(i)) for i in range(3)]
        questions += [question("true_false", "T?", [option("True", True, "Yes."), option("False", False, "No.")])]
        assert self.publish("Fair quiz", questions) == []


class AudioCaptionsAuthoringTests(AuthoringTestCase):
    """An author uploads a recording and its WebVTT captions, and picks both in an audio block."""

    def upload(self, name, content):
        response = self.client.post(
            reverse("wagtaildocs:add"), {"title": name, "file": SimpleUploadedFile(name, content)}, follow=True
        )
        assert response.status_code == 200
        return get_document_model().objects.get(title=name)

    def test_captions_upload_as_a_document_and_play_through_a_track(self):
        recording = self.upload("talk.mp3", b"ID3 a recording")
        captions = self.upload("talk.vtt", b"WEBVTT\n\n00:00:00.000 --> 00:00:01.000\nHello.\n")
        audio = {
            "title": "A real recording",
            "audio": recording.pk,
            "captions": captions.pk,
            "description": "",
            "transcript": "Hello.",
        }
        data = module_form("Recorded talk")
        data.update(nested_form_data({"body": streamfield([("audio", audio)])}))
        self.assertCanCreate(self.course, ModulePage, data)
        module = ModulePage.objects.get(slug="recorded-talk")
        assert module.body[0].value["captions"].pk == captions.pk
        html = self.client.get(module.url).content.decode()
        assert f'<track kind="captions" src="{captions.url}"' in html
