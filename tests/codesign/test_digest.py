"""The weekly dong digest's question to co-design: which sessions come up on pilots in this dong."""

import datetime

import pytest
from django.utils import timezone

from codesign.digest import upcoming_sessions

pytestmark = pytest.mark.django_db


def test_upcoming_sessions_of_pilots_in_the_area(pilot, make_session):
    soon = make_session(title="Soon", starts_in=datetime.timedelta(days=2))
    make_session(title="Later", starts_in=datetime.timedelta(days=20))
    make_session(title="Draft", is_published=False)
    now = timezone.now()
    rows = upcoming_sessions(pilot.area, now, now + datetime.timedelta(days=7))
    assert [(title, when) for title, when, _url in rows] == [("Soon", soon.starts_at)]
    assert rows[0][2].endswith(soon.get_absolute_url())


def test_no_sessions_in_another_area(pilot, make_session, make_pilot):
    make_session()
    other = make_pilot()
    now = timezone.now()
    assert upcoming_sessions(other.area, now, now + datetime.timedelta(days=7)) == []
