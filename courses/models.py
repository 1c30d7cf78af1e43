"""Wagtail page models of the course catalogue.

Tree: HomePage → CourseIndexPage → CoursePage → ModulePage. Page types restrict their parents
and children so editors cannot build a broken tree.

Dependency direction: ``courses`` knows nothing of learner records. Apps that do (``lms``)
add per-request context through the ``microlearn_module_context`` / ``microlearn_course_context``
Wagtail hooks (see ``courses/hooks.py``).
"""

import uuid

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.functional import cached_property
from wagtail import blocks
from wagtail.admin.panels import (
    FieldPanel,
    FieldRowPanel,
    HelpPanel,
    MultiFieldPanel,
    ObjectList,
    TabbedInterface,
)
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page
from wagtail.search import index

from .blocks import ModuleBodyBlock, QuizStreamBlock
from .hooks import run_context_hooks


class HomePage(Page):
    intro = RichTextField(blank=True, features=["bold", "italic", "link"])

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    parent_page_types = ["wagtailcore.Page"]
    subpage_types = ["microlearn_courses.CourseIndexPage"]
    max_count = 1

    class Meta:
        verbose_name = "home page"

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["courses"] = (
            CoursePage.objects.live()
            .public()
            .descendant_of(self)
            .select_related("image")
            .prefetch_related("image__renditions")
            .order_by("path")
        )
        return context


class CourseIndexPage(Page):
    intro = RichTextField(blank=True, features=["bold", "italic", "link"])

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    parent_page_types = ["microlearn_courses.HomePage"]
    subpage_types = ["microlearn_courses.CoursePage"]

    class Meta:
        verbose_name = "course index page"

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["courses"] = (
            CoursePage.objects.live()
            .public()
            .child_of(self)
            .select_related("image")
            .prefetch_related("image__renditions")
        )
        return context


