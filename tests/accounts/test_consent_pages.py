"""Issue 9: consent follows the published text of /terms/ and /privacy/, not an operator's env var.

Publishing the terms with "Ask everyone to agree again" asks every signed-in person again before they next
take part; publishing without it (a typo fix) asks nobody; without the pages the settings versions still
count. The current versions are cached and dropped when such a page is published.
"""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from wagtail.test.utils.form_data import nested_form_data, rich_text, streamfield

from accounts.consent import current_versions, missing_documents
from accounts.models import Consent, User
from home import demo
from home.models import StandardPage
from tests.factories import ProposalFactory, ResidentFactory

pytestmark = pytest.mark.django_db

CONSENT = reverse("accounts:consent")


@pytest.fixture
def legal_pages(settings):
    settings.LEGAL_DOCUMENTS = {"terms": "2026-11-01", "privacy": "2026-11-01"}
    home = demo.build_pages()
    return {page.slug: page for page in StandardPage.objects.child_of(home).filter(slug__in=["terms", "privacy"])}


def publish(page, *, ask_again, body="New text"):
    page = StandardPage.objects.get(pk=page.pk)
    page.intro = body
    page.ask_consent_again = ask_again
    page.save_revision().publish()
    return StandardPage.objects.get(pk=page.pk)


def asked_for(user):
    """What a new request would ask ``user`` for (the answer is kept on the user object for one request)."""
    return missing_documents(User.objects.get(pk=user.pk))


def comment(client, proposal):
    return client.post(
        reverse("proposals:comment", args=[proposal.pk]),
        {"body": "Still dark here every night."},
        HTTP_REFERER=f"http://testserver{proposal.get_absolute_url()}",
    )


def test_publishing_the_terms_with_the_box_asks_everyone_again_before_they_post(client, legal_pages):
    resident = ResidentFactory()
    proposal = ProposalFactory()
    assert asked_for(resident) == []

    terms = publish(legal_pages["terms"], ask_again=True)
    assert terms.consent_version == 1 and not terms.ask_consent_again

    assert asked_for(resident) == ["terms"]
    client.force_login(resident)
    assert client.get(proposal.get_absolute_url()).status_code == 200  # reading needs nothing
    stopped = comment(client, proposal)
    assert stopped.status_code == 302 and stopped["Location"].startswith(CONSENT)
    assert not proposal.comments.exists()

    page = client.get(stopped["Location"]).content.decode()
    assert 'href="/terms/"' in page and "version 2026-11-01+1" in page
    assert 'href="/privacy/"' not in page  # the unchanged notice is not asked for

    accepted = client.post(CONSENT, {"accept": "on", "next": proposal.get_absolute_url()})
    assert accepted.status_code == 302 and accepted["Location"] == proposal.get_absolute_url()
    assert Consent.objects.filter(user=resident, document="terms", version="2026-11-01+1").exists()
    assert comment(client, proposal).status_code == 302
    assert proposal.comments.count() == 1


def test_publishing_without_the_box_asks_nobody(client, legal_pages):
    resident = ResidentFactory()
    proposal = ProposalFactory()
    terms = publish(legal_pages["terms"], ask_again=False, body="Typo fixed")
    assert terms.consent_version == 0
    assert current_versions() == {"terms": "2026-11-01", "privacy": "2026-11-01"}
    assert asked_for(resident) == []
    client.force_login(resident)
    comment(client, proposal)
    assert proposal.comments.count() == 1


def test_a_ticked_draft_asks_nobody_until_it_is_published(legal_pages):
    resident = ResidentFactory()
    terms = StandardPage.objects.get(pk=legal_pages["terms"].pk)
    terms.ask_consent_again = True
    revision = terms.save_revision()
    assert StandardPage.objects.get(pk=terms.pk).consent_version == 0
    assert asked_for(resident) == []

    revision.publish()
    assert asked_for(resident) == ["terms"]


def test_the_box_acts_once_and_republishing_an_older_revision_never_lowers_the_version(legal_pages):
    terms = StandardPage.objects.get(pk=legal_pages["terms"].pk)
    old_revision = terms.latest_revision
    terms = publish(terms, ask_again=True)
    terms = publish(terms, ask_again=True, body="Second material change")
    assert terms.consent_version == 2
    terms = publish(terms, ask_again=False, body="Typo fixed")
    assert terms.consent_version == 2

    old_revision.publish()  # a revision saved when the number was 0
    assert StandardPage.objects.get(pk=terms.pk).consent_version == 2
    assert current_versions()["terms"] == "2026-11-01+2"


def test_the_privacy_notice_is_versioned_on_its_own(legal_pages):
    resident = ResidentFactory()
    publish(legal_pages["privacy"], ask_again=True)
    assert asked_for(resident) == ["privacy"]
    assert current_versions() == {"terms": "2026-11-01", "privacy": "2026-11-01+1"}


