"""Whole pages for signed-out visitors, rendered once and kept under the page's generation.

A signed-out visitor's page is the same for every signed-out visitor who asks for the same address in the same
language with the same reading preferences, but for one thing: the CSRF token in its forms and in htmx's
headers. A page class that takes ``CachedForSignedOut`` renders such a page once with a placeholder where the
token goes, keeps the HTML in the shared cache, and puts each request's own token in when it serves it, so
nobody is ever handed another visitor's token.

The kept HTML's key holds what the page shows:

- the page's generation (``livinglab.fragments``), which the events that change its cached fragments move on,
  and its parts' generation, which the changes to what it renders for each request move on (each app
  subscribes for its own parts: ``pilots.live``, ``codesign.live``, ``sensors.live``), so a new registration
  renders the page again without rendering its results and sensor evidence again;
- the page's last publication (a publish changes the page's own rows);
- the routes' generation (``livinglab.routes``): any page or site saved, moved or deleted, so menus and links
  to other pages are never older than the tree;
- the host, the path with its query, the language, and what ``settings.SIGNED_OUT_PAGE_VARIES_ON`` names: the
  reading preferences (the ``<html>`` classes, ``accounts.reading.page_variant``).

It is kept for ``PAGE_SECONDS`` at most, so what no event announces (a category renamed in the admin, a session
turning from upcoming to past) is at most that late. Nothing is kept or served from here for a signed-in person,
a preview, a page that is not live, anything but a plain GET (htmx requests ask for parts), a request that has
messages waiting to be shown, a query parameter or value the page does not name in ``signed_out_cache_params``, a
response other than 200, or while Redis is away. A render that asked for the real CSRF token or the CSP nonce
(a template tag reading them from the request) is served but never kept.
"""

from functools import cache as remembered

from django.conf import settings
from django.contrib.messages import get_messages
from django.core.cache import cache
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.utils.module_loading import import_string

from .fragments import ROUTES_GENERATION_KEY, generation, page_fragment_key, page_parts_generation_key

# Letters and hyphens only: no escaping (HTML, attribute, JSON) changes it, so it is found wherever it lands.
CSRF_PLACEHOLDER = "ll-signed-out-page-csrf-token"
PAGE_SECONDS = 60


def signed_out_page_key(page, request) -> str | None:
    """The cache key of ``page`` as served to this signed-out request now, or None when it is not to be kept."""
    if request.method != "GET" or getattr(request, "is_preview", False) or "HX-Request" in request.headers:
        return None
    user = getattr(request, "user", None)
    if user is None or user.is_authenticated:
        return None
    for name, values in request.GET.lists():
        # Known values only: any other would be one more page to keep for anyone who types an address.
        if len(values) != 1 or values[0] not in page.signed_out_cache_params.get(name, ()):
            return None
    # len() reads the waiting messages without marking them shown; iterating would.
    if len(get_messages(request)):
        return None
    vary = (
        generation(page_parts_generation_key(page.pk)),
        generation(ROUTES_GENERATION_KEY),
        request.get_host(),
        request.get_full_path(),
        *(vary(request) for vary in _varies_on(tuple(settings.SIGNED_OUT_PAGE_VARIES_ON))),
    )
    return page_fragment_key(page, "signed-out-page", vary)


@remembered
def _varies_on(paths: tuple[str, ...]) -> list:
    """The functions ``settings.SIGNED_OUT_PAGE_VARIES_ON`` names: each takes the request and returns a short
    string of what a signed-out page looks like for it (named in settings, as context processors are, so this
    shared module imports no app)."""
    return [import_string(path) for path in paths]


def _asked_for_secrets(request) -> bool:
    """Whether rendering asked for this request's CSRF token or CSP nonce (both are the visitor's own)."""
    return bool(request.META.get("CSRF_COOKIE_NEEDS_UPDATE")) or bool(getattr(request, "_csp_nonce", None))


class CachedForSignedOut:
    """For a Wagtail ``Page`` class: signed-out visitors are served the page from the cache (module docstring)."""

    # The query parameters the page varies on, each with the values it knows; any other is served fresh, not kept.
    signed_out_cache_params: dict[str, frozenset[str]] = {}

    def serve(self, request, *args, **kwargs):
        key = signed_out_page_key(self, request)
        if key is None:
            return super().serve(request, *args, **kwargs)
        html = cache.get(key)
        if html is not None:
            return HttpResponse(html.replace(CSRF_PLACEHOLDER, get_token(request)))
        request.renders_shared_page = True
        try:
            response = super().serve(request, *args, **kwargs)
            if not hasattr(response, "render"):
                return response  # a redirect or a plain response: it rendered nothing of ours
            response.render()
        finally:
            request.renders_shared_page = False
        html = response.content.decode(response.charset)
        if response.status_code == 200 and not _asked_for_secrets(request):
            cache.set(key, html, PAGE_SECONDS)
        response.content = html.replace(CSRF_PLACEHOLDER, get_token(request))
        return response

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        if getattr(request, "renders_shared_page", False):
            # The page's own context outranks the context processors', so every form and header gets this.
            context["csrf_token"] = CSRF_PLACEHOLDER
        return context
