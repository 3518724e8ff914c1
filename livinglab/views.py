"""Site-wide views that belong to no app: the door to the Wagtail admin."""

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect


def admin_login(request: HttpRequest) -> HttpResponse:
    """Where Wagtail sends whoever it refuses: the sign-in page, or a 403 for the signed-in.

    Someone already signed in who may not use the admin would otherwise bounce between the sign-in page
    (which forwards signed-in people to ``next``) and the admin (which sends them back to sign in).
    """
    user = request.user
    if user.is_authenticated and not user.has_perm("wagtailadmin.access_admin"):
        raise PermissionDenied
    target = redirect("account_login")
    if request.GET:
        target["Location"] += "?" + request.GET.urlencode(safe="/")
    return target
