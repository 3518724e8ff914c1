"""What desk staff do, one function per action: register a resident, act for them, hand the account over,
and type in paper forms.

Acting for a resident reuses the domain services (``proposals``, ``pilots``, ``codesign``) with an
``assisted`` context (``livinglab.assisted.Assisted``) built here, after checking that the resident belongs
to the staff member's centre. A resident of another centre is "not there" (404), which says nothing about
whether they exist. Refusals raise ``livinglab.errors.ActionRefused``; bad input ``ValidationError``.
"""

import csv
import io
import secrets
import uuid
from datetime import timedelta

import phonenumbers
from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail.log_actions import log as audit_log

from accounts.models import NotifyBy, Role, User
from accounts.services import set_role
from codesign import services as codesign_services
from livinglab import ratelimit, sms
from livinglab.assisted import ASSISTED_CHANNELS, Assisted
from livinglab.errors import ActionRefused
from livinglab.security_log import log_refusal
from pilots import services as pilot_services
from proposals import services as proposal_services
from proposals.models import Area
from proposals.rules import can

from .models import (
    PLACEHOLDER_EMAIL_DOMAIN,
    AgeBand,
    AreaPopulation,
    Centre,
    ClaimChannel,
    ClaimCode,
    DeskResident,
    DeskStaff,
    PaperEntry,
)

# A printed code: 8 characters from an alphabet without look-alikes (0/O, 1/I/L), read out or typed by
# an older resident; 30^8 ≈ 6.6e11 combinations against 10 tries per letter.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ2345679"
CODE_LENGTH = 8
CLAIM_CODE_VALIDITY = timedelta(days=30)
MAX_CLAIM_ATTEMPTS = 10


# --- who is at the desk ------------------------------------------------------------------------------


def appoint_desk_staff(user: User, *, centre: Centre, by: User | None = None) -> DeskStaff:
    """Make ``user`` desk staff at ``centre`` (an administrator's act, in the admin or the shell)."""
    with transaction.atomic():
        set_role(user, Role.DESK_STAFF)
        membership, _created = DeskStaff.objects.update_or_create(user=user, defaults={"centre": centre})
        audit_log(instance=user, action="livinglab.desk.appoint", user=by, data={"centre_id": centre.pk})
    return membership


def dismiss_desk_staff(membership: DeskStaff, *, by: User | None = None) -> None:
    """End ``membership``: the person leaves the centre's desk and is a resident again (an administrator's act).

    The role goes back too, so "desk staff without a centre" is not left behind for the next appointment to
    find. Someone whose role was changed meanwhile (in the user admin) keeps that role.
    """
    user = membership.user
    centre_id = membership.centre_id
    with transaction.atomic():
        membership.delete()
        if user.is_desk_staff:
            set_role(user, Role.RESIDENT)
        audit_log(instance=user, action="livinglab.desk.dismiss", user=by, data={"centre_id": centre_id})


def centre_of(staff) -> Centre:
    """The centre whose desk ``staff`` works at; 403 for anyone else (residents, experts, administrators)."""
    if staff is None or not staff.is_authenticated or not staff.is_active or not staff.is_desk_staff:
        raise ActionRefused(_("Only desk staff at a centre can use the desk."), status=403)
    membership = DeskStaff.objects.select_related("centre", "centre__area").filter(user=staff).first()
    if membership is None:
        raise ActionRefused(_("You are not assigned to a centre yet. Ask an administrator."), status=403)
    return membership.centre


def resident_at_desk(staff, resident_id) -> DeskResident:
    """One of the staff member's centre's residents; any other id is 404, as if it did not exist."""
    centre = centre_of(staff)
    resident = (
        DeskResident.objects.at(centre)
        .select_related("user", "user__home_area", "centre")
        .filter(pk=resident_id)
        .first()
    )
    if resident is None or resident.user.is_erased:
        raise ActionRefused(_("No such resident at your centre."), status=404)
    return resident


