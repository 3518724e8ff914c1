"""What happens around pilots: closing the loop with proposals, residents' feedback and the admin set-up."""

import logging

from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from wagtail.log_actions import log as audit_log
from wagtail.models import GroupApprovalTask, GroupPagePermission, Workflow, WorkflowPage, WorkflowTask

from accounts.blocking import refuse_if_blocked
from livinglab import ratelimit
from livinglab.assisted import Assisted
from livinglab.errors import ActionRefused
from livinglab.events import emit
from proposals.models import PILOT_STATUSES, Proposal, ProposalStatus, transition_path
from proposals.rules import can
from proposals.services import change_status, clean_moderation_reason, require_moderator
from proposals.validators import validate_user_text

from .models import FeedbackReport, PilotFeedback, PilotIndexPage, PilotPage, PilotStatus
from .rules import feedback_policy

logger = logging.getLogger(__name__)

PILOT_REVIEW_WORKFLOW = "Pilot review"
PILOT_REVIEW_TASK = "Administrators approve pilot"
ADMINISTRATORS_GROUP = "Administrators"
EXPERTS_GROUP = "Experts"
# Experts draft pilots and submit them; only administrators publish (their permission sits at the root).
EXPERT_PAGE_PERMISSIONS = ("add_page", "change_page")


# --- Closing the loop ------------------------------------------------------------------------------------


def _moves_for(pilot_status: str, proposal_status: str) -> list[str]:
    """The proposal statuses to step through, in order, for a pilot in ``pilot_status``.

    Only proposals the district accepted move (never undecided ones), along the proposals' own transition
    table: to ``piloting`` while the pilot runs, on to ``completed`` when it is completed.
    """
    if proposal_status not in PILOT_STATUSES:
        return []
    target = ProposalStatus.COMPLETED if pilot_status == PilotStatus.COMPLETED else ProposalStatus.PILOTING
    return transition_path(proposal_status, target) or []


PLAIN_TEXT_SWAPS = str.maketrans({"<": "‹", ">": "›", "[": "(", "]": ")"})


def _official_response(pilot: PilotPage, to_status: str) -> str:
    """The timeline entry's text: plain text with a Markdown link to the pilot (what proposals accept)."""
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
            emit("pilot.published", pilot_id=pilot.pk, proposal_ids=moved["piloting"])
        if moved.get("completed"):
            emit("pilot.completed", pilot_id=pilot.pk, proposal_ids=moved["completed"])
    return changes


# --- Residents' feedback ---------------------------------------------------------------------------------