def test_another_standard_page_with_the_box_asks_nobody(legal_pages):
    resident = ResidentFactory()
    how = StandardPage.objects.exclude(slug__in=["terms", "privacy"]).get()
    publish(how, ask_again=True)
    assert asked_for(resident) == []


def test_an_unpublished_terms_page_falls_back_to_the_settings_version(legal_pages):
    publish(legal_pages["terms"], ask_again=True)
    assert current_versions()["terms"] == "2026-11-01+1"
    StandardPage.objects.get(pk=legal_pages["terms"].pk).unpublish()
    assert current_versions()["terms"] == "2026-11-01"


def test_without_the_pages_the_settings_versions_still_count(client, settings):
    settings.LEGAL_DOCUMENTS = {"terms": "2026-11-01", "privacy": "2026-11-01"}
    resident = ResidentFactory()
    assert not StandardPage.objects.exists()
    assert current_versions() == {"terms": "2026-11-01", "privacy": "2026-11-01"}
    assert asked_for(resident) == []

    settings.LEGAL_DOCUMENTS = {"terms": "2027-01-01", "privacy": "2026-11-01"}
    assert asked_for(resident) == ["terms"]
    client.force_login(resident)
    assert comment(client, ProposalFactory())["Location"].startswith(CONSENT)
    assert 'href="/terms/"' in client.get(CONSENT).content.decode()


def test_an_operator_bump_still_asks_again_when_the_pages_exist(legal_pages, settings):
    resident = ResidentFactory()
    publish(legal_pages["terms"], ask_again=True)
    settings.LEGAL_DOCUMENTS = {"terms": "2027-01-01", "privacy": "2026-11-01"}
    assert current_versions()["terms"] == "2027-01-01+1"
    assert asked_for(resident) == ["terms"]


def test_the_current_versions_are_cached_and_publishing_drops_the_cache(legal_pages, django_assert_num_queries):
    current_versions()
    with django_assert_num_queries(0):
        assert current_versions() == {"terms": "2026-11-01", "privacy": "2026-11-01"}
    publish(legal_pages["terms"], ask_again=True)
    assert current_versions()["terms"] == "2026-11-01+1"
    with django_assert_num_queries(0):
        current_versions()


def test_the_pages_add_no_query_to_a_posting_request(client, settings):
    settings.LEGAL_DOCUMENTS = {"terms": "2026-11-01", "privacy": "2026-11-01"}
    resident = ResidentFactory()
    proposal = ProposalFactory()
    client.force_login(resident)

    def queries_of_a_vote():
        # The caches are warm, as on any request after the first: the published pages, and this person's consent.
        client.post(reverse("proposals:vote", args=[proposal.pk]))
        client.post(reverse("proposals:unvote", args=[proposal.pk]))
        current_versions()
        with CaptureQueriesContext(connection) as captured:
            assert client.post(reverse("proposals:vote", args=[proposal.pk])).status_code in (200, 302)
        return len(captured)

    without_pages = queries_of_a_vote()
    demo.build_pages()
    publish(StandardPage.objects.get(slug="terms"), ask_again=False)
    with_pages = queries_of_a_vote()
    assert with_pages == without_pages


def test_the_signup_form_links_the_published_version(client, legal_pages):
    publish(legal_pages["terms"], ask_again=True)
    html = client.get(reverse("account_signup")).content.decode()
    assert 'href="/terms/"' in html and "version 2026-11-01+1" in html


def test_an_editor_publishes_with_the_box_and_the_next_edit_starts_with_it_clear(client, administrator, legal_pages):
    terms = legal_pages["terms"]
    client.force_login(administrator)
    edit = reverse("wagtailadmin_pages:edit", args=[terms.pk])

    def submit(ask_again):
        data = nested_form_data(
            {
                "title": terms.title,
                "slug": "terms",
                "intro": "New rules",
                "body": streamfield([("paragraph", rich_text("<p>New rules.</p>"))]),
                "action-publish": "action-publish",
            }
        )
        if ask_again:
            data["ask_consent_again"] = "on"
        response = client.post(edit, data)
        assert response.status_code == 302, response.content.decode()[:2000]
        return StandardPage.objects.get(pk=terms.pk)

    assert submit(ask_again=True).consent_version == 1
    (box,) = re.findall(r"<input[^>]*name=\"ask_consent_again\"[^>]*>", client.get(edit).content.decode())
    assert "checked" not in box
    assert submit(ask_again=False).consent_version == 1
    assert submit(ask_again=True).consent_version == 2


def test_without_a_legal_pages_source_the_published_pages_are_not_read(legal_pages, settings):
    """Accounts names the home app's pages in a setting instead of importing them (home builds on accounts)."""
    publish(legal_pages["terms"], ask_again=True)
    assert current_versions()["terms"] == "2026-11-01+1"
    settings.LEGAL_PAGES_SOURCE = ""
    assert current_versions() == dict(settings.LEGAL_DOCUMENTS)
