"""Certificates of completion: the record, its serial counter, and the design settings.

Lifecycle (``CertificateStatus``)::

    PENDING ──render──▶ ISSUED ──revoke──▶ REVOKED
                          │                   │
                          └──── re-issue ─────┴──▶ SUPERSEDED (points at the new one)

When the holder's data is erased (``lms.services.erasure``) the status stays, the name becomes
"Erased participant", the PDF is deleted and ``holder_erased_at`` is set: an ISSUED certificate
may then have no PDF.

A PENDING certificate has its serial and code but no PDF yet (rendering failed or has not run;
``attempts`` and ``last_error`` say why). At most one certificate per enrolment is *current*
(anything but SUPERSEDED); a partial unique constraint enforces it.

The certificate snapshots what it prints (name, course title, hours, organisation, trainers), so
the PDF, the verification page and the record always agree, and a re-issue picks up corrections.
"""

import uuid

from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone
from wagtail.admin.panels import FieldPanel, FieldRowPanel, HelpPanel, MultiFieldPanel
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting

from ..certificates.storage import get_certificate_storage
from ..validators import validate_date_in_range


class CertificateStatus(models.TextChoices):
    PENDING = "pending", "Pending (not yet rendered)"
    ISSUED = "issued", "Issued"
    REVOKED = "revoked", "Revoked"
    SUPERSEDED = "superseded", "Superseded"


def certificate_upload_to(instance: "Certificate", filename: str) -> str:
    # The uuid keeps paths unguessable even on storage that serves files directly.
    return f"certificates/{instance.issued_on:%Y}/{instance.uuid}.pdf"


class Certificate(models.Model):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    enrolment = models.ForeignKey("microlearn_lms.Enrolment", on_delete=models.CASCADE, related_name="certificates")
    serial = models.CharField(max_length=40, unique=True, help_text="Human-readable, sequential per course and year.")
    verification_code = models.CharField(max_length=32, unique=True, editable=False)
    status = models.CharField(max_length=10, choices=CertificateStatus.choices, default=CertificateStatus.PENDING)
    issued_on = models.DateField(validators=[validate_date_in_range])
    expires_on = models.DateField(null=True, blank=True, validators=[validate_date_in_range])

    # Snapshot of what the certificate says.
    holder_name = models.CharField(max_length=300)
    course_title = models.CharField(max_length=255)
    completed_on = models.DateField(validators=[validate_date_in_range])
    programme_hours = models.DecimalField(max_digits=5, decimal_places=1)
    organisation_name = models.CharField(max_length=200, blank=True)
    trainer_names = models.CharField(max_length=500, blank=True)

    pdf = models.FileField(storage=get_certificate_storage, upload_to=certificate_upload_to, blank=True, max_length=200)
    rendered_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0, help_text="Rendering attempts so far.")
    last_error = models.TextField(blank=True)

    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_reason = models.CharField(max_length=500, blank=True)
    holder_erased_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="The holder's data was erased: the name is replaced and the PDF withdrawn (docs/privacy.md).",
    )
    superseded_by = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="supersedes"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    wagtail_reference_index_ignore = True  # no content references worth tracking; saves a task per save

    class Meta:
        ordering = ["-issued_on", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["enrolment"],
                condition=~models.Q(status="superseded"),
                name="ml_certificate_one_current_per_enrolment",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="revoked") | models.Q(revoked_at__isnull=False),
                name="ml_certificate_revoked_has_timestamp",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="issued") | ~models.Q(pdf="") | models.Q(holder_erased_at__isnull=False),
                name="ml_certificate_issued_has_pdf",
            ),
        ]
        indexes = [models.Index(fields=["status", "attempts"], name="ml_cert_status_attempts")]

    def __str__(self) -> str:
        return f"{self.serial} ({self.holder_name})"

    @property
    def is_expired(self) -> bool:
        return self.expires_on is not None and self.expires_on < timezone.localdate()

    @property
    def display_code(self) -> str:
        """The verification code in groups of four, as printed."""
        code = self.verification_code
        return "-".join(code[i : i + 4] for i in range(0, len(code), 4))

    @property
    def filename(self) -> str:
        return f"certificate-{self.serial}.pdf"


class CertificateSerialCounter(models.Model):
    """The last serial number used for one course in one year. Locked with SELECT … FOR UPDATE."""

    wagtail_reference_index_ignore = True  # learner/API records: no content usage to track, no task per save

    course = models.ForeignKey("microlearn_courses.CoursePage", on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField()
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["course", "year"], name="ml_cert_counter_one_per_course_year"),
        ]

    def __str__(self) -> str:
        return f"{self.course_id}/{self.year}: {self.last_number}"


colour_validator = RegexValidator(r"^#[0-9a-fA-F]{6}$", "Enter a colour as #RRGGBB, e.g. #0b5cad.")


@register_setting(icon="doc-full")
class CertificateSettings(BaseSiteSetting):
    """The certificate design, edited under Settings → Certificate design in the Wagtail admin."""

    issuer_name = models.CharField(
        max_length=200, default="Micro-connections Academy", help_text="Who issues the certificates."
    )
    title_wording = models.CharField(max_length=120, default="Certificate of completion")
    statement_wording = models.CharField(
        max_length=200, default="has successfully completed the programme", help_text="Printed under the name."
    )
    signatory_name = models.CharField(max_length=120, blank=True)
    signatory_title = models.CharField(max_length=120, blank=True)
    signature_image = models.ForeignKey(
        "wagtailimages.Image", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    logo = models.ForeignKey("wagtailimages.Image", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    accent_colour = models.CharField(max_length=7, default="#0b5cad", validators=[colour_validator])

    panels = [
        MultiFieldPanel(
            [FieldPanel("issuer_name"), FieldPanel("title_wording"), FieldPanel("statement_wording")], heading="Wording"
        ),
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("signatory_name"), FieldPanel("signatory_title")]),
                FieldPanel("signature_image"),
            ],
            heading="Signatory",
        ),
        MultiFieldPanel([FieldPanel("logo"), FieldPanel("accent_colour")], heading="Look"),
        HelpPanel(template="microlearn_lms/admin/certificate_preview_help.html", heading="Preview"),
    ]

    class Meta:
        verbose_name = "certificate design"
