"""Everything people do to proposals, one function per action.

Each service checks the permission rules in ``proposals.rules`` and the proposal's state, changes its rows
inside ``transaction.atomic()``, writes the audit log for moderation and status changes, and schedules its
side effects by emitting a domain event (``livinglab.events.emit``, documented in ``docs/events.md``).
Search, notifications and the live pushes subscribe to those events; this module knows none of them, and
nothing is announced after commit for work that was rolled back.

Errors:
- ``livinglab.errors.ActionRefused`` when the user may not do this now: ``status`` is 403 (not allowed), 409
  (not in this state), 400 (a bad request, e.g. a reply to another proposal's comment) or 429 (rate limited);
  ``message`` is translated and fit to show to the user.
- ``django.core.exceptions.ValidationError`` for bad input (too short a title, a photo that is not a photo,
  a map point outside the district): views show it next to the form field, with a 400.
"""

import logging
from collections.abc import Iterable
from contextlib import AbstractContextManager, nullcontext

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail.log_actions import log as audit_log

from accounts.blocking import refuse_if_blocked
from accounts.models import Role
from livinglab import ratelimit
from livinglab.assisted import Assisted
from livinglab.errors import ActionRefused
from livinglab.events import emit

from . import photos as photo_processing
from .models import (
    AUTHOR_ONLY_STATUSES,
    RESPONSE_REQUIRED_STATUSES,
    Assessment,
    Comment,
    FilingChannel,
    Proposal,
    ProposalPhoto,
    ProposalStatus,
    Report,
    StatusChange,
    Vote,
    allowed_transitions,
)
from .rules import can
from .validators import validate_point, validate_user_text

logger = logging.getLogger(__name__)

THRESHOLD_RESPONSE = gettext_lazy(
    "This proposal reached %(threshold)s supporters and is now being reviewed by the district office."
)


# --- helpers -----------------------------------------------------------------------------------------


def _status_label(status: str) -> str:
    return str(ProposalStatus(status).label) if status in ProposalStatus.values else str(status)


def _require_signed_in(user) -> None:
    if user is None or not user.is_authenticated or not user.is_active:
        raise ActionRefused(_("Please sign in first."), status=403)


def _require_participant(user) -> None:
    """Signed in and not blocked: the door for every action that adds or changes content."""
    _require_signed_in(user)
    refuse_if_blocked(user)


def _actor_id(user) -> int | None:
    return user.pk if user is not None and user.is_authenticated else None


def _full_clean(instance, exclude=None) -> None:
    """Model validation, plus the length limits Django only enforces in forms for text fields."""
    errors = {}
    try:
        instance.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        errors = exc.message_dict
    for field in instance._meta.concrete_fields:
        if isinstance(field, models.TextField) and field.max_length and field.name not in errors:
            value = getattr(instance, field.attname) or ""
            if len(value) > field.max_length:
                errors[field.name] = [
                    _("Ensure this value has at most %(limit)d characters (it has %(length)d).")
                    % {"limit": field.max_length, "length": len(value)}
                ]
    if errors:
        raise ValidationError(errors)


# --- rate limits -------------------------------------------------------------------------------------


def _rate_limit(scope: str, user, rate: str, message: str):
    """Hold one slot of ``user``'s ``rate`` for the block (``livinglab.ratelimit``); 429 when none is left."""
    return ratelimit.holding(f"proposals.{scope}", user.pk, rate, refuse=lambda: ActionRefused(message, status=429))


# --- proposals ---------------------------------------------------------------------------------------


def _clean_proposal_fields(proposal: Proposal, *, latitude, longitude) -> None:
    errors = {}
    try:
        proposal.latitude, proposal.longitude = validate_point(latitude, longitude)
    except ValidationError as exc:
        errors["latitude"] = exc.messages
    try:
        _full_clean(proposal, exclude=["latitude", "longitude", "author", "filed_by"])
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)


def _check_filing(*, author, filed_by, channel: FilingChannel) -> AbstractContextManager:
    """Refuse a filing the person may not make; return the rate limit an online filing is held to."""
    _require_participant(filed_by or author)
    if channel != FilingChannel.ONLINE:
        if filed_by is None or not can(filed_by, "proposals.file_on_behalf"):
            raise ActionRefused(_("Only district staff can file a proposal on a resident's behalf."), status=403)
        return nullcontext()
    if filed_by is not None and filed_by.pk != author.pk:
        raise ActionRefused(_("Staff filing for a resident must choose in person or by phone."), status=400)
    if not can(author, "proposals.submit"):
        raise ActionRefused(_("Please confirm your e-mail address before you submit a proposal."), status=403)
    return _rate_limit(
        "proposal",
        author,
        settings.PROPOSAL_RATE_LIMIT,
        _("You have submitted several proposals in a short time. Please wait a while before the next one."),
    )


