"""The follow button's state, for templates that have a request user."""

from django import template

from notifications import services

register = template.Library()


@register.simple_tag
def is_following(user, proposal) -> bool:
    return services.is_following(proposal, user=user)
