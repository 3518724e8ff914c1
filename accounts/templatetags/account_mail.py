"""Whether this page's account mail went out: ``{% if messages|mail_unsent %}`` (``accounts.adapters.send_mail``)."""

from django import template

register = template.Library()

UNSENT_TAG = "mail-unsent"


@register.filter
def mail_unsent(messages) -> bool:
    """True when the messages for this page say an account mail could not be sent."""
    return any(UNSENT_TAG in message.extra_tags.split() for message in messages or ())