class CoursePage(Page):
    summary = models.TextField(max_length=500, help_text="One or two sentences shown in course lists.")
    intro = RichTextField(blank=True, features=["bold", "italic", "ol", "ul", "link"])
    learning_outcomes = StreamField([("outcome", blocks.CharBlock(max_length=300, label="Outcome"))], blank=True)
    estimated_minutes = models.PositiveIntegerField(
        default=60, validators=[MinValueValidator(1)], help_text="Estimated total time to complete, in minutes."
    )
    programme_hours = models.DecimalField(
        max_digits=5,
        decimal_places=1,
        default=1,
        validators=[MinValueValidator(0)],
        help_text="Programme hours printed on certificates.",
    )
    certificate_validity_months = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(240)],
        help_text="Months a certificate stays valid; leave empty for no expiry.",
    )
    image = models.ForeignKey("wagtailimages.Image", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    self_enrol = models.BooleanField(default=True, help_text="Participants may enrol themselves.")
    source_credit = models.CharField(
        max_length=300, blank=True, help_text="Credit for the material this course is based on."
    )
    # The practice badge (docs/badges.md): it attests what participants keep doing, not attendance.
    badge_enabled = models.BooleanField(
        default=False,
        help_text="Award a practice badge to participants who keep meeting their weekly targets and follow up.",
    )
    badge_name = models.CharField(
        max_length=100,
        blank=True,
        default="Practice badge",
        help_text="Shown to participants and in the badge credential, e.g. “Micro-connections practitioner”.",
    )
    badge_min_weeks_met = models.PositiveSmallIntegerField(
        "weeks meeting the target",
        default=6,
        validators=[MinValueValidator(1), MaxValueValidator(52)],
        help_text="Weeks whose weekly challenge target was met, within the rolling window (1-52).",
    )
    badge_min_follow_ups = models.PositiveSmallIntegerField(
        "follow-ups done",
        default=5,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text="Follow-ups marked done, within the rolling window (0-100; 0 for practice-only courses).",
    )
    badge_valid_days = models.PositiveSmallIntegerField(
        "days valid",
        default=180,
        validators=[MinValueValidator(7), MaxValueValidator(730)],
        help_text="Days a badge stays valid (7-730). It renews in its last 30 days while the rule still holds "
        "over the rolling window: the last max(weeks needed, days valid ÷ 7) programme weeks.",
    )

    content_panels = [
        *Page.content_panels,
        FieldPanel("summary"),
        FieldPanel("intro"),
        FieldPanel("learning_outcomes"),
        FieldRowPanel([FieldPanel("estimated_minutes"), FieldPanel("programme_hours")]),
        FieldPanel("certificate_validity_months"),
        FieldPanel("image"),
        FieldPanel("source_credit"),
    ]
    settings_panels = [*Page.settings_panels, FieldPanel("self_enrol")]
    badge_panels = [
        HelpPanel(
            content="The practice badge attests behaviour, not attendance: participants earn it by meeting their "
            "weekly challenge targets and doing follow-ups, and keep it while they keep practising."
        ),
        MultiFieldPanel(
            [
                FieldPanel("badge_enabled"),
                FieldPanel("badge_name"),
                FieldRowPanel([FieldPanel("badge_min_weeks_met"), FieldPanel("badge_min_follow_ups")]),
                FieldPanel("badge_valid_days"),
            ],
            heading="Practice badge",
        ),
    ]
    search_fields = [*Page.search_fields, index.SearchField("summary")]
    parent_page_types = ["microlearn_courses.CourseIndexPage"]
    subpage_types = ["microlearn_courses.ModulePage"]

    edit_handler = TabbedInterface(
        [
            ObjectList(content_panels, heading="Content"),
            ObjectList(badge_panels, heading="Practice badge"),
            ObjectList(Page.promote_panels, heading="Promote"),
            ObjectList(settings_panels, heading="Settings"),
        ]
    )

    class Meta:
        verbose_name = "course"

    def clean(self):
        super().clean()
        if self.badge_enabled and not (self.badge_name or "").strip():
            raise ValidationError({"badge_name": "Give the badge a name, or turn the badge off."})

    @property
    def badge_window_weeks(self) -> int:
        """Programme weeks the badge rule is evaluated over (docs/badges.md): long enough to hold the
        weeks needed, and as long as the badge's validity, so a renewal asks for fresh practice."""
        return max(self.badge_min_weeks_met, -(-self.badge_valid_days // 7))

    FALLBACK_IMAGES = 4

    @property
    def fallback_image(self) -> str:
        """The shipped illustration (a static path) shown when the course has no image of its own."""
        return f"microlearn_courses/img/course-{(self.pk or 0) % self.FALLBACK_IMAGES + 1}.svg"

    def modules(self):
        """Live modules in tree order (the editor's order)."""
        return ModulePage.objects.live().child_of(self).order_by("path")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["modules"] = list(self.modules())
        run_context_hooks("microlearn_course_context", self, request, context)
        return context


class QuizReveal(models.TextChoices):
    AFTER_PASS = "after_pass", "After a pass"
    AFTER_LAST_ATTEMPT = "after_last_attempt", "After a pass or the last attempt"
    NEVER = "never", "Never"


class ModulePage(Page):
    summary = models.CharField(max_length=300, blank=True)
    estimated_minutes = models.PositiveIntegerField(default=10, validators=[MinValueValidator(1)])
    required = models.BooleanField(default=True, help_text="Required modules count towards course completion.")
    body = StreamField(ModuleBodyBlock(), blank=True)

    quiz = StreamField(QuizStreamBlock(), blank=True, help_text="Leave empty for a module without a quiz.")
    quiz_pass_mark = models.PositiveSmallIntegerField(
        default=70, validators=[MinValueValidator(0), MaxValueValidator(100)], help_text="Percent needed to pass."
    )
    quiz_max_attempts = models.PositiveSmallIntegerField(default=0, help_text="0 means unlimited.")
    quiz_shuffle = models.BooleanField(default=True, help_text="Shuffle questions and options per attempt.")
    quiz_reveal = models.CharField(
        max_length=20,
        choices=QuizReveal.choices,
        default=QuizReveal.AFTER_PASS,
        help_text="When correct answers are shown to the participant.",
    )

    content_panels = [
        *Page.content_panels,
        FieldPanel("summary"),
        FieldRowPanel([FieldPanel("estimated_minutes"), FieldPanel("required")]),
        FieldPanel("body"),
    ]
    quiz_panels = [
        HelpPanel(content="Questions are graded on the server; answers never reach the browser before grading."),
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("quiz_pass_mark"), FieldPanel("quiz_max_attempts")]),
                FieldRowPanel([FieldPanel("quiz_shuffle"), FieldPanel("quiz_reveal")]),
            ],
            heading="Quiz settings",
        ),
        FieldPanel("quiz"),
    ]
    search_fields = [*Page.search_fields, index.SearchField("summary"), index.SearchField("body")]
    parent_page_types = ["microlearn_courses.CoursePage"]
    subpage_types = []

    edit_handler = TabbedInterface(
        [
            ObjectList(content_panels, heading="Content"),
            ObjectList(quiz_panels, heading="Quiz"),
            ObjectList(Page.promote_panels, heading="Promote"),
            ObjectList(Page.settings_panels, heading="Settings"),
        ]
    )

    class Meta:
        verbose_name = "module"

    @property
    def has_quiz(self) -> bool:
        return len(self.quiz) > 0

    @cached_property
    def course(self) -> "CoursePage":
        return self.get_parent().specific

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        course = self.course
        modules = list(course.modules())
        ids = [m.pk for m in modules]
        index_ = ids.index(self.pk) if self.pk in ids else -1
        context.update(
            course=course,
            modules=modules,
            module_number=index_ + 1,
            previous_module=modules[index_ - 1] if index_ > 0 else None,
            next_module=modules[index_ + 1] if 0 <= index_ < len(modules) - 1 else None,
        )
        run_context_hooks("microlearn_module_context", self, request, context)
        return context


