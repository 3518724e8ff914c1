"""The API's decisions list: decisions of public challenges only, their filters, cursors, headers and refusals."""

import json
from datetime import UTC, datetime

import pytest
from wagtail.models import PageViewRestriction

from challenges.models import ChallengeDecision, ChallengeIndexPage

from .conftest import SECRET, _challenge

pytestmark = pytest.mark.django_db

LIST = "/api/v1/decisions/"


def _results(client, query=None):
    response = client.get(LIST, query or {})
    assert response.status_code == 200, response.content
    assert SECRET not in response.content.decode()
    return response.json()["results"]


def _ids(client, query=None):
    return [d["id"] for d in _results(client, query)]


def _decided(public_data, title, *, outcome, day, live=True):
    """One more challenge with a decision taken on ``day`` (noon UTC)."""
    index = ChallengeIndexPage.objects.get(slug="challenges-test")
    challenge = _challenge(
        index, title=title, area=public_data["dong"], category=public_data["category"], live=live, stage="decision"
    )
    return ChallengeDecision.objects.create(
        challenge=challenge,
        outcome=outcome,
        reasons=f"Reasons for {title}.",
        budget_consequence="None.",
        decided_at=datetime(2026, 3, day, 12, tzinfo=UTC),
    )


@pytest.fixture
def three_decisions(public_data):
    """The fixture's decision (adapt, 10 March) and two more; two share a moment, so only the id orders them."""
    ChallengeDecision.objects.filter(pk=public_data["decision"].pk).update(
        decided_at=datetime(2026, 3, 10, 12, tzinfo=UTC)
    )
    scaled = _decided(public_data, "Shared parking", outcome="scale_dongs", day=20)
    stopped = _decided(public_data, "Noise sensors", outcome="stop", day=20)
    return {**public_data, "scaled": scaled, "stopped": stopped}


# --- what is listed --------------------------------------------------------------------------------------


def test_decision_list_has_the_public_decision_with_its_challenge_and_evidence(client, public_data):
    [decision] = _results(client)
    challenge = public_data["challenge"]
    assert decision["id"] == public_data["decision"].pk
    assert decision["challenge"] == challenge.pk
    assert decision["challenge_title"] == "Dark alleys"
    assert decision["url"].startswith("http://testserver/") and decision["url"].endswith(f"/{challenge.slug}/")
    assert decision["areas"] == ["seongsu-1"]
    assert decision["outcome"] == "adapt"
    assert decision["reasons"] == "Brighter, but only at night."
    # The evidence named a pilot that is a draft now: only the public one is served, as on the challenge.
    assert decision["evidence"] == {
        "pilots": [{"id": public_data["pilot"].pk, "title": "Shelter pilot", "metrics": []}]
    }
    assert client.get(f"{LIST}{decision['id']}/").json() == decision


def test_draft_challenge_decision_is_neither_listed_nor_served(client, public_data):
    assert _ids(client) == [public_data["decision"].pk]
    assert client.get(f"{LIST}{public_data['draft_decision'].pk}/").status_code == 404


def test_private_challenge_decision_is_neither_listed_nor_served(client, public_data):
    PageViewRestriction.objects.create(
        page=public_data["challenge"], restriction_type=PageViewRestriction.PASSWORD, password="district-only"
    )
    assert _ids(client) == []
    assert client.get(f"{LIST}{public_data['decision'].pk}/").status_code == 404
    assert _ids(client, {"outcome": "adapt"}) == []


def test_unpublishing_the_challenge_takes_its_decision_out(client, public_data):
    public_data["challenge"].unpublish()
    assert _ids(client) == []
    assert client.get(f"{LIST}{public_data['decision'].pk}/").status_code == 404


# --- filters ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query, expected",
    [
        ({}, ["stopped", "scaled", "decision"]),
        ({"ordering": "decided_at"}, ["decision", "scaled", "stopped"]),
        ({"ordering": "id"}, ["decision", "scaled", "stopped"]),
        ({"outcome": "adapt"}, ["decision"]),
        ({"outcome": "scale"}, ["scaled"]),
        ({"outcome": "scale_district"}, []),
        # The draft challenge's decision is a stop: it must not be found by its outcome either.
        ({"outcome": "stop"}, ["stopped"]),
        ({"decided_after": "2026-03-11"}, ["stopped", "scaled"]),
        ({"decided_before": "2026-03-10"}, ["decision"]),
        ({"decided_after": "2026-03-10", "decided_before": "2026-03-10"}, ["decision"]),
        ({"decided_after": "2026-03-21"}, []),
        ({"area": "seongsu-1"}, ["stopped", "scaled", "decision"]),
        ({"challenge": "CHALLENGE"}, ["decision"]),
    ],
)
def test_decision_filters(client, three_decisions, query, expected):
    if query.get("challenge") == "CHALLENGE":
        query = {"challenge": three_decisions["challenge"].pk}
    assert _ids(client, query) == [three_decisions[name].pk for name in expected]


def test_area_filter_finds_decisions_about_the_area_or_scaling_to_it(client, public_data):
    dong, decision = public_data["dong"], public_data["decision"]
    district = dong.parent
    # Asking for the district does not find a challenge on one of its neighbourhoods...
    assert _ids(client, {"area": district.slug}) == []
    # ...but does find a decision that scales to one of them.
    decision.dongs.set([dong])
    assert _ids(client, {"area": district.slug}) == [decision.pk]
    # A challenge on the district is found from its neighbourhood, once, though it matches twice.
    public_data["challenge"].areas.set([district])
    assert _ids(client, {"area": dong.slug}) == [decision.pk]


