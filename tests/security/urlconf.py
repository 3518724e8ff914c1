"""Every endpoint of the site, found by walking the URLconf (not a hand list), with sample arguments.

A new ``path()`` anywhere (our apps, allauth, Wagtail's admin and its hooks) is picked up by the attack suite
without anyone adding it. Patterns whose arguments cannot be filled are reported by ``unreachable()`` so a
test can keep their number in check.
"""

from dataclasses import dataclass

from django.apps import apps
from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver, reverse
from django.urls.converters import IntConverter, UUIDConverter

SAMPLE_VALUES = ("1", "x", "1/")
SAMPLE_BY_CONVERTER = {IntConverter: "1", UUIDConverter: "00000000-0000-4000-8000-000000000001"}


@dataclass(frozen=True)
class Endpoint:
    name: str
    url: str
    view: object


def _walk(patterns, namespace=(), converters=None):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            scope = (*namespace, entry.namespace) if entry.namespace else namespace
            merged = {**(converters or {}), **getattr(entry.pattern, "converters", {})}
            yield from _walk(entry.url_patterns, scope, merged)
        elif isinstance(entry, URLPattern) and entry.name:
            merged = {**(converters or {}), **getattr(entry.pattern, "converters", {})}
            yield ":".join((*namespace, entry.name)), entry, merged


def _sample_kwargs(pattern: URLPattern, converters: dict) -> list[dict]:
    names = set(pattern.pattern.regex.groupindex) | set(converters)
    if not names:
        return [{}]
    candidates = []
    for value in SAMPLE_VALUES:
        candidates.append({name: SAMPLE_BY_CONVERTER.get(type(converters.get(name)), value) for name in names})
    return candidates


def _resolve_url(name: str, pattern: URLPattern, converters: dict) -> str | None:
    for kwargs in _sample_kwargs(pattern, converters):
        try:
            return reverse(name, kwargs=kwargs or None)
        except NoReverseMatch:
            continue
    return None


def endpoints() -> list[Endpoint]:
    found = {}
    for name, pattern, converters in _walk(get_resolver().url_patterns):
        url = _resolve_url(name, pattern, converters)
        if url and url not in found:
            found[url] = Endpoint(name=name, url=url, view=pattern.callback)
    return sorted(found.values(), key=lambda endpoint: endpoint.url)


def unreachable() -> list[str]:
    return [
        name
        for name, pattern, converters in _walk(get_resolver().url_patterns)
        if not _resolve_url(name, pattern, converters)
    ]


@dataclass(frozen=True)
class Route:
    """A named route and the arguments it takes, to be filled with a real object's ids."""

    name: str
    arguments: tuple[str, ...]
    view: object

    @property
    def model(self):
        """The model a Wagtail viewset's view works on (None for a plain view)."""
        model = (getattr(self.view, "view_initkwargs", None) or {}).get("model")
        return apps.get_model(model) if isinstance(model, str) else model

    @property
    def module(self) -> str:
        return getattr(self.view, "__module__", "") or ""

    def url(self, **values) -> str:
        return reverse(self.name, kwargs={name: values[name] for name in self.arguments} or None)


def routes() -> list[Route]:
    """Every named route of the site with the names of its arguments (one entry per name and arguments)."""
    found = {}
    for name, pattern, converters in _walk(get_resolver().url_patterns):
        arguments = tuple(sorted(set(pattern.pattern.regex.groupindex) | set(converters)))
        found.setdefault((name, arguments), Route(name=name, arguments=arguments, view=pattern.callback))
    return sorted(found.values(), key=lambda route: (route.name, route.arguments))