def _process_photos(photos: list) -> list:
    """Decode and re-encode every photo before touching the database: a bad one refuses the whole submission."""
    processed = []
    for index, upload in enumerate(photos):
        try:
            processed.append(photo_processing.process_photo(upload))
        except ValidationError as exc:
            name = getattr(upload, "name", "") or _("photo %(number)s") % {"number": index + 1}
            raise ValidationError({"photos": [f"{name}: {message}" for message in exc.messages]}) from exc
    return processed


def default_photo_alt_text(title: str) -> str:
    """What a screen reader hears for a photo nobody described: the problem's title (pages add "photo n of m")."""
    return (_("Photo of the problem: %(title)s") % {"title": title})[:200]


def _save_photos(proposal: Proposal, processed: list, stored_files: list, *, alt_texts: list[str] = ()) -> None:
    """Store the re-encoded photos; every file written is added to ``stored_files`` for a rollback to remove."""
    for position, (image, thumbnail, width, height) in enumerate(processed):
        given = (alt_texts[position] if position < len(alt_texts) else "") or ""
        alt_text = given.strip()[:200] or default_photo_alt_text(proposal.title)
        photo = ProposalPhoto(proposal=proposal, position=position, width=width, height=height, alt_text=alt_text)
        photo.image.save(image.name, image, save=False)
        stored_files.append(photo.image)
        photo.thumbnail.save(thumbnail.name, thumbnail, save=False)
        stored_files.append(photo.thumbnail)
        photo.save()


def _record_filing(proposal: Proposal, *, author, filed_by, channel: FilingChannel, assisted=None) -> None:
    """The first timeline entry, and for staff filing on a resident's behalf, the audit row."""
    StatusChange.objects.create(
        proposal=proposal, from_status="", to_status=ProposalStatus.PUBLISHED, changed_by=filed_by or author
    )
    if channel != FilingChannel.ONLINE:
        audit_log(
            instance=proposal,
            action="livinglab.proposal.filed_on_behalf",
            user=filed_by,
            data={"channel": channel.value, "author_id": author.pk, **(assisted.audit_data() if assisted else {})},
        )


def submit_proposal(
    *,
    author,
    title: str,
    description: str,
    category,
    area,
    latitude=None,
    longitude=None,
    photos: Iterable = (),
    filed_by=None,
    channel: str = FilingChannel.ONLINE,
    photo_alt_texts: Iterable[str] = (),
    assisted: Assisted | None = None,
    challenge=None,
) -> Proposal:
    """File a new proposal in ``published`` with its first timeline entry and up to three photos.

    Online, the author files it themselves and needs a verified e-mail address; ``in_person`` and ``phone``
    proposals are filed by an administrator (``filed_by``) for the resident ``author``. With ``assisted``, desk
    staff file it for a resident of their centre (who may have no e-mail), stamped with the channel and centre.
    ``photo_alt_texts`` describe the photos in order; a photo without one gets a description from the title.


    ``challenge`` (optional) is the challenge whose call for problems it answers. The challenge says itself
    whether it takes the proposal (``refuse_submission(area=…)`` raises ``ActionRefused``, 409 outside its
    call's dates, for an area it does not cover, or once closed); proposals never import the challenges app.
    """
    if assisted is not None:
        assisted.check(author)
        filed_by, channel = assisted.staff, assisted.channel
        rate_limit = nullcontext()
    else:
        channel = FilingChannel(channel)
        rate_limit = _check_filing(author=author, filed_by=filed_by, channel=channel)
    channel = FilingChannel(channel)
    photos = list(photos or ())
    if len(photos) > photo_processing.MAX_PHOTOS:
        raise ValidationError({"photos": [_("Attach at most 3 photos.")]})
    proposal = Proposal(
        title=(title or "").strip(),
        description=(description or "").strip(),
        category=category,
        area=area,
        author=author,
        filed_by=filed_by if channel != FilingChannel.ONLINE else None,
        channel=channel,
        helped_at=assisted.centre if assisted is not None else "",
        status=ProposalStatus.PUBLISHED,
        challenge=challenge,
    )
    if challenge is not None:
        challenge.refuse_submission(area=area)
    _clean_proposal_fields(proposal, latitude=latitude, longitude=longitude)

    # The slot is taken before any photo is decoded: someone over their limit costs no image work at all, and
    # parallel submissions decode photos only for the ones the limit lets through. As for every refusal here,
    # a submission then refused (a photo that is not one, a closed challenge) gives its slot back.
    with rate_limit:
        processed = _process_photos(photos)
        stored_files = []
        try:
            with transaction.atomic():
                if challenge is not None:
                    # Again under the challenge's row lock: a decision closing it now waits for us, or refuses us.
                    type(challenge).objects.select_for_update().get(pk=challenge.pk).refuse_submission(area=area)
                proposal.save()
                _save_photos(proposal, processed, stored_files, alt_texts=list(photo_alt_texts or ()))
                _record_filing(proposal, author=author, filed_by=filed_by, channel=channel, assisted=assisted)
                emit("proposal.created", proposal_id=proposal.pk, actor_id=(filed_by or author).pk)
        except BaseException:
            # The rows are rolled back; do not leave their files behind in storage.
            for stored in stored_files:
                stored.storage.delete(stored.name)
            proposal.pk = None
            raise
    return proposal


