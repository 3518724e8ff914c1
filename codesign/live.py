"""Co-design's live pushes: the seats left of a session, on its own page and on the page listing it.

Subscribed after commit (``CodesignConfig.ready()``). Pushes carry counts only, never who registered.
"""

from livinglab.events import AFTER_COMMIT, Event, subscribe
from livinglab.live import broadcast, push_message, render_in_each_language

from .models import Session

SEATS_PARTIAL = "codesign/includes/seats.html"


def session_seats_group(pk: int) -> str:
    return f"codesign-session-{int(pk)}"


def page_sessions_group(pk: int) -> str:
    return f"codesign-page-{int(pk)}"


@subscribe("codesign.registration_changed", phase=AFTER_COMMIT)
def seats_changed(event: Event) -> None:
    session = Session.objects.published().filter(pk=event.data["session_id"]).first()
    if session is None:
        return
    fragments = render_in_each_language(SEATS_PARTIAL, {"session": session, "oob": True})
    message = push_message(fragments)
    broadcast([(session_seats_group(session.pk), message), (page_sessions_group(session.page_id), message)])
