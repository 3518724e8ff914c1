"""The public API: public data only, the site's filters, cursors, conditional GET, CORS, limits and bad input."""

import json
import re

import pytest

from opendata.api import api
from proposals.models import ProposalPhoto
from tests.factories import ProposalFactory

from .conftest import SECRET

pytestmark = pytest.mark.django_db


def _templates() -> list[str]:
    """Every path of the router, from its OpenAPI document (so a new endpoint is walked without editing here)."""
    schema = api.get_openapi_schema(path_prefix="/api/v1")
    for template, operations in schema["paths"].items():
        assert set(operations) == {"get"}, f"{template} must be read-only"
    return list(schema["paths"])


def _fill(template: str, values: dict) -> str:
    if template.startswith("/api/v1/categories/{"):
        values = {**values, "slug": values["category"]}
    return re.sub(r"{(\w+)}", lambda m: str(values[m.group(1)]), template)


def _concrete_paths(data) -> list[str]:
    values = {
        "proposal_id": data["visible"].pk,
        "pilot_id": data["pilot"].pk,
        "challenge_id": data["challenge"].pk,
        "decision_id": data["decision"].pk,
        "session_id": data["session"].pk,
        "slug": data["dong"].slug,
        "category": data["category"].slug,
    }
    return [_fill(template, values) for template in _templates()]


def test_every_endpoint_hides_hidden_withdrawn_and_unpublished_data(client, public_data):
    paths = _concrete_paths(public_data)
    assert len(paths) >= 28
    for path in paths:
        response = client.get(path)
        assert response.status_code == 200, path
        body = response.content.decode()
        assert SECRET not in body, path
        assert "kim-private@example.org" not in body, path
        assert '"email"' not in body, path


@pytest.mark.parametrize(
    "proposal, session",
    [("hidden", "unpublished_session"), ("withdrawn", "draft_session")],
)
def test_every_endpoint_about_one_object_is_404_for_hidden_ones(client, public_data, proposal, session):
    values = {
        "proposal_id": public_data[proposal].pk,
        "pilot_id": public_data["draft"].pk,
        "challenge_id": public_data["draft_challenge"].pk,
        "decision_id": public_data["draft_decision"].pk,
        "session_id": public_data[session].pk,
    }
    templates = [t for t in _templates() if re.search(r"{(proposal|pilot|challenge|decision|session)_id}", t)]
    assert len(templates) >= 11
    for template in templates:
        path = _fill(template, values)
        assert client.get(path).status_code == 404, path


def test_counts_and_facets_leave_out_hidden_data(client, public_data):
    areas = {a["slug"]: a for a in client.get("/api/v1/areas/").json()["results"]}
    assert areas["seongsu-1"]["proposal_count"] == 2
    categories = {c["slug"]: c for c in client.get("/api/v1/categories/").json()["results"]}
    assert categories["safety"]["proposal_count"] == 2
    by_status = {s["status"]: s["proposals"] for s in client.get("/api/v1/stats/proposals-by-status/").json()}
    assert sum(by_status.values()) == 2
    assert "withdrawn" not in by_status
    pilot = client.get(f"/api/v1/pilots/{public_data['pilot'].pk}/").json()
    assert pilot["proposals"] == [public_data["visible"].pk]


@pytest.mark.parametrize("which", ["hidden", "withdrawn"])
def test_hidden_and_withdrawn_proposals_are_404(client, public_data, which):
    pk = public_data[which].pk
    assert client.get(f"/api/v1/proposals/{pk}/").status_code == 404
    assert client.get(f"/api/v1/proposals/{pk}/history/").status_code == 404
    assert client.get("/api/v1/status-changes/", {"proposal": pk}).json()["results"] == []
    assert client.get("/api/v1/assessments/", {"proposal": pk}).json()["results"] == []


def test_draft_pilot_is_404_with_its_metrics_and_series(client, public_data):
    pk = public_data["draft"].pk
    for suffix in ("", "metrics/", "series/"):
        assert client.get(f"/api/v1/pilots/{pk}/{suffix}").status_code == 404


def test_author_is_a_display_name_and_badge_only(client, public_data):
    proposal = client.get(f"/api/v1/proposals/{public_data['visible'].pk}/").json()
    assert proposal["author"] == {"display_name": "Kim Resident", "role": "resident"}
    assert "filed_by" not in proposal and "is_hidden" not in proposal


def test_filters_match_the_site(client, public_data):
    district = public_data["dong"].parent.slug
    ids = lambda **q: [p["id"] for p in client.get("/api/v1/proposals/", q).json()["results"]]  # noqa: E731
    both = sorted([public_data["visible"].pk, public_data["other"].pk])
    assert sorted(ids(area=district)) == both
    assert sorted(ids(category="safety")) == both
    assert ids(status="under_review") == [public_data["visible"].pk]
    assert ids(bbox="127.0,37.5,127.1,37.6") == [public_data["visible"].pk]
    assert ids(bbox="126.0,36.0,126.1,36.1") == []
    assert ids(created_after="2000-01-01", created_before="2999-01-01") != []
    assert ids(created_before="2000-01-01") == []


