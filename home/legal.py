"""The published terms of use and privacy notice: which of their texts people must have accepted, cached.

The texts are the ``home.StandardPage`` children of the default site's root page with the slugs ``terms``
and ``privacy`` (``load_demo_data`` creates them). Each carries ``consent_version``: how many times it was
published with "Ask everyone to agree again" ticked (a material change, the Decidim and Discourse way: the
editor says whether a change needs everyone's agreement again; a typo fix does not). ``accounts.consent``
adds that number to the settings version people accept.

Reading it runs on every posting request, so the answer is cached (no query) and dropped when such a page is
published, unpublished, renamed or deleted (Wagtail's page signals: a library seam). Each process also keeps
what it read for ``KEPT_SECONDS`` (``livinglab.cache.get_kept``): the shared cache's round trip and unpickling
were a twentieth of a vote's CPU. The process where the change is made sees it at once; the site's other
processes within ``KEPT_SECONDS``, so for those few seconds a post may still go through under the previous terms.
"""

from django.core.cache import cache
from django.db import transaction
from django.db.models import F
from django.db.models.signals import post_delete
from django.dispatch import receiver
from wagtail.models import Site
from wagtail.signals import page_published, page_slug_changed, page_unpublished

from livinglab.cache import get_kept

from .models import StandardPage

LEGAL_SLUGS = ("terms", "privacy")
CACHE_KEY = "home:legal-pages:v1"
# A safety net only: every change that matters drops the key at once.
CACHE_SECONDS = 60 * 60
KEPT_SECONDS = 10


def published_legal_pages() -> dict[str, dict]:
    """``{"terms": {"consent_version": 2, "url": "/terms/"}, …}`` for the legal pages that are live."""
    pages = get_kept(cache, CACHE_KEY, KEPT_SECONDS)
    if pages is None:
        pages = {}
        site = Site.objects.filter(is_default_site=True).select_related("root_page").first()
        if site is not None:
            root = site.root_page
            found = StandardPage.objects.live().child_of(root).filter(slug__in=LEGAL_SLUGS)
            for slug, url_path, version in found.values_list("slug", "url_path", "consent_version"):
                pages[slug] = {"consent_version": version, "url": "/" + url_path[len(root.url_path) :]}
        cache.set(CACHE_KEY, pages, CACHE_SECONDS)
    return pages


def forget_legal_pages():
    # Now, for the rest of this request; and again after the commit, in case another request cached the old
    # rows in between.
    cache.delete(CACHE_KEY)
    transaction.on_commit(lambda: cache.delete(CACHE_KEY), robust=True)


@receiver(page_published, sender=StandardPage, dispatch_uid="home.legal_page_published")
def legal_page_published(sender, instance, **kwargs):
    if instance.ask_consent_again:
        # The box acts once, for this publication: the row's number goes up and the box is cleared, so the
        # next edit (Wagtail opens a page without unpublished changes from its row) starts with it clear.
        StandardPage.objects.filter(pk=instance.pk).update(
            consent_version=F("consent_version") + 1, ask_consent_again=False
        )
        instance.refresh_from_db(fields=["consent_version", "ask_consent_again"])
    forget_legal_pages()


@receiver(page_unpublished, sender=StandardPage, dispatch_uid="home.legal_page_unpublished")
@receiver(post_delete, sender=StandardPage, dispatch_uid="home.legal_page_deleted")
def legal_page_withdrawn(sender, instance, **kwargs):
    forget_legal_pages()


@receiver(page_slug_changed, dispatch_uid="home.legal_page_renamed")
def legal_page_renamed(sender, instance, **kwargs):
    forget_legal_pages()
