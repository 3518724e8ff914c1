"""The notifications page, the bell, following, and the sockets each page opens."""

import pytest
from django.urls import reverse

from notifications.models import ChannelSetting, Follow, Notification, NotificationKind, NotificationPreference
from tests.factories import ProposalFactory, ResidentFactory

pytestmark = pytest.mark.django_db


def make_notifications(user, count: int):
    return Notification.objects.bulk_create(
        Notification(recipient=user, kind=NotificationKind.REPLY, text=f"Reply number {n}", url="/proposals/")
        for n in range(count)
    )


# --- the list ----------------------------------------------------------------------------------------


def test_the_list_needs_a_sign_in(client):
    response = client.get(reverse("notifications:list"))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_the_list_shows_only_my_notifications(client, resident):
    make_notifications(resident, 2)
    make_notifications(ResidentFactory(), 1)
    client.force_login(resident)
    response = client.get(reverse("notifications:list"))
    assert response.status_code == 200
    assert response.text.count('class="card notification notification-unread"') == 2
    assert "2 unread notifications" in response.text


def test_the_list_escapes_the_text(client, resident):
    Notification.objects.create(recipient=resident, kind=NotificationKind.REPLY, text="<script>alert(1)</script>")
    client.force_login(resident)
    response = client.get(reverse("notifications:list"))
    assert "<script>alert(1)</script>" not in response.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in response.text


@pytest.mark.parametrize("count", [3, 20])
def test_the_list_costs_the_same_queries_for_3_or_20(client, resident, django_assert_num_queries, count):
    make_notifications(resident, count)
    client.force_login(resident)
    # session, user, paginator count, unread count, the header's two permission lookups, the page
    with django_assert_num_queries(7):
        response = client.get(reverse("notifications:list"))
    assert response.status_code == 200


def test_the_list_rejects_a_post(client, resident):
    client.force_login(resident)
    assert client.post(reverse("notifications:list")).status_code == 405


# --- mark read ---------------------------------------------------------------------------------------


def test_mark_read(client, resident):
    (notification,) = make_notifications(resident, 1)
    client.force_login(resident)
    response = client.post(reverse("notifications:mark_read", args=[notification.pk]))
    assert response.status_code == 302
    notification.refresh_from_db()
    assert notification.is_read