def assisted_context(staff, resident: DeskResident, *, channel: str, paper_reference: str = "") -> Assisted:
    """The context the domain services stamp on what staff do for ``resident`` (checked against the centre)."""
    centre = centre_of(staff)
    if resident.centre_id != centre.pk:
        raise ActionRefused(_("No such resident at your centre."), status=404)
    if channel not in ASSISTED_CHANNELS:
        raise ActionRefused(_("Choose how the resident reached the desk: in person, by phone or on paper."), status=400)
    return Assisted(
        staff=staff,
        resident_id=resident.user_id,
        channel=channel,
        # The content keeps the centre's own (Korean) name, as it was when the help was given.
        centre=centre.name,
        paper_reference=paper_reference,
    )


def _desk_action(staff):
    """Hold one of ``staff``'s desk actions (``DESK_ACTION_RATE_LIMIT``) for the block; given back if it fails.

    Generous for a busy desk, it bounds what one staff account (or whoever took it over) can create in an hour.
    """
    return ratelimit.holding(
        "desk.action",
        staff.pk,
        settings.DESK_ACTION_RATE_LIMIT,
        refuse=lambda: ActionRefused(
            _("You have recorded a great many actions in a short while. Please wait a little and try again."),
            status=429,
        ),
    )


# --- registering ---------------------------------------------------------------------------------------


def normalise_phone(raw: str) -> str:
    """A Korean number in E.164 (``+821012345678``), or "" for none; anything else is a ValidationError."""
    raw = (raw or "").strip()
    if not raw:
        return ""
    try:
        number = phonenumbers.parse(raw, "KR")
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number) or number.country_code != 82:
        raise ValidationError({"phone": [_("Enter a Korean phone number, e.g. 010-1234-5678.")]})
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


# What a resident can choose at the desk for their news (status changes, session reminders): texts to the
# number the desk writes down, or nothing. "" records no choice (the account's automatic channel, which never
# texts a number the desk wrote down: ``accounts.reach``).
DESK_NEWS_CHOICES = (NotifyBy.SMS, NotifyBy.NONE)


def _news_errors(news: str, phone: str) -> dict:
    if news and news not in DESK_NEWS_CHOICES:
        return {"news": [_("Choose text messages or no messages.")]}
    if news == NotifyBy.SMS and not phone:
        return {"news": [_("Text messages need the resident's mobile number. Write it, or choose no messages.")]}
    return {}


def _news_fields(news: str, now) -> tuple[str, object]:
    """The account's ``notify_by`` and the resident's ``texts_consent_at`` for a choice made at the desk."""
    if news == NotifyBy.SMS:
        return NotifyBy.SMS, now
    if news == NotifyBy.NONE:
        return NotifyBy.NONE, None
    return NotifyBy.AUTO, None


def register_resident(
    *,
    staff,
    display_name: str,
    area,
    consent_reference: str,
    phone: str = "",
    age_band: str = "",
    news: str = "",
    language: str = "",
) -> DeskResident:
    """Open an account for a resident at the desk: no e-mail needed, consent given on paper (its reference kept).

    ``news`` is how the resident wants to hear about their proposals and sessions: ``"sms"`` (they agreed to
    texts at ``phone``, which is then required), ``"none"``, or ``""`` for not asked. It is the account's own
    choice (``User.notify_by``), so it carries over when they claim the account. ``language`` is the language
    their texts are written in ("" for the site's). The account has no password until the resident claims it
    (``claim_account``).
    """
    centre = centre_of(staff)
    display_name = (display_name or "").strip()
    consent_reference = (consent_reference or "").strip().upper()
    errors = {}
    if not display_name:
        errors["display_name"] = [_("Write the resident's name.")]
    elif len(display_name) > 60:
        errors["display_name"] = [_("The name can be at most 60 characters.")]
    if not consent_reference:
        errors["consent_reference"] = [_("Write the number of the signed consent form.")]
    if age_band and age_band not in AgeBand.values:
        errors["age_band"] = [_("Choose one of the age bands, or none.")]
    if area is None or area.parent_id is None:
        errors["area"] = [_("Choose the resident's neighbourhood.")]
    if language and language not in dict(settings.LANGUAGES):
        errors["language"] = [_("Choose one of the site's languages.")]
    try:
        phone = normalise_phone(phone)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    else:
        errors.update(_news_errors(news, phone))
    if errors:
        raise ValidationError(errors)
    notify_by, texts_consent_at = _news_fields(news, timezone.now())
    if DeskResident.objects.filter(centre=centre, consent_reference=consent_reference).exists():
        raise ActionRefused(
            _("Consent form %(reference)s is already registered at this centre.") % {"reference": consent_reference},
            status=409,
        )
    with _desk_action(staff), transaction.atomic():
        user = User.objects.create_user(
            email=f"desk-{uuid.uuid4().hex}@{PLACEHOLDER_EMAIL_DOMAIN}",
            password=None,
            display_name=display_name,
            home_area=area,
            role=Role.RESIDENT,
            notify_by=notify_by,
            language=language,
        )
        try:
            with transaction.atomic():
                resident = DeskResident.objects.create(
                    user=user,
                    centre=centre,
                    registered_by=staff,
                    phone=phone,
                    age_band=age_band,
                    consent_reference=consent_reference,
                    texts_consent_at=texts_consent_at,
                )
        except IntegrityError:
            raise ActionRefused(
                _("Consent form %(reference)s is already registered at this centre.")
                % {"reference": consent_reference},
                status=409,
            ) from None
        audit_log(
            instance=user,
            action="livinglab.desk.register",
            user=staff,
            data={
                "centre_id": centre.pk,
                "consent_reference": consent_reference,
                "has_phone": bool(phone),
                "notify_by": notify_by,
            },
        )
    return resident


