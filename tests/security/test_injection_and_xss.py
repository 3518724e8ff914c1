"""Injection and XSS sinks, over every page of the site found by the URLconf walker.

- Injection: each public GET endpoint gets hostile query parameters (SQL, ORDER BY, Elasticsearch query
  syntax, huge and negative page numbers, NUL bytes); none may answer 500.
- XSS: a script payload stored in every field residents write (proposal title and description, comment,
  display name) never comes back unescaped on any page that shows it, for visitors and administrators alike.
"""

import pytest
from django.test import Client

from tests.factories import AdministratorFactory, CommentFactory, ProposalFactory, ResidentFactory

from .urlconf import endpoints

pytestmark = pytest.mark.django_db

HOSTILE_PARAMS = {
    "q": "' OR 1=1 -- \" AND title:* OR _id:* {{7*7}} \x00",
    "sort": "-id; DROP TABLE proposals_proposal",
    "order": "(SELECT 1)",
    "ordering": "password",
    "page": "-99999999999999999999",
    "status": "' OR ''='",
    "category": "../../etc/passwd",
    "area": "1 UNION SELECT email FROM accounts_user",
    "lat": "NaN",
    "lng": "1e999",
    "radius": "-1",
    "next": "//evil.example/",
}
PAYLOAD = '<script>alert("xss-7f3a")</script><img src=x onerror=alert(1)>'
SKIP_PREFIXES = ("/admin/", "/_util/", "/accounts/confirm-email/", "/accounts/password/reset/key/")


def public_get_urls() -> list[str]:
    return [endpoint.url for endpoint in endpoints() if not endpoint.url.startswith(SKIP_PREFIXES)]


@pytest.mark.parametrize("signed_in", [False, True], ids=["anonymous", "resident"])
def test_hostile_query_parameters_never_cause_a_server_error(signed_in):
    ProposalFactory(title="Street light broken")
    client = Client(raise_request_exception=False)
    if signed_in:
        client.force_login(ResidentFactory())
    failures = []
    for url in public_get_urls():
        response = client.get(url, HOSTILE_PARAMS)
        if response.status_code >= 500:
            failures.append(f"{url}: {response.status_code}")
    assert not failures, failures


def test_next_parameter_never_redirects_off_site():
    client = Client()
    client.force_login(ResidentFactory())
    for url in public_get_urls():
        response = client.get(url, {"next": "//evil.example/"})
        location = response.headers.get("Location", "")
        assert "evil.example" not in location, url


@pytest.mark.parametrize("viewer", ["anonymous", "administrator"])
def test_stored_script_payloads_come_back_escaped(viewer):
    author = ResidentFactory(display_name=PAYLOAD[:60])
    proposal = ProposalFactory(title=f"Title {PAYLOAD}"[:140], description=f"Description {PAYLOAD}", author=author)
    CommentFactory(proposal=proposal, body=f"Comment {PAYLOAD}", author=author)
    client = Client()
    if viewer == "administrator":
        client.force_login(AdministratorFactory(is_superuser=True))
    pages = [url.replace("/proposals/1/", f"/proposals/{proposal.pk}/", 1) for url in public_get_urls()]
    pages += (
        ["/search/?q=Title", "/admin/livinglab/proposals/", "/admin/livinglab/comments/"]
        if viewer != "anonymous"
        else []
    )
    for url in pages:
        response = client.get(url)
        content_type = response.headers.get("Content-Type", "")
        if not content_type.startswith("text/html"):
            # JSON and CSV carry the words as data; they must never be served as a page.
            assert "html" not in content_type, url
            continue
        body = response.content.decode(errors="replace")
        assert "<script>alert(" not in body, url
        assert "onerror=alert(1)>" not in body, url
