"""Pilots' live pushes: new results and the feedback average, rendered from the pilot page's own partials.

Subscribed after commit in ``PilotsConfig.ready()``. Only live pilot pages are pushed.
"""

from wagtail.models import Page

from livinglab.events import AFTER_COMMIT, Event, subscribe
from livinglab.fragments import page_changed
from livinglab.live import broadcast, pilot_group, push_message, render_in_each_language


def live_pilot(pk):
    """The live pilot page with this id, as its specific class, or None."""
    if pk is None:
        return None
    page = Page.objects.live().filter(pk=pk).first()
    return page.specific if page is not None else None


def _pilot_fragment(pilot, template_name: str, **context) -> dict[str, str]:
    """The pilot page's own partial; ``page`` is what the page template calls the pilot."""
    return render_in_each_language(template_name, {"page": pilot, "pilot": pilot, **context})


# What changes the pilot page's cached fragments (``livinglab.fragments``); a publish changes their key itself.
PAGE_EVENTS = ("pilot.published", "pilot.completed", "pilot.results_updated", "pilot.feedback")


@subscribe(PAGE_EVENTS, phase=AFTER_COMMIT)
def pilot_page_changed(event: Event) -> None:
    """Results imported, metrics moved, a pilot completed or a rating given: the page renders afresh."""
    page_changed(event.pilot_id)


@subscribe(("pilot.results_updated", "pilot.completed"), phase=AFTER_COMMIT)
def pilot_results(event: Event) -> None:
    pilot = live_pilot(event.pilot_id)
    if pilot is not None:
        broadcast([(pilot_group(pilot.pk), push_message(_pilot_fragment(pilot, "pilots/includes/results.html")))])


@subscribe("pilot.feedback", phase=AFTER_COMMIT)
def pilot_feedback(event: Event) -> None:
    pilot = live_pilot(event.pilot_id)
    if pilot is None:
        return
    fragments = _pilot_fragment(
        pilot,
        "pilots/includes/feedback_average.html",
        average=event.data.get("average"),
        count=event.data.get("count"),
    )
    broadcast([(pilot_group(pilot.pk), push_message(fragments))])