# --- cursors ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("ordering", ["-decided_at", "decided_at", "id", "-id"])
def test_cursor_pages_are_stable_and_complete(client, three_decisions, ordering):
    everything = _ids(client, {"ordering": ordering})
    seen, cursor = [], None
    while True:
        query = {"ordering": ordering, "page_size": 1, **({"cursor": cursor} if cursor else {})}
        body = client.get(LIST, query).json()
        seen += [d["id"] for d in body["results"]]
        cursor = body["next_cursor"]
        if not cursor:
            break
    assert seen == everything and len(set(seen)) == 3


def test_a_cursor_from_another_ordering_is_refused(client, three_decisions):
    cursor = client.get(LIST, {"page_size": 1}).json()["next_cursor"]
    response = client.get(LIST, {"page_size": 1, "cursor": cursor, "ordering": "id"})
    assert response.status_code == 400
    assert "another ordering" in response.json()["detail"]
    assert client.get(LIST, {"page_size": 1, "cursor": cursor}).status_code == 200


# --- refusals --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query, fragment",
    [
        ({"decided": "2026-03-01"}, "Unknown query parameter"),
        ({"status": "stop"}, "Unknown query parameter"),
        ({"cursor": "not-a-cursor"}, "cursor"),
        ({"decided_after": "2026-05-01", "decided_before": "2026-01-01"}, "decided_after"),
        ({"decided_after": "yesterday"}, "decided_after"),
        ({"decided_before": "1767225600"}, "decided_before"),
        ({"outcome": "scaled"}, "outcome"),
        ({"area": "nowhere"}, "Unknown area"),
        ({"challenge": "999999"}, "Unknown challenge"),
        ({"challenge": "0"}, "challenge"),
        ({"ordering": "reasons"}, "ordering"),
        ({"page_size": "101"}, "page_size"),
    ],
)
def test_decision_list_refuses_bad_input(client, public_data, query, fragment):
    response = client.get(LIST, query)
    assert response.status_code == 400
    assert fragment in response.json()["detail"]


def test_a_draft_challenge_is_as_unknown_as_a_missing_one(client, public_data):
    response = client.get(LIST, {"challenge": public_data["draft_challenge"].pk})
    assert response.status_code == 400
    assert response.json()["detail"] == f"Unknown challenge: {public_data['draft_challenge'].pk}."


def test_an_id_beyond_any_primary_key_is_a_400_and_an_unknown_one_a_404(client, public_data):
    assert client.get(f"{LIST}953969335465150546706432/").status_code == 400
    assert client.get(f"{LIST}{2**63 - 1}/").status_code == 404


# --- headers, queries, schema ----------------------------------------------------------------------------


@pytest.mark.parametrize("path", [LIST, f"{LIST}{{decision}}/"])
def test_decisions_answer_conditional_gets_and_cross_origin_reads(client, public_data, path):
    path = path.format(decision=public_data["decision"].pk)
    first = client.get(path, headers={"Origin": "https://example.com"})
    assert first.status_code == 200
    assert first["Access-Control-Allow-Origin"] == "*"
    assert first["Last-Modified"] and first["ETag"]
    assert client.get(path, headers={"If-None-Match": first["ETag"]}).status_code == 304
    assert client.get(path, headers={"If-Modified-Since": first["Last-Modified"]}).status_code == 304
    assert client.post(path).status_code == 405


def test_etag_changes_when_a_decision_changes(client, public_data):
    before = client.get(LIST)["ETag"]
    ChallengeDecision.objects.filter(pk=public_data["decision"].pk).update(reasons="Revised reasons.")
    after = client.get(LIST, headers={"If-None-Match": before})
    assert after.status_code == 200 and after["ETag"] != before


def test_decision_list_runs_a_constant_number_of_queries(client, public_data, django_assert_num_queries):
    # Wagtail caches the sites' root paths after the first page URL it builds: warm that cache first.
    _results(client)
    # The decisions with their challenges, their neighbourhoods and their challenges' areas; the public pilots of
    # the evidence; the request's site for the page URLs (no view restriction is read while the site has none).
    with django_assert_num_queries(5):
        assert len(_results(client)) == 1
    for n, title in enumerate(("Shared parking", "Noise sensors", "Bus shelters")):
        _decided(public_data, title, outcome="stop", day=n + 1).dongs.set([public_data["dong"]])
    with django_assert_num_queries(5):
        assert len(_results(client)) == 4
    with django_assert_num_queries(5):
        assert len(_results(client, {"page_size": 2})) == 2


def test_decisions_are_in_the_openapi_schema(client):
    schema = json.loads(client.get("/api/schema/").content)
    assert set(schema["paths"]["/api/v1/decisions/"]) == {"get"}
    assert set(schema["paths"]["/api/v1/decisions/{decision_id}/"]) == {"get"}
    parameters = {p["name"] for p in schema["paths"]["/api/v1/decisions/"]["get"]["parameters"]}
    assert parameters == {
        "cursor",
        "page_size",
        "challenge",
        "outcome",
        "area",
        "decided_after",
        "decided_before",
        "ordering",
    }
    assert "ChallengeDecisionOut" in schema["components"]["schemas"]
