"""What a server process does once, before it serves: the work Django leaves to its first requests.

Django imports the URLconf on the first request, and builds the table ``reverse()`` and ``{% url %}`` read the
first time an address is built in each language, for the root and again for every namespace. On this site (the
apps' URLconfs, Wagtail's admin, the API schema) that took a new worker about a second and a half of CPU, paid by
whoever came first to each worker and, while it lasted, by every request waiting on that worker. A gunicorn
worker takes requests once the application is imported (``livinglab.asgi``), so doing it there makes a worker
that is up a worker that is ready: a restart or a new worker no longer slows the first visitors down.
"""

import contextlib
import contextvars

from django.conf import settings
from django.conf.urls.i18n import is_language_prefix_patterns_used
from django.urls import NoReverseMatch, URLResolver, get_resolver, reverse
from django.utils import translation


def warm_up() -> None:
    """Import the URLconf and build the address tables of every namespace in every language of the site.

    In a context of its own: building a table sets a flag in each resolver's asgiref ``Local`` (about 80 here), and
    left in the process's context those would be copied into every request and carried across each crossing
    between the event loop and the request's thread (0.3 ms of CPU per crossing, measured).
    """
    contextvars.copy_context().run(_warm_up)


def _warm_up() -> None:
    # LocaleMiddleware's question on every request, kept after its first answer; asking it imports the URLconf.
    is_language_prefix_patterns_used(settings.ROOT_URLCONF)
    resolver = get_resolver()  # the one reverse() and every request use (Django keeps it per URLconf)
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            _build_tables(resolver)


def _build_tables(resolver: URLResolver, path: tuple[str, ...] = ()) -> None:
    resolver.reverse_dict  # noqa: B018 - the property builds the table for the active language
    for namespace, (_prefix, inner) in resolver.namespace_dict.items():
        # A namespaced name is reversed through a resolver Django makes for that namespace (and keeps); building
        # any one address in it builds its table, even when the address itself needs arguments.
        names = [name for name in inner.reverse_dict if isinstance(name, str)]
        if names:
            with contextlib.suppress(NoReverseMatch):
                reverse(":".join((*path, namespace, names[0])))
        _build_tables(inner, (*path, namespace))
