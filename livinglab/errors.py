"""The one way to refuse an action, and the one place a refusal becomes a response.

Services in every app raise :class:`ActionRefused` when a person may not do something: not allowed (403), not
in this state (409), not like this (400), not so often (429), or not there for them (404). The message is
translated and fit to show. Views that show the refusal next to their own form catch it; everything else
reaches :class:`livinglab.middleware.ActionRefusedMiddleware`, which answers through :func:`refusal_response`.
"""

from collections.abc import Callable

from django.contrib import messages
from django.shortcuts import render

ACTION_ERROR_PARTIAL = "includes/action_error.html"


class ActionRefused(Exception):
    """A person may not do this now; ``status`` is the HTTP status to answer with, ``message`` says why."""

    def __init__(self, message, *, status: int = 409):
        super().__init__(message)
        self.message = str(message)
        self.status = status

    def __str__(self):
        return self.message


def refusal_response(request, exc: ActionRefused, *, page: Callable[[], tuple[str, dict]] | None = None):
    """A small alert for htmx. Otherwise the page the action belongs to again (``page()`` gives its template
    and context, built only when needed), with the message on top; without one, the "Not allowed" page with
    the message."""
    if getattr(request, "htmx", False):
        return render(request, ACTION_ERROR_PARTIAL, {"message": exc.message}, status=exc.status)
    if page is None:
        return render(request, "403.html", {"reason": exc.message}, status=exc.status)
    template, context = page()
    messages.error(request, exc.message)
    return render(request, template, context, status=exc.status)
