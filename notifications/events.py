"""Who hears about a domain event, and what they are told: stored notifications and e-mail.

``deliver(event)`` runs in the ``deliver_notifications`` background task (``notifications.tasks``), which
``notifications.subscribers`` enqueues after the emitting transaction commits, so a request never waits on
the fan-out to thousands of followers or on a mail server. Each step fails alone and is logged: a broken
e-mail template must not stop the stored notifications, nor the other way round. What a notification says
is composed once per language among its readers (``Words``), each reader getting it in the language they
chose on the site (``User.reading_language``), never in the actor's or the site's.

Live pushes are not here: each domain app renders its own (``proposals/live.py``, ``pilots/live.py``).
"""

import logging
from collections.abc import Callable
from contextlib import contextmanager

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from wagtail.models import Page

from accounts.mentions import mentioned_user_ids
from accounts.models import Role
from accounts.reach import reach
from challenges.models import ChallengeFollow, ChallengePage, ChallengePilot
from challenges.stages import stage_label
from codesign.models import LabParticipant, Registration, RegistrationStatus, Session, SurveyAnswer, SurveyPage
from livinglab.events import Event
from livinglab.site_url import absolute_url, site_name
from livinglab.sms import send_sms_task
from proposals.models import Comment, Proposal, ProposalStatus, StatusChange, Vote

from . import services
from .mail import Letter
from .models import Channel, Follow, NotificationKind

logger = logging.getLogger(__name__)

HANDLERS: dict[str, Callable[[Event], list[Letter] | None]] = {}


def handles(*names: str):
    def register(function):
        for name in names:
            HANDLERS[name] = function
        return function

    return register


def deliver(event: Event) -> list[Letter]:
    """Store the notifications ``event`` calls for; return the e-mail it calls for, to be queued. Never raises."""
    handler = HANDLERS.get(event.name)
    if handler is None:
        return []
    try:
        return handler(event) or []
    except Exception:
        logger.exception("Notifying about %s (%s) failed", event.name, event.payload)
        return []


@contextmanager
def _step(what: str, event: Event):
    try:
        yield
    except Exception:
        logger.exception("%s for %s (%s) failed", what, event.name, event.payload)


# --- reading ------------------------------------------------------------------------------------------


def _visible_proposal(pk) -> Proposal | None:
    if pk is None:
        return None
    return Proposal.objects.visible().select_related("category", "area", "author").filter(pk=pk).first()


def author_of(proposal_id) -> int | None:
    """The author of a visible proposal: they follow it from the start."""
    proposal = _visible_proposal(proposal_id)
    return proposal.author_id if proposal is not None else None


def _live_pilot(pk):
    if pk is None:
        return None
    page = Page.objects.live().filter(pk=pk).first()
    return page.specific if page is not None else None


def _pilot_proposal_ids(pilot) -> list[int]:
    related = getattr(pilot, "proposals", None)
    if related is not None and hasattr(related, "values_list"):
        ids = list(related.values_list("pk", flat=True))
        if ids:
            return ids
    return list(StatusChange.objects.filter(pilot_id=pilot.pk).values_list("proposal_id", flat=True).distinct())


def followers(proposal_ids, *, exclude: int | None = None) -> list[int]:
    ids = Follow.objects.filter(proposal_id__in=list(proposal_ids)).values_list("user_id", flat=True).distinct()
    return [pk for pk in ids if pk != exclude]


class Words:
    """What a notification says, composed anew in each reader's language (``compose`` calls ``gettext``)."""

    def __init__(self, compose: Callable[[], str]):
        self.compose = compose

    def in_language(self, language: str) -> str:
        with translation.override(language):
            return str(self.compose())


def by_language(user_ids) -> dict[str, list[int]]:
    """``user_ids`` grouped by the language each reads, in one query (unknown ids are dropped)."""
    groups: dict[str, list[int]] = {}
    rows = get_user_model().objects.filter(pk__in=set(user_ids)).values_list("pk", "language").order_by("pk")
    for pk, language in rows:
        groups.setdefault(language or settings.LANGUAGE_CODE, []).append(pk)
    return groups


def _notify(recipients, *, kind: str, text: Words, url: str, proposal_id=None, pilot_id=None) -> None:
    """Store the notification for who takes ``kind`` on the site, each in their own language."""
    for language, group in by_language(recipients).items():
        services.notify(
            group, kind=kind, text=text.in_language(language), url=url, proposal_id=proposal_id, pilot_id=pilot_id
        )


def _absolute(url: str) -> str:
    return absolute_url(url)


# --- e-mail -------------------------------------------------------------------------------------------