def set_news_choice(resident: DeskResident, *, staff, news: str) -> DeskResident:
    """Record at the desk how a resident whose account the desk still keeps wants their news: ``"sms"`` (they
    agreed to texts at the number on record) or ``"none"`` (they stop them; their texts tell them to ask the
    desk). Once they claimed the account the choice is theirs, on their profile page (409 here)."""
    centre = centre_of(staff)
    if resident.centre_id != centre.pk:
        raise ActionRefused(_("No such resident at your centre."), status=404)
    if resident.is_claimed:
        raise ActionRefused(
            _("The resident has taken over their account and chooses their messages on their own profile page."),
            status=409,
        )
    if news not in DESK_NEWS_CHOICES:
        raise ValidationError({"news": [_("Choose text messages or no messages.")]})
    errors = _news_errors(news, resident.phone)
    if errors:
        raise ValidationError(errors)
    notify_by, texts_consent_at = _news_fields(news, timezone.now())
    with _desk_action(staff), transaction.atomic():
        User.objects.filter(pk=resident.user_id).update(notify_by=notify_by)
        DeskResident.objects.filter(pk=resident.pk).update(texts_consent_at=texts_consent_at)
        audit_log(
            instance=resident.user,
            action="livinglab.desk.news_choice",
            user=staff,
            data={"centre_id": centre.pk, "notify_by": notify_by},
        )
    resident.user.notify_by = notify_by
    resident.texts_consent_at = texts_consent_at
    return resident


# --- acting for a resident -----------------------------------------------------------------------------


def file_proposal_for(resident: DeskResident, *, staff, channel: str, paper_reference: str = "", **fields):
    """File a proposal (with photos) for ``resident``: ``proposals.services.submit_proposal`` with help."""
    assisted = assisted_context(staff, resident, channel=channel, paper_reference=paper_reference)
    with _desk_action(staff):
        return proposal_services.submit_proposal(author=resident.user, assisted=assisted, **fields)


def support_for(resident: DeskResident, *, staff, channel: str, proposal):
    assisted = assisted_context(staff, resident, channel=channel)
    with _desk_action(staff):
        return proposal_services.cast_vote(proposal, user=resident.user, assisted=assisted)


def comment_for(resident: DeskResident, *, staff, channel: str, proposal, body: str):
    assisted = assisted_context(staff, resident, channel=channel)
    with _desk_action(staff):
        return proposal_services.post_comment(proposal, author=resident.user, body=body, assisted=assisted)


def rate_pilot_for(resident: DeskResident, *, staff, channel: str, pilot, rating: int, comment: str = ""):
    assisted = assisted_context(staff, resident, channel=channel)
    with _desk_action(staff):
        return pilot_services.submit_feedback(
            pilot, user=resident.user, rating=rating, comment=comment, assisted=assisted
        )


def register_for_session_for(resident: DeskResident, *, staff, channel: str, session):
    """Register ``resident`` for a co-design session: a seat, or the waiting list when it is full."""
    assisted = assisted_context(staff, resident, channel=channel)
    with _desk_action(staff):
        return codesign_services.register_for_session(session, user=resident.user, assisted=assisted)