def edit_proposal(
    proposal: Proposal, *, user, title: str, description: str, category, area, latitude=None, longitude=None
) -> Proposal:
    """Let the author correct their proposal until the first vote, for at most 30 minutes."""
    _require_participant(user)
    if proposal.author_id != user.pk:
        raise ActionRefused(_("Only the author can edit this proposal."), status=403)
    with transaction.atomic():
        # Lock so a first vote arriving now either lands before (and we refuse) or after the edit.
        locked = Proposal.objects.select_for_update().get(pk=proposal.pk)
        if not can(user, "proposals.edit", locked):
            raise ActionRefused(
                _("This proposal can no longer be edited: it has votes, or 30 minutes have passed."), status=409
            )
        locked.title = (title or "").strip()
        locked.description = (description or "").strip()
        locked.category = category
        locked.area = area
        _clean_proposal_fields(locked, latitude=latitude, longitude=longitude)
        locked.save(update_fields=["title", "description", "category", "area", "latitude", "longitude", "updated_at"])
        emit("proposal.edited", proposal_id=locked.pk, actor_id=user.pk)
    _copy_state(locked, proposal)
    return proposal


def _copy_state(source: Proposal, target: Proposal) -> None:
    """Bring the caller's instance up to date with the row the service changed."""
    if source is target:
        return
    for field in (
        "title",
        "description",
        "category_id",
        "area_id",
        "latitude",
        "longitude",
        "status",
        "vote_count",
        "comment_count",
        "is_hidden",
        "hidden_reason",
        "updated_at",
    ):
        setattr(target, field, getattr(source, field))
    for relation in ("category", "area"):
        if Proposal._meta.get_field(relation).is_cached(source):
            setattr(target, relation, getattr(source, relation))


def withdraw_proposal(proposal: Proposal, *, user, reason: str = "") -> Proposal:
    """The author takes their proposal back before the district decides (``published``/``under_review``)."""
    _require_signed_in(user)
    if proposal.author_id != user.pk:
        raise ActionRefused(_("Only the author can withdraw this proposal."), status=403)
    _transition(proposal, to_status=ProposalStatus.WITHDRAWN, by=user, response=(reason or "").strip())
    return proposal


# --- status ------------------------------------------------------------------------------------------


def change_status(proposal: Proposal, *, to_status: str, by, response: str = "", pilot=None) -> StatusChange:
    """Move ``proposal`` along ``models.TRANSITIONS`` and record it on the public timeline and in the audit log.

    ``by`` is the administrator making the move. ``by=None`` is reserved for moves code makes on its own
    (the vote threshold in ``cast_vote``, a pilot page being published); it is never taken from a request.
    Withdrawing belongs to the author: call ``withdraw_proposal``.
    """
    if by is not None:
        _require_signed_in(by)
        if to_status in AUTHOR_ONLY_STATUSES:
            raise ActionRefused(_("Only the author can withdraw a proposal."), status=403)
        if not can(by, "proposals.moderate"):
            raise ActionRefused(_("Only district administrators can change a proposal's status."), status=403)
    return _transition(proposal, to_status=to_status, by=by, response=(response or "").strip(), pilot=pilot)


def _transition(proposal: Proposal, *, to_status: str, by, response: str = "", pilot=None) -> StatusChange:
    if to_status not in ProposalStatus.values:
        raise ActionRefused(_("“%(status)s” is not a proposal status.") % {"status": to_status}, status=400)
    if response:
        try:
            validate_user_text(response)
        except ValidationError as exc:
            raise ValidationError({"response": exc.messages}) from exc
        if len(response) > 5000:
            raise ValidationError({"response": [_("The official response can be at most 5,000 characters.")]})
    if to_status in RESPONSE_REQUIRED_STATUSES and by is not None and not response:
        raise ValidationError({"response": [_("Please give the resident an official response explaining why.")]})
    with transaction.atomic():
        locked = Proposal.objects.select_for_update().get(pk=proposal.pk)
        change = _apply_transition(locked, to_status=to_status, by=by, response=response, pilot=pilot)
    _copy_state(locked, proposal)
    return change