def _addresses(user_ids) -> list[tuple[int, str]]:
    return list(
        get_user_model()
        # Residents who signed up by phone have no address (NULL): they hear by SMS (notifications/sms.py).
        .objects.filter(pk__in=set(user_ids), is_active=True, email__isnull=False)
        .exclude(email="")
        # Who chose text messages or nothing gets no e-mail (accounts.models.NotifyBy).
        .exclude(notify_by__in=["sms", "none"])
        .values_list("pk", "email")
        .order_by("pk")
    )


def status_change_letters(proposal, recipients: list[int], *, to_status_label: str, response: str) -> list[Letter]:
    """One letter per follower who takes status e-mail, is active and has an address."""
    recipients = services.wanted(recipients, kind=NotificationKind.STATUS_CHANGED, channel=Channel.EMAIL)
    link = _absolute(proposal.get_absolute_url())
    subject = _("“%(title)s” is now: %(status)s") % {"title": proposal.title[:80], "status": to_status_label}
    body = render_to_string(
        "notifications/email/status_changed.txt",
        {"proposal": proposal, "status": to_status_label, "response": response, "link": link},
    )
    return [Letter(pk, email, subject, body) for pk, email in _addresses(recipients)]


def notice_letters(recipients, *, kind: str, text: str, url: str) -> list[Letter]:
    """The plain e-mail for any other kind: the notification's words and its link, to who takes it by e-mail."""
    recipients = services.wanted(recipients, kind=kind, channel=Channel.EMAIL)
    if not recipients:
        return []
    body = render_to_string("notifications/email/notice.txt", {"text": text, "link": _absolute(url)})
    return [Letter(pk, email, text[:200], body) for pk, email in _addresses(recipients)]


def _tell(recipients, *, kind: str, text: Words, url: str, proposal_id=None, pilot_id=None) -> list[Letter]:
    """Store the notification for who takes it on the site; return the letters for who takes it by e-mail.
    Each reader gets both in their own language."""
    letters = []
    for language, group in by_language(recipients).items():
        words = text.in_language(language)
        services.notify(group, kind=kind, text=words, url=url, proposal_id=proposal_id, pilot_id=pilot_id)
        with translation.override(language):
            letters += notice_letters(group, kind=kind, text=words, url=url)
    return letters


# --- proposals ----------------------------------------------------------------------------------------


@handles("proposal.status_changed")
def proposal_status_changed(event: Event) -> list[Letter]:
    proposal = _visible_proposal(event.proposal_id)
    if proposal is None:
        return []
    to_status = event.data.get("to_status") or proposal.status
    change = StatusChange.objects.filter(pk=event.data.get("status_change_id"), proposal=proposal).first()
    recipients = followers([proposal.pk], exclude=event.actor_id)
    with _step("Storing status notifications", event):
        text = Words(
            lambda: (
                _("“%(title)s” is now: %(status)s")
                % {"title": proposal.title, "status": ProposalStatus(to_status).label}
            )
        )
        _notify(
            recipients,
            kind=NotificationKind.STATUS_CHANGED,
            text=text,
            url=proposal.get_absolute_url(),
            proposal_id=proposal.pk,
        )
    letters = []
    with _step("Writing status e-mails", event):
        for language, group in by_language(recipients).items():
            with translation.override(language):
                letters += status_change_letters(
                    proposal,
                    group,
                    to_status_label=str(ProposalStatus(to_status).label),
                    response=change.official_response if change else "",
                )
    return letters


@handles("proposal.commented")
def proposal_commented(event: Event) -> list[Letter]:
    """A new comment: a reply tells its parent's author, a mention tells who is mentioned, and everyone else
    who follows the proposal hears of a new comment. Each person hears once, by the most specific kind."""
    if event.data.get("edited") or event.data.get("removed") or event.data.get("unhidden"):
        return []
    proposal = _visible_proposal(event.proposal_id)
    if proposal is None:
        return []
    comment = (
        Comment.objects.select_related("author", "parent")
        .filter(pk=event.data.get("comment_id"), proposal=proposal)
        .first()
    )
    if comment is None or comment.is_hidden or comment.is_removed:
        return []
    name = comment.author.display_name or str(comment.author)
    url = f"{proposal.get_absolute_url()}#comment-{comment.pk}"
    letters: list[Letter] = []
    told: set[int] = {comment.author_id}
    parent = comment.parent
    if parent is not None and parent.author_id not in told and not parent.is_hidden and not parent.is_removed:
        text = Words(
            lambda: _("%(name)s replied to your comment on “%(title)s”") % {"name": name, "title": proposal.title}
        )
        letters += _tell([parent.author_id], kind=NotificationKind.REPLY, text=text, url=url, proposal_id=proposal.pk)
        told.add(parent.author_id)
    mentioned = mentioned_user_ids(comment.body, exclude=comment.author_id) - told
    if mentioned:
        text = Words(lambda: _("%(name)s mentioned you on “%(title)s”") % {"name": name, "title": proposal.title})
        letters += _tell(mentioned, kind=NotificationKind.MENTION, text=text, url=url, proposal_id=proposal.pk)
        told |= mentioned
    rest = set(followers([proposal.pk], exclude=event.actor_id)) - told
    if rest:
        text = Words(lambda: _("%(name)s commented on “%(title)s”") % {"name": name, "title": proposal.title})
        letters += _tell(rest, kind=NotificationKind.FOLLOWED_COMMENT, text=text, url=url, proposal_id=proposal.pk)
    return letters