# --- paper forms ---------------------------------------------------------------------------------------


def normalise_reference(reference: str) -> str:
    return "".join((reference or "").split()).upper()


def enter_paper_form(resident: DeskResident, *, staff, reference: str, **fields) -> PaperEntry:
    """Type in one paper form: the proposal is filed for ``resident`` on the paper channel, once per reference.

    A reference entered before is a 409 that names the earlier entry; nothing is filed twice.
    """
    centre = centre_of(staff)
    reference = normalise_reference(reference)
    if not reference:
        raise ValidationError({"reference": [_("Write the reference number printed on the paper form.")]})
    if len(reference) > 40:
        raise ValidationError({"reference": [_("The reference can be at most 40 characters.")]})
    _refuse_duplicate_reference(reference)
    with transaction.atomic():
        proposal = file_proposal_for(resident, staff=staff, channel="paper", paper_reference=reference, **fields)
        try:
            with transaction.atomic():
                entry = PaperEntry.objects.create(
                    reference=reference, centre=centre, resident=resident, proposal=proposal, entered_by=staff
                )
        except IntegrityError:
            # Two desks typing the same paper at once: the other one won, and this filing is rolled back.
            transaction.set_rollback(True)
            _refuse_duplicate_reference(reference)
            raise
    return entry


def _refuse_duplicate_reference(reference: str) -> None:
    earlier = PaperEntry.objects.select_related("centre", "proposal").filter(reference=reference).first()
    if earlier is None:
        return
    raise ActionRefused(
        _(
            "Paper form %(reference)s was already entered on %(date)s at %(centre)s "
            "(proposal no. %(proposal)s). It was not entered again."
        )
        % {
            "reference": reference,
            "date": timezone.localtime(earlier.entered_at).strftime("%Y-%m-%d %H:%M"),
            "centre": earlier.centre.localized_name,
            "proposal": earlier.proposal_id or "—",
        },
        status=409,
    )


# --- handing the account over ------------------------------------------------------------------------


def _new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _i in range(CODE_LENGTH))


def _new_letter_number() -> str:
    return "".join(secrets.choice("0123456789") for _i in range(8))


def issue_claim_code(
    resident: DeskResident, *, staff, channel: str = ClaimChannel.LETTER, sent_to: str = ""
) -> tuple[ClaimCode, str]:
    """A new one-time code for ``resident`` (earlier unused ones stop working); returns it and the plain code.

    The plain code is shown once, on the printed letter (or sent by ``send_claim_code_by_sms``); only its hash
    is stored.
    """
    centre = centre_of(staff)
    if resident.centre_id != centre.pk:
        raise ActionRefused(_("No such resident at your centre."), status=404)
    if resident.is_claimed:
        raise ActionRefused(_("This resident has already taken over their account."), status=409)
    code = _new_code()
    now = timezone.now()
    with _desk_action(staff), transaction.atomic():
        ClaimCode.objects.filter(resident=resident, used_at__isnull=True, revoked_at__isnull=True).update(
            revoked_at=now
        )
        for _attempt in range(5):
            try:
                with transaction.atomic():
                    claim = ClaimCode.objects.create(
                        resident=resident,
                        number=_new_letter_number(),
                        code_hash=make_password(code),
                        channel=channel,
                        sent_to=sent_to,
                        issued_by=staff,
                        expires_at=now + CLAIM_CODE_VALIDITY,
                    )
                break
            except IntegrityError:
                continue
        else:
            raise RuntimeError("could not pick a free letter number")
        audit_log(
            instance=resident.user,
            action="livinglab.desk.claim_code_issued",
            user=staff,
            data={"claim_code_id": claim.pk, "channel": channel},
        )
    return claim, code


