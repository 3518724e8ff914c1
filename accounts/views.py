from functools import wraps

from allauth.account import views as allauth_views
from allauth.account.internal.flows.login_by_code import LoginCodeVerificationProcess
from allauth.account.internal.flows.phone_verification import (
    ChangePhoneVerificationProcess,
    PhoneVerificationStageProcess,
)
from allauth.account.stages import LoginByCodeStage, LoginStageController, PhoneVerificationStage
from allauth.account.views import LoginView
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import NON_FIELD_ERRORS
from django.forms import BaseForm
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST
from django.views.i18n import set_language as django_set_language

from livinglab.client_ip import client_ip
from livinglab.security_log import log_refusal

from .consent import current_versions, document_urls, missing_documents, record_consent
from .forms import ConsentForm, DeleteAccountForm, ProfileForm
from .models import LegalDocument
from .reading import COOKIE, COOKIE_MAX_AGE, SIZES, ReadingPreferences, preferences_for
from .services import erase_account


@login_required
def profile(request):
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Your profile was saved."))
        return redirect("accounts:profile")
    return render(request, "accounts/profile.html", {"form": form}, status=400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def delete_account(request):
    """A person deletes their own account after confirming; their public words stay unless they ask otherwise."""
    form = DeleteAccountForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        erase_account(request.user, remove_contributions=form.cleaned_data["remove_contributions"])
        logout(request)
        messages.success(request, _("Your account is deleted. Thank you for taking part."))
        return redirect("/")
    return render(request, "accounts/account_delete.html", {"form": form}, status=400 if form.errors else 200)


def _shows_refused_form(response) -> bool:
    """Whether a page shows a form that was validated and refused (its errors are on the page)."""
    context = getattr(response, "context_data", None) or {}
    # ``_errors`` is set only once a form was validated: reading ``errors`` would validate a form the view never
    # checked (allauth's login form signs in while it cleans).
    return any(isinstance(value, BaseForm) and value.is_bound and value._errors for value in context.values())


def _refused_status(request, response) -> int | None:
    """The 4xx a page of allauth's that it rendered with 200 should have had, or None when 200 is right."""
    context = getattr(response, "context_data", None) or {}
    if context.get("token_fail"):
        return 400  # a password-reset link that is wrong, used or expired (any method)
    if "confirmation" in context and context["confirmation"] is None and "can_confirm" in context:
        return 404  # an e-mail confirmation link that matches nothing (allauth's POST already says 404)
    if request.method == "POST" and _shows_refused_form(response):
        return 400
    return None


def invalid_form_answers_400(view):
    """Wrap an allauth view so that bad input answers 4xx, with the same page and what it says.

    allauth renders a refused form with 200 (sign-up, social sign-up, password, e-mail, phone and reauthentication
    pages alike), and so a broken password-reset link and an unknown e-mail confirmation link; the project answers
    bad input with a 4xx: 400 for a refused form or a bad reset link, 404 for a confirmation link that matches
    nothing. Other statuses (a 429 for too many tries, a redirect on success) pass through unchanged.
    """

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        if response.status_code == 200 and (status := _refused_status(request, response)):
            response.status_code = status
        return response

    return wrapped


class RateLimitedLoginView(LoginView):
    """allauth's login page, answering 429 (with its message) once too many logins failed for the account or IP."""

    def form_invalid(self, form):
        response = super().form_invalid(form)
        if form.has_error(NON_FIELD_ERRORS, "too_many_login_attempts"):
            response.status_code = 429
        return response


# One-time codes (sign-in by code, phone verification at sign-up): allauth answers a wrong code with the form
# again (200) and a spent, expired or voided code with a redirect. These wrappers keep allauth's flow and give
# each refusal its own status and a page that says what happened: 400 for a wrong, expired or already used
# code, 429 once too many wrong codes voided it. Each refusal is logged (livinglab.security_log) with the
# number's last four digits and the client's address.


def _refuse_code(request, reason, *, status: int, retry_url: str):
    return render(request, "accounts/code_refused.html", {"reason": reason, "retry_url": retry_url}, status=status)


def _pending_process(request, stage_key: str, resume):
    stage = LoginStageController.enter(request, stage_key)
    return resume(stage) if stage is not None else None


def _with_code_statuses(response, request, *, here: str, retry_url: str, phone: str | None, page: str):
    """Map allauth's answer to a POSTed code onto 400 (wrong code) or 429 (too many wrong codes)."""
    if request.user.is_authenticated:
        return response
    if response.status_code == 200:
        form = (getattr(response, "context_data", None) or {}).get("form")
        limited = form is not None and form.has_error(NON_FIELD_ERRORS, "too_many_login_attempts")
        response.status_code = 429 if limited else 400
        event = "accounts.code.rate_limited" if limited else "accounts.code.wrong"
        log_refusal(event, phone=phone, ip=client_ip(request), page=page)
        return response
    if response.status_code == 302 and response.url.split("?")[0] != here:
        log_refusal("accounts.code.locked", phone=phone, ip=client_ip(request), page=page)
        return _refuse_code(
            request,
            _("Too many wrong codes: this code no longer works. Ask for a new one."),
            status=429,
            retry_url=retry_url,
        )
    return response


@never_cache
def confirm_login_code(request):
    """allauth's "enter the code we sent you" page for signing in, with clear statuses for refused codes."""
    retry_url = reverse("account_request_login_code")
    if request.method == "POST" and not request.user.is_authenticated:
        process = _pending_process(request, LoginByCodeStage.key, LoginCodeVerificationProcess.resume)
        if process is None:
            log_refusal("accounts.code.expired", ip=client_ip(request), page="login")
            return _refuse_code(
                request,
                _("This code has expired or was already used. Ask for a new one."),
                status=400,
                retry_url=retry_url,
            )
        response = allauth_views.confirm_login_code(request)
        return _with_code_statuses(
            response,
            request,
            here=reverse("account_confirm_login_code"),
            retry_url=retry_url,
            phone=process.state.get("phone"),
            page="login",
        )
    return allauth_views.confirm_login_code(request)


@never_cache
def verify_phone(request):
    """allauth's phone verification page (at sign-up, or when changing one's number), with clear statuses."""
    if request.method != "POST":
        return allauth_views.verify_phone(request)
    here = reverse("account_verify_phone")
    if request.user.is_authenticated:
        change = ChangePhoneVerificationProcess.resume(request)
        response = allauth_views.verify_phone(request)
        if response.status_code == 200:
            response.status_code = 400
            log_refusal(
                "accounts.code.wrong", phone=change.phone if change else None, ip=client_ip(request), page="phone"
            )
        return response
    retry_url = reverse("account_request_login_code")
    process = _pending_process(request, PhoneVerificationStage.key, PhoneVerificationStageProcess.resume)
    if process is None:
        log_refusal("accounts.code.expired", ip=client_ip(request), page="phone")
        return _refuse_code(
            request,
            _("This code has expired or was already used. Sign in with a new code."),
            status=400,
            retry_url=retry_url,
        )
    return _with_code_statuses(
        allauth_views.verify_phone(request),
        request,
        here=here,
        retry_url=retry_url,
        phone=process.phone,
        page="phone",
    )


@never_cache
def request_login_code(request):
    """allauth's "text me a code" page; a number or address asking too often gets 429, a bad number 400."""
    response = allauth_views.request_login_code(request)
    if request.method == "POST" and response.status_code == 200:
        form = (getattr(response, "context_data", None) or {}).get("form")
        limited = form is not None and any(
            form.has_error(field, "too_many_login_attempts") for field in ("phone", "email", NON_FIELD_ERRORS)
        )
        response.status_code = 429 if limited else 400
        if limited:
            log_refusal("accounts.code.request_limited", phone=request.POST.get("phone"), ip=client_ip(request))
    return response


@require_http_methods(["POST"])
def reading_preferences(request):
    """Change the text size or the contrast; kept in a cookie, and on the account when signed in."""
    current = preferences_for(request)
    size = request.POST.get("text_size", str(current.text_size))
    contrast = request.POST.get("high_contrast", "1" if current.high_contrast else "0")
    if not size.isdigit() or int(size) not in SIZES or contrast not in ("0", "1"):
        return render(request, "400.html", status=400)
    chosen = ReadingPreferences(text_size=int(size), high_contrast=contrast == "1")
    if request.user.is_authenticated:
        request.user.text_size = chosen.text_size
        request.user.high_contrast = chosen.high_contrast
        request.user.save(update_fields=["text_size", "high_contrast"])
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        target = "/"
    response = redirect(target)
    response.set_cookie(COOKIE, chosen.cookie_value, max_age=COOKIE_MAX_AGE, samesite="Lax", secure=request.is_secure())
    return response


@require_POST
def set_language(request):
    """Django's language switch; a signed-in person's choice is also kept on their account, so that what the
    site writes to them later (notifications, e-mail, texts) comes in the language they read."""
    response = django_set_language(request)
    chosen = request.POST.get("language", "")
    if request.user.is_authenticated and chosen in dict(settings.LANGUAGES) and request.user.language != chosen:
        request.user.language = chosen
        request.user.save(update_fields=["language"])
    return response


@login_required
@require_http_methods(["GET", "POST"])
def consent(request):
    """Accept the new terms or privacy notice before posting again; reading never needs it."""
    next_url = request.POST.get("next") or request.GET.get("next") or "/"
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}, require_https=False):
        next_url = "/"
    missing = missing_documents(request.user)
    form = ConsentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        record_consent(request.user)
        messages.success(request, _("Thank you. You can take part again."))
        return redirect(next_url)
    urls, versions = document_urls(), current_versions()
    documents = [
        {"label": LegalDocument(doc).label, "url": urls[LegalDocument(doc)], "version": versions[doc]}
        for doc in missing
    ]
    return render(
        request,
        "accounts/consent.html",
        {"form": form, "documents": documents, "next": next_url},
        status=400 if form.errors else 200,
    )
