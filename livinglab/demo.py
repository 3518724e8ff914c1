"""The demo data registry: each app's ``demo`` module registers the builder that fills in its part.

``load_demo_data`` (in ``home``) builds the site, areas, categories and accounts, then runs every registered
builder in order. Apps register themselves, so the command depends on none of them, and an app whose demo
module fails to import fails the command loudly instead of leaving its part out.
"""

import json
from collections.abc import Callable
from pathlib import Path

from django.db import transaction
from django.utils.module_loading import autodiscover_modules

_builders: list[tuple[int, Callable]] = []


def builder(*, order: int):
    """``@builder(order=10)`` on an app's ``build(*, users, stdout)``; lower orders run first."""

    def register(build: Callable) -> Callable:
        if all(existing is not build for _order, existing in _builders):
            _builders.append((order, build))
        return build

    return register


def builders() -> list[Callable]:
    """Every installed app's registered builder, in order (their ``demo`` modules are imported here)."""
    autodiscover_modules("demo")
    return [build for _order, build in sorted(_builders, key=lambda item: item[0])]


def load(module_file: str, name: str) -> dict:
    """An app's demo texts: ``demo_data/<name>.json`` beside the module that asks (``__file__``)."""
    return json.loads((Path(module_file).parent / "demo_data" / f"{name}.json").read_text(encoding="utf-8"))


def build_index_and_children(
    parent, *, build_index: Callable, build_child: Callable, specs: list, admin, label: str, stdout=None
):
    """An index page under ``parent`` and one child a spec, in one transaction; children already there are kept.

    ``build_child(index, spec, admin=...)`` returns the new page, or None when it was there. Nothing is built
    without a ``parent`` (a site with no home page yet).
    """
    if parent is None:
        return None
    with transaction.atomic():
        index = build_index(parent)
        created = [child for spec in specs if (child := build_child(index, spec, admin=admin))]
    if stdout is not None:
        stdout.write(f"{label}: {len(created)} created, {len(specs) - len(created)} already there.")
    return index
