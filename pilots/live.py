"""Pilots' live pushes: new results and the feedback average, rendered from the pilot page's own partials.

Subscribed after commit in ``PilotsConfig.ready()``. Only live pilot pages are pushed.
"""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from wagtail.models import Page

from livinglab.events import AFTER_COMMIT, Event, subscribe
from livinglab.fragments import page_changed, page_parts_changed, page_parts_changed_on_commit
from livinglab.live import broadcast, pilot_group, push_message, render_in_each_language

from .models import PilotFeedback, PilotProposal


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


# What changes the residents' proposals a pilot page lists (title, status, place, hidden). Votes do not: a
# proposal a pilot answers is past voting (PILOT_STATUSES).
ORIGIN_PROPOSAL_EVENTS = (
    "proposal.edited",
    "proposal.status_changed",
    "proposal.hidden",
    "proposal.unhidden",
    "proposal.removed",
)


@subscribe(ORIGIN_PROPOSAL_EVENTS, phase=AFTER_COMMIT)
def origin_proposal_changed(event: Event) -> None:
    """A proposal that pilots answer changed: their pages' list of proposals (rendered for each request)."""
    for page_id in PilotProposal.objects.filter(proposal_id=event.proposal_id).values_list("page_id", flat=True):
        page_parts_changed(page_id)


@receiver(post_save, sender=PilotProposal, dispatch_uid="pilots.live.origin_link_saved")
@receiver(post_delete, sender=PilotProposal, dispatch_uid="pilots.live.origin_link_deleted")
def origin_link_changed(sender, instance: PilotProposal, **kwargs) -> None:
    """A link added or gone (a proposal deleted takes its links with it): the page's list of proposals changed."""
    page_parts_changed_on_commit(instance.page_id)


@receiver(post_delete, sender=PilotFeedback, dispatch_uid="pilots.live.feedback_deleted")
def feedback_deleted(sender, instance: PilotFeedback, **kwargs) -> None:
    """A rating gone with its author's account (no service announces that): the page's average and comments."""
    page_parts_changed_on_commit(instance.pilot_id)


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
