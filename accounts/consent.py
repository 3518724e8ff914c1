"""Versioned consent to the terms of use and the privacy notice.

The texts are the Wagtail pages at ``/terms/`` and ``/privacy/`` (``home.legal``). A document's current
version is its settings version (``LEGAL_DOCUMENTS``, env TERMS_VERSION / PRIVACY_VERSION) followed by the
page's ``consent_version`` once an editor has published it with "Ask everyone to agree again":
``2026-11-01`` becomes ``2026-11-01+1``. So publishing a material change asks everyone again with no
operator step, a typo fix asks nobody, acceptances stored before the page had a number stay valid, and
without the pages (or before any such publication) the settings versions work alone, as an operator's
override. Sign-up records the acceptance of both; when a version changes, a signed-in person is sent
to accept the new text before they post again. One place asks: ``accounts.middleware.ConsentMiddleware``
stops every unsafe request (POST, PUT, PATCH, DELETE) from someone who has not accepted the current
versions, whichever app the route belongs to; reading never needs it. Pages that open a form to fill in
also ask on GET (``proposals.views.participation``), so nobody writes a long text only to be stopped.

Exempt (``posting_needs_consent``): the consent page itself, managing one's own account, data and reading
settings, withdrawing from something (cancel, unfollow, leave a lab), and the staff tools (the Wagtail
admin and the desk). Desk staff act for a resident who signed the paper consent at registration and is not
at the screen to read a web page; the staff member's own terms are their employment, not the site's.
"""

import hashlib
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.db import transaction
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django_htmx.http import HttpResponseClientRedirect

from .models import Consent, LegalDocument

DOCUMENT_URLS = {LegalDocument.TERMS: "/terms/", LegalDocument.PRIVACY: "/privacy/"}


def published_legal_pages() -> dict[str, dict]:
    """The published legal pages, from ``settings.LEGAL_PAGES_SOURCE`` (the home app's, which builds on this
    one and so is named, not imported); none when it is empty."""
    source = getattr(settings, "LEGAL_PAGES_SOURCE", "")
    return import_string(source)() if source else {}


def current_versions() -> dict[str, str]:
    """The version of each document people must have accepted now (one cache read, no query)."""
    versions = dict(settings.LEGAL_DOCUMENTS)
    for document, page in published_legal_pages().items():
        if document in versions and page["consent_version"]:
            versions[document] = f"{versions[document]}+{page['consent_version']}"
    return versions


def document_urls() -> dict[str, str]:
    """Where each document's current text is read: its published page, or the usual address."""
    pages = published_legal_pages()
    return {doc: pages.get(doc, {}).get("url") or url for doc, url in DOCUMENT_URLS.items()}


def missing_documents(user, session=None) -> list[str]:
    """The documents whose current version ``user`` has not accepted (none for visitors).

    With the request's ``session`` (signed in as ``user``), a yes is also kept there: the session is read on every
    request anyway, so the checks after the first need only the current versions (one cache read).
    """
    if not getattr(user, "is_authenticated", False):
        return []
    cached = getattr(user, "_livinglab_missing_consents", None)
    if cached is None:
        versions = current_versions()
        marker = _versions_marker(versions)
        if session is not None and session.get(SESSION_KEY) == marker:
            cached = []
        else:
            key = _consented_key(user, versions)
            if cache.get(key):
                cached = []
            else:
                accepted = set(
                    Consent.objects.filter(user=user, document__in=versions).values_list("document", "version")
                )
                cached = [doc for doc, version in versions.items() if (doc, version) not in accepted]
                if not cached:
                    cache.set(key, True, CONSENTED_SECONDS)
            if not cached and session is not None:
                session[SESSION_KEY] = marker
        user._livinglab_missing_consents = cached
    return cached


# Every post asks; once someone has accepted the current versions the answer stays yes until the versions change
# (they are in the key), since consents are never taken back (a deleted account takes its rows and sessions).
CONSENTED_SECONDS = 24 * 60 * 60


# In the session: the versions its user was found to have accepted. A session belongs to one person and ends with
# the account, and an acceptance is never taken back, so it stays true; new versions no longer match it.
SESSION_KEY = "accounts_consented_versions"


def _versions_marker(versions: dict[str, str]) -> str:
    return ";".join(f"{document}={version}" for document, version in sorted(versions.items()))


def _consented_key(user, versions: dict[str, str]) -> str:
    """Per person (the join time tells a new account apart from a deleted one whose id came round again) and per
    set of current versions."""
    described = repr((user.pk, user.date_joined.isoformat() if user.date_joined else "", sorted(versions.items())))
    return f"accounts:consented:{hashlib.sha256(described.encode()).hexdigest()[:32]}"


def record_consent(user, documents=None) -> list[Consent]:
    """Store ``user``'s acceptance of the current version of ``documents`` (all by default), now."""
    versions = current_versions()
    documents = list(documents or versions)
    with transaction.atomic():
        rows = [
            Consent.objects.get_or_create(user=user, document=doc, version=versions[doc])[0]
            for doc in documents
            if doc in versions
        ]
    user._livinglab_missing_consents = None
    return rows


# Posting to these never needs the current terms (see the module's docstring).
EXEMPT_URL_NAMES = frozenset(
    {
        "accounts:consent",
        "accounts:delete",
        "accounts:reading",
        "accounts:profile",
        "set_language",
        "notifications:mark_read",
        "notifications:mark_all_read",
        "notifications:preferences",
        "notifications:unfollow",
        "codesign:cancel",
        "codesign:withdraw",
        "proposals:unvote",
        "proposals:withdraw",
        "proposals:comment_remove",
    }
)
EXEMPT_PATH_PREFIXES = ("/admin/", "/accounts/", "/desk/")
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def posting_needs_consent(request) -> bool:
    """Whether this request posts something that needs the current terms (whether they are accepted aside)."""
    if request.method not in UNSAFE_METHODS or request.path.startswith(EXEMPT_PATH_PREFIXES):
        return False
    match = getattr(request, "resolver_match", None)
    return not (match is not None and match.view_name in EXEMPT_URL_NAMES)


def _back(request) -> str:
    """Where to return after accepting: this page on GET; for a post, the page it was sent from."""
    if request.method == "GET":
        back = request.get_full_path()
    else:
        back = request.headers.get("HX-Current-URL") or request.headers.get("Referer") or "/"
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}, require_https=False):
        return "/"
    parts = urlsplit(back)  # the same site's page, as a path (a Referer is absolute)
    return f"{parts.path or '/'}?{parts.query}" if parts.query else parts.path or "/"


def consent_redirect(request):
    """Send the person to accept the current terms, then back: htmx through HX-Redirect, forms by a redirect."""
    target = f"{reverse('accounts:consent')}?{urlencode({'next': _back(request)})}"
    message = _("The terms of use or the privacy notice changed. Please read and accept them to take part again.")
    if getattr(request, "htmx", False):
        response = HttpResponseClientRedirect(target)
        response.content = message.encode()
        response["Content-Type"] = "text/plain; charset=utf-8"
        return response
    messages.info(request, message)
    return redirect(target)
