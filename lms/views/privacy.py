"""The account page's privacy sections: download my data, erase my account (docs/privacy.md)."""

from django import forms
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from .. import ratelimit
from ..conf import conf
from ..services.account_erasure import CONFIRM_PHRASE, REFUSED, AccountErasureRefused, account_erase
from ..services.data_export import person_data_export
from ..services.participants import account_is_privileged


def export_section(request):
    return {"template": "microlearn_lms/account/_export.html", "order": 80}


def erase_section(request):
    return {
        "template": "microlearn_lms/account/_erase.html",
        "order": 90,
        "privileged": account_is_privileged(request.user),
    }


def _throttled(scope: str, request, rate) -> bool:
    limit, window = rate
    return not ratelimit.hit(scope, str(request.user.pk), limit=limit, window=window)


def _too_many(request, rate):
    response = render(request, "microlearn_lms/account/throttled.html", {"minutes": max(1, rate[1] // 60)}, status=429)
    response["Retry-After"] = str(rate[1])
    return response


@login_required
@require_POST
def data_export(request):
    """The logged-in person's own data as a zip (POST: a link never triggers it)."""
    if _throttled("data-export", request, conf.DATA_EXPORT_RATE):
        return _too_many(request, conf.DATA_EXPORT_RATE)
    archive = person_data_export(user=request.user)
    response = FileResponse(
        archive,
        as_attachment=True,
        filename=f"my-data-{timezone.localdate():%Y-%m-%d}.zip",
        content_type="application/zip",
    )
    response["Cache-Control"] = "private, no-store"
    return response


class EraseForm(forms.Form):
    """Password when the account has one, else the phrase (single sign-on, set-password pending)."""

    confirmation = forms.CharField(max_length=200, strip=False, widget=forms.PasswordInput)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.uses_password = user.has_usable_password()
        field = self.fields["confirmation"]
        if self.uses_password:
            field.label = "Your password"
        else:
            field.label = f'Type "{CONFIRM_PHRASE}"'
            field.widget = forms.TextInput(attrs={"autocomplete": "off"})

    def clean_confirmation(self):
        value = self.cleaned_data["confirmation"]
        if self.uses_password:
            if not self.user.check_password(value):
                raise forms.ValidationError("That is not your password.")
        elif value.strip().lower() != CONFIRM_PHRASE:
            raise forms.ValidationError(f'Type "{CONFIRM_PHRASE}" exactly to confirm.')
        return value


@login_required
def erase_account(request):
    """Confirm, then erase the account and every organisation's record of the person; log out."""
    user = request.user
    refused = REFUSED if account_is_privileged(user) else ""
    form = EraseForm(user=user)
    if request.method == "POST" and not refused:
        if _throttled("account-erase", request, conf.ACCOUNT_ERASE_RATE):
            return _too_many(request, conf.ACCOUNT_ERASE_RATE)
        form = EraseForm(request.POST, user=user)
        if form.is_valid():
            try:
                account_erase(user=user)
            except AccountErasureRefused as exc:
                refused = str(exc)
            else:
                logout(request)
                return redirect("microlearn_lms:account_erased")
    status = 403 if refused else (400 if form.is_bound else 200)
    return render(
        request,
        "microlearn_lms/account/erase.html",
        {"form": form, "refused": refused, "phrase": CONFIRM_PHRASE},
        status=status,
    )


@require_GET
def account_erased(request):
    return render(request, "microlearn_lms/account/erased.html")
