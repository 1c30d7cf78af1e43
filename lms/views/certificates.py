"""Certificate pages: the /learn/ section, downloads, and the public verification page."""

from django.contrib.auth.decorators import login_required
from django.http import FileResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET

from .. import ratelimit
from ..certificates.links import linkedin_url, verification_url
from ..conf import conf
from ..credentials import services as credential_services
from ..models import CertificateSettings, CertificateStatus
from ..selectors import certificates as selectors
from ..selectors import credentials as credential_selectors
from ..services.certificates import normalise_code

SECTION_LIMIT = 50


def certificates_section(request):
    """The "My certificates" section of /learn/ (two queries whatever the number of certificates)."""
    certificates = list(selectors.certificates_for_user(user=request.user)[:SECTION_LIMIT])
    if not certificates:
        return None
    issuer = CertificateSettings.for_request(request).issuer_name
    credentials = credential_selectors.credentials_for_certificates(certificates)
    rows = [
        {
            "certificate": c,
            "credential": _downloadable(credentials.get(str(c.uuid))),
            "verify_url": verification_url(c),
            "linkedin_url": linkedin_url(c, issuer) if c.status == CertificateStatus.ISSUED else "",
        }
        for c in certificates
    ]
    return {"template": "microlearn_lms/dashboard/_certificates.html", "order": 20, "rows": rows}


def _downloadable(credential):
    return credential if credential is not None and credential.jwt and credential.revoked_at is None else None


@login_required
@require_GET
def download(request, uuid):
    """Serve the stored PDF (never re-rendered). Holder, the cohort's trainers and staff; else 404."""
    certificate = get_object_or_404(selectors.certificates_downloadable_by(user=request.user), uuid=uuid)
    response = FileResponse(
        certificate.pdf.open("rb"), as_attachment=True, filename=certificate.filename, content_type="application/pdf"
    )
    response["Cache-Control"] = "private, no-store"
    return response


def throttled(request) -> bool:
    """Fixed-window limit per client address (``lms.ratelimit``: proxies, every cache backend)."""
    limit, window = conf.CERTIFICATE_VERIFY_RATE
    return not ratelimit.hit("cert-verify", ratelimit.client_ip(request), limit=limit, window=window)


def _too_many(request):
    window = conf.CERTIFICATE_VERIFY_RATE[1]
    response = render(request, "microlearn_lms/certificates/verify_throttled.html", {"window": window}, status=429)
    response["Retry-After"] = str(window)
    return response


def _not_found(request, code: str = ""):
    return render(request, "microlearn_lms/certificates/verify_not_found.html", {"code": code}, status=404)


@require_GET
def verify_lookup(request):
    """A form to type a code; submits to the verification page."""
    if throttled(request):
        return _too_many(request)
    raw = request.GET.get("code", "")
    if not raw:
        return render(request, "microlearn_lms/certificates/verify_lookup.html")
    code = normalise_code(raw)
    if not code:
        return _not_found(request, raw[:40])
    return redirect("microlearn_lms:certificate_verify", code=code)


@require_GET
def verify(request, code: str):
    """Public: name, course, date, issuer and status. Nothing else."""
    if throttled(request):
        return _too_many(request)
    canonical = normalise_code(code)
    if canonical and canonical != code:
        return redirect("microlearn_lms:certificate_verify", code=canonical)
    certificate = selectors.certificate_for_verification(code=canonical)
    if certificate is None:
        return _not_found(request, code[:40])
    replacement = None
    if certificate.status == CertificateStatus.SUPERSEDED:
        state = "superseded"
        replacement = selectors.current_replacement(certificate=certificate)
    elif certificate.status == CertificateStatus.REVOKED:
        state = "revoked"
    elif certificate.is_expired:
        state = "expired"
    else:
        state = "valid"
    credential = credential_selectors.credentials_for_certificates([certificate]).get(str(certificate.uuid))
    context = {
        "certificate": certificate,
        "credential_result": _credential_check(credential),
        "state": state,
        "issuer": CertificateSettings.for_request(request).issuer_name,
        "replacement_url": (
            reverse("microlearn_lms:certificate_verify", kwargs={"code": replacement.verification_code})
            if replacement
            else ""
        ),
    }
    response = render(request, "microlearn_lms/certificates/verify.html", context)
    response["X-Robots-Tag"] = "noindex"
    response["Cache-Control"] = "no-store"
    return response


def _credential_check(credential):
    """The cryptographic check of the certificate's own credential, as an outside verifier would do it."""
    if credential is None or not credential.jwt:
        return None
    return credential_services.verify_here(credential.jwt)
