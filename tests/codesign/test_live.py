"""Seats left, pushed live to the session's page and to the page listing it; counts only, no names."""

import pytest

from codesign import live, services
from tests.factories import ResidentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def pushed(monkeypatch):
    sent = []
    monkeypatch.setattr(live, "broadcast", lambda messages: sent.extend(messages) or True)
    return sent


def test_a_registration_pushes_the_seats_left(pushed, session, django_capture_on_commit_callbacks):
    resident = ResidentFactory(display_name="Secret Name")
    with django_capture_on_commit_callbacks(execute=True):
        services.register_for_session(session, user=resident)
    groups = [group for group, _message in pushed]
    assert groups == [f"codesign-session-{session.pk}", f"codesign-page-{session.page_id}"]
    html = pushed[0][1]["anonymous"]["en"]
    assert f'id="seats-{session.pk}"' in html and 'data-seats-left="1"' in html and 'hx-swap-oob="true"' in html
    assert "Secret Name" not in html
    assert "1 seat left of 2" in html
    assert "ko" in pushed[0][1]["anonymous"]


def test_an_unpublished_session_pushes_nothing(
    pushed, make_session, django_capture_on_commit_callbacks, emit_committed
):
    session = make_session(is_published=False)
    emit_committed(
        "codesign.registration_changed",
        session_id=session.pk,
        page_id=session.page_id,
        actor_id=None,
        registration_id=1,
        status="registered",
        seats_left=1,
    )
    assert pushed == []
