"""What happens around pilots: closing the loop with proposals, residents' feedback and the admin set-up."""

import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from notifications import events

from .models import PilotFeedback, PilotIndexPage, PilotPage, PilotStatus

logger = logging.getLogger(__name__)

PILOT_REVIEW_WORKFLOW = "Pilot review"
PILOT_REVIEW_TASK = "Administrators approve pilot"
ADMINISTRATORS_GROUP = "Administrators"
EXPERTS_GROUP = "Experts"
# Experts draft pilots and submit them; only administrators publish (their permission sits at the root).
EXPERT_PAGE_PERMISSIONS = ("add_page", "change_page")


# --- Closing the loop ------------------------------------------------------------------------------------


def _moves_for(pilot_status: str, proposal_status: str) -> list[str]:
    """The proposal statuses to step through, in order, for a pilot in ``pilot_status``."""
    from proposals.models import ProposalStatus

    if pilot_status == PilotStatus.COMPLETED:
        return {
            ProposalStatus.ACCEPTED: [ProposalStatus.PILOTING, ProposalStatus.COMPLETED],
            ProposalStatus.PILOTING: [ProposalStatus.COMPLETED],
        }.get(proposal_status, [])
    if proposal_status == ProposalStatus.ACCEPTED:
        return [ProposalStatus.PILOTING]
    return []


PLAIN_TEXT_SWAPS = str.maketrans({"<": "‹", ">": "›", "[": "(", "]": ")"})


def _official_response(pilot: PilotPage, to_status: str) -> str:
    """The timeline entry's text: plain text with a Markdown link to the pilot (what proposals accept)."""
    from proposals.models import ProposalStatus

    # Titles are editors' free text; keep them from reading as HTML or breaking the Markdown link.
    title = pilot.title.translate(PLAIN_TEXT_SWAPS)
    url = pilot.get_full_url() or ""
    link = f"[{title}]({url})" if url.startswith(("http://", "https://")) else f"“{title}”"
    with translation.override(settings.LANGUAGE_CODE):
        if to_status == ProposalStatus.COMPLETED:
            text = gettext("The pilot %(link)s that answers this proposal is completed. See its results there.")
        else:
            text = gettext("This proposal is being tried out in the pilot %(link)s.")
        return text % {"link": link}


def sync_proposals_with_pilot(pilot: PilotPage) -> list:
    """Move the proposals a published pilot answers to ``piloting`` or ``completed``.

    Called each time the pilot is published. Each proposal moves only from the status it is in, so
    republishing changes nothing and every step writes exactly one status change, linked to the pilot.
    Returns the status changes written.
    """
    from proposals.models import Proposal
    from proposals.services import ActionRefused, change_status

    changes = []
    moved: dict[str, list[int]] = {}
    with transaction.atomic():
        # Locked so that two publishes at once cannot both see "accepted" and both write the step.
        proposals = list(Proposal.objects.select_for_update().filter(pilot_links__page_id=pilot.pk).order_by("pk"))
        for proposal in proposals:
            for to_status in _moves_for(pilot.status, proposal.status):
                try:
                    with transaction.atomic():
                        change = change_status(
                            proposal,
                            to_status=to_status,
                            by=None,
                            response=_official_response(pilot, to_status),
                            pilot=pilot,
                        )
                except (ActionRefused, ValidationError):
                    # A refusal must not undo the publication; the proposal stays where it is, visibly.
                    logger.warning("Pilot %s could not move proposal %s to %s", pilot.pk, proposal.pk, to_status)
                    break
                changes.append(change)
                moved.setdefault(str(to_status), []).append(proposal.pk)
        if moved.get("piloting"):
            ids = moved["piloting"]
            transaction.on_commit(lambda: events.publish("pilot.published", pilot_id=pilot.pk, proposal_ids=ids))
        if moved.get("completed"):
            done = moved["completed"]
            transaction.on_commit(lambda: events.publish("pilot.completed", pilot_id=pilot.pk, proposal_ids=done))
    return changes


# --- Residents' feedback ---------------------------------------------------------------------------------


class FeedbackRefused(Exception):
    """A rating that cannot be accepted, with the HTTP status a view should answer with."""

    def __init__(self, message, *, status: int = 400):
        super().__init__(message)
        self.message = message
        self.status = status


@dataclass
class FeedbackPolicy:
    allowed: bool
    message: str = ""
    status: int = 200


def feedback_policy(pilot: PilotPage, *, user) -> FeedbackPolicy:
    """Whether ``user`` may rate ``pilot`` now, and if not, why (for the page and for the 4xx answer)."""
    if not user.is_authenticated:
        return FeedbackPolicy(False, _("Log in to rate this pilot's results."), 403)
    if user.is_administrator:
        # District staff run the pilots; their rating of their own work would skew the residents' judgement.
        return FeedbackPolicy(False, _("Administrators run the pilots and do not rate them."), 403)
    if not pilot.live:
        return FeedbackPolicy(False, _("This pilot is not published."), 404)
    if not pilot.is_open_for_feedback:
        return FeedbackPolicy(
            False, _("Ratings open when the pilot is being evaluated; this pilot is not there yet."), 409
        )
    return FeedbackPolicy(True)