@handles("proposal.assessed")
def proposal_assessed(event: Event) -> list[Letter]:
    proposal = _visible_proposal(event.proposal_id)
    if proposal is None:
        return []
    text = Words(lambda: _("An expert assessed “%(title)s”") % {"title": proposal.title})
    return _tell(
        followers([proposal.pk], exclude=event.actor_id),
        kind=NotificationKind.FOLLOWED_ASSESSMENT,
        text=text,
        url=f"{proposal.get_absolute_url()}#assessments-{proposal.pk}",
        proposal_id=proposal.pk,
    )


@handles("proposal.created")
def proposal_in_experts_field(event: Event) -> list[Letter]:
    """Experts hear of new proposals in the categories they assess (experts without fields are not told)."""
    proposal = _visible_proposal(event.proposal_id)
    if proposal is None:
        return []
    experts = (
        get_user_model()
        .objects.filter(role=Role.EXPERT, is_active=True, expert_categories=proposal.category_id)
        .exclude(pk__in=[event.actor_id or 0, proposal.author_id])
        .values_list("pk", flat=True)
    )
    text = Words(
        lambda: (
            _("New proposal in your field (%(category)s): “%(title)s”")
            % {"category": proposal.category.localized_name, "title": proposal.title}
        )
    )
    return _tell(
        list(experts),
        kind=NotificationKind.FIELD_PROPOSAL,
        text=text,
        url=proposal.get_absolute_url(),
        proposal_id=proposal.pk,
    )


@handles("proposal.official_answer")
def proposal_official_answer(event: Event) -> None:
    proposal = _visible_proposal(event.proposal_id)
    if proposal is None:
        return
    comment = Comment.objects.filter(pk=event.data.get("comment_id"), proposal=proposal).first()
    if comment is None or comment.is_hidden or comment.is_removed:
        return
    text = Words(lambda: _("The district answered on “%(title)s”") % {"title": proposal.title})
    _notify(
        followers([proposal.pk], exclude=event.actor_id),
        kind=NotificationKind.OFFICIAL_ANSWER,
        text=text,
        url=f"{proposal.get_absolute_url()}#comment-{comment.pk}",
        proposal_id=proposal.pk,
    )


@handles("proposal.review_threshold_reached")
def proposal_review_threshold_reached(event: Event) -> None:
    proposal = _visible_proposal(event.proposal_id)
    if proposal is None:
        return
    administrators = (
        get_user_model().objects.filter(role=Role.ADMINISTRATOR, is_active=True).values_list("pk", flat=True)
    )
    text = Words(
        lambda: (
            _("“%(title)s” has %(count)d supporters and is ready for review")
            % {"title": proposal.title, "count": proposal.vote_count}
        )
    )
    _notify(
        list(administrators),
        kind=NotificationKind.REVIEW_NEEDED,
        text=text,
        url=proposal.get_absolute_url(),
        proposal_id=proposal.pk,
    )


# --- moderation ---------------------------------------------------------------------------------------


@handles("moderation.reported")
def moderation_reported(event: Event) -> None:
    """Moderators and administrators hear of each new report (never the reporter, if they moderate)."""
    proposal = Proposal.objects.filter(pk=event.proposal_id).first()
    if proposal is None:
        return
    moderators = _moderators(event.actor_id)
    if event.data.get("comment_id"):
        text = Words(lambda: _("A comment on “%(title)s” was reported") % {"title": proposal.title})
    else:
        text = Words(lambda: _("The proposal “%(title)s” was reported") % {"title": proposal.title})
    _notify(
        list(moderators),
        kind=NotificationKind.NEW_REPORT,
        text=text,
        url=reverse("proposals_moderation"),
        proposal_id=proposal.pk,
    )


