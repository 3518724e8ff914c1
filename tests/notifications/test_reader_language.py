"""Issue 9: what the site writes to someone (in-app notification, e-mail, text message, digest) is in the
language that person chose, never the site's default nor the language of whoever caused it."""

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import translation

from accounts.models import NotifyBy, User
from livinglab import sms
from notifications.digest import send_dong_digests
from notifications.models import Follow, Notification, OutgoingEmail
from proposals import services
from proposals.models import ProposalStatus
from tests.factories import AdministratorFactory, DongFactory, PhoneResidentFactory, ProposalFactory, ResidentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def quiet_channel_layer(monkeypatch):
    monkeypatch.setattr("proposals.live.broadcast", lambda messages: True)
    monkeypatch.setattr("notifications.services.broadcast", lambda messages: True)


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    def call(function, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return function(*args, **kwargs)

    return call


@pytest.fixture
def readers(db):
    return ResidentFactory(language="ko"), ResidentFactory(language="en")


def text_for(user) -> str:
    return Notification.objects.get(recipient=user).text


def test_a_status_change_reaches_each_reader_in_their_own_language(run, readers, settings):
    korean, english = readers
    proposal = ProposalFactory(title="Bus shelter")
    for reader in readers:
        Follow.objects.create(user=reader, proposal=proposal)
    # The administrator works in Korean, the site's default is Korean: neither decides the readers' language.
    settings.LANGUAGE_CODE = "ko"
    admin = AdministratorFactory(language="ko")
    with translation.override("ko"):
        run(services.change_status, proposal, to_status=ProposalStatus.UNDER_REVIEW, by=admin)
    assert text_for(korean) == "“Bus shelter” 상태 변경: 검토 중"
    assert text_for(english) == "“Bus shelter” is now: Under review"
    subjects = dict(OutgoingEmail.objects.values_list("to_address", "subject"))
    assert subjects[korean.email] == "“Bus shelter” 상태 변경: 검토 중"
    assert subjects[english.email] == "“Bus shelter” is now: Under review"
    bodies = {message.to[0]: message.body for message in mail.outbox}
    assert "검토 중" in bodies[korean.email] and "Under review" not in bodies[korean.email]
    assert "Under review" in bodies[english.email] and "검토 중" not in bodies[english.email]


def test_a_mention_is_told_in_the_readers_language_not_the_authors(run, settings):
    settings.LANGUAGE_CODE = "en"
    mina, tom = ResidentFactory(display_name="Mina", language="ko"), ResidentFactory(display_name="Tom", language="en")
    author = ResidentFactory(display_name="Jiho", language="ko")
    proposal = ProposalFactory(title="Streetlight")
    with translation.override("ko"):
        run(services.post_comment, proposal, author=author, body="@Mina @Tom please look")
    assert text_for(mina) == "Jiho님이 “Streetlight”에서 회원님을 언급했습니다"
    assert text_for(tom) == "Jiho mentioned you on “Streetlight”"


def test_without_a_saved_choice_the_sites_language_applies(run, settings):
    settings.LANGUAGE_CODE = "ko"
    reader = ResidentFactory(language="")
    proposal = ProposalFactory(title="Bench")
    Follow.objects.create(user=reader, proposal=proposal)
    run(services.change_status, proposal, to_status=ProposalStatus.UNDER_REVIEW, by=AdministratorFactory())
    assert text_for(reader) == "“Bench” 상태 변경: 검토 중"


def test_texts_are_in_each_readers_language(run, settings):
    settings.LANGUAGE_CODE = "en"
    korean = PhoneResidentFactory(language="ko")
    english = PhoneResidentFactory(language="en")
    proposal = ProposalFactory(title="Crossing")
    for reader in (korean, english):
        Follow.objects.create(user=reader, proposal=proposal)
    run(services.change_status, proposal, to_status=ProposalStatus.UNDER_REVIEW, by=AdministratorFactory())
    bodies = {message.to: message.body for message in sms.outbox}
    assert "상태 변경: 검토 중" in bodies[korean.phone] and "수신 거부" in bodies[korean.phone]
    assert "is now: Under review" in bodies[english.phone] and "Stop:" in bodies[english.phone]


def test_the_weekly_digest_is_in_each_readers_language(settings):
    settings.LANGUAGE_CODE = "en"
    dong = DongFactory()
    korean = ResidentFactory(home_area=dong, language="ko", notify_by=NotifyBy.EMAIL)
    english = ResidentFactory(home_area=dong, language="en", notify_by=NotifyBy.EMAIL)
    ProposalFactory(area=dong)
    send_dong_digests.call()
    subjects = dict(OutgoingEmail.objects.values_list("to_address", "subject"))
    assert subjects[korean.email].startswith("이번 주")
    assert subjects[english.email].startswith("This week in")


def test_switching_language_while_signed_in_is_remembered(client, resident):
    client.force_login(resident)
    response = client.post(reverse("set_language"), {"language": "ko", "next": "/"})
    assert response.status_code == 302
    resident.refresh_from_db()
    assert resident.language == "ko"
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    resident.refresh_from_db()
    assert resident.language == "en"


def test_an_unknown_language_is_not_saved(client, resident):
    resident.language = "en"
    resident.save()
    client.force_login(resident)
    client.post(reverse("set_language"), {"language": "xx", "next": "/"})
    resident.refresh_from_db()
    assert resident.language == "en"


def test_switching_signed_out_stores_nothing_and_still_works(client):
    response = client.post(reverse("set_language"), {"language": "ko", "next": "/"})
    assert response.status_code == 302
    assert response.cookies["django_language"].value == "ko"


def test_switching_needs_a_post(client):
    assert client.get(reverse("set_language")).status_code == 405


def test_signing_up_in_korean_keeps_korean_for_what_the_site_writes(client):
    client.cookies["django_language"] = "ko"
    response = client.post(
        reverse("account_signup"),
        {
            "email": "minji@example.org",
            "display_name": "민지",
            "password1": "a-long-unusual-passphrase",
            "password2": "a-long-unusual-passphrase",
            "accept_terms": "on",
        },
    )
    assert response.status_code == 302
    assert User.objects.get(email="minji@example.org").language == "ko"
