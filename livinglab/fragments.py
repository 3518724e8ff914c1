"""Generations: cached things that the events changing them make obsolete at once, without deleting keys.

A *generation* is a counter in the shared cache. Whatever is cached under it puts the counter's current
value in its key; an event that changes the cached thing moves the counter on (after commit), so the next
read misses and renders afresh, and the old entries are never read again and expire. The proposal list
(``proposals.listing``) caches its counts and anonymous pages this way; pages cache their heavy fragments
the same way, one generation per page (and a page class may keep its whole page for signed-out visitors under
that generation and a second one for what it renders per request, ``livinglab.page_cache``):

    {% load fragments %}
    {% page_fragment page "results" %}…the expensive part of the page…{% end_page_fragment %}

The fragment's key holds the page, its generation, its last publication (a publish changes the page's own
rows, its inline metrics and series among them), the language and any extra values given after the name
(``{% page_fragment page "evidence" include_flagged %}``). Apps move a page's generation on from their own
event subscribers with ``page_changed(page_id)``; this module knows none of them.

A fragment must not depend on who is looking: personal parts (forms, CSRF tokens, "you take part") stay
outside it. Nothing is cached for previews (the page is an unsaved revision), pages that are not live, or
while Redis is away (each worker's local fallback would miss the other workers' invalidations).
"""

import hashlib
from functools import partial

from django import template
from django.core.cache import cache
from django.db import transaction
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

# A fragment lives at most this long, so what changes with time alone (a reading becoming "not current")
# is at most this late; everything that changes with data moves the generation on at once.
FRAGMENT_TTL = 10 * 60

# Moved on by any page or site saved, moved or deleted (``livinglab.routes``): what shows the page tree reads it.
ROUTES_GENERATION_KEY = "routes:generation"


def generation(key: str) -> int:
    """The counter's current value (1 for a counter not seen yet)."""
    value = cache.get(key)
    if value is None:
        cache.add(key, 1, timeout=None)
        value = cache.get(key) or 1
    return value


def next_generation(key: str) -> None:
    """Move the counter on: everything cached under its old value is obsolete."""
    try:
        cache.incr(key)
    except ValueError:  # not there yet (expired or a fresh cache): the next read starts one
        cache.add(key, 2, timeout=None)


def page_generation_key(page_id: int) -> str:
    return f"fragments:page-generation:{int(page_id)}"


def page_changed(page_id: int | None) -> None:
    """Something a page shows changed: its cached fragments are obsolete."""
    if page_id is not None:
        next_generation(page_generation_key(page_id))


def page_parts_generation_key(page_id: int) -> str:
    return f"fragments:page-parts-generation:{int(page_id)}"


def page_parts_changed(page_id: int | None) -> None:
    """Something a page renders for each request changed (outside its cached fragments, which stay): only the
    whole page kept for signed-out visitors (``livinglab.page_cache``) is obsolete."""
    if page_id is not None:
        next_generation(page_parts_generation_key(page_id))


def page_parts_changed_on_commit(page_id: int | None) -> None:
    """A row a page renders for each request is being written: ``page_parts_changed`` once the write commits."""
    if page_id is not None:
        transaction.on_commit(partial(page_parts_changed, page_id), robust=True)


def page_fragment_key(page, name: str, vary: tuple = (), *, generations: dict | None = None) -> str | None:
    """The cache key of ``page``'s fragment ``name`` now, or None when it is not to be cached.

    ``generations``: the page generations this request read already (one read per page and request).
    """
    if page is None or not getattr(page, "pk", None) or not getattr(page, "live", False):
        return None
    generations = {} if generations is None else generations
    if page.pk not in generations:
        generations[page.pk] = generation(page_generation_key(page.pk))
    published = page.last_published_at.isoformat() if page.last_published_at else ""
    described = repr((get_language(), published, vary)).encode()
    key = f"fragments:page:{page.pk}:{generations[page.pk]}:{name}:{hashlib.sha256(described).hexdigest()[:24]}"
    # Read after the generation: a call that found Redis away has switched the cache to its local fallback.
    return None if getattr(cache, "redis_is_down", False) else key


register = template.Library()


class PageFragmentNode(template.Node):
    def __init__(self, nodelist, page, name, vary):
        self.nodelist, self.page, self.name, self.vary = nodelist, page, name, vary

    def render(self, context):
        request = context.get("request")
        page = self.page.resolve(context)
        key = None
        if request is not None and not getattr(request, "is_preview", False):
            vary = tuple(str(value.resolve(context)) for value in self.vary)
            # Read before the fragment's rows: an event in between makes the next request render afresh.
            generations = request.__dict__.setdefault("_page_fragment_generations", {})
            key = page_fragment_key(page, self.name.resolve(context), vary, generations=generations)
        html = cache.get(key) if key else None
        if html is None:
            html = self.nodelist.render(context)
            if key:
                cache.set(key, str(html), FRAGMENT_TTL)
        return mark_safe(html)  # noqa: S308 - our own templates' output


@register.tag("page_fragment")
def page_fragment(parser, token):
    """``{% page_fragment page "name" [vary ...] %}…{% end_page_fragment %}``: see the module docstring."""
    bits = token.split_contents()
    if len(bits) < 3:
        raise template.TemplateSyntaxError(f"{bits[0]} takes a page, a name and optional values it varies on")
    nodelist = parser.parse(("end_page_fragment",))
    parser.delete_first_token()
    page, name, *vary = (parser.compile_filter(bit) for bit in bits[1:])
    return PageFragmentNode(nodelist, page, name, vary)
