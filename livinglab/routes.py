"""Known routes: a page's address remembered with its page, so serving it again skips Wagtail's walk down the tree.

Wagtail finds the page for an address by reading the site for the host name, then the root page, then each
level's child by slug and its class: five queries for a pilot page, a third of its time (docs/benchmarks.md).
The answer changes only when pages or sites change, so after a page is served its address is kept in the cache
with the site and the page's id and class; the next request for it reads the page by id (one query, with the
joins the page type names in ``routed_queryset``) and hands both to Wagtail through the attributes its routing
caches per request (``_wagtail_site``, ``_wagtail_route_for_request``). Wagtail's own serve runs unchanged after
that: view restrictions, hooks, the page's serve.

Only plain routes are kept: a GET answered 200 whose route named the page alone (a routable page's sub-view carries
arguments and is walked every time). The kept page is read with ``live=True``, so an unpublished page is never
served from here; any saved, deleted or moved page or site moves the routes' generation on (now and again after
the commit), so a renamed or moved page is found where it is now. Nothing is kept while Redis is away: one
worker's local fallback would not hear another worker's change.
"""

import hashlib

from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from wagtail import views as wagtail_views
from wagtail.models import Page, Site
from wagtail.signals import post_page_move
from wagtail.url_routing import RouteResult

from .fragments import ROUTES_GENERATION_KEY, generation, next_generation

ROUTE_SECONDS = 10 * 60  # a safety net: every change moves the generation on at once


def route_key(request) -> str | None:
    """The cache key of this request's address now, or None while Redis is away."""
    address = repr((request._get_raw_host(), request.get_port(), request.path_info)).encode()
    key = f"routes:{generation(ROUTES_GENERATION_KEY)}:{hashlib.sha256(address).hexdigest()[:32]}"
    # Read after the generation: a call that found Redis away has switched the cache to its local fallback.
    return None if getattr(cache, "redis_is_down", False) else key


def routes_changed() -> None:
    next_generation(ROUTES_GENERATION_KEY)
    transaction.on_commit(lambda: next_generation(ROUTES_GENERATION_KEY), robust=True)


@receiver(post_save, dispatch_uid="livinglab.routes.saved")
@receiver(post_delete, dispatch_uid="livinglab.routes.deleted")
def page_or_site_changed(sender, instance, **kwargs):
    if isinstance(instance, Page | Site):
        routes_changed()


@receiver(post_page_move, dispatch_uid="livinglab.routes.moved")
def page_moved(sender, **kwargs):
    routes_changed()


def known_page(request, known) -> Page | None:
    site, page_id, content_type_id = known
    model = ContentType.objects.get_for_id(content_type_id).model_class()
    if model is None:
        return None
    queryset = model.routed_queryset() if hasattr(model, "routed_queryset") else model.objects.all()
    page = queryset.filter(pk=page_id, live=True).first()
    if page is not None:
        request._wagtail_site = site
        request._wagtail_route_for_request = RouteResult(page)
    return page


def remember(key: str, request) -> None:
    result = getattr(request, "_wagtail_route_for_request", None)
    site = getattr(request, "_wagtail_site", None)
    if not isinstance(result, RouteResult) or result.args or result.kwargs or site is None or not result.page.live:
        return
    # The site's own row only: a copy without the root page Wagtail read with it.
    fields = [field.attname for field in Site._meta.concrete_fields]
    plain_site = Site.from_db(site._state.db, fields, [getattr(site, name) for name in fields])
    cache.set(key, (plain_site, result.page.pk, result.page.content_type_id), ROUTE_SECONDS)


class KnownRoutesMiddleware:
    """Serves a page's address from the known routes when it can, and remembers the ones it could not."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        key = getattr(request, "_unknown_route_key", None)
        if key and response.status_code == 200:
            remember(key, request)
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        if view_func is not wagtail_views.serve or request.method not in ("GET", "HEAD"):
            return None
        key = route_key(request)
        known = cache.get(key) if key else None
        if known is None or known_page(request, known) is None:
            request._unknown_route_key = key if request.method == "GET" else None
        return None