def _apply_transition(
    locked: Proposal, *, to_status: str, by, response: str, pilot=None, action: str = ""
) -> StatusChange:
    """Inside an atomic block, with ``locked`` selected for update: check, move, record, announce."""
    from_status = locked.status
    if to_status not in allowed_transitions(from_status):
        raise ActionRefused(
            _("A proposal that is “%(from)s” cannot be moved to “%(to)s”.")
            % {"from": _status_label(from_status), "to": _status_label(to_status)},
            status=409,
        )
    if to_status == ProposalStatus.WITHDRAWN and not can(by, "proposals.withdraw", locked):
        raise ActionRefused(_("Only the author can withdraw this proposal, before it is decided."), status=403)
    locked.status = to_status
    locked.save(update_fields=["status", "updated_at"])
    change = StatusChange.objects.create(
        proposal=locked,
        from_status=from_status,
        to_status=to_status,
        changed_by=by,
        official_response=response,
        pilot=pilot,
    )
    audit_log(
        instance=locked,
        action=action or "livinglab.proposal.status",
        user=by,
        data={
            "from_status": from_status,
            "to_status": to_status,
            "status_change_id": change.pk,
            "response": response[:500],
        },
    )
    emit(
        "proposal.status_changed",
        proposal_id=locked.pk,
        actor_id=_actor_id(by),
        status_change_id=change.pk,
        from_status=from_status,
        to_status=to_status,
    )
    return change


# --- votes -------------------------------------------------------------------------------------------


def cast_vote(proposal: Proposal, *, user, assisted: Assisted | None = None) -> Vote:
    """Support ``proposal``. Voting twice returns the first vote; the counter stays exact under load.

    One short transaction: the vote inserted unless it exists (``ON CONFLICT DO NOTHING RETURNING``), then
    the counter raised with ``UPDATE … RETURNING`` only while the proposal is open for votes. That update
    holds the proposal's row lock until commit, so votes on one proposal are counted one after another and
    the move to ``under_review`` at ``settings.PROPOSAL_REVIEW_THRESHOLD`` happens exactly once. Who may
    vote (not the author, not an administrator) is checked first, on the instance the caller holds.

    With ``assisted``, desk staff record the support of a resident of their centre (audit row by the staff).
    """
    if assisted is not None:
        assisted.check(user)
    else:
        _require_signed_in(user)
    refuse_if_blocked(user)
    if not can(user, "proposals.vote", proposal):
        # Voting twice stays a no-op after voting closed; anyone else hears why they cannot vote.
        existing = Vote.objects.filter(user=user, proposal_id=proposal.pk).first()
        if existing is not None:
            return existing
        _check_vote_allowed(proposal, user)
    # Desk staff supporting for residents are held to the desk's own limit (desk.services).
    rate_limit = nullcontext() if assisted is not None else _vote_limit(user)
    # Stamped on the vote like the other contributions: the inclusion dashboard counts it under its channel.
    stamp = {"channel": assisted.channel, "helped_at": assisted.centre} if assisted is not None else {}
    with rate_limit, transaction.atomic():
        vote_id = Vote.objects.add_once(user_id=user.pk, proposal_id=proposal.pk, **stamp)
        if vote_id is None:
            return Vote.objects.get(user=user, proposal_id=proposal.pk)
        counted = Proposal.objects.count_vote(proposal.pk)
        if counted is None:
            # Hidden or closed meanwhile: the refusal rolls the vote back and says why, from the current row.
            proposal.refresh_from_db(fields=["status", "is_hidden", "vote_count"])
            _check_vote_allowed(proposal, user)
            raise ActionRefused(_("Voting is closed."), status=409)  # not reached: the row said closed
        proposal.vote_count, proposal.status = counted
        if assisted is not None:
            audit_log(
                instance=proposal,
                action="livinglab.proposal.voted_on_behalf",
                user=assisted.staff,
                data={"vote_id": vote_id, **assisted.audit_data()},
            )
        threshold = settings.PROPOSAL_REVIEW_THRESHOLD
        if proposal.status == ProposalStatus.PUBLISHED and threshold and proposal.vote_count >= threshold:
            change = _apply_transition(
                proposal,
                to_status=ProposalStatus.UNDER_REVIEW,
                by=None,
                response=str(THRESHOLD_RESPONSE % {"threshold": threshold}),
                action="livinglab.proposal.vote_threshold",
            )
            emit(
                "proposal.review_threshold_reached",
                proposal_id=proposal.pk,
                actor_id=user.pk,
                status_change_id=change.pk,
                vote_count=proposal.vote_count,
                threshold=threshold,
            )
        emit("proposal.voted", proposal_id=proposal.pk, actor_id=user.pk, vote_count=proposal.vote_count)
    return Vote(pk=vote_id, user=user, proposal=proposal, **stamp)


