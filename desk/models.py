"""The staff desk at a Residents' Hall or dong community centre: its staff, the residents they registered,
the printed letters that hand an account over, and the paper forms they typed in."""

from django.conf import settings
from django.contrib.auth.hashers import check_password
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import AgeBand  # noqa: F401 - the desk form, services and the dashboard import it from here
from proposals.models import NamedInTwoLanguages

# Registered residents without an e-mail get an address in the reserved ".invalid" domain (RFC 2606): it
# fills the unique e-mail column, is never deliverable, and the claim replaces it with their own.
PLACEHOLDER_EMAIL_DOMAIN = "residents.invalid"


class Centre(NamedInTwoLanguages):
    """A Residents' Hall or dong community centre with a desk where staff help residents take part."""

    name = models.CharField(_("name"), max_length=80)
    name_en = models.CharField(_("English name"), max_length=80, blank=True)
    area = models.ForeignKey(
        "proposals.Area",
        verbose_name=_("neighbourhood"),
        on_delete=models.PROTECT,
        related_name="centres",
        help_text=_("The dong the centre serves."),
    )
    address = models.CharField(_("address"), max_length=200, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("centre")
        verbose_name_plural = _("centres")

    def __str__(self):
        return self.name

    @property
    def localized_name(self) -> str:
        return self.own_localized_name


class DeskStaff(models.Model):
    """Makes a user (role "desk staff") a member of one centre's desk; they see only that centre's residents."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="desk_membership", verbose_name=_("user")
    )
    centre = models.ForeignKey(Centre, verbose_name=_("centre"), on_delete=models.PROTECT, related_name="staff")

    class Meta:
        verbose_name = _("desk staff member")
        verbose_name_plural = _("desk staff")

    def __str__(self):
        return f"{self.user} @ {self.centre}"


class DeskResidentQuerySet(models.QuerySet):
    def at(self, centre):
        """The residents one centre registered: the only ones its staff may see or act for."""
        return self.filter(centre=centre)


class DeskResident(models.Model):
    """A resident a desk registered, perhaps without e-mail or phone, with the paper consent they signed."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="desk_registration", verbose_name=_("user")
    )
    centre = models.ForeignKey(Centre, verbose_name=_("centre"), on_delete=models.PROTECT, related_name="residents")
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("registered by"),
    )
    phone = models.CharField(_("phone number"), max_length=20, blank=True, help_text=_("E.164, e.g. +821012345678."))
    age_band = models.CharField(_("age band"), max_length=12, choices=AgeBand.choices, blank=True)
    consent_reference = models.CharField(
        _("paper consent reference"),
        max_length=40,
        help_text=_("The number on the signed consent form kept at the centre."),
    )
    consent_given_at = models.DateTimeField(_("consent recorded"), default=timezone.now)
    registered_at = models.DateTimeField(_("registered"), default=timezone.now)
    claimed_at = models.DateTimeField(_("claimed by the resident"), null=True, blank=True)
    # When the resident told the desk they want news by text message at ``phone`` (the choice itself is the
    # account's ``notify_by``, which they keep and change themselves once they claim it).
    texts_consent_at = models.DateTimeField(_("agreed to text messages"), null=True, blank=True)

    objects = DeskResidentQuerySet.as_manager()

    class Meta:
        ordering = ["-registered_at", "-id"]
        verbose_name = _("resident registered at a desk")
        verbose_name_plural = _("residents registered at a desk")
        constraints = [
            models.UniqueConstraint(fields=["centre", "consent_reference"], name="desk_consent_reference_once")
        ]

    def __str__(self):
        return str(self.user)

    @property
    def is_claimed(self) -> bool:
        return self.claimed_at is not None


class ClaimChannel(models.TextChoices):
    LETTER = "letter", _("Printed letter")
    SMS = "sms", _("Text message")


class ClaimCode(models.Model):
    """A one-time code that lets a registered resident take over their account (only its hash is kept)."""

    resident = models.ForeignKey(DeskResident, on_delete=models.CASCADE, related_name="claim_codes")
    # Printed on the letter next to the code: which code to check, so a code is never searched for by value.
    number = models.CharField(_("letter number"), max_length=12, unique=True)
    code_hash = models.CharField(max_length=200)
    channel = models.CharField(_("sent by"), max_length=8, choices=ClaimChannel.choices, default=ClaimChannel.LETTER)
    # The number a texted code went to (E.164): typing the code back proves the resident holds that number.
    sent_to = models.CharField(_("sent to"), max_length=16, blank=True)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    failed_attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("claim code")
        verbose_name_plural = _("claim codes")

    def __str__(self):
        return f"{self.number} ({self.resident_id})"

    def matches(self, code: str) -> bool:
        return check_password(code, self.code_hash)


class PaperEntry(models.Model):
    """One paper form typed in at a desk. The reference printed on the paper is unique: no form twice."""

    reference = models.CharField(_("paper reference"), max_length=40, unique=True)
    centre = models.ForeignKey(Centre, on_delete=models.PROTECT, related_name="paper_entries")
    resident = models.ForeignKey(DeskResident, on_delete=models.PROTECT, related_name="paper_entries")
    proposal = models.OneToOneField(
        "proposals.Proposal", null=True, on_delete=models.SET_NULL, related_name="paper_entry"
    )
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    entered_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-entered_at", "-id"]
        verbose_name = _("paper form entry")
        verbose_name_plural = _("paper form entries")

    def __str__(self):
        return self.reference


class AreaPopulation(models.Model):
    """How many people live in a dong (and, when known, in each age band): the yardstick for who is missing."""

    area = models.OneToOneField(
        "proposals.Area", verbose_name=_("neighbourhood"), on_delete=models.CASCADE, related_name="population"
    )
    total = models.PositiveIntegerField(_("population"))
    under_20 = models.PositiveIntegerField(_("under 20"), null=True, blank=True)
    from_20 = models.PositiveIntegerField(_("20–39"), null=True, blank=True)
    from_40 = models.PositiveIntegerField(_("40–59"), null=True, blank=True)
    from_60 = models.PositiveIntegerField(_("60–74"), null=True, blank=True)
    from_75 = models.PositiveIntegerField(_("75 and over"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    # Age band value -> the field holding its population.
    BAND_FIELDS = {
        AgeBand.UNDER_20: "under_20",
        AgeBand.FROM_20: "from_20",
        AgeBand.FROM_40: "from_40",
        AgeBand.FROM_60: "from_60",
        AgeBand.FROM_75: "from_75",
    }

    class Meta:
        verbose_name = _("population of a neighbourhood")
        verbose_name_plural = _("population figures")

    def __str__(self):
        return f"{self.area}: {self.total}"