def submit_feedback(pilot: PilotPage, *, user, rating: int, comment: str = "") -> tuple[PilotFeedback, bool]:
    """Record or update ``user``'s rating of ``pilot``; returns the feedback and whether it is new."""
    policy = feedback_policy(pilot, user=user)
    if not policy.allowed:
        raise FeedbackRefused(policy.message, status=policy.status)
    if not isinstance(rating, int) or not 1 <= rating <= 5:
        raise FeedbackRefused(_("Choose a rating from 1 to 5."))
    comment = (comment or "").strip()
    if len(comment) > 1000:
        raise FeedbackRefused(_("Keep the comment under 1000 characters."))
    with transaction.atomic():
        try:
            with transaction.atomic():
                feedback, created = PilotFeedback.objects.select_for_update().get_or_create(
                    pilot=pilot, user=user, defaults={"rating": rating, "comment": comment}
                )
        except IntegrityError:
            # A second request from the same person won the race: update theirs instead.
            feedback, created = PilotFeedback.objects.select_for_update().get(pilot=pilot, user=user), False
        if not created:
            if feedback.comment != comment:
                # An edited comment is a new text: a moderator's earlier hiding no longer applies to it.
                feedback.is_hidden = False
                feedback.hidden_reason = ""
            feedback.rating = rating
            feedback.comment = comment
            feedback.save()
        summary = PilotFeedback.objects.filter(pilot=pilot).summary()
        transaction.on_commit(
            lambda: events.publish(
                "pilot.feedback",
                pilot_id=pilot.pk,
                actor_id=user.pk,
                average=float(summary["average"]) if summary["average"] is not None else None,
                count=summary["count"],
            )
        )
    return feedback, created


def feedback_context(pilot: PilotPage, *, user, form=None) -> dict:
    """Everything the feedback partial renders: the summary, visible comments and the viewer's own rating."""
    from .forms import FeedbackForm

    policy = feedback_policy(pilot, user=user)
    mine = None
    if pilot.pk and user.is_authenticated:
        mine = PilotFeedback.objects.filter(pilot_id=pilot.pk, user=user).first()
    if form is None and policy.allowed:
        form = FeedbackForm(initial={"rating": mine.rating, "comment": mine.comment} if mine else None)
    feedback = PilotFeedback.objects.filter(pilot_id=pilot.pk) if pilot.pk else PilotFeedback.objects.none()
    return {
        "feedback_summary": feedback.summary(),
        "feedback_comments": list(
            feedback.visible().exclude(comment="").select_related("user").order_by("-updated_at", "-pk")[:50]
        ),
        "feedback_policy": policy,
        "feedback_form": form,
        "my_feedback": mine,
    }


# --- Admin set-up ------------------------------------------------------------------------------------


def set_up_pilot_index(index: PilotIndexPage) -> None:
    """Let experts draft pilots under ``index`` and send every pilot there through the "Pilot review" workflow.

    Idempotent. Runs when the index is created in the admin, from the demo data and from the data
    migration for an index that already exists. Experts get add/change on the index only (not on the
    home page), so they can draft pilots but no other page; only administrators hold "publish".
    """
    from django.contrib.auth.models import Group, Permission
    from wagtail.models import GroupPagePermission, WorkflowPage

    with transaction.atomic():
        experts, _created = Group.objects.get_or_create(name=EXPERTS_GROUP)
        for codename in EXPERT_PAGE_PERMISSIONS:
            permission = Permission.objects.get(content_type__app_label="wagtailcore", codename=codename)
            GroupPagePermission.objects.get_or_create(group=experts, page=index, permission=permission)
        workflow = ensure_pilot_review_workflow()
        WorkflowPage.objects.update_or_create(page=index, defaults={"workflow": workflow})


def ensure_pilot_review_workflow():
    """The "Pilot review" workflow: one step, approved by the Administrators group."""
    from django.contrib.auth.models import Group
    from wagtail.models import GroupApprovalTask, Workflow, WorkflowTask

    administrators, _created = Group.objects.get_or_create(name=ADMINISTRATORS_GROUP)
    workflow, _created = Workflow.objects.get_or_create(name=PILOT_REVIEW_WORKFLOW, defaults={"active": True})
    task = GroupApprovalTask.objects.filter(name=PILOT_REVIEW_TASK).first()
    if task is None:
        task = GroupApprovalTask.objects.create(name=PILOT_REVIEW_TASK)
    task.groups.add(administrators)
    WorkflowTask.objects.get_or_create(workflow=workflow, task=task, defaults={"sort_order": 0})
    return workflow
