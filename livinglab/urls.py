import allauth.urls
from django.conf import settings
from django.conf.urls.static import static
from django.urls import include, path
from django.views.generic import RedirectView
from django.views.i18n import JavaScriptCatalog
from wagtail import urls as wagtail_urls
from wagtail import views as wagtail_views
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls
from wagtail.documents.views import serve as wagtaildocs_serve
from wagtail.utils.urlpatterns import decorate_urlpatterns

from accounts.views import (
    RateLimitedLoginView,
    confirm_login_code,
    invalid_form_answers_400,
    request_login_code,
    set_language,
    verify_phone,
)
from opendata.api import api

from .views import admin_login, favicon, frontend_login, limit_password_tries

# A busy database outside a view (sessions, the signed-in user) answers 503 too (livinglab/database_busy.py).
handler500 = "livinglab.database_busy.server_error"

urlpatterns = [
    path("favicon.ico", favicon),
    # The admin signs in through allauth so that the same rate limits guard both doors; the signed-in who
    # may not use the admin get a 403 page here instead of a loop between sign-in and admin.
    path("admin/login/", admin_login, name="admin_login"),
    # Wagtail's own "Aging pages" report names people by e-mail; ours (accounts/reports.py) by display name, and
    # the old address leads there.
    path("admin/reports/aging-pages/", RedirectView.as_view(pattern_name="livinglab_aging_pages", query_string=True)),
    path("admin/", include(wagtailadmin_urls)),
    # Passwords of private documents and pages are tried a limited number of times per address, and the sign-in
    # for private pages is allauth's (livinglab/views.py): Wagtail's own is a bare LoginView with no limits.
    path(
        "documents/authenticate_with_password/<int:restriction_id>/",
        limit_password_tries(wagtaildocs_serve.authenticate_with_password),
        name="wagtaildocs_authenticate_with_password",
    ),
    path("documents/", include(wagtaildocs_urls)),
    path(
        "_util/authenticate_with_password/<int:page_view_restriction_id>/<int:page_id>/",
        limit_password_tries(wagtail_views.authenticate_with_password),
        name="wagtailcore_authenticate_with_password",
    ),
    path("_util/login/", frontend_login, name="wagtailcore_login"),
    # allauth's login view, answering 400 for a refused form and 429 when the failed-login limit blocks (allauth
    # answers 200 to both).
    path("accounts/login/", invalid_form_answers_400(RateLimitedLoginView.as_view()), name="account_login"),
    # allauth's one-time code pages, answering 400/429 for wrong, spent or voided codes (accounts/views.py).
    path("accounts/login/code/", request_login_code, name="account_request_login_code"),
    path("accounts/login/code/confirm/", confirm_login_code, name="account_confirm_login_code"),
    path("accounts/phone/verify/", verify_phone, name="account_verify_phone"),
    # Every other allauth page (sign-up, social sign-up, passwords, e-mail, phone, reauthentication) answers 400
    # to a refused form, with the same page and its errors (allauth answers 200).
    path("accounts/", include(decorate_urlpatterns(allauth.urls.urlpatterns, invalid_form_answers_400))),
    path("account/", include("accounts.urls")),
    # Django's language switch, remembered on the account when signed in (the language of their notifications).
    path("i18n/setlang/", set_language, name="set_language"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("proposals/", include("proposals.urls")),
    path("search/", include("search.urls")),
    path("pilots-data/", include("pilots.urls")),
    path("challenges-actions/", include("challenges.urls")),
    path("notifications/", include("notifications.urls")),
    path("codesign/", include("codesign.urls")),
    path("api/v1/", api.urls),
    path("", include("opendata.urls")),
    path("my-data/", include("mydata.urls")),
    path("desk/", include("desk.urls")),
]

if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

urlpatterns += [path("", include(wagtail_urls))]
