"""Status changes by text message, the news-channel choice with its opt-out, and the weekly "my dong" digest.

Tasks run at once (Django's immediate backend); texts land in the locmem SMS outbox.
"""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from accounts.models import NotifyBy
from livinglab import sms
from notifications.digest import send_dong_digests
from notifications.models import Follow, OutgoingEmail
from proposals import services as proposal_services
from proposals.models import Proposal, ProposalStatus
from tests.factories import DongFactory, PhoneResidentFactory, ProposalFactory, ResidentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def quiet_channel_layer(monkeypatch):
    monkeypatch.setattr("proposals.live.broadcast", lambda messages: True)
    monkeypatch.setattr("notifications.services.broadcast", lambda messages: True)


def move_to_review(proposal, administrator, capture):
    with capture(execute=True):
        proposal_services.change_status(proposal, to_status=ProposalStatus.UNDER_REVIEW, by=administrator)


def test_a_status_change_texts_followers_with_a_phone_and_no_email(administrator, django_capture_on_commit_callbacks):
    proposal = ProposalFactory(title="Bus shelter at the market")
    phone_only = PhoneResidentFactory()
    by_email = ResidentFactory()
    chose_sms = ResidentFactory(phone="+821055556666", phone_verified=True, notify_by=NotifyBy.SMS)
    for user in (phone_only, by_email, chose_sms):
        Follow.objects.create(user=user, proposal=proposal)

    move_to_review(proposal, administrator, django_capture_on_commit_callbacks)

    assert sorted(message.to for message in sms.outbox) == sorted([phone_only.phone, "+821055556666"])
    assert "Bus shelter at the market" in sms.outbox[0].body
    assert reverse("accounts:profile") in sms.outbox[0].body  # where to stop them
    # E-mail only for the one whose channel is e-mail.
    assert set(OutgoingEmail.objects.values_list("to_address", flat=True)) == {by_email.email}


def test_opting_out_stops_texts_and_email(administrator, django_capture_on_commit_callbacks):
    proposal = ProposalFactory()
    quiet_phone = PhoneResidentFactory(notify_by=NotifyBy.NONE)
    quiet_email = ResidentFactory(notify_by=NotifyBy.NONE)
    for user in (quiet_phone, quiet_email):
        Follow.objects.create(user=user, proposal=proposal)
    move_to_review(proposal, administrator, django_capture_on_commit_callbacks)
    assert sms.outbox == []
    assert not OutgoingEmail.objects.exists()


def test_an_unverified_phone_gets_no_texts(administrator, django_capture_on_commit_callbacks):
    proposal = ProposalFactory()
    Follow.objects.create(user=PhoneResidentFactory(phone_verified=False), proposal=proposal)
    move_to_review(proposal, administrator, django_capture_on_commit_callbacks)
    assert sms.outbox == []


def test_the_profile_page_sets_the_channel(client):
    resident = PhoneResidentFactory()
    client.force_login(resident)
    response = client.post(reverse("accounts:profile"), {"display_name": "순자", "notify_by": "none"})
    assert response.status_code == 302, response.content.decode()
    assert response["Location"] == reverse("accounts:profile")
    resident.refresh_from_db()
    assert resident.notify_by == NotifyBy.NONE

    response = client.post(reverse("accounts:profile"), {"display_name": "순자", "notify_by": "pigeon"})
    assert response.status_code == 400
    resident.refresh_from_db()
    assert resident.notify_by == NotifyBy.NONE


# The weekly digest


def test_the_digest_covers_my_dong_by_each_persons_channel(administrator):
    dong, elsewhere = DongFactory(), DongFactory()
    ProposalFactory(area=dong, title="Smart streetlights on the hill")
    ProposalFactory(area=elsewhere, title="Not my dong")
    changed = ProposalFactory(area=dong, title="Fine dust monitor")
    proposal_services.change_status(changed, to_status=ProposalStatus.UNDER_REVIEW, by=administrator)
    by_email = ResidentFactory(home_area=dong)
    by_text = PhoneResidentFactory(home_area=dong)
    ResidentFactory(home_area=dong, notify_by=NotifyBy.NONE)
    ResidentFactory(home_area=None)
    mail.outbox.clear()
    sms.outbox.clear()
    OutgoingEmail.objects.all().delete()

    assert send_dong_digests.call() == 2

    [letter] = OutgoingEmail.objects.all()
    assert letter.to_address == by_email.email
    assert "Smart streetlights on the hill" in letter.body
    assert "Fine dust monitor" in letter.body
    assert "Not my dong" not in letter.body
    [text] = sms.outbox
    assert text.to == by_text.phone
    assert "2 new proposals, 1 status changes" in text.body


def test_a_desk_residents_placeholder_address_gets_no_digest_and_a_verified_phone_gets_a_text():
    dong = DongFactory()
    ProposalFactory(area=dong, title="Bench by the stream")
    placeholder_only = ResidentFactory(home_area=dong, email="desk-7@residents.invalid")
    with_phone = PhoneResidentFactory(home_area=dong, email="desk-8@residents.invalid")
    assert placeholder_only.news_channel == NotifyBy.NONE
    assert with_phone.news_channel == NotifyBy.SMS
    OutgoingEmail.objects.all().delete()
    sms.outbox.clear()

    assert send_dong_digests.call() == 1

    assert not OutgoingEmail.objects.exists()  # nothing goes to an address that cannot exist
    assert [text.to for text in sms.outbox] == [with_phone.phone]


def test_a_quiet_week_sends_nothing():
    dong = DongFactory()
    old = ProposalFactory(area=dong)
    Proposal.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=30))
    ResidentFactory(home_area=dong)
    PhoneResidentFactory(home_area=dong)
    assert send_dong_digests.call() == 0
    assert sms.outbox == []
    assert not OutgoingEmail.objects.exists()


def test_hidden_proposals_stay_out_of_the_digest(administrator):
    dong = DongFactory()
    hidden = ProposalFactory(area=dong, title="Hidden one")
    proposal_services.hide_proposal(hidden, by=administrator, reason="spam")
    ResidentFactory(home_area=dong)
    send_dong_digests.call()
    assert all("Hidden one" not in row.body for row in OutgoingEmail.objects.all())


def test_the_command_enqueues_the_digest(capsys):
    dong = DongFactory()
    ProposalFactory(area=dong)
    PhoneResidentFactory(home_area=dong)
    call_command("enqueue_dong_digest")
    assert "Enqueued" in capsys.readouterr().out
    assert len(sms.outbox) == 1