def _vote_limit(user):
    """Supporting and taking support back count together: each writes a row and is pushed live to every reader."""
    return _rate_limit(
        "vote",
        user,
        settings.VOTE_RATE_LIMIT,
        _("You have changed your support many times in a short while. Please wait a while and try again."),
    )


def _check_vote_allowed(locked: Proposal, user) -> None:
    if not locked.is_open_for_votes:
        raise ActionRefused(
            _("Voting is closed: this proposal is “%(status)s”.") % {"status": _status_label(locked.status)}
            if not locked.is_hidden
            else _("This proposal was hidden by a moderator."),
            status=409,
        )
    if locked.author_id == user.pk:
        raise ActionRefused(_("You cannot vote for your own proposal."), status=403)
    if not can(user, "proposals.vote", locked):
        raise ActionRefused(_("District administrators do not vote on proposals."), status=403)


def withdraw_vote(proposal: Proposal, *, user) -> None:
    """Take back a vote. Without a vote this does nothing; after voting closed, votes stay as cast."""
    _require_signed_in(user)
    if not Vote.objects.filter(user=user, proposal_id=proposal.pk).exists():
        return
    with _vote_limit(user), transaction.atomic():
        locked = Proposal.objects.select_for_update().get(pk=proposal.pk)
        if locked.is_hidden:
            raise ActionRefused(_("This proposal was hidden by a moderator."), status=409)
        if not locked.is_open_for_votes:
            raise ActionRefused(
                _("Voting is closed: this proposal is “%(status)s”, so votes can no longer be taken back.")
                % {"status": _status_label(locked.status)},
                status=409,
            )
        deleted, _rows = Vote.objects.filter(user=user, proposal=locked).delete()
        if deleted:
            Proposal.objects.filter(pk=locked.pk, vote_count__gt=0).update(vote_count=F("vote_count") - 1)
            locked.refresh_from_db(fields=["vote_count"])
            emit("proposal.unvoted", proposal_id=locked.pk, actor_id=user.pk, vote_count=locked.vote_count)
    _copy_state(locked, proposal)


# --- discussion --------------------------------------------------------------------------------------


def _role_badge(user) -> str:
    """The role a comment shows: superusers speak as administrators whatever their role field says."""
    if user.is_administrator:
        return Role.ADMINISTRATOR
    return user.role if user.role in Role.values else Role.RESIDENT


def post_comment(
    proposal: Proposal, *, author, body: str, parent: Comment | None = None, assisted: Assisted | None = None
) -> Comment:
    """Add to the discussion. Replies go one level deep: a reply to a reply joins its thread's top comment.

    With ``assisted``, desk staff write down what a resident of their centre said, stamped with the channel.
    """
    if assisted is not None:
        assisted.check(author)
    else:
        _require_signed_in(author)
    refuse_if_blocked(author)
    if proposal.is_hidden or proposal.status == ProposalStatus.WITHDRAWN:
        raise ActionRefused(_("The discussion on this proposal is closed."), status=409)
    if not can(author, "proposals.comment", proposal):
        raise ActionRefused(_("You cannot comment on this proposal."), status=403)
    if parent is not None:
        if parent.proposal_id != proposal.pk:
            raise ActionRefused(_("You can only reply to a comment on the same proposal."), status=400)
        if parent.parent_id is not None:
            parent = parent.parent
        if parent.is_removed or parent.is_hidden:
            raise ActionRefused(_("This comment was removed, so it can no longer be replied to."), status=409)
    comment = Comment(
        proposal=proposal,
        parent=parent,
        author=author,
        author_role=_role_badge(author),
        body=(body or "").strip(),
        channel=assisted.channel if assisted is not None else FilingChannel.ONLINE,
        filed_by=assisted.staff if assisted is not None else None,
        helped_at=assisted.centre if assisted is not None else "",
    )
    _full_clean(comment, exclude=["proposal", "parent", "author", "filed_by"])
    rate_limit = _rate_limit(
        "comment",
        author,
        settings.COMMENT_RATE_LIMIT,
        _("You are commenting very quickly. Please wait a minute before posting again."),
    )
    with rate_limit, transaction.atomic():
        comment.save()
        Proposal.objects.filter(pk=proposal.pk).update(comment_count=F("comment_count") + 1)
        if assisted is not None:
            audit_log(
                instance=comment,
                action="livinglab.comment.posted_on_behalf",
                user=assisted.staff,
                data={"proposal_id": proposal.pk, **assisted.audit_data()},
            )
        emit(
            "proposal.commented",
            proposal_id=proposal.pk,
            actor_id=author.pk,
            comment_id=comment.pk,
            parent_id=comment.parent_id,
        )
    proposal.comment_count = (proposal.comment_count or 0) + 1
    return comment


