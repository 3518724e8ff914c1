"""Links and names in e-mails come from the configured site (SITE_URL), never from a request's host."""

import re

import pytest
from django.core import mail
from django.urls import reverse
from wagtail.models import Site

from livinglab.site_url import absolute_url, current_site, site_name
from notifications.models import Follow
from proposals import services as proposal_services
from proposals.models import ProposalStatus
from tests.factories import SIGNUP_FORM, AdministratorFactory, ProposalFactory, ResidentFactory

pytestmark = pytest.mark.django_db

SITE = "https://lab.example.kr"


@pytest.fixture(autouse=True)
def _site_url(settings):
    settings.SITE_URL = SITE


def links(message) -> list[str]:
    return re.findall(r"https?://\S+", message.body)


def test_absolute_url_puts_a_path_on_the_configured_site():
    assert absolute_url("/proposals/3/") == f"{SITE}/proposals/3/"
    assert absolute_url("proposals/3/") == f"{SITE}/proposals/3/"


def test_absolute_url_leaves_an_absolute_address_alone_and_ignores_a_trailing_slash(settings):
    assert absolute_url("https://other.example/x/") == "https://other.example/x/"
    settings.SITE_URL = f"{SITE}/"
    assert absolute_url("/x/") == f"{SITE}/x/"


def test_the_site_name_is_the_wagtail_sites_name_else_the_platforms_name():
    Site.objects.filter(is_default_site=True).update(site_name="성동 리빙랩")
    assert site_name() == "성동 리빙랩"
    assert current_site().domain == "lab.example.kr"
    Site.objects.update(site_name="")
    assert site_name() == "Living Lab"


def test_the_sign_up_mail_greets_with_the_site_name_and_links_to_the_site_url(client):
    Site.objects.filter(is_default_site=True).update(site_name="Living Lab")
    client.post(reverse("account_signup"), SIGNUP_FORM, HTTP_HOST="127.0.0.1:8200")
    (message,) = mail.outbox
    assert "127.0.0.1:8200" not in message.body + message.subject
    assert "Living Lab" in message.body.splitlines()[0]
    assert message.subject.startswith("[Living Lab] ")
    assert links(message) and all(link.startswith(f"{SITE}/accounts/confirm-email/") for link in links(message))


def test_the_password_reset_mail_links_to_the_site_url_not_the_requests_host(client):
    ResidentFactory(email="minji@example.org")
    client.post(reverse("account_reset_password"), {"email": "minji@example.org"}, HTTP_HOST="localhost:9000")
    (message,) = mail.outbox
    assert "localhost:9000" not in message.body
    assert any(link.startswith(f"{SITE}/accounts/password/reset/key/") for link in links(message))


def test_the_status_change_mail_links_to_the_proposal_on_the_site_url(django_capture_on_commit_callbacks):
    proposal, follower = ProposalFactory(), ResidentFactory()
    Follow.objects.create(user=follower, proposal=proposal)
    with django_capture_on_commit_callbacks(execute=True):
        proposal_services.change_status(
            proposal, to_status=ProposalStatus.UNDER_REVIEW, by=AdministratorFactory(), response="Looking at it."
        )
    (message,) = [message for message in mail.outbox if message.to == [follower.email]]
    assert f"{SITE}/proposals/{proposal.pk}/" in links(message)
