"""People who take part: residents, experts and district administrators."""

from django.conf import settings
from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from livinglab.rows import PkGetManager

from .phone import national_format


class Role(models.TextChoices):
    RESIDENT = "resident", _("Resident")
    EXPERT = "expert", _("Expert")
    MODERATOR = "moderator", _("Moderator")
    ADMINISTRATOR = "administrator", _("Administrator")
    # Staff at a Residents' Hall or dong community centre: they register residents and act for them at the
    # desk (``desk`` app). No Wagtail group: they never use the admin, and they cannot moderate.
    DESK_STAFF = "desk_staff", _("Desk staff")


# Wagtail admin permissions come from these groups; a data migration creates them and
# ``accounts.services.set_role`` keeps a user's membership in step with their role.
ROLE_GROUPS = {
    Role.EXPERT: "Experts",
    Role.MODERATOR: "Moderators",
    Role.ADMINISTRATOR: "Administrators",
}


class NotifyBy(models.TextChoices):
    """How a person wants to hear about what they follow, beyond the bell on the site."""

    AUTO = "auto", _("E-mail, or text message if I have no e-mail address")
    EMAIL = "email", _("E-mail")
    SMS = "sms", _("Text message (SMS)")
    NONE = "none", _("Only on the site (no e-mail or text messages)")


class AgeBand(models.TextChoices):
    """Voluntary, coarse age bands: enough to see who is missing, too coarse to identify anyone. Given on the
    profile page (``User.age_band``) or at a desk (``desk.DeskResident.age_band``)."""

    UNDER_20 = "under_20", _("Under 20")
    FROM_20 = "20_39", _("20–39")
    FROM_40 = "40_59", _("40–59")
    FROM_60 = "60_74", _("60–74")
    FROM_75 = "75_plus", _("75 and over")