class LoadedContent(models.Model):
    """Provenance of a page created by the programme loader (``load_programme``).

    The loader compares ``revision`` with the page's latest revision to tell whether an editor
    has changed the page since it was loaded, and ``content_hash`` with the file to tell
    whether the file changed. See ``courses/loader.py`` for the rule.
    """

    key = models.CharField(max_length=255, unique=True)
    page = models.OneToOneField(Page, on_delete=models.CASCADE, related_name="+")
    revision_id = models.BigIntegerField(null=True)
    content_hash = models.CharField(max_length=64)
    loaded_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return self.key


class ChallengeKind(models.TextChoices):
    NETWORKING = "networking", "Networking (log micro-connections)"
    PRACTICE = "practice", "Practice (log minutes and calm ratings)"


class Challenge(models.Model):
    """A weekly challenge of a programme, authored as a snippet in the Wagtail admin."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    course = models.ForeignKey(CoursePage, on_delete=models.PROTECT, related_name="challenges")
    week = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(52)], help_text="Programme week it opens in (1 = first)."
    )
    kind = models.CharField(max_length=12, choices=ChallengeKind.choices, default=ChallengeKind.NETWORKING)
    title = models.CharField(max_length=200)
    brief = models.TextField()
    module = models.ForeignKey(
        ModulePage,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The module this challenge practises.",
    )
    target = models.PositiveSmallIntegerField(
        default=3, validators=[MinValueValidator(1), MaxValueValidator(50)], help_text="Entries to aim for in the week."
    )
    openers = StreamField([("opener", blocks.CharBlock(max_length=300))], blank=True)
    tips = StreamField([("tip", blocks.CharBlock(max_length=300))], blank=True)
    cues = StreamField(
        [("cue", blocks.CharBlock(max_length=200))],
        blank=True,
        default=list,
        help_text="Suggested cues for if-then plans, e.g. “when I join Monday's stand-up”. "
        "Empty: participants see general suggestions.",
    )

    panels = [
        FieldPanel("course"),
        FieldRowPanel([FieldPanel("week"), FieldPanel("kind"), FieldPanel("target")]),
        FieldPanel("title"),
        FieldPanel("brief"),
        FieldPanel("module"),
        FieldPanel("openers"),
        FieldPanel("tips"),
        FieldPanel("cues"),
    ]

    class Meta:
        ordering = ["course_id", "week", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["course", "week", "title"], name="courses_challenge_unique_title_week"),
        ]

    def __str__(self) -> str:
        return f"Week {self.week}: {self.title}"

    def clean(self):
        super().clean()
        module_ok = not (self.module_id and self.course_id) or (
            ModulePage.objects.child_of(self.course).filter(pk=self.module_id).exists()
        )
        if not module_ok:
            raise ValidationError({"module": "Choose a module of this challenge's course."})


class LoadedChallenge(models.Model):
    """Provenance of a challenge created by the programme loader (the snippet twin of ``LoadedContent``).

    ``content_hash`` is the hash of the file's data for the challenge (did the file change?);
    ``state_hash`` the hash of the challenge's fields as the loader saved them (did an editor
    change it since?). See ``courses/loader.py``.
    """

    key = models.CharField(max_length=255, unique=True)
    challenge = models.OneToOneField(Challenge, on_delete=models.CASCADE, related_name="+")
    content_hash = models.CharField(max_length=64)
    state_hash = models.CharField(max_length=64)
    loaded_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return self.key