def send_claim_code_by_sms(resident: DeskResident, *, staff, claim_url: str) -> ClaimCode:
    """Send the hand-over code by text message to the resident's own phone instead of printing a letter.

    A resident without a number gets a 409 (print the letter). Each text costs money: it passes the per-number
    limits every text passes (``SMS_RATE_LIMITS``) and the staff member's own ``DESK_SMS_RATE_LIMIT``, before a
    code is issued, so a refused text (429) leaves the resident's current code valid. If the gateway does not
    take the message the new code is withdrawn at once (no code exists that nobody received), the text's
    slots are given back, and the answer is a 503.
    """
    if not resident.phone:
        raise ActionRefused(_("This resident has no mobile number. Print the letter instead."), status=409)
    limits = [*sms.rate_limits(resident.phone), ("desk.sms", staff.pk, settings.DESK_SMS_RATE_LIMIT)]

    def refuse():
        log_refusal("sms.flood", phone=resident.phone, staff=staff.pk, page="desk")
        return ActionRefused(
            _("Too many text messages were sent in a short while. Print the letter instead, or try again later."),
            status=429,
        )

    with ratelimit.holding_all(limits, refuse=refuse):
        claim, code = issue_claim_code(resident, staff=staff, channel=ClaimChannel.SMS, sent_to=resident.phone)
        body = _(
            "Living Lab: to take over your account, open %(url)s and enter number %(number)s and code %(code)s. "
            "The code works for 30 days."
        ) % {"url": claim_url, "number": claim.number, "code": f"{code[:4]}-{code[4:]}"}
        try:
            sms.send_sms(resident.phone, body)
        except sms.SmsError:
            ClaimCode.objects.filter(pk=claim.pk).update(revoked_at=timezone.now())
            raise ActionRefused(
                _("The text message could not be sent. Print the letter instead."), status=503
            ) from None
    return claim


def _claim_refused(claim: ClaimCode | None, reason: str, message: str, status: int, *, ip: str = ""):
    log_refusal(
        f"desk.claim.{reason}",
        phone=(claim.sent_to or claim.resident.phone) if claim is not None else None,
        ip=ip,
        letter=claim.number if claim is not None else "-",
    )
    if claim is not None:
        audit_log(
            instance=claim.resident.user,
            action="livinglab.desk.claim_refused",
            user=None,
            data={"claim_code_id": claim.pk, "reason": reason, "ip": ip},
        )
    return ActionRefused(message, status=status)


def claim_account(*, number: str, code: str, email: str, password: str = "", ip: str = "") -> User:
    """The resident takes over their account with the letter's (or text's) number and code, and sets their own
    sign-in.

    A code that came by text message to the number the desk recorded proves that number: it becomes the
    account's verified phone, the resident signs in with a code sent to it, and e-mail and password are
    optional. A printed letter proves nothing about a phone, so it needs an e-mail address and a password. A
    new e-mail address gets allauth's confirmation mail at once, because signing in with it needs it confirmed.

    Ten wrong codes lock the letter (429), a used letter is 409, an expired one 410, a number that another
    account already uses 409 (nothing changes, the code stays valid); each refusal is recorded on the account's
    audit log. Per IP, attempts are limited too, so letter numbers cannot be guessed through.
    """
    claim = _checked_claim(number, code, ip=ip)
    user = claim.resident.user
    phone = claim.sent_to if claim.channel == ClaimChannel.SMS else ""
    if phone and _phone_taken(phone, user):
        raise _phone_taken_refusal(claim, ip)
    email = User.objects.normalize_email((email or "").strip()).lower()
    _validate_sign_in(user, email=email, password=password, has_phone=bool(phone))
    try:
        with transaction.atomic():
            address = _hand_over(claim, email=email, password=password, phone=phone)
    except IntegrityError:
        # Another account took the number or the address between the check and the save.
        if phone and _phone_taken(phone, user):
            raise _phone_taken_refusal(claim, ip) from None
        raise ValidationError({"email": [_("This e-mail address is already used by another account.")]}) from None
    if address is not None:
        # allauth's own confirmation mail (its link, its template), as at sign-up; a failed send is logged and
        # never undoes the claim: the sign-in page offers to send it again.
        transaction.on_commit(address.send_confirmation, robust=True)
    return user