def submit_feedback(
    pilot: PilotPage, *, user, rating: int, comment: str = "", assisted: Assisted | None = None
) -> tuple[PilotFeedback, bool]:
    """Record or update ``user``'s rating of ``pilot``; returns the feedback and whether it is new.

    With ``assisted``, desk staff record the rating of a resident of their centre, stamped with the channel.
    """
    if assisted is not None:
        assisted.check(user)
    refuse_if_blocked(user)
    policy = feedback_policy(pilot, user=user)
    if not policy.allowed:
        raise ActionRefused(policy.message, status=policy.status)
    if not isinstance(rating, int) or not 1 <= rating <= 5:
        raise ActionRefused(_("Choose a rating from 1 to 5."), status=400)
    comment = (comment or "").strip()
    if len(comment) > 1000:
        raise ActionRefused(_("Keep the comment under 1000 characters."), status=400)
    rate_limit = ratelimit.holding(
        "pilots.feedback",
        user.pk,
        settings.FEEDBACK_RATE_LIMIT,
        refuse=lambda: ActionRefused(_("You have rated many times in a short while. Please wait."), status=429),
    )
    stamp = {
        "channel": assisted.channel if assisted is not None else "online",
        "filed_by": assisted.staff if assisted is not None else None,
        "helped_at": assisted.centre if assisted is not None else "",
    }
    with rate_limit, transaction.atomic():
        try:
            with transaction.atomic():
                feedback, created = PilotFeedback.objects.select_for_update().get_or_create(
                    pilot=pilot, user=user, defaults={"rating": rating, "comment": comment, **stamp}
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
            for name, value in stamp.items():
                setattr(feedback, name, value)
            feedback.save()
        if assisted is not None:
            audit_log(
                instance=feedback,
                action="livinglab.pilot.rated_on_behalf",
                user=assisted.staff,
                data={"pilot_id": pilot.pk, "rating": rating, **assisted.audit_data()},
            )
        summary = PilotFeedback.objects.filter(pilot=pilot).summary()
        emit(
            "pilot.feedback",
            pilot_id=pilot.pk,
            actor_id=user.pk,
            average=float(summary["average"]) if summary["average"] is not None else None,
            count=summary["count"],
        )
    return feedback, created


# --- Reports and moderation of residents' feedback --------------------------------------------------------


def report_feedback(feedback: PilotFeedback, *, reporter, reason: str) -> FeedbackReport:
    """Flag someone's comment on a pilot for the moderators, once per person and comment."""
    refuse_if_blocked(reporter)
    if FeedbackReport.objects.filter(reporter=reporter, feedback=feedback).exists():
        raise ActionRefused(_("You have already reported this. The moderators will look at it."), status=409)
    if not can(reporter, "pilots.report_feedback", feedback):
        raise ActionRefused(_("You cannot report this."), status=403)
    reason = (reason or "").strip()
    if not reason or len(reason) > 500:
        raise ValidationError({"reason": [_("Say in a few words (at most 500 characters) what is wrong.")]})
    try:
        validate_user_text(reason)
    except ValidationError as exc:
        raise ValidationError({"reason": exc.messages}) from exc
    rate_limit = ratelimit.holding(
        "pilots.report",
        reporter.pk,
        settings.REPORT_RATE_LIMIT,
        refuse=lambda: ActionRefused(_("You have sent many reports in a short time. Please wait."), status=429),
    )
    with rate_limit, transaction.atomic():
        try:
            with transaction.atomic():
                report = FeedbackReport.objects.create(reporter=reporter, feedback=feedback, reason=reason)
        except IntegrityError as exc:  # the same person's second click won the race
            raise ActionRefused(
                _("You have already reported this. The moderators will look at it."), status=409
            ) from exc
        emit(
            "pilot.feedback_reported",
            pilot_id=feedback.pilot_id,
            feedback_id=feedback.pk,
            actor_id=reporter.pk,
            report_id=report.pk,
        )
    return report


def _close_reports(feedback: PilotFeedback) -> list[int]:
    reports = FeedbackReport.objects.select_for_update().filter(feedback=feedback, resolved_at__isnull=True)
    ids = list(reports.values_list("pk", flat=True))
    FeedbackReport.objects.filter(pk__in=ids).update(resolved_at=timezone.now())
    return ids


def _feedback_changed(feedback: PilotFeedback, by) -> None:
    summary = PilotFeedback.objects.filter(pilot_id=feedback.pilot_id).summary()
    average = float(summary["average"]) if summary["average"] is not None else None
    emit("pilot.feedback", pilot_id=feedback.pilot_id, actor_id=by.pk, average=average, count=summary["count"])


def hide_feedback(feedback: PilotFeedback, *, by, reason: str) -> PilotFeedback:
    """Hide a comment on a pilot behind the moderator's reason (its author sees it); its reports close."""
    require_moderator(by)
    reason = clean_moderation_reason(reason)
    with transaction.atomic():
        locked = PilotFeedback.objects.select_for_update().get(pk=feedback.pk)
        if not locked.is_hidden:
            locked.is_hidden, locked.hidden_reason = True, reason
            locked.save(update_fields=["is_hidden", "hidden_reason", "updated_at"])
            report_ids = _close_reports(locked)
            audit_log(
                instance=locked,
                action="livinglab.feedback.hide",
                user=by,
                data={"reason": reason, "pilot_id": locked.pilot_id, "report_ids": report_ids},
            )
            _feedback_changed(locked, by)
    feedback.is_hidden, feedback.hidden_reason = locked.is_hidden, locked.hidden_reason
    return feedback


def unhide_feedback(feedback: PilotFeedback, *, by) -> PilotFeedback:
    require_moderator(by)
    with transaction.atomic():
        locked = PilotFeedback.objects.select_for_update().get(pk=feedback.pk)
        if locked.is_hidden:
            previous = locked.hidden_reason
            locked.is_hidden, locked.hidden_reason = False, ""
            locked.save(update_fields=["is_hidden", "hidden_reason", "updated_at"])
            audit_log(
                instance=locked,
                action="livinglab.feedback.unhide",
                user=by,
                data={"previous_reason": previous, "pilot_id": locked.pilot_id},
            )
            _feedback_changed(locked, by)
    feedback.is_hidden, feedback.hidden_reason = locked.is_hidden, locked.hidden_reason
    return feedback


def dismiss_feedback_reports(feedback: PilotFeedback, *, by, reason: str = "") -> int:
    """Close every open report on a comment, which stays shown; returns how many were closed."""
    require_moderator(by)
    with transaction.atomic():
        report_ids = _close_reports(feedback)
        if report_ids:
            audit_log(
                instance=feedback,
                action="livinglab.report.dismiss",
                user=by,
                data={"report_ids": report_ids, "reason": (reason or "").strip()[:300]},
            )
    return len(report_ids)


# --- Admin set-up ------------------------------------------------------------------------------------


def set_up_pilot_index(index: PilotIndexPage) -> None:
    """Let experts draft pilots under ``index`` and send every pilot there through the "Pilot review" workflow.

    Idempotent. Runs when the index is created in the admin, from the demo data and from the data
    migration for an index that already exists. Experts get add/change on the index only (not on the
    home page), so they can draft pilots but no other page; only administrators hold "publish".
    """
    with transaction.atomic():
        experts, _created = Group.objects.get_or_create(name=EXPERTS_GROUP)
        for codename in EXPERT_PAGE_PERMISSIONS:
            permission = Permission.objects.get(content_type__app_label="wagtailcore", codename=codename)
            GroupPagePermission.objects.get_or_create(group=experts, page=index, permission=permission)
        workflow = ensure_pilot_review_workflow()
        WorkflowPage.objects.update_or_create(page=index, defaults={"workflow": workflow})


def ensure_pilot_review_workflow():
    """The "Pilot review" workflow: one step, approved by the Administrators group."""
    administrators, _created = Group.objects.get_or_create(name=ADMINISTRATORS_GROUP)
    workflow, _created = Workflow.objects.get_or_create(name=PILOT_REVIEW_WORKFLOW, defaults={"active": True})
    task = GroupApprovalTask.objects.filter(name=PILOT_REVIEW_TASK).first()
    if task is None:
        task = GroupApprovalTask.objects.create(name=PILOT_REVIEW_TASK)
    task.groups.add(administrators)
    WorkflowTask.objects.get_or_create(workflow=workflow, task=task, defaults={"sort_order": 0})
    return workflow
