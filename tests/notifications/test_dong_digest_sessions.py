"""The weekly "my dong" digest and co-design sessions: the ones coming up in the reader's dong are in it; past
ones, drafts and other dongs' are not; and an upcoming session alone is news enough to send the digest.

Tasks run at once (Django's immediate backend); e-mail lands in the stored outbox, texts in the locmem outbox.
"""

import datetime

import pytest
from django.utils import timezone

from codesign.models import Session, SessionFormat
from livinglab import sms
from notifications.digest import send_dong_digests
from notifications.models import OutgoingEmail
from pilots.models import PilotStatus
from tests.factories import DongFactory, PhoneResidentFactory, ResidentFactory
from tests.pilots.conftest import home, make_pilot, pilot_index  # noqa: F401 - the page tree fixtures

pytestmark = pytest.mark.django_db


def add_session(pilot, title, *, starts_in, published=True) -> Session:
    start = timezone.now() + starts_in
    return Session.objects.create(
        page=pilot,
        title=title,
        format=SessionFormat.OFFLINE,
        place="Residents' Hall",
        capacity=20,
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=2),
        is_published=published,
    )


@pytest.fixture
def dongs(make_pilot):  # noqa: F811
    """Two dongs with a running pilot each; only sessions, no proposals, so the sessions alone make the news."""
    mine, theirs = DongFactory(name_en="Seongsu 1-ga 1-dong"), DongFactory(name_en="Wangsimni-dong")
    return {
        "mine": mine,
        "theirs": theirs,
        "my_pilot": make_pilot(area=mine, status=PilotStatus.RUNNING),
        "their_pilot": make_pilot(area=theirs, status=PilotStatus.RUNNING),
    }


def clear_outboxes():
    OutgoingEmail.objects.all().delete()
    sms.outbox.clear()


def test_the_digest_lists_an_upcoming_session_in_my_dong_and_not_a_past_or_another_dongs(dongs):
    upcoming = add_session(dongs["my_pilot"], "Shelter co-design workshop", starts_in=datetime.timedelta(days=3))
    add_session(dongs["my_pilot"], "Last week's walk", starts_in=-datetime.timedelta(days=2))
    add_session(dongs["my_pilot"], "Unpublished draft session", starts_in=datetime.timedelta(days=4), published=False)
    add_session(dongs["my_pilot"], "Next month's review", starts_in=datetime.timedelta(days=40))
    add_session(dongs["their_pilot"], "Wangsimni workshop", starts_in=datetime.timedelta(days=3))
    reader = ResidentFactory(home_area=dongs["mine"])
    clear_outboxes()

    assert send_dong_digests.call() == 1

    [letter] = OutgoingEmail.objects.filter(to_address=reader.email)
    assert "Upcoming sessions" in letter.body
    assert "Shelter co-design workshop" in letter.body
    assert upcoming.get_absolute_url() in letter.body
    for absent in ("Last week's walk", "Unpublished draft session", "Next month's review", "Wangsimni workshop"):
        assert absent not in letter.body, absent


def test_the_text_message_digest_counts_only_upcoming_sessions_in_my_dong(dongs):
    add_session(dongs["my_pilot"], "Shelter co-design workshop", starts_in=datetime.timedelta(days=3))
    add_session(dongs["my_pilot"], "Second workshop", starts_in=datetime.timedelta(days=10))
    add_session(dongs["my_pilot"], "Last week's walk", starts_in=-datetime.timedelta(days=2))
    add_session(dongs["their_pilot"], "Wangsimni workshop", starts_in=datetime.timedelta(days=3))
    by_text = PhoneResidentFactory(home_area=dongs["mine"])
    clear_outboxes()

    assert send_dong_digests.call() == 1

    [text] = sms.outbox
    assert text.to == by_text.phone
    assert "0 new proposals, 0 status changes, 2 upcoming sessions" in text.body


def test_another_dongs_session_sends_me_nothing(dongs):
    add_session(dongs["their_pilot"], "Wangsimni workshop", starts_in=datetime.timedelta(days=3))
    ResidentFactory(home_area=dongs["mine"])
    neighbour = ResidentFactory(home_area=dongs["theirs"])
    clear_outboxes()

    assert send_dong_digests.call() == 1

    assert list(OutgoingEmail.objects.values_list("to_address", flat=True)) == [neighbour.email]


def test_only_past_sessions_make_a_quiet_week(dongs):
    add_session(dongs["my_pilot"], "Last week's walk", starts_in=-datetime.timedelta(days=2))
    add_session(dongs["my_pilot"], "Yesterday's meeting", starts_in=-datetime.timedelta(hours=20))
    ResidentFactory(home_area=dongs["mine"])
    PhoneResidentFactory(home_area=dongs["mine"])
    clear_outboxes()

    assert send_dong_digests.call() == 0

    assert not OutgoingEmail.objects.exists() and sms.outbox == []