def _checked_claim(number: str, code: str, *, ip: str) -> ClaimCode:
    """The claim code behind ``number`` if ``code`` is right and it may still be used; ``ActionRefused`` if not."""
    number = "".join((number or "").split())
    code = "".join((code or "").split()).upper().replace("-", "")
    slot = ratelimit.take("desk.claim", ip or "unknown", settings.DESK_CLAIM_RATE_LIMIT)
    if slot is None:
        log_refusal("desk.claim.rate_limited", ip=ip)
        raise ActionRefused(_("Too many attempts from this connection. Please wait an hour and try again."), status=429)
    claim = ClaimCode.objects.select_related("resident", "resident__user").filter(number=number).first()
    wrong = _("The letter number or the code is not right. Check both and try again.")
    locked = _("This code was entered wrongly too many times. Ask the desk for a new letter.")
    if claim is None:
        raise _claim_refused(None, "unknown_letter", wrong, 400, ip=ip)
    if claim.used_at is not None or claim.resident.is_claimed:
        raise _claim_refused(claim, "used", _("This code was already used. Ask the desk for a new letter."), 409, ip=ip)
    if claim.revoked_at is not None:
        raise _claim_refused(
            claim, "replaced", _("This letter was replaced by a newer one. Use the newest letter."), 409, ip=ip
        )
    if claim.expires_at <= timezone.now():
        raise _claim_refused(claim, "expired", _("This code has expired. Ask the desk for a new letter."), 410, ip=ip)
    # Every try takes one of the letter's attempts *before* the code is compared, in one conditional UPDATE:
    # of any number of parallel tries, at most MAX_CLAIM_ATTEMPTS are ever compared. Reading the count first
    # and adding the failure afterwards let every parallel try read the same old count and all be compared.
    taken = ClaimCode.objects.filter(pk=claim.pk, failed_attempts__lt=MAX_CLAIM_ATTEMPTS).update(
        failed_attempts=F("failed_attempts") + 1
    )
    if not taken:
        raise _claim_refused(claim, "locked", locked, 429, ip=ip)
    if claim.matches(code):
        # A right code is not a failure: the attempt is given back (the hand-over may still be refused, e.g.
        # for a number another account uses, and the letter must stay usable then).
        ClaimCode.objects.filter(pk=claim.pk).update(failed_attempts=F("failed_attempts") - 1)
        return claim
    claim.refresh_from_db(fields=["failed_attempts"])
    refusal = _claim_refused(claim, "wrong_code", wrong, 400, ip=ip)
    if claim.failed_attempts >= MAX_CLAIM_ATTEMPTS:
        raise _claim_refused(claim, "locked", locked, 429, ip=ip)
    raise refusal


def _phone_taken(phone: str, user: User) -> bool:
    return User.objects.filter(phone=phone).exclude(pk=user.pk).exists()


def _phone_taken_refusal(claim: ClaimCode, ip: str) -> ActionRefused:
    return _claim_refused(
        claim,
        "phone_taken",
        _(
            "Your mobile number already belongs to another account, so this account cannot take it. "
            "Sign in to that account with your number, or ask the desk for help. Nothing was changed."
        ),
        409,
        ip=ip,
    )


def _validate_sign_in(user: User, *, email: str, password: str, has_phone: bool) -> None:
    """How the resident will sign in: a verified phone alone, or an e-mail address with a password."""
    errors = {}
    if not email and not has_phone:
        errors["email"] = [_("Enter your e-mail address.")]
    elif email and (
        User.objects.filter(email__iexact=email).exclude(pk=user.pk).exists()
        or EmailAddress.objects.filter(email__iexact=email).exclude(user=user).exists()
    ):
        errors["email"] = [_("This e-mail address is already used by another account.")]
    if email and not password:
        errors["password"] = [_("Choose a password to sign in with your e-mail address.")]
    elif password:
        try:
            password_validation.validate_password(password, user)
        except ValidationError as exc:
            errors["password"] = exc.messages
    if errors:
        raise ValidationError(errors)


def _hand_over(claim: ClaimCode, *, email: str, password: str, phone: str) -> EmailAddress | None:
    """Spend the code and give the account its owner's sign-in; returns the e-mail address to confirm, if any."""
    locked = ClaimCode.objects.select_for_update().get(pk=claim.pk)
    if locked.used_at is not None:
        raise ActionRefused(_("This code was already used. Ask the desk for a new letter."), status=409)
    now = timezone.now()
    locked.used_at = now
    locked.save(update_fields=["used_at"])
    DeskResident.objects.filter(pk=claim.resident_id).update(claimed_at=now)
    user = claim.resident.user
    # Without an e-mail address of their own the desk's placeholder goes: the verified phone keeps the account
    # within the "e-mail or phone" constraint, and nothing will ever show or use the placeholder again.
    user.email = email or None
    fields = ["email"]
    if phone:
        user.phone, user.phone_verified = phone, True
        fields += ["phone", "phone_verified"]
    if password:
        user.set_password(password)
        fields.append("password")
    user.save(update_fields=fields)
    EmailAddress.objects.filter(user=user).delete()
    address = None
    if email:
        address = EmailAddress.objects.create(user=user, email=email, primary=True, verified=False)
    audit_log(
        instance=user,
        action="livinglab.desk.claimed",
        user=user,
        data={"claim_code_id": claim.pk, "channel": claim.channel, "phone_verified": bool(phone)},
    )
    return address


