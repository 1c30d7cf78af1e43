"""The quiz editor for non-developers: new questions start usable, mistakes are clear messages,
partial credit shows only where it applies, and a failed publish leads to the tab with the error."""

import pytest
from django.urls import reverse
from wagtail import blocks

from courses.blocks import QuestionBlock, QuizStreamBlock
from courses.models import ModulePage
from tests.courses.test_admin import AuthoringTestCase, module_form, option, question


def test_a_new_question_starts_with_two_empty_options():
    default = QuestionBlock().get_default()
    options = default["options"]
    assert len(options) == 2
    assert [o["text"] for o in options] == ["", ""]
    assert [o["correct"] for o in options] == [False, False]


def test_the_editor_offers_two_options_for_a_new_question():
    """The admin draws a new question from the stream block's form state of the default."""
    question_block = QuizStreamBlock().child_blocks["question"]
    state = question_block.get_form_state(question_block.get_default())
    assert len(state["options"]) == 2
    assert all(item["id"] for item in state["options"])


def _clean(kind, options, partial_credit=False):
    value = QuestionBlock().to_python(
        {
            "kind": kind,
            "text": "Q",
            "partial_credit": partial_credit,
            "options": [{"text": t, "correct": c, "feedback": ""} for t, c in options],
            "explanation": "",
        }
    )
    return QuestionBlock().clean(value)


def _messages(exc):
    return [str(e) for e in exc.non_block_errors]


@pytest.mark.parametrize(
    ("kind", "options", "partial", "message"),
    [
        ("single", [("A", False), ("B", False)], False, "Mark at least one option as correct."),
        ("single", [("A", True), ("B", True)], False, "A single-choice question must have exactly one correct option."),
        (
            "true_false",
            [("T", True), ("F", False), ("X", False)],
            False,
            "A true/false question has exactly two options.",
        ),
        ("multiple", [("A", True), ("B", False)], False, "A multiple-choice question needs at least three options."),
        ("single", [("A", True), ("B", False)], True, "Partial credit applies to multiple-choice questions only."),
    ],
)
def test_question_mistakes_are_plain_messages(kind, options, partial, message):
    with pytest.raises(blocks.StructBlockValidationError) as exc:
        _clean(kind, options, partial)
    assert _messages(exc.value) == [message]


def test_one_option_is_not_enough():
    with pytest.raises(blocks.StructBlockValidationError) as exc:
        _clean("single", [("A", True)])
    assert "options" in exc.value.block_errors


def test_a_good_question_is_clean():
    assert _clean("multiple", [("A", True), ("B", True), ("C", False)], True)["partial_credit"] is True


def test_the_question_form_carries_the_class_the_css_hides_partial_credit_by():
    assert "ml-quiz-question" in QuestionBlock().meta.form_classname
    assert "struct-block" in QuestionBlock().meta.form_classname


class QuizEditorAdminTests(AuthoringTestCase):
    def test_editor_pages_load_the_css_and_the_error_tab_script_as_files(self):
        url = reverse("wagtailadmin_pages:add", args=["microlearn_courses", "modulepage", self.course.pk])
        html = self.client.get(url).content.decode()
        assert "microlearn_courses/css/quiz-editor.css" in html
        assert 'src="/static/microlearn_courses/js/editor-error-tab.js"' in html or "editor-error-tab.js" in html
        assert "ml-quiz-question" in html  # the class reaches the block definition the editor renders

    def test_a_failed_publish_shows_the_quiz_error_inside_the_quiz_tab(self):
        data = module_form("Bad quiz", questions=[question("single", "Q", [option("A"), option("B")])])
        url = reverse("wagtailadmin_pages:add", args=["microlearn_courses", "modulepage", self.course.pk])
        response = self.client.post(url, {**data, "action-publish": "publish"})
        assert response.status_code == 200
        assert not ModulePage.objects.filter(slug="bad-quiz").exists()
        html = response.content.decode()
        quiz_tab = html[html.index('id="tab-quiz"') :]
        assert "Mark at least one option as correct." in quiz_tab
        assert "Go to the first error" in html  # Wagtail's own link to the error
