"""Site-wide views that belong to no app: the doors to the Wagtail admin, to private pages and their passwords,
and the site's icon."""

from functools import wraps

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.templatetags.static import static
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control

from . import ratelimit
from .client_ip import client_ip
from .errors import ActionRefused, refusal_response


def _to_sign_in(request: HttpRequest) -> HttpResponse:
    target = redirect("account_login")
    if request.GET:
        target["Location"] += "?" + request.GET.urlencode(safe="/")
    return target


@cache_control(max_age=24 * 60 * 60, public=True)
def favicon(request: HttpRequest) -> HttpResponse:
    """``/favicon.ico``, which browsers and feed readers ask for whatever a page names: the site's icon.

    A temporary redirect, since the icon's address holds its content's hash in production.
    """
    return redirect(static("favicon.svg"))


def admin_login(request: HttpRequest) -> HttpResponse:
    """Where Wagtail sends whoever it refuses: the sign-in page, or a 403 for the signed-in.

    Someone already signed in who may not use the admin would otherwise bounce between the sign-in page
    (which forwards signed-in people to ``next``) and the admin (which sends them back to sign in).
    """
    user = request.user
    if user.is_authenticated and not user.has_perm("wagtailadmin.access_admin"):
        raise PermissionDenied
    return _to_sign_in(request)


def frontend_login(request: HttpRequest) -> HttpResponse:
    """Where Wagtail sends visitors of a page for signed-in people: allauth's sign-in page.

    Wagtail's own ``/_util/login/`` is Django's bare ``LoginView``: it checks a password with none of allauth's
    limits or sign-in stages, so it would let anyone guess passwords without end. It takes no password here.
    """
    return _to_sign_in(request)


def limit_password_tries(view):
    """Wagtail's password form for a private page or document, held to ``PAGE_PASSWORD_RATE_LIMIT`` per client IP.

    Wagtail answers a right password with a redirect, which gives its try back: only wrong ones count.
    """

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if request.method != "POST":
            return view(request, *args, **kwargs)
        slot = ratelimit.take("page-password", client_ip(request) or "unknown", settings.PAGE_PASSWORD_RATE_LIMIT)
        if slot is None:
            refused = ActionRefused(_("Too many wrong passwords. Please wait a few minutes and try again."), status=429)
            return refusal_response(request, refused)
        response = view(request, *args, **kwargs)
        if 300 <= response.status_code < 400:
            slot.release()
        return response

    return wrapped