def _moderators(exclude) -> list[int]:
    return list(
        get_user_model()
        .objects.filter(is_active=True, blocked_at__isnull=True)
        .filter(Q(role__in=[Role.MODERATOR, Role.ADMINISTRATOR]) | Q(is_superuser=True))
        .exclude(pk=exclude)
        .values_list("pk", flat=True)
    )


@handles("pilot.feedback_reported")
def pilot_feedback_reported(event: Event) -> None:
    """Moderators hear of a reported comment on a pilot's results, as of any other report."""
    pilot = _live_pilot(event.pilot_id)
    if pilot is None:
        return
    text = Words(lambda: _("A comment on the pilot “%(title)s” was reported") % {"title": pilot.title})
    _notify(
        _moderators(event.actor_id),
        kind=NotificationKind.NEW_REPORT,
        text=text,
        url=reverse("proposals_moderation"),
        pilot_id=pilot.pk,
    )


@handles("moderation.warned")
def moderation_warned(event: Event) -> list[Letter]:
    """The author reads the moderator's reason (stored as plain text; templates escape it)."""
    proposal = Proposal.objects.filter(pk=event.proposal_id).first()
    recipient = event.data.get("recipient_id")
    if proposal is None or not recipient:
        return []
    reason = event.data.get("reason") or ""
    text = Words(
        lambda: (
            _("A moderator asks you to mind the site's rules on “%(title)s”: %(reason)s")
            % {"title": proposal.title, "reason": reason}
        )
    )
    anchor = f"#comment-{event.data['comment_id']}" if event.data.get("comment_id") else ""
    return _tell(
        [recipient],
        kind=NotificationKind.MODERATION_WARNING,
        text=text,
        url=f"{proposal.get_absolute_url()}{anchor}",
        proposal_id=proposal.pk,
    )


# --- pilots -------------------------------------------------------------------------------------------


@handles("pilot.published")
def pilot_published(event: Event) -> None:
    pilot = _live_pilot(event.pilot_id)
    if pilot is None:
        return
    proposal_ids = event.data.get("proposal_ids") or _pilot_proposal_ids(pilot)
    text = Words(lambda: _("A pilot starts for a proposal you follow: %(title)s") % {"title": pilot.title})
    _notify(
        followers(proposal_ids, exclude=event.actor_id),
        kind=NotificationKind.PILOT_PUBLISHED,
        text=text,
        url=pilot.url or "",
        pilot_id=pilot.pk,
    )


@handles("pilot.results_updated", "pilot.completed")
def pilot_results(event: Event) -> None:
    pilot = _live_pilot(event.pilot_id)
    if pilot is None:
        return
    if event.name == "pilot.completed":
        text = Words(lambda: _("The pilot “%(title)s” is complete: see its results") % {"title": pilot.title})
    else:
        text = Words(lambda: _("New results from the pilot “%(title)s”") % {"title": pilot.title})
    # The followers of its proposals, and the residents testing it (lab participants who have not withdrawn).
    testers = LabParticipant.objects.active().filter(page_id=pilot.pk).values_list("user_id", flat=True)
    recipients = set(followers(_pilot_proposal_ids(pilot), exclude=event.actor_id)) | set(testers)
    recipients.discard(event.actor_id)
    _notify(
        sorted(recipients),
        kind=NotificationKind.PILOT_RESULTS,
        text=text,
        url=pilot.url or "",
        pilot_id=pilot.pk,
    )


# --- co-design ----------------------------------------------------------------------------------------


def _session_letters(session, user_ids, *, subject: Words, template: str) -> list[Letter]:
    """One letter per person whose news goes by e-mail, one text per person whose news goes by SMS (each in the
    language they read; ``accounts.reach``, which includes residents registered at a desk who chose texts
    there); those who chose "only on the site" get neither. Returns the letters."""
    letters = []
    link = _absolute(session.get_absolute_url())
    texts: dict[tuple[str, str], str] = {}
    bodies: dict[str, str] = {}
    for found in reach(user_ids).values():
        if found.channel == "email":
            if found.language not in bodies:
                with translation.override(found.language):
                    bodies[found.language] = render_to_string(template, {"session": session, "link": link})
            letters.append(Letter(found.pk, found.address, subject.in_language(found.language), bodies[found.language]))
        elif found.channel == "sms":
            key = (found.language, found.desk_centre)
            if key not in texts:
                with translation.override(found.language):
                    texts[key] = _("[%(site)s] %(subject)s %(link)s %(stop)s") % {
                        "site": site_name(),
                        "subject": subject.in_language(found.language),
                        "link": link,
                        "stop": found.stop_hint,
                    }
            send_sms_task.enqueue(found.address, texts[key])
    return letters


