"""StreamField blocks for module bodies and quizzes.

Quiz questions are StreamField blocks so editors author them inline on the module page.
Every question and every option carries Wagtail's stable block id; attempts store those ids,
so edits to wording never break recorded answers and grading happens on the server.
"""

from django import forms
from django.core.exceptions import ValidationError
from wagtail import blocks
from wagtail.documents.blocks import DocumentChooserBlock
from wagtail.embeds.blocks import EmbedBlock
from wagtail.images.blocks import ImageBlock


class HeadingBlock(blocks.CharBlock):
    class Meta:
        icon = "title"
        template = "microlearn_courses/blocks/heading.html"


class KeyLessonBlock(blocks.StructBlock):
    title = blocks.CharBlock(max_length=120)
    text = blocks.TextBlock()

    class Meta:
        icon = "pick"
        label = "Key lesson"
        template = "microlearn_courses/blocks/key_lesson.html"


class ChecklistBlock(blocks.StructBlock):
    title = blocks.CharBlock(max_length=120)
    items = blocks.ListBlock(blocks.CharBlock(max_length=300), min_num=1)

    class Meta:
        icon = "tasks"
        label = "Checklist (habits)"
        template = "microlearn_courses/blocks/checklist.html"


class QuoteBlock(blocks.StructBlock):
    text = blocks.TextBlock()
    attribution = blocks.CharBlock(max_length=200, required=False)

    class Meta:
        icon = "openquote"
        template = "microlearn_courses/blocks/quote.html"


class CaptionedImageBlock(blocks.StructBlock):
    image = ImageBlock()
    caption = blocks.CharBlock(max_length=300, required=False)

    class Meta:
        icon = "image"
        label = "Image"
        template = "microlearn_courses/blocks/image.html"


class VideoBlock(blocks.StructBlock):
    video = EmbedBlock(help_text="A YouTube or Vimeo address.")
    caption = blocks.CharBlock(max_length=300, required=False)
    transcript = blocks.TextBlock(required=False)

    class Meta:
        icon = "media"
        label = "Video embed"
        template = "microlearn_courses/blocks/video.html"


class ReflectionBlock(blocks.StructBlock):
    prompt = blocks.TextBlock()

    class Meta:
        icon = "help"
        label = "Reflection prompt"
        template = "microlearn_courses/blocks/reflection.html"


class OpenersBlock(blocks.StructBlock):
    title = blocks.CharBlock(max_length=120, default="Openers to try")
    intro = blocks.TextBlock(required=False)
    openers = blocks.ListBlock(blocks.CharBlock(max_length=300), min_num=1)

    class Meta:
        icon = "comment"
        label = "Openers to try"
        template = "microlearn_courses/blocks/openers.html"


class AudioBlock(blocks.StructBlock):
    """An audio file with captions and a visible transcript. Never autoplays; native controls are
    keyboard-operable. The captions play through a ``<track>`` served from this site (the
    document's own URL), so they need no script and no other origin."""

    title = blocks.CharBlock(max_length=200)
    audio = DocumentChooserBlock(help_text="An MP3, Ogg or M4A file uploaded to Documents.")
    captions = DocumentChooserBlock(
        required=False,
        help_text="WebVTT captions (.vtt) timed to the audio, uploaded to Documents. "
        "Browsers show them with the player's captions button.",
    )
    description = blocks.TextBlock(required=False)
    transcript = blocks.TextBlock(help_text="Shown beside the player for accessibility.")

    class Meta:
        icon = "media"
        label = "Audio"
        template = "microlearn_courses/blocks/audio.html"


class ModuleBodyBlock(blocks.StreamBlock):
    heading = HeadingBlock()
    rich_text = blocks.RichTextBlock(features=["bold", "italic", "ol", "ul", "link", "hr"])
    key_lesson = KeyLessonBlock()
    checklist = ChecklistBlock()
    quote = QuoteBlock()
    image = CaptionedImageBlock()
    video = VideoBlock()
    reflection = ReflectionBlock()
    openers = OpenersBlock()
    audio = AudioBlock()


# --- Quizzes -----------------------------------------------------------------------------


class QuestionKind:
    SINGLE = "single"
    MULTIPLE = "multiple"
    TRUE_FALSE = "true_false"
    CHOICES = [
        (SINGLE, "Single choice"),
        (MULTIPLE, "Multiple choice"),
        (TRUE_FALSE, "True / false"),
    ]


class OptionBlock(blocks.StructBlock):
    text = blocks.CharBlock(max_length=500)
    correct = blocks.BooleanBlock(required=False)
    feedback = blocks.CharBlock(
        max_length=500,
        required=False,
        label="Explanation",
        help_text="Why this option is right or wrong; shown after grading, under the quiz's reveal rule. "
        "The quiz check on publish flags options without one.",
    )

    class Meta:
        icon = "radio-full"
        label = "Option"


EMPTY_OPTION = {"text": "", "correct": False, "feedback": ""}


class QuestionBlock(blocks.StructBlock):
    kind = blocks.ChoiceBlock(choices=QuestionKind.CHOICES, default=QuestionKind.SINGLE, widget=forms.RadioSelect)
    text = blocks.TextBlock(label="Question")
    partial_credit = blocks.BooleanBlock(
        required=False,
        help_text="Multiple choice only: award a share of the mark for partly correct answers. "
        "Otherwise every correct option, and no wrong one, is needed.",
    )
    # Wagtail's ListBlock starts a new list with ONE empty child unless given a default; a question
    # needs two options, so a new question starts with two empty ones.
    options = blocks.ListBlock(OptionBlock(), min_num=2, max_num=10, default=[EMPTY_OPTION, EMPTY_OPTION])
    explanation = blocks.TextBlock(required=False, help_text="Shown after grading, under the quiz's reveal rule.")

    class Meta:
        icon = "help"
        label = "Question"
        # courses/static/microlearn_courses/css/quiz-editor.css hides "partial credit" unless the
        # kind is multiple choice (pure CSS, no script, so it is CSP-safe).
        form_classname = "struct-block ml-quiz-question"

    def clean(self, value):
        value = super().clean(value)
        kind = value.get("kind")
        options = list(value.get("options") or [])
        correct = sum(1 for option in options if option.get("correct"))
        errors = []
        if correct == 0:
            errors.append("Mark at least one option as correct.")
        if kind == QuestionKind.SINGLE and correct > 1:
            errors.append("A single-choice question must have exactly one correct option.")
        if kind == QuestionKind.TRUE_FALSE:
            if len(options) != 2:
                errors.append("A true/false question has exactly two options.")
            if correct > 1:
                errors.append("A true/false question must have exactly one correct option.")
        if kind == QuestionKind.MULTIPLE and len(options) < 3:
            errors.append("A multiple-choice question needs at least three options.")
        if value.get("partial_credit") and kind != QuestionKind.MULTIPLE:
            errors.append("Partial credit applies to multiple-choice questions only.")
        if errors:
            raise blocks.StructBlockValidationError(non_block_errors=[ValidationError(e) for e in errors])
        return value


class QuizStreamBlock(blocks.StreamBlock):
    question = QuestionBlock()

    class Meta:
        max_num = 50