# --- population figures for the inclusion dashboard ------------------------------------------------------

POPULATION_COLUMNS = ["dong", "population", *AgeBand.values]
MAX_POPULATION_CSV_BYTES = 1024 * 1024


def _require_administrator(user) -> None:
    if not can(user, "desk.manage_inclusion"):
        raise ActionRefused(_("Only district administrators can see and change these figures."), status=403)


def set_population(area, *, by, total: int, bands: dict | None = None) -> AreaPopulation:
    """Record how many people live in ``area`` (a dong), and optionally per age band."""
    _require_administrator(by)
    if area is None or area.parent_id is None:
        raise ValidationError({"area": [_("Choose a neighbourhood (dong).")]})
    bands = {band: value for band, value in (bands or {}).items() if value is not None}
    if total is None or total < 0 or any(value < 0 for value in bands.values()):
        raise ValidationError({"total": [_("Population figures cannot be negative.")]})
    if sum(bands.values()) > total:
        raise ValidationError({"total": [_("The age bands add up to more than the population.")]})
    values = {"total": total, **{AreaPopulation.BAND_FIELDS[b]: bands.get(b) for b in AreaPopulation.BAND_FIELDS}}
    with transaction.atomic():
        population, _created = AreaPopulation.objects.update_or_create(area=area, defaults=values)
        audit_log(instance=population, action="livinglab.desk.population", user=by, data={"total": total})
    return population


def import_population_csv(upload, *, by) -> int:
    """Import population figures from CSV (``dong,population,under_20,20_39,40_59,60_74,75_plus``).

    ``dong`` is the neighbourhood's slug or its Korean name. All rows or none: every problem is reported with
    its line number in one ``ValidationError``. Returns how many dongs were updated.
    """
    _require_administrator(by)
    raw = upload.read(MAX_POPULATION_CSV_BYTES + 1)
    if len(raw) > MAX_POPULATION_CSV_BYTES:
        raise ValidationError({"file": [_("The file is larger than 1 MB.")]})
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationError({"file": [_("Save the file as CSV in UTF-8.")]}) from None
    reader = csv.DictReader(io.StringIO(text))
    header = [name.strip() for name in (reader.fieldnames or [])]
    if "dong" not in header or "population" not in header or set(header) - set(POPULATION_COLUMNS):
        raise ValidationError(
            {
                "file": [
                    _("The first line must name the columns: %(columns)s.") % {"columns": ",".join(POPULATION_COLUMNS)}
                ]
            }
        )
    dongs = {}
    for area in Area.objects.neighbourhoods():
        dongs[area.slug] = area
        dongs[area.name] = area
    errors, rows = [], []
    for line, record in enumerate(reader, start=2):
        record = {(k or "").strip(): (v or "").strip() for k, v in record.items()}
        area = dongs.get(record.get("dong", ""))
        if area is None:
            errors.append(
                _("Line %(line)s: no neighbourhood “%(dong)s”.") % {"line": line, "dong": record.get("dong", "")}
            )
            continue
        try:
            total = int(record["population"])
            bands = {band: int(record[band]) for band in AgeBand.values if record.get(band)}
        except ValueError:
            errors.append(_("Line %(line)s: figures must be whole numbers.") % {"line": line})
            continue
        if total < 0 or any(v < 0 for v in bands.values()) or sum(bands.values()) > total:
            errors.append(_("Line %(line)s: figures are negative or the bands exceed the population.") % {"line": line})
            continue
        rows.append((area, total, bands))
    if not rows and not errors:
        errors.append(_("The file has no figures."))
    if errors:
        raise ValidationError({"file": errors[:20]})
    with transaction.atomic():
        for area, total, bands in rows:
            set_population(area, by=by, total=total, bands=bands)
    return len(rows)
