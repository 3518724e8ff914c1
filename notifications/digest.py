"""The weekly "my dong" digest: what happened in a resident's own neighbourhood over the past week.

For every active person with a home area (dong) whose news reaches them (``accounts.reach``: their own
news channel, or texts at the number a staff desk wrote down when they chose texts there): the proposals filed
there, the status changes of proposals there, and, when the ``codesign`` app is installed, the sessions coming
up there (it provides ``codesign.digest.upcoming_sessions(area, start, end)``, a list of ``(title, when, url)``).
Nothing happened, nothing is sent. E-mail goes through the stored outbox (``notifications.mail``), texts through
``livinglab.sms.send_sms_task``. ``manage.py enqueue_dong_digest`` enqueues ``send_dong_digests`` (run weekly
from cron or the scheduler).
"""

from dataclasses import dataclass, field
from datetime import timedelta

from django.apps import apps
from django.contrib.auth import get_user_model
from django.tasks import task
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from accounts.reach import EMAIL, NONE, reach_of, with_desk
from livinglab.site_url import absolute_url, site_name
from livinglab.sms import send_sms_task
from proposals.models import Proposal, StatusChange

from .mail import Letter, queue_emails
from .tasks import send_email_batch

DIGEST_DAYS = 7


@dataclass
class DongWeek:
    """What happened in one dong over the week."""

    area: object
    proposals: list = field(default_factory=list)
    status_changes: list = field(default_factory=list)
    sessions: list = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not (self.proposals or self.status_changes or self.sessions)


def upcoming_sessions(area, start, end) -> list:
    """Co-design sessions in ``area`` between ``start`` and ``end``; none unless the codesign app is installed."""
    if not apps.is_installed("codesign"):
        return []
    return list(import_string("codesign.digest.upcoming_sessions")(area, start, end))


def dong_week(area, *, now) -> DongWeek:
    since = now - timedelta(days=DIGEST_DAYS)
    proposals = list(Proposal.objects.visible().filter(area=area, created_at__gte=since).order_by("-created_at")[:10])
    changes = list(
        StatusChange.objects.filter(proposal__in=Proposal.objects.visible().filter(area=area), created_at__gte=since)
        .select_related("proposal")
        .order_by("-created_at")[:10]
    )
    return DongWeek(area, proposals, changes, upcoming_sessions(area, now, now + timedelta(days=DIGEST_DAYS * 2)))


def digest_text(week: DongWeek, stop: str) -> str:
    """The short form for a text message: counts, a link to the dong's proposals and where to stop texts."""
    link = absolute_url(f"{reverse('proposals:list')}?area={week.area.pk}")
    return _(
        "[%(site)s] This week in %(dong)s: %(new)d new proposals, %(changes)d status changes, "
        "%(sessions)d upcoming sessions. %(link)s %(stop)s"
    ) % {
        "site": site_name(),
        "dong": week.area.localized_name,
        "new": len(week.proposals),
        "changes": len(week.status_changes),
        "sessions": len(week.sessions),
        "link": link,
        "stop": stop,
    }


def _digest_letter(week: DongWeek) -> tuple[str, str]:
    """The e-mail form: subject and body, in the active language."""
    subject = _("This week in %(dong)s") % {"dong": week.area.localized_name}
    body = render_to_string(
        "notifications/email/dong_digest.txt",
        {
            "week": week,
            "site": site_name(),
            "base": absolute_url("/").rstrip("/"),
            "profile": absolute_url(reverse("accounts:profile")),
        },
    )
    return subject, body


@task
def send_dong_digests() -> int:
    """Send this week's digest to everyone with a home area and a news channel; returns how many went out."""
    now = timezone.now()
    people = with_desk(
        get_user_model()
        .objects.filter(is_active=True, home_area__isnull=False)
        .exclude(notify_by="none")
        .select_related("home_area")
        .order_by("home_area_id", "pk")
    )
    weeks: dict[int, DongWeek] = {}
    letters, sent = [], 0
    for person in people.iterator():
        # The same reach as status changes and reminders: a desk resident who chose texts gets them at the
        # number the desk wrote down (``accounts.reach``).
        where = reach_of(person)
        if where.channel == NONE:
            continue
        week = weeks.get(person.home_area_id)
        if week is None:
            week = weeks[person.home_area_id] = dong_week(person.home_area, now=now)
        if week.is_empty:
            continue
        # Each reader in their own language, whoever else lives in the dong.
        with translation.override(where.language):
            if where.channel == EMAIL:
                letters.append(Letter(person.pk, where.address, *_digest_letter(week)))
            else:
                send_sms_task.enqueue(where.address, digest_text(week, where.stop_hint))
        sent += 1
    if letters:
        queue_emails(letters, enqueue=send_email_batch.enqueue)
    return sent