def edit_comment(comment: Comment, *, user, body: str) -> Comment:
    """The author corrects their comment within 15 minutes of posting it."""
    _require_participant(user)
    if comment.author_id != user.pk:
        raise ActionRefused(_("Only the author can edit this comment."), status=403)
    if not can(user, "proposals.edit_comment", comment):
        raise ActionRefused(_("Comments can only be edited for 15 minutes after posting."), status=409)
    comment.body = (body or "").strip()
    _full_clean(comment, exclude=["proposal", "parent", "author"])
    comment.edited_at = timezone.now()
    with transaction.atomic():
        comment.save(update_fields=["body", "edited_at"])
        emit(
            "proposal.commented",
            proposal_id=comment.proposal_id,
            actor_id=user.pk,
            comment_id=comment.pk,
            parent_id=comment.parent_id,
            edited=True,
        )
    return comment


def _counts_in_discussion(comment: Comment) -> bool:
    return not comment.is_removed and not comment.is_hidden


def remove_comment(comment: Comment, *, user) -> Comment:
    """The author deletes their comment; a "removed" placeholder keeps the replies' thread in place."""
    _require_signed_in(user)
    if comment.author_id != user.pk:
        raise ActionRefused(_("Only the author can delete this comment."), status=403)
    if comment.is_removed:
        return comment
    if not can(user, "proposals.remove_comment", comment):
        raise ActionRefused(_("This comment can no longer be deleted."), status=409)
    with transaction.atomic():
        locked = Comment.objects.select_for_update().get(pk=comment.pk)
        if locked.is_removed:
            return locked
        counted = _counts_in_discussion(locked)
        locked.is_removed = True
        locked.is_official_answer = False
        locked.save(update_fields=["is_removed", "is_official_answer"])
        if counted:
            Proposal.objects.filter(pk=locked.proposal_id, comment_count__gt=0).update(
                comment_count=F("comment_count") - 1
            )
        emit(
            "proposal.commented",
            proposal_id=locked.proposal_id,
            actor_id=user.pk,
            comment_id=locked.pk,
            parent_id=locked.parent_id,
            removed=True,
        )
    comment.is_removed = True
    comment.is_official_answer = False
    return comment


def mark_official_answer(comment: Comment, *, by) -> Comment:
    """Make an administrator's comment the district's official answer, replacing any earlier one."""
    _require_signed_in(by)
    if not can(by, "proposals.moderate"):
        raise ActionRefused(_("Only district administrators can mark an official answer."), status=403)
    if not can(by, "proposals.mark_official", comment):
        raise ActionRefused(
            _("Only a visible comment written by a district administrator can be the official answer."), status=409
        )
    with transaction.atomic():
        Proposal.objects.select_for_update().filter(pk=comment.proposal_id).first()
        Comment.objects.filter(proposal_id=comment.proposal_id, is_official_answer=True).exclude(pk=comment.pk).update(
            is_official_answer=False
        )
        Comment.objects.filter(pk=comment.pk).update(is_official_answer=True)
        comment.is_official_answer = True
        audit_log(
            instance=comment, action="livinglab.comment.official", user=by, data={"proposal_id": comment.proposal_id}
        )
        emit("proposal.official_answer", proposal_id=comment.proposal_id, actor_id=by.pk, comment_id=comment.pk)
    return comment


# --- assessments and reports -------------------------------------------------------------------------


def submit_assessment(
    proposal: Proposal, *, expert, feasibility: int, cost_range: str, risks: str, recommendation: str, text: str
) -> Assessment:
    """An expert writes (or rewrites) their one structured review of ``proposal``."""
    _require_participant(expert)
    if not expert.is_expert:
        raise ActionRefused(_("Only experts can write assessments."), status=403)
    if not can(expert, "proposals.assess", proposal):
        if proposal.author_id == expert.pk:
            raise ActionRefused(_("Experts cannot assess their own proposal."), status=403)
        raise ActionRefused(
            _("Assessments are closed: this proposal is “%(status)s”.") % {"status": _status_label(proposal.status)},
            status=409,
        )
    rate_limit = _rate_limit(
        "assessment",
        expert,
        settings.ASSESSMENT_RATE_LIMIT,
        _("You have saved many assessments in a short while. Please wait a while and try again."),
    )
    with rate_limit, transaction.atomic():
        assessment = Assessment.objects.select_for_update().filter(proposal=proposal, expert=expert).first()
        if assessment is None:
            assessment = Assessment(proposal=proposal, expert=expert)
        assessment.feasibility = feasibility
        assessment.cost_range = cost_range
        assessment.risks = (risks or "").strip()
        assessment.recommendation = recommendation
        assessment.text = (text or "").strip()
        _full_clean(assessment, exclude=["proposal", "expert"])
        try:
            with transaction.atomic():
                assessment.save()
        except IntegrityError:
            # Two first submissions at once: the other one won; update it instead.
            existing = Assessment.objects.get(proposal=proposal, expert=expert)
            assessment.pk = existing.pk
            assessment.created_at = existing.created_at
            assessment.save()
        emit("proposal.assessed", proposal_id=proposal.pk, actor_id=expert.pk, assessment_id=assessment.pk)
    return assessment


