"""Open Badges credentials on the web: the DID document, the status list, the holder's download,
and the verification page that checks a pasted or uploaded credential (docs/credentials.md)."""

import json

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET, require_http_methods

from ..credentials import services
from ..forms import CredentialVerifyForm
from ..selectors import credentials as selectors
from .certificates import _too_many, throttled


@require_GET
def did_document(request):
    """``/.well-known/did.json``: the issuer's ``did:web`` document, every key ever used."""
    response = JsonResponse(services.did_document(), content_type="application/did+json")
    response["Cache-Control"] = "public, max-age=300"
    response["Access-Control-Allow-Origin"] = "*"
    return response


@require_GET
def status_list(request):
    """The revocation list: a signed ``BitstringStatusListCredential`` (VC-JWT)."""
    response = HttpResponse(services.status_list_jwt(), content_type="application/vc+jwt")
    response["Cache-Control"] = "public, max-age=60"
    response["Access-Control-Allow-Origin"] = "*"
    return response


@login_required
@require_GET
def certificate_credential(request, uuid):
    """The holder's own certificate as an Open Badges credential (``.json``); anyone else 404."""
    credential = get_object_or_404(selectors.certificate_credential_for_holder(user=request.user, certificate=uuid))
    return _credential_download(credential)


@login_required
@require_GET
def badge_credential(request, uuid):
    """The holder's own active practice badge as an Open Badges credential (``.json``); anyone else 404."""
    credential = selectors.badge_credential_for_holder(user=request.user, award=uuid)
    if credential is None:
        raise Http404
    return _credential_download(credential)


def _credential_download(credential):
    if not credential.jwt:
        raise Http404
    body = json.dumps(services.credential_file(credential), indent=2, ensure_ascii=False)
    response = HttpResponse(body, content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="credential-{credential.uuid}.json"'
    response["Cache-Control"] = "private, no-store"
    return response


@require_http_methods(["GET", "POST"])
def verify_credential(request):
    """Paste or upload a credential; the answer says whether it holds and, if not, why."""
    if throttled(request):
        return _too_many(request)
    result = None
    status = 200
    if request.method == "POST":
        form = CredentialVerifyForm(request.POST, request.FILES)
        if form.is_valid():
            result = services.verify_here(form.credential_text())
            status = 200 if result.valid else 422
    else:
        form = CredentialVerifyForm()
    response = render(
        request, "microlearn_lms/credentials/verify.html", {"form": form, "result": result}, status=status
    )
    response["X-Robots-Tag"] = "noindex"
    response["Cache-Control"] = "no-store"
    return response
