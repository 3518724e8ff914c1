"""The follow button's state, and the live-update socket each page opens."""

from django import template
from django.template.loader import render_to_string

from notifications import services

register = template.Library()


@register.simple_tag
def is_following(user, proposal) -> bool:
    return services.is_following(proposal, user=user)


# The pages that keep a socket open, by URL name, and the include that opens it.
LIVE_SOCKETS = {
    "proposals:detail": "notifications/live/proposal_page.html",
    "proposals:list": "notifications/live/proposal_list_socket.html",
}


@register.simple_tag(takes_context=True)
def live_sockets(context) -> str:
    """The live-update socket of the page being rendered, if it has one (``base.html`` calls this once)."""
    request = context.get("request")
    match = getattr(request, "resolver_match", None)
    template_name = LIVE_SOCKETS.get(getattr(match, "view_name", ""))
    if template_name is None:
        return ""
    if template_name == LIVE_SOCKETS["proposals:detail"]:
        proposal = context.get("proposal")
        if proposal is None or proposal.is_hidden:
            return ""
    return render_to_string(template_name, context.flatten(), request=request)