@handles("codesign.session_reminder")
def codesign_session_reminder(event: Event) -> list[Letter]:
    session = Session.objects.published().filter(pk=event.data.get("session_id")).first()
    if session is None:
        return []
    subject = Words(lambda: _("Tomorrow: %(title)s") % {"title": session.title[:80]})
    return _session_letters(
        session,
        event.data.get("user_ids") or [],
        subject=subject,
        template="notifications/email/session_reminder.txt",
    )


@handles("codesign.promoted")
def codesign_promoted(event: Event) -> list[Letter]:
    session = Session.objects.published().filter(pk=event.data.get("session_id")).first()
    if session is None:
        return []
    subject = Words(lambda: _("You have a seat: %(title)s") % {"title": session.title[:80]})
    return _session_letters(
        session,
        [event.data.get("user_id")],
        subject=subject,
        template="notifications/email/session_promoted.txt",
    )


@handles("codesign.participant_update")
def codesign_participant_update(event: Event) -> None:
    """Lab participants hear of their pilot's new surveys (in-app, as pilot news)."""
    survey = SurveyPage.objects.live().filter(pk=event.data.get("survey_id")).first()
    if survey is None:
        return
    participants = LabParticipant.objects.active().filter(page_id=event.data.get("page_id"))
    text = Words(lambda: _("A new survey for the pilot you test: %(title)s") % {"title": survey.title})
    _notify(
        participants.values_list("user_id", flat=True),
        kind=NotificationKind.PILOT_RESULTS,
        text=text,
        url=survey.url or "",
        pilot_id=event.data.get("page_id"),
    )


# --- challenges ---------------------------------------------------------------------------------------


def _live_challenge(pk) -> ChallengePage | None:
    if pk is None:
        return None
    return ChallengePage.objects.live().public().filter(pk=pk).first()


def challenge_followers(challenge_id: int, *, exclude: int | None = None) -> list[int]:
    ids = ChallengeFollow.objects.filter(challenge_id=challenge_id).values_list("user_id", flat=True)
    return [pk for pk in ids if pk != exclude]


def challenge_participants(challenge_id: int, proposal_ids, *, exclude: int | None = None) -> list[int]:
    """Everyone who took part: the challenge's followers; its proposals' authors, supporters and followers; and,
    on the challenge page or its pilots, the people registered for a session, the lab participants (withdrawn
    ones too: they tested it) and the residents who answered a survey."""
    proposal_ids = list(proposal_ids)
    people = set(challenge_followers(challenge_id))
    people.update(Proposal.objects.filter(pk__in=proposal_ids).values_list("author_id", flat=True))
    people.update(Vote.objects.filter(proposal_id__in=proposal_ids).values_list("user_id", flat=True))
    people.update(followers(proposal_ids))
    pages = [challenge_id, *ChallengePilot.objects.filter(page_id=challenge_id).values_list("pilot_id", flat=True)]
    registrations = Registration.objects.filter(session__page_id__in=pages)
    people.update(registrations.exclude(status=RegistrationStatus.CANCELLED).values_list("user_id", flat=True))
    people.update(LabParticipant.objects.filter(page_id__in=pages).values_list("user_id", flat=True))
    surveys = SurveyPage.objects.filter(subject_page_id__in=pages).values("pk")
    people.update(SurveyAnswer.objects.filter(page_id__in=surveys).values_list("user_id", flat=True))
    people.discard(exclude)
    return sorted(people)


@handles("challenge.stage_changed")
def challenge_stage_changed(event: Event) -> None:
    challenge = _live_challenge(event.challenge_id)
    if challenge is None:
        return
    to_stage = event.data.get("to_stage") or challenge.current_stage
    text = Words(
        lambda: (
            _("The challenge “%(title)s” is now in its “%(stage)s” stage")
            % {"title": challenge.title, "stage": stage_label(to_stage)}
        )
    )
    _notify(
        challenge_followers(challenge.pk, exclude=event.actor_id),
        kind=NotificationKind.CHALLENGE_STAGE,
        text=text,
        url=challenge.url or "",
    )


@handles("challenge.decided")
def challenge_decided(event: Event) -> None:
    challenge = _live_challenge(event.challenge_id)
    if challenge is None:
        return
    text = Words(lambda: _("The challenge “%(title)s” is decided: see the decision") % {"title": challenge.title})
    _notify(
        challenge_participants(challenge.pk, event.data.get("proposal_ids") or [], exclude=event.actor_id),
        kind=NotificationKind.CHALLENGE_DECISION,
        text=text,
        url=f"{challenge.url or ''}#challenge-decision",
    )