def report_content(
    *, reporter, reason: str, proposal: Proposal | None = None, comment: Comment | None = None
) -> Report:
    """Flag a proposal or a comment for the moderators, once per person and item."""
    _require_participant(reporter)
    if (proposal is None) == (comment is None):
        raise ActionRefused(_("Report either a proposal or a comment."), status=400)
    if proposal is not None:
        allowed = can(reporter, "proposals.report", proposal)
        already = Report.objects.filter(reporter=reporter, proposal=proposal).exists()
    else:
        allowed = can(reporter, "proposals.report_comment", comment)
        already = Report.objects.filter(reporter=reporter, comment=comment).exists()
    if already:
        raise ActionRefused(_("You have already reported this. The moderators will look at it."), status=409)
    if not allowed:
        raise ActionRefused(_("You cannot report this."), status=403)
    report = Report(reporter=reporter, proposal=proposal, comment=comment, reason=(reason or "").strip())
    _full_clean(report, exclude=["reporter", "proposal", "comment"])
    try:
        validate_user_text(report.reason)
    except ValidationError as exc:
        raise ValidationError({"reason": exc.messages}) from exc
    rate_limit = _rate_limit(
        "report", reporter, settings.REPORT_RATE_LIMIT, _("You have sent many reports in a short time. Please wait.")
    )
    try:
        with rate_limit, transaction.atomic():
            report.save()
            emit(
                "moderation.reported",
                proposal_id=proposal.pk if proposal is not None else comment.proposal_id,
                comment_id=comment.pk if comment is not None else None,
                actor_id=reporter.pk,
                report_id=report.pk,
            )
    except IntegrityError:
        raise ActionRefused(_("You have already reported this. The moderators will look at it."), status=409) from None
    return report


# --- moderation --------------------------------------------------------------------------------------


def dismiss_report(report: Report, *, by) -> Report:
    """A moderator looked at a report and decided the item stays: close it without hiding anything."""
    _require_moderator(by)
    if report.resolved_at is None:
        with transaction.atomic():
            report.resolved_at = timezone.now()
            report.save(update_fields=["resolved_at"])
            audit_log(
                instance=report,
                action="livinglab.report.dismiss",
                user=by,
                data={"proposal_id": report.proposal_id, "comment_id": report.comment_id},
            )
    return report


def _require_moderator(by) -> None:
    _require_signed_in(by)
    if not can(by, "proposals.moderate_content"):
        raise ActionRefused(_("Only moderators and district administrators can moderate."), status=403)


def _one_target(proposal, comment) -> None:
    if (proposal is None) == (comment is None):
        raise ActionRefused(_("Choose either a proposal or a comment."), status=400)


def dismiss_reports(*, by, reason: str = "", proposal: Proposal | None = None, comment: Comment | None = None) -> int:
    """Close every open report on one item, which stays as it is; returns how many were closed."""
    _require_moderator(by)
    _one_target(proposal, comment)
    reason = (reason or "").strip()[:300]
    with transaction.atomic():
        reports = Report.objects.select_for_update().filter(
            resolved_at__isnull=True, **({"proposal": proposal} if proposal is not None else {"comment": comment})
        )
        report_ids = list(reports.values_list("pk", flat=True))
        if not report_ids:
            return 0
        Report.objects.filter(pk__in=report_ids).update(resolved_at=timezone.now())
        audit_log(
            instance=proposal if proposal is not None else comment,
            action="livinglab.report.dismiss",
            user=by,
            data={"report_ids": report_ids, "reason": reason},
        )
    return len(report_ids)


def warn_author(*, by, reason: str, proposal: Proposal | None = None, comment: Comment | None = None):
    """Tell the author of a reported item, in a notification, what the moderators saw; the item stays.

    The open reports on the item are closed: the warning is the moderators' answer to them.
    """
    _require_moderator(by)
    _one_target(proposal, comment)
    reason = _clean_reason(reason)
    item = proposal if proposal is not None else comment
    with transaction.atomic():
        Report.objects.filter(
            resolved_at__isnull=True, **({"proposal": proposal} if proposal is not None else {"comment": comment})
        ).update(resolved_at=timezone.now())
        audit_log(
            instance=item,
            action="livinglab.moderation.warn",
            user=by,
            data={"reason": reason, "author_id": item.author_id},
        )
        emit(
            "moderation.warned",
            proposal_id=proposal.pk if proposal is not None else comment.proposal_id,
            comment_id=comment.pk if comment is not None else None,
            actor_id=by.pk,
            recipient_id=item.author_id,
            reason=reason,
        )
    return item


