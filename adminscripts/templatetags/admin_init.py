"""``{% admin_init "InlinePanel" options_json|from_json %}``: a Wagtail widget's start-up call, written as data."""

import json

from django import template

from adminscripts.initialisers import init_block

register = template.Library()


@register.simple_tag
def admin_init(initialiser, *args):
    return init_block(initialiser, *args)


@register.filter
def from_json(value: str):
    """Wagtail hands its options to templates already serialised (``options_json``, ``config_json``)."""
    return json.loads(value)