def test_cursor_pages_are_stable_and_complete(client, public_data):
    extra = ProposalFactory.create_batch(5, area=public_data["dong"], category=public_data["category"])
    expected = {public_data["visible"].pk, public_data["other"].pk, *(p.pk for p in extra)}
    seen, cursor = [], None
    while True:
        query = {"page_size": 2, "ordering": "-vote_count", **({"cursor": cursor} if cursor else {})}
        page = client.get("/api/v1/proposals/", query).json()
        seen += [p["id"] for p in page["results"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
        # A row added while paging never shifts the pages already read.
        ProposalFactory(area=public_data["dong"], category=public_data["category"])
    assert len(seen) == len(set(seen))
    assert expected <= set(seen)


def test_geojson_is_a_feature_collection_of_points(client, public_data):
    response = client.get("/api/v1/proposals/geojson/")
    assert response["Content-Type"] == "application/geo+json"
    body = response.json()
    assert body["type"] == "FeatureCollection"
    assert [f["id"] for f in body["features"]] == [public_data["visible"].pk]
    assert body["features"][0]["geometry"] == {"type": "Point", "coordinates": [127.056, 37.544]}


def test_etag_and_last_modified_answer_304(client, public_data):
    url = f"/api/v1/proposals/{public_data['visible'].pk}/"
    first = client.get(url)
    assert first["ETag"] and first["Last-Modified"]
    assert client.get(url, headers={"If-None-Match": first["ETag"]}).status_code == 304
    assert client.get(url, headers={"If-Modified-Since": first["Last-Modified"]}).status_code == 304
    assert client.get(url, headers={"If-None-Match": '"something-else"'}).status_code == 200


def test_etag_changes_when_the_data_change(client, public_data):
    url = "/api/v1/proposals/"
    before = client.get(url)["ETag"]
    ProposalFactory(area=public_data["dong"], category=public_data["category"], title="A brand new problem here")
    after = client.get(url, headers={"If-None-Match": before})
    assert after.status_code == 200 and after["ETag"] != before


@pytest.mark.parametrize(
    "query, fragment",
    [
        ({"colour": "red"}, "Unknown query parameter"),
        ({"cursor": "not-a-cursor"}, "cursor"),
        ({"page_size": "100000"}, "page_size"),
        ({"page_size": "0"}, "page_size"),
        ({"ordering": "author__email"}, "ordering"),
        ({"ordering": "is_hidden"}, "ordering"),
        ({"bbox": "nan,37,127,38"}, "finite"),
        ({"bbox": "127,37,126,38"}, "bbox"),
        ({"bbox": "1,2,3"}, "bbox"),
        ({"created_after": "2026-05-01", "created_before": "2026-01-01"}, "created_after"),
        ({"created_after": "yesterday"}, "created_after"),
        ({"status": "withdrawn"}, "status"),
        ({"area": "no-such-area"}, "Unknown area"),
    ],
)
def test_bad_input_is_a_400_with_a_message(client, public_data, query, fragment):
    response = client.get("/api/v1/proposals/", query)
    assert response.status_code == 400
    assert fragment in response.json()["detail"]


def test_a_cursor_from_another_ordering_is_refused(client, public_data):
    ProposalFactory.create_batch(3, area=public_data["dong"], category=public_data["category"])
    cursor = client.get("/api/v1/proposals/", {"page_size": 1}).json()["next_cursor"]
    assert cursor
    response = client.get("/api/v1/proposals/", {"page_size": 1, "cursor": cursor, "ordering": "id"})
    assert response.status_code == 400
    assert client.get("/api/v1/proposals/", {"page_size": 1, "cursor": cursor}).status_code == 200


def test_unknown_parameters_on_endpoints_without_filters(client, public_data):
    assert client.get("/api/v1/stats/answers/", {"x": "1"}).status_code == 400


def test_cors_is_open_for_reading_only(client, public_data):
    response = client.get("/api/v1/areas/", headers={"Origin": "https://example.com"})
    assert response["Access-Control-Allow-Origin"] == "*"
    preflight = client.options(
        "/api/v1/areas/", headers={"Origin": "https://example.com", "Access-Control-Request-Method": "GET"}
    )
    assert preflight.status_code == 204
    assert "POST" not in preflight["Access-Control-Allow-Methods"]
    refused = client.options(
        "/api/v1/areas/", headers={"Origin": "https://example.com", "Access-Control-Request-Method": "POST"}
    )
    assert "Access-Control-Allow-Origin" not in refused
    assert client.post("/api/v1/areas/").status_code == 405
    assert "Access-Control-Allow-Origin" not in client.get("/data/")


def test_rate_limit_per_ip_with_retry_after(client, public_data, settings):
    settings.API_RATE_LIMIT = "3/m"
    for _ in range(3):
        assert client.get("/api/v1/areas/").status_code == 200
    refused = client.get("/api/v1/areas/")
    assert refused.status_code == 429
    assert 1 <= int(refused["Retry-After"]) <= 60
    assert "Too many requests" in refused.json()["detail"]
    other_ip = client.get("/api/v1/areas/", REMOTE_ADDR="10.0.0.9")
    assert other_ip.status_code == 200


def test_rate_limit_counts_the_client_the_trusted_proxy_names(client, public_data, settings):
    """Behind the reverse proxy every connection comes from the proxy: counted by REMOTE_ADDR, all API clients
    shared one limit (one busy client shut out the rest), and a spoofed header must not give fresh ones."""
    settings.API_RATE_LIMIT = "2/m"
    settings.TRUSTED_PROXIES = ["172.30.0.0/24"]
    proxy = {"REMOTE_ADDR": "172.30.0.10"}
    for _ in range(2):
        assert client.get("/api/v1/areas/", HTTP_X_FORWARDED_FOR="203.0.113.1", **proxy).status_code == 200
    assert client.get("/api/v1/areas/", HTTP_X_FORWARDED_FOR="203.0.113.1", **proxy).status_code == 429
    assert client.get("/api/v1/areas/", HTTP_X_FORWARDED_FOR="203.0.113.2", **proxy).status_code == 200
    # Not from the proxy: the header is ignored, the connection's address counts.
    direct = {"REMOTE_ADDR": "198.51.100.7"}
    for spoofed in ("10.0.0.1", "10.0.0.2"):
        assert client.get("/api/v1/areas/", HTTP_X_FORWARDED_FOR=spoofed, **direct).status_code == 200
    assert client.get("/api/v1/areas/", HTTP_X_FORWARDED_FOR="10.0.0.3", **direct).status_code == 429


def test_list_endpoints_run_a_constant_number_of_queries(client, public_data, django_assert_num_queries):
    ProposalFactory.create_batch(10, area=public_data["dong"], category=public_data["category"])
    # proposals (with category, area, author) + photos
    with django_assert_num_queries(2):
        client.get("/api/v1/proposals/", {"page_size": 5})
    with django_assert_num_queries(2):
        client.get("/api/v1/proposals/", {"page_size": 12})
    # pilots + partners, phases, metrics, series + the public proposals they answer + Wagtail's site lookup
    # for page URLs (the sites and their root paths)
    with django_assert_num_queries(8):
        client.get("/api/v1/pilots/")
    with django_assert_num_queries(1):
        client.get("/api/v1/assessments/")
    with django_assert_num_queries(1):
        client.get("/api/v1/areas/")


def test_schema_is_valid_openapi_31(client):
    from openapi_spec_validator import validate

    response = client.get("/api/schema/")
    schema = json.loads(response.content)
    assert schema["openapi"].startswith("3.1")
    validate(schema)


def test_docs_page(client):
    assert client.get("/api/docs/").status_code == 302
    response = client.get("/api/v1/docs/")
    assert response.status_code == 200
    assert b"swagger" in response.content.lower()


def test_photos_come_with_absolute_urls(client, public_data):
    visible = public_data["visible"]
    ProposalPhoto.objects.create(
        proposal=visible,
        image="proposals/1/a.jpg",
        thumbnail="proposals/1/a-thumb.jpg",
        alt_text="The dark alley",
        width=640,
        height=480,
    )
    proposal = client.get(f"/api/v1/proposals/{visible.pk}/").json()
    assert proposal["photos"] == [
        {
            "url": "http://testserver/media/proposals/1/a.jpg",
            "thumbnail_url": "http://testserver/media/proposals/1/a-thumb.jpg",
            "alt_text": "The dark alley",
            "width": 640,
            "height": 480,
        }
    ]
    assert proposal["url"] == f"http://testserver/proposals/{visible.pk}/"


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/proposals/953969335465150546706432/",
        "/api/v1/proposals/953969335465150546706432/history/",
        "/api/v1/pilots/953969335465150546706432/",
        "/api/v1/pilots/953969335465150546706432/metrics/",
        "/api/v1/pilots/953969335465150546706432/series/",
    ],
)
def test_an_id_beyond_any_primary_key_is_a_400_not_a_database_error(client, public_data, path):
    # SQLite refuses integers past 2**63 - 1 with an InterfaceError; Schemathesis found the 500.
    response = client.get(path)
    assert response.status_code == 400
    assert client.get(path.replace("953969335465150546706432", str(2**63 - 1))).status_code == 404
