"""Issue 9 point 16: versioned consent to the terms and the privacy notice, at sign-up and when they change."""

import pytest
from django.urls import reverse

from accounts.models import Consent, User
from tests.factories import ProposalFactory

pytestmark = pytest.mark.django_db

SIGNUP = {
    "email": "minji@example.org",
    "display_name": "민지",
    "password1": "a-long-unusual-passphrase",
    "password2": "a-long-unusual-passphrase",
}


def test_signing_up_stores_the_acceptance_of_each_current_version_with_its_time(client, settings):
    settings.LEGAL_DOCUMENTS = {"terms": "2026-11-01", "privacy": "2026-10-15"}
    response = client.post(reverse("account_signup"), {**SIGNUP, "accept_terms": "on"})
    assert response.status_code == 302
    user = User.objects.get(email="minji@example.org")
    stored = {(c.document, c.version) for c in Consent.objects.filter(user=user)}
    assert stored == {("terms", "2026-11-01"), ("privacy", "2026-10-15")}
    assert all(c.accepted_at for c in Consent.objects.filter(user=user))


def test_signing_up_without_accepting_creates_nothing(client):
    response = client.post(reverse("account_signup"), SIGNUP)
    assert response.status_code == 400
    assert "Please accept the terms of use" in response.content.decode()
    assert not User.objects.filter(email="minji@example.org").exists()


def test_the_signup_form_links_the_current_versions(client, settings):
    settings.LEGAL_DOCUMENTS = {"terms": "2027-01", "privacy": "2026-11-01"}
    html = client.get(reverse("account_signup")).content.decode()
    assert 'href="/terms/"' in html and "version 2027-01" in html


def test_a_new_version_asks_before_posting_and_accepting_lets_the_person_post(client, resident, settings):
    proposal = ProposalFactory()
    settings.LEGAL_DOCUMENTS = {**settings.LEGAL_DOCUMENTS, "terms": "2099-01-01"}
    client.force_login(resident)
    # Reading needs nothing.
    assert client.get(proposal.get_absolute_url()).status_code == 200
    response = client.post(
        reverse("proposals:comment", args=[proposal.pk]),
        {"body": "Still dark here every night."},
        HTTP_REFERER=f"http://testserver{proposal.get_absolute_url()}",
    )
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:consent"))
    assert not proposal.comments.exists()
    page = client.get(response["Location"])
    assert "Terms of use" in page.content.decode()
    refused = client.post(reverse("accounts:consent"), {"next": proposal.get_absolute_url()})
    assert refused.status_code == 400
    accepted = client.post(reverse("accounts:consent"), {"accept": "on", "next": proposal.get_absolute_url()})
    assert accepted.status_code == 302 and accepted["Location"] == proposal.get_absolute_url()
    assert Consent.objects.filter(user=resident, document="terms", version="2099-01-01").exists()
    client.post(reverse("proposals:comment", args=[proposal.pk]), {"body": "Still dark here every night."})
    assert proposal.comments.count() == 1


def test_the_consent_page_never_sends_people_off_site(client, resident):
    client.force_login(resident)
    response = client.post(reverse("accounts:consent"), {"accept": "on", "next": "https://evil.example/"})
    assert response["Location"] == "/"


def test_an_accepted_version_is_remembered_until_the_versions_change(client, resident, settings):
    """Every post asks whether the person accepted the current versions; once they have, the answer is kept
    (no query on later posts), and a new version asks again at once."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    proposal = ProposalFactory()
    client.force_login(resident)
    url = reverse("proposals:comment", args=[proposal.pk])

    def consent_queries(body):
        with CaptureQueriesContext(connection) as captured:
            response = client.post(url, {"body": body})
        assert response.status_code == 302
        return response, sum("accounts_consent" in query["sql"] for query in captured.captured_queries)

    first, asked = consent_queries("The first comment on this light.")
    assert asked == 1 and not first["Location"].startswith(reverse("accounts:consent"))
    second, asked = consent_queries("A second comment, a day later.")
    assert asked == 0 and not second["Location"].startswith(reverse("accounts:consent"))
    assert proposal.comments.count() == 2

    settings.LEGAL_DOCUMENTS = {**settings.LEGAL_DOCUMENTS, "terms": "2099-01-01"}
    refused, asked = consent_queries("After the terms changed.")
    assert asked == 1 and refused["Location"].startswith(reverse("accounts:consent"))
    assert proposal.comments.count() == 2
    again, asked = consent_queries("Still asked: nothing was remembered for a refusal.")
    assert asked == 1 and again["Location"].startswith(reverse("accounts:consent"))


def test_a_yes_is_kept_in_the_session_and_new_versions_ask_again(client, resident, settings):
    """Once found, the acceptance is kept in the person's session: later posts neither query nor read the
    per-person cache entry. Only the current versions count: new ones no longer match what the session holds."""
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from accounts.consent import SESSION_KEY, _consented_key, current_versions

    proposal = ProposalFactory()
    client.force_login(resident)
    url = reverse("proposals:comment", args=[proposal.pk])
    assert client.post(url, {"body": "The first comment on this light."}).status_code == 302
    assert client.session[SESSION_KEY] == ";".join(f"{d}={v}" for d, v in sorted(current_versions().items()))

    cache.delete(_consented_key(resident, current_versions()))  # only the session can answer now
    with CaptureQueriesContext(connection) as captured:
        response = client.post(url, {"body": "A second comment, a day later."})
    assert response.status_code == 302 and not response["Location"].startswith(reverse("accounts:consent"))
    assert not any("accounts_consent" in query["sql"] for query in captured.captured_queries)
    assert cache.get(_consented_key(resident, current_versions())) is None

    settings.LEGAL_DOCUMENTS = {**settings.LEGAL_DOCUMENTS, "privacy": "2099-01-01"}
    refused = client.post(url, {"body": "After the privacy notice changed."})
    assert refused["Location"].startswith(reverse("accounts:consent"))
    assert proposal.comments.count() == 2


def test_the_session_s_yes_does_not_outlive_signing_out(client, resident, settings):
    """Another person signing in on the same browser starts from a session of their own."""
    from accounts.consent import SESSION_KEY
    from tests.factories import ResidentFactory

    proposal = ProposalFactory()
    client.force_login(resident)
    client.post(reverse("proposals:comment", args=[proposal.pk]), {"body": "The first comment on this light."})
    assert SESSION_KEY in client.session
    client.post(reverse("account_logout"))
    other = ResidentFactory()
    Consent.objects.filter(user=other).delete()
    client.force_login(other)
    assert SESSION_KEY not in client.session
    refused = client.post(reverse("proposals:comment", args=[proposal.pk]), {"body": "Not accepted yet."})
    assert refused["Location"].startswith(reverse("accounts:consent"))
