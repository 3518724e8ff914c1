"""Whether any page on the site is behind a view restriction: one cache read instead of queries on every page.

Wagtail checks a page's view restrictions on every serve (the page and each ancestor, ``get_view_restrictions``)
and ``PageQuerySet.public()`` reads every restriction to build its filter; on a pilot page that was a fifth of
the request. Most sites have none, and then both answers are known without asking: nothing is restricted.
So the one fact cached is whether a ``PageViewRestriction`` exists; while one does, Wagtail's own code runs
unchanged, aliases and all.

The fact is dropped when a restriction is saved or deleted (also by a page's deletion, which cascades), now
and again after the commit, so no request can keep "none" once one is committed. While Redis is away nothing
is cached: a worker's local fallback would not hear another worker drop it, and a new restriction must hold
at once everywhere.
"""

from django.core.cache import cache
from django.db import transaction
from django.db.models import Q
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from wagtail.models import PageViewRestriction
from wagtail.query import PageQuerySet

CACHE_KEY = "pages:any-view-restriction:v1"
CACHE_SECONDS = 60 * 60  # a safety net: every change drops the key at once


def view_restrictions_exist() -> bool:
    exists = cache.get(CACHE_KEY)
    if getattr(cache, "redis_is_down", False):
        return PageViewRestriction.objects.exists()
    if exists is None:
        exists = PageViewRestriction.objects.exists()
        cache.set(CACHE_KEY, exists, CACHE_SECONDS)
    return exists


def forget_view_restrictions() -> None:
    cache.delete(CACHE_KEY)
    transaction.on_commit(lambda: cache.delete(CACHE_KEY), robust=True)


@receiver(post_save, sender=PageViewRestriction, dispatch_uid="livinglab.view_restriction_saved")
@receiver(post_delete, sender=PageViewRestriction, dispatch_uid="livinglab.view_restriction_deleted")
def view_restriction_changed(sender, **kwargs):
    forget_view_restrictions()


class ViewRestrictionsKnown:
    """A page type whose serve asks no query about view restrictions while the site has none."""

    def get_view_restrictions(self):
        if not view_restrictions_exist():
            return PageViewRestriction.objects.none()
        return super().get_view_restrictions()


class PublicPageQuerySet(PageQuerySet):
    """``public()`` without reading the restrictions while the site has none."""

    def private_q(self):
        if not view_restrictions_exist():
            return Q(pk__in=[])  # what Wagtail answers itself when it finds no restriction
        return super().private_q()