def require_moderator(by) -> None:
    """Refuse (403) anyone but moderators and administrators: for other apps' reportable kinds."""
    _require_moderator(by)


def clean_moderation_reason(reason: str) -> str:
    """A moderator's reason for the author, checked as for proposals and comments (for other apps' kinds)."""
    return _clean_reason(reason)


def _clean_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("Please give a reason; the author will see it.")]})
    if len(reason) > 300:
        raise ValidationError({"reason": [_("The reason can be at most 300 characters.")]})
    try:
        validate_user_text(reason)
    except ValidationError as exc:
        raise ValidationError({"reason": exc.messages}) from exc
    return reason


def hide_proposal(proposal: Proposal, *, by, reason: str) -> Proposal:
    """Take a proposal off the public site; its author still sees it, with the reason."""
    _require_moderator(by)
    reason = _clean_reason(reason)
    with transaction.atomic():
        locked = Proposal.objects.select_for_update().get(pk=proposal.pk)
        if not locked.is_hidden:
            locked.is_hidden = True
            locked.hidden_reason = reason
            locked.save(update_fields=["is_hidden", "hidden_reason", "updated_at"])
            Report.objects.filter(proposal=locked, resolved_at__isnull=True).update(resolved_at=timezone.now())
            audit_log(instance=locked, action="livinglab.proposal.hide", user=by, data={"reason": reason})
            emit("proposal.hidden", proposal_id=locked.pk, actor_id=by.pk, reason=reason)
    _copy_state(locked, proposal)
    return proposal


def unhide_proposal(proposal: Proposal, *, by) -> Proposal:
    _require_moderator(by)
    with transaction.atomic():
        locked = Proposal.objects.select_for_update().get(pk=proposal.pk)
        if locked.is_hidden:
            previous = locked.hidden_reason
            locked.is_hidden = False
            locked.hidden_reason = ""
            locked.save(update_fields=["is_hidden", "hidden_reason", "updated_at"])
            audit_log(instance=locked, action="livinglab.proposal.unhide", user=by, data={"previous_reason": previous})
            emit("proposal.unhidden", proposal_id=locked.pk, actor_id=by.pk)
    _copy_state(locked, proposal)
    return proposal


def hide_comment(comment: Comment, *, by, reason: str) -> Comment:
    """Hide a comment behind a moderator's note; it no longer counts in the discussion."""
    _require_moderator(by)
    reason = _clean_reason(reason)
    with transaction.atomic():
        locked = Comment.objects.select_for_update().get(pk=comment.pk)
        if not locked.is_hidden:
            counted = _counts_in_discussion(locked)
            locked.is_hidden = True
            locked.hidden_reason = reason
            locked.is_official_answer = False
            locked.save(update_fields=["is_hidden", "hidden_reason", "is_official_answer"])
            if counted:
                Proposal.objects.filter(pk=locked.proposal_id, comment_count__gt=0).update(
                    comment_count=F("comment_count") - 1
                )
            Report.objects.filter(comment=locked, resolved_at__isnull=True).update(resolved_at=timezone.now())
            audit_log(
                instance=locked,
                action="livinglab.comment.hide",
                user=by,
                data={"reason": reason, "proposal_id": locked.proposal_id},
            )
            emit("proposal.comment_hidden", proposal_id=locked.proposal_id, actor_id=by.pk, comment_id=locked.pk)
    for field in ("is_hidden", "hidden_reason", "is_official_answer"):
        setattr(comment, field, getattr(locked, field))
    return comment


def unhide_comment(comment: Comment, *, by) -> Comment:
    _require_moderator(by)
    with transaction.atomic():
        locked = Comment.objects.select_for_update().get(pk=comment.pk)
        if locked.is_hidden:
            previous = locked.hidden_reason
            locked.is_hidden = False
            locked.hidden_reason = ""
            locked.save(update_fields=["is_hidden", "hidden_reason"])
            if not locked.is_removed:
                Proposal.objects.filter(pk=locked.proposal_id).update(comment_count=F("comment_count") + 1)
            audit_log(
                instance=locked,
                action="livinglab.comment.unhide",
                user=by,
                data={"previous_reason": previous, "proposal_id": locked.proposal_id},
            )
            emit(
                "proposal.commented",
                proposal_id=locked.proposal_id,
                actor_id=by.pk,
                comment_id=locked.pk,
                parent_id=locked.parent_id,
                unhidden=True,
            )
    for field in ("is_hidden", "hidden_reason"):
        setattr(comment, field, getattr(locked, field))
    return comment