def test_mark_read_with_htmx_returns_the_item(client, resident):
    (notification,) = make_notifications(resident, 1)
    client.force_login(resident)
    response = client.post(reverse("notifications:mark_read", args=[notification.pk]), headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert f'id="notification-{notification.pk}"' in response.text
    assert "Mark as read" not in response.text


def test_mark_read_of_someone_elses_notification_is_404(client, resident):
    (notification,) = make_notifications(ResidentFactory(), 1)
    client.force_login(resident)
    assert client.post(reverse("notifications:mark_read", args=[notification.pk])).status_code == 404
    notification.refresh_from_db()
    assert not notification.is_read


def test_mark_read_needs_post_and_a_sign_in(client, resident):
    (notification,) = make_notifications(resident, 1)
    url = reverse("notifications:mark_read", args=[notification.pk])
    assert client.post(url).status_code == 302  # to the login page
    client.force_login(resident)
    assert client.get(url).status_code == 405


def test_mark_all_read_touches_only_mine(client, resident):
    make_notifications(resident, 3)
    (other,) = make_notifications(ResidentFactory(), 1)
    client.force_login(resident)
    response = client.post(reverse("notifications:mark_all_read"))
    assert response.status_code == 302
    assert not Notification.objects.filter(recipient=resident, is_read=False).exists()
    other.refresh_from_db()
    assert not other.is_read


def test_mark_all_read_needs_csrf(resident):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    make_notifications(resident, 1)
    client.force_login(resident)
    assert client.post(reverse("notifications:mark_all_read")).status_code == 403
    assert Notification.objects.filter(is_read=False).count() == 1


# --- the bell ----------------------------------------------------------------------------------------


def test_the_bell_fragment_counts_my_unread(client, resident):
    make_notifications(resident, 2)
    Notification.objects.create(recipient=resident, kind=NotificationKind.REPLY, text="old", is_read=True)
    client.force_login(resident)
    response = client.get(reverse("notifications:unread_count"))
    assert response.status_code == 200
    assert 'id="notification-bell"' in response.text
    assert '<span class="badge bell-count">2<span class="visually-hidden"> unread</span></span>' in response.text


def test_the_bell_fragment_is_401_for_visitors(client):
    assert client.get(reverse("notifications:unread_count")).status_code == 401


def test_pages_show_the_bell_socket_to_signed_in_people_only(client, resident):
    assert 'ws-connect="/ws/notifications/"' not in client.get(reverse("proposals:list")).text
    client.force_login(resident)
    assert 'ws-connect="/ws/notifications/"' in client.get(reverse("proposals:list")).text


# --- e-mail preference -------------------------------------------------------------------------------


def test_opting_out_of_status_emails(client, resident):
    client.force_login(resident)
    response = client.post(reverse("notifications:preferences"), {"status_changed__in_app": "on"})
    assert response.status_code == 302
    setting = ChannelSetting.objects.get(user=resident, kind="status_changed", channel="email")
    assert setting.enabled is False
    client.post(reverse("notifications:preferences"), {"status_changed__in_app": "on", "status_changed__email": "on"})
    # Back to the default: no row is kept.
    assert not ChannelSetting.objects.filter(user=resident, kind="status_changed", channel="email").exists()


def test_preferences_need_a_sign_in(client):
    response = client.post(reverse("notifications:preferences"), {})
    assert response.status_code == 302
    assert not NotificationPreference.objects.exists()


# --- follow ------------------------------------------------------------------------------------------


def test_follow_and_unfollow(client, resident):
    proposal = ProposalFactory()
    client.force_login(resident)
    response = client.post(reverse("notifications:follow", args=[proposal.pk]), headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert "Unfollow" in response.text
    assert Follow.objects.filter(user=resident, proposal=proposal).exists()
    client.post(reverse("notifications:follow", args=[proposal.pk]))  # twice is a no-op
    assert Follow.objects.filter(user=resident, proposal=proposal).count() == 1
    response = client.post(reverse("notifications:unfollow", args=[proposal.pk]))
    assert response.status_code == 302
    assert response["Location"] == proposal.get_absolute_url()
    assert not Follow.objects.filter(user=resident, proposal=proposal).exists()


def test_following_needs_a_sign_in(client):
    proposal = ProposalFactory()
    response = client.post(reverse("notifications:follow", args=[proposal.pk]))
    assert response.status_code == 302
    assert not Follow.objects.exists()


def test_a_hidden_or_unknown_proposal_cannot_be_followed(client, resident):
    hidden = ProposalFactory(is_hidden=True, hidden_reason="Spam")
    client.force_login(resident)
    assert client.post(reverse("notifications:follow", args=[hidden.pk])).status_code == 404
    assert client.post(reverse("notifications:follow", args=[999999])).status_code == 404
    assert not Follow.objects.exists()


def test_following_needs_post(client, resident):
    proposal = ProposalFactory()
    client.force_login(resident)
    assert client.get(reverse("notifications:follow", args=[proposal.pk])).status_code == 405


# --- the sockets pages open --------------------------------------------------------------------------


def test_a_proposal_page_opens_its_socket_and_refetches_on_open(client, resident):
    proposal = ProposalFactory()
    client.force_login(resident)
    html = client.get(proposal.get_absolute_url()).text
    assert f'ws-connect="/ws/proposals/{proposal.pk}/"' in html
    for fragment in ("vote", "comments", "timeline", "assessments"):
        # With a shared cache (Redis) the URL carries a version stamp (?v=...): the start is what matters.
        assert f'hx-get="/proposals/{proposal.pk}/fragments/{fragment}/' in html
    assert f'id="follow-{proposal.pk}"' in html


def test_the_list_opens_the_list_socket_with_its_cards(client):
    first, second = ProposalFactory(), ProposalFactory()
    html = client.get(reverse("proposals:list")).text
    assert 'ws-connect="/ws/proposals/"' in html
    assert 'id="new-proposals"' in html
    assert f"#card-votes-{first.pk}" in html and f"#card-votes-{second.pk}" in html


def test_other_pages_open_no_proposal_socket(client):
    html = client.get(reverse("account_login")).text
    assert "/ws/proposals/" not in html
