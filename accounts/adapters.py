import logging
import smtplib
from urllib.parse import quote

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.models import EmailAddress
from allauth.core import context as allauth_context
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils.translation import gettext as _

from livinglab import ratelimit, sms
from livinglab.client_ip import client_ip
from livinglab.errors import ActionRefused
from livinglab.security_log import log_refusal
from livinglab.site_url import absolute_url, current_site, site_name

from . import login_limits
from .models import User
from .phone import KoreanMobileField, normalize_korean_mobile
from .templatetags.account_mail import UNSENT_TAG

logger = logging.getLogger(__name__)

# What sending raises when the mail server cannot be reached or refuses the message.
MAIL_SEND_ERRORS = (smtplib.SMTPException, OSError)
# allauth's notes that a mail went out, left out when it did not (``send_mail``).
SENT_MESSAGES = {"account/messages/email_confirmation_sent.txt", "account/messages/login_code_sent.txt"}


class AccountAdapter(DefaultAccountAdapter):
    """Sign-ups are residents; roles are granted later by administrators.

    Mails greet with the site's name and link to the configured site address (``SITE_URL``), never to
    whatever host a request happened to name.
    """

    def populate_username(self, request, user):
        # There is no username: the e-mail address is the login.
        return None

    def get_client_ip(self, request):
        # allauth's rate limits count per address: only a configured trusted proxy may name it.
        address = client_ip(request)
        if not address:
            raise PermissionDenied("Unable to determine the client's IP address.")
        return address

    # Failed sign-ins (accounts.login_limits): per account through allauth's own limit, per address by distinct
    # accounts, so that one attacker at a shared address locks the account they attack and nobody else.

    def _get_login_attempts_cache_key(self, request, **credentials) -> str:
        # allauth's key reads only ``email``/``username``: every sign-in by mobile number would share one key
        # (five failures on any number locking all of them out), and each spelling of a number would get its
        # own five tries. The key is the account's login, normalised.
        if credentials.get("email"):
            login = credentials["email"].strip().lower()
        elif credentials.get("phone"):
            try:
                login = "phone:" + normalize_korean_mobile(credentials["phone"])
            except ValidationError:
                login = "phone:" + "".join(credentials["phone"].split())
        else:
            login = (credentials.get("username") or "").strip().lower()
        return f"{current_site().domain}:{login}"

    def pre_authenticate(self, request, **credentials) -> None:
        counted = login_limits.count_attempt(
            self.get_client_ip(request), self._get_login_attempts_cache_key(request, **credentials)
        )
        if counted is None:
            raise self.validation_error("too_many_login_attempts")
        try:
            super().pre_authenticate(request, **credentials)  # the account's own limit
        except BaseException:
            counted.give_back()
            raise
        self._address_count = counted

    def authenticate(self, request, **credentials):
        self._address_count = None
        user = super().authenticate(request, **credentials)
        if user is not None and self._address_count is not None:
            self._address_count.give_back()  # a right password is not a failure
        return user

    def get_login_stages(self) -> list[str]:
        stage = "allauth.account.stages.EmailVerificationStage"
        return [
            "accounts.stages.VerifiedChannelStage" if path == stage else path for path in super().get_login_stages()
        ]

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        """Sign-up confirmations, password resets and the other account mails, sent while the person waits.

        allauth's own ``send_mail`` asks the current request for the site and fails without one; ours names the
        configured site, so a mail can also be sent after a request ended (the desk's claim, on commit). A mail
        server that is down or refuses the message no longer fails the request with a 500 after the account
        change was made: the change stands, the failure is logged, and the person is told that the mail could
        not be sent and to ask again (logging in, "send again" and "forgot password" each send a new one).
        """
        request = allauth_context.request
        ctx = {"request": request, "email": email, **context, "current_site": current_site()}
        try:
            self.render_mail(template_prefix, email, ctx).send()
        except MAIL_SEND_ERRORS as error:
            logger.error("Account e-mail %s not sent, the mail server failed: %r", template_prefix, error)
            if request is None:
                return
            request._livinglab_mail_unsent = True
            messages.error(
                request,
                _("We could not send you the e-mail just now. Please try again in a few minutes."),
                extra_tags=UNSENT_TAG,  # the page after it leaves out "we have sent" (templates/account/)
            )

    def add_message(self, request, level, message_template=None, message_context=None, extra_tags="", message=None):
        if message_template in SENT_MESSAGES and getattr(request, "_livinglab_mail_unsent", False):
            return  # it was not sent: send_mail said so
        super().add_message(request, level, message_template, message_context, extra_tags, message)

    def format_email_subject(self, subject: str) -> str:
        return f"[{site_name()}] {subject}"

    def get_email_confirmation_url(self, request, emailconfirmation) -> str:
        return absolute_url(reverse("account_confirm_email", args=[emailconfirmation.key]))

    def get_reset_password_from_key_url(self, key: str) -> str:
        path = reverse("account_reset_password_from_key", kwargs={"uidb36": "UID", "key": "KEY"})
        return absolute_url(path.replace("UID-KEY", quote(key)))

    # Phone numbers (allauth's phone support): stored on the user in E.164, verified by a one-time code.

    def phone_form_field(self, **kwargs):
        return KoreanMobileField(**kwargs)

    def save_user(self, request, user, form, commit=True):
        # The number is on the row from its first save: an account without e-mail needs it to exist at all.
        if getattr(form, "_has_phone_field", False) and form.cleaned_data.get("phone"):
            user.phone = form.cleaned_data["phone"]
            user.phone_verified = False
        return super().save_user(request, user, form, commit=commit)

    def set_phone(self, user, phone: str, verified: bool) -> None:
        user.phone = phone
        user.phone_verified = verified
        if user.pk:
            user.save(update_fields=["phone", "phone_verified"])

    def get_phone(self, user) -> tuple[str, bool] | None:
        return (user.phone, user.phone_verified) if user.phone else None

    def set_phone_verified(self, user, phone: str) -> None:
        # Called once the code sent to ``phone`` was typed back: at sign-up (the number is already on the
        # account) and when a signed-in person adds or changes their number (it is not yet).
        self.set_phone(user, phone, True)

    def get_user_by_phone(self, phone: str):
        # The login box passes what was typed (010-1234-5678), allauth's phone forms pass E.164.
        try:
            phone = normalize_korean_mobile(phone)
        except ValidationError:
            return None
        return User.objects.filter(phone=phone, is_active=True).first()

    def send_verification_code_sms(self, user, phone: str, code: str, **kwargs) -> None:
        message = _("[%(site)s] Your code is %(code)s. It is valid for %(minutes)d minutes. Never share it.") % {
            "site": site_name(),
            "code": code,
            "minutes": settings.ACCOUNT_PHONE_VERIFICATION_TIMEOUT // 60,
        }
        self._send_text_now(phone, message)

    def send_unknown_account_sms(self, phone: str, **kwargs) -> None:
        # Enumeration prevention: the page looks the same whether or not the number has an account.
        self._send_text_now(
            phone, _("[%(site)s] No account uses this number. You can sign up at %(url)s") % self._site_link()
        )

    def send_account_already_exists_sms(self, phone: str) -> None:
        self._send_text_now(
            phone,
            _("[%(site)s] This number already has an account. Sign in with a code at %(url)s") % self._site_link(),
        )

    def _site_link(self) -> dict:
        return {"site": site_name(), "url": absolute_url(reverse("account_request_login_code"))}

    def _send_text_now(self, phone: str, message: str) -> None:
        """Send a text a person waits for, within the per-number and per-address limits (``SMS_RATE_LIMITS``)."""
        request = self.request
        ip = client_ip(request) if request is not None else None
        limits = sms.rate_limits(phone, ip=ip)

        def refuse():
            log_refusal("sms.flood", phone=phone, ip=ip)
            return ActionRefused(
                _("Too many text messages were requested. Please wait a while and try again."), status=429
            )

        with ratelimit.holding_all(limits, refuse=refuse):
            try:
                sms.send_sms(phone, message)
            except sms.SmsError as exc:
                raise ActionRefused(
                    _("We could not send the text message just now. Please try again in a few minutes."), status=503
                ) from exc


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    """Kakao and Naver sign-in. An existing account is found only by an e-mail address that the provider vouches
    for *and* the account itself has confirmed; a profile without such an address never attaches to anyone."""

    def authenticate_by_email(self, sociallogin):
        for address in sociallogin.email_addresses:
            if not address.verified or not self.can_authenticate_by_email(sociallogin, address.email):
                continue
            match = (
                EmailAddress.objects.filter(email__iexact=address.email, verified=True, user__is_active=True)
                .select_related("user")
                .first()
            )
            if match is not None:
                return match.user, address.email
        return None

    def populate_user(self, request, sociallogin, data):
        user = super().populate_user(request, sociallogin, data)
        extra = sociallogin.account.extra_data or {}
        nickname = (extra.get("kakao_account") or {}).get("profile", {}).get("nickname") or extra.get("nickname")
        user.display_name = (nickname or data.get("username") or "")[:60]
        return user

    def is_auto_signup_allowed(self, request, sociallogin) -> bool:
        # No verified address from the provider (a Kakao profile without e-mail, say): the sign-up form asks for
        # an e-mail address or a mobile number, so that every account can be reached and can sign in again.
        verified = [address for address in sociallogin.email_addresses if address.verified]
        return bool(verified) and super().is_auto_signup_allowed(request, sociallogin)