class UserManager(PkGetManager, BaseUserManager):
    """``User.objects.get(pk=…)``, the read of the signed-in user on every request, is compiled once
    (``livinglab.rows``)."""

    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):
        if not email and not extra_fields.get("phone"):
            raise ValueError("An e-mail address or a phone number is required.")
        email = self.normalize_email(email).lower() if email else None
        user = self.model(email=email, **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email=None, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        extra_fields.setdefault("role", Role.ADMINISTRATOR)
        return self._create_user(email, password, **extra_fields)


class User(AbstractUser):
    """A person with an account. They sign in with their e-mail address, their mobile number, or both, and appear
    by display name."""

    username = None
    last_name = None
    # Either may be missing (a resident with only a phone, or only e-mail), never both (``clean`` and the
    # constraint below). Empty is stored as NULL so that uniqueness holds among those who have one.
    email = models.EmailField(_("e-mail address"), unique=True, null=True, blank=True)
    # A Korean mobile number in E.164 (+821012345678), normalised by ``accounts.phone``; verified by a code.
    phone = models.CharField(_("mobile phone"), max_length=16, unique=True, null=True, blank=True)
    phone_verified = models.BooleanField(_("mobile phone verified"), default=False)
    # The channel for status changes and the weekly digest (notifications/sms.py, notifications/digest.py).
    notify_by = models.CharField(_("send me news by"), max_length=10, choices=NotifyBy.choices, default=NotifyBy.AUTO)
    display_name = models.CharField(_("display name"), max_length=60)
    home_area = models.ForeignKey(
        "proposals.Area",
        verbose_name=_("home area"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="residents",
    )
    # Voluntary, for the inclusion statistics only (``desk.inclusion``): never shown on the site.
    age_band = models.CharField(
        _("age band"),
        max_length=12,
        choices=AgeBand.choices,
        blank=True,
        default="",
        help_text=_(
            "Optional. Used only to count, in age groups, who takes part and who is missing; never shown to "
            "anyone on the site."
        ),
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.RESIDENT)
    expertise = models.CharField(_("field of expertise"), max_length=120, blank=True)
    organisation = models.CharField(_("organisation"), max_length=120, blank=True)
    # The categories whose proposals an expert assesses: their work queue and "new proposal in my field".
    expert_categories = models.ManyToManyField(
        "proposals.Category",
        verbose_name=_("fields of expertise (categories)"),
        blank=True,
        related_name="experts",
        help_text=_("An expert's queue lists proposals under review in these categories; empty means all."),
    )
    # Set by a moderator when someone keeps abusing the site: they still read and sign in, but may not post,
    # vote, comment or report (``accounts.services.block_user``; every change is in the audit log).
    blocked_at = models.DateTimeField(_("blocked since"), null=True, blank=True, editable=False)
    blocked_reason = models.CharField(_("reason for blocking"), max_length=300, blank=True, editable=False)
    # Set when the person deleted their account: the row stays, empty, so their public contributions keep
    # an author, shown as "former participant" (``accounts.services.erase_account``).
    erased_at = models.DateTimeField(_("erased at"), null=True, blank=True, editable=False)
    # Easy reading, remembered for the account as well as in the browser's cookie (``accounts.reading``).
    text_size = models.PositiveSmallIntegerField(_("text size"), default=1)
    high_contrast = models.BooleanField(_("high contrast"), default=False)
    # The language the person last chose while signed in (or signed up in): their notifications, e-mail and
    # texts are written in it, whoever caused them. Empty: the site's language (``reading_language``).
    language = models.CharField(
        _("language"), max_length=10, choices=settings.LANGUAGES, blank=True, default="", editable=False
    )

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = ["display_name"]

    objects = UserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(email__isnull=False) | models.Q(phone__isnull=False),
                name="user_has_email_or_phone",
            )
        ]

    def __str__(self):
        if self.erased_at is not None:
            return str(_("Former participant"))
        return self.display_name or self.email or self.phone_display

    def save(self, *args, **kwargs):
        # Forms give "" for an empty field; NULL keeps many accounts without one apart under the unique index.
        self.email = self.email or None
        self.phone = self.phone or None
        super().save(*args, **kwargs)

    @property
    def reading_language(self) -> str:
        """The language to write to this person in: their own choice, else the site's."""
        return self.language or settings.LANGUAGE_CODE

    @property
    def news_channel(self) -> str:
        """Where news reaches this person: "email", "sms" or "none", from their choice and what they have."""
        has_email = bool(self.own_email) and not self.is_erased
        has_phone = bool(self.phone) and self.phone_verified
        if self.notify_by == NotifyBy.NONE or not self.is_active:
            return NotifyBy.NONE
        if self.notify_by == NotifyBy.SMS:
            return NotifyBy.SMS if has_phone else NotifyBy.NONE
        if self.notify_by == NotifyBy.EMAIL:
            return NotifyBy.EMAIL if has_email else NotifyBy.NONE
        return NotifyBy.EMAIL if has_email else NotifyBy.SMS if has_phone else NotifyBy.NONE

    @property
    def own_email(self) -> str:
        """The person's own e-mail address; "" for none, or for a desk's placeholder, which is nobody's address."""
        # ".invalid" is reserved (RFC 2606): the desk fills the column with it for residents without e-mail.
        if not self.email or self.email.lower().endswith(".invalid"):
            return ""
        return self.email

    @property
    def phone_display(self) -> str:
        """The number as people write it at home (010-1234-5678), or "" without one."""
        return national_format(self.phone) if self.phone else ""

    def get_full_name(self):
        return str(self) if self.erased_at is not None else self.display_name

    def get_short_name(self):
        return self.get_full_name()

    # Not a column (like ``username`` and ``last_name`` above): a read-only stand-in for AbstractUser's field.
    # Wagtail's sidebar greets the person by ``user.first_name`` and falls back to ``get_username()``, which
    # here is the e-mail address; everything else in the admin names people by ``get_full_name``.
    @property
    def first_name(self) -> str:
        return self.get_short_name()

    @first_name.setter
    def first_name(self, value):
        # allauth copies a social account's given name here; people are called by the display name they chose.
        pass

    @property
    def is_erased(self) -> bool:
        return self.erased_at is not None

    @property
    def public_profile_url(self) -> str:
        """Where anyone reads this person's public contributions (``proposals:person``); "" for an erased or
        deactivated account, which has no public profile (that page answers 404 for them)."""
        if not self.pk or self.erased_at is not None or not self.is_active:
            return ""
        return reverse("proposals:person", args=[self.pk])

    @property
    def is_expert(self) -> bool:
        return self.role == Role.EXPERT

    @property
    def is_desk_staff(self) -> bool:
        return self.role == Role.DESK_STAFF

    @property
    def is_administrator(self) -> bool:
        return self.role == Role.ADMINISTRATOR or self.is_superuser

    @property
    def is_moderator(self) -> bool:
        """Moderators and administrators work the moderation queue."""
        return self.role == Role.MODERATOR or self.is_administrator

    @property
    def is_blocked(self) -> bool:
        return self.blocked_at is not None

    @property
    def blocked_message(self) -> str:
        """What a blocked person is told when they try to take part, and on every page they read meanwhile."""
        reason = (self.blocked_reason or "").strip() or str(_("repeated breaches of the site's rules."))
        if reason[-1] not in ".!?。":
            reason += "."  # the moderator's reason is one sentence of the message
        return str(
            _(
                "Your account is blocked from taking part: %(reason)s You can still read everything. "
                "If you think this is a mistake, contact the district office."
            )
        ) % {"reason": reason}

    @property
    def role_label(self) -> str:
        """The role as people read it ("Expert"), never the stored key."""
        if self.is_superuser:
            return str(Role.ADMINISTRATOR.label)
        return str(Role(self.role).label) if self.role in Role.values else str(Role.RESIDENT.label)


class LegalDocument(models.TextChoices):
    TERMS = "terms", _("Terms of use")
    PRIVACY = "privacy", _("Privacy notice")


class Consent(models.Model):
    """A person's acceptance of one version of the terms or the privacy notice, with when they accepted it."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="consents")
    document = models.CharField(_("document"), max_length=12, choices=LegalDocument.choices)
    version = models.CharField(_("version"), max_length=40)
    accepted_at = models.DateTimeField(_("accepted at"), auto_now_add=True)

    class Meta:
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        constraints = [models.UniqueConstraint(fields=["user", "document", "version"], name="consent_once")]

    def __str__(self):
        return f"{self.user_id}: {self.document} {self.version}"
