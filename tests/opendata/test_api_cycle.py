"""The API's challenges, co-design sessions and sensor rollups: public rows only, their filters, and refusals."""

from datetime import timedelta
from email.utils import parsedate_to_datetime

import pytest
from django.utils import timezone

from codesign.models import Session

pytestmark = pytest.mark.django_db


def _results(client, path, query=None):
    response = client.get(path, query or {})
    assert response.status_code == 200, response.content
    return response.json()["results"]


# --- challenges ------------------------------------------------------------------------------------------


def test_challenge_has_stages_partners_pilots_proposals_and_decision(client, public_data):
    challenge = client.get(f"/api/v1/challenges/{public_data['challenge'].pk}/").json()
    assert challenge["current_stage"] == "codesign"
    assert [s["stage"] for s in challenge["stages"]] == ["discovery", "codesign"]
    assert challenge["stage_changes"][0]["to_stage"] == "codesign"
    assert challenge["partners"][0]["kind"] == "university"
    assert challenge["pilots"] == [public_data["pilot"].pk]
    # The hidden proposal submitted into it is neither listed nor counted.
    assert challenge["proposals"] == [public_data["visible"].pk]
    assert challenge["proposal_count"] == 1
    assert challenge["shortlisted"] == [public_data["visible"].pk]
    assert challenge["areas"] == ["seongsu-1"]
    decision = challenge["decision"]
    assert decision["outcome"] == "adapt"
    # The snapshot named a pilot that is a draft now: only the public one is served.
    assert decision["evidence"] == {
        "pilots": [{"id": public_data["pilot"].pk, "title": "Shelter pilot", "metrics": []}]
    }


def test_draft_challenge_is_neither_listed_nor_served(client, public_data):
    ids = [c["id"] for c in _results(client, "/api/v1/challenges/")]
    assert ids == [public_data["challenge"].pk]
    assert client.get(f"/api/v1/challenges/{public_data['draft_challenge'].pk}/").status_code == 404


@pytest.mark.parametrize(
    "query, found",
    [
        ({"stage": "codesign"}, True),
        ({"stage": "discovery"}, False),
        ({"area": "seongsu-1"}, True),
        ({"category": "safety"}, True),
        ({"ordering": "id"}, True),
    ],
)
def test_challenge_filters(client, public_data, query, found):
    ids = [c["id"] for c in _results(client, "/api/v1/challenges/", query)]
    assert ids == ([public_data["challenge"].pk] if found else [])


def test_challenge_area_filter_finds_a_district_challenge_from_its_dong(client, public_data):
    district = public_data["dong"].parent
    challenge = public_data["challenge"]
    challenge.areas.set([district])
    ids = [c["id"] for c in _results(client, "/api/v1/challenges/", {"area": public_data["dong"].slug})]
    assert ids == [challenge.pk]


@pytest.mark.parametrize(
    "query, fragment",
    [
        ({"stage": "finished"}, "stage"),
        ({"area": "nowhere"}, "Unknown area"),
        ({"category": "nothing"}, "Unknown category"),
        ({"ordering": "closed_at"}, "ordering"),
        ({"page_size": "101"}, "page_size"),
        ({"cursor": "forged"}, "cursor"),
        ({"theme": "x"}, "Unknown query parameter"),
    ],
)
def test_challenge_list_refuses_bad_input(client, public_data, query, fragment):
    response = client.get("/api/v1/challenges/", query)
    assert response.status_code == 400
    assert fragment in response.json()["detail"]


# --- proposals by challenge ------------------------------------------------------------------------------


def test_proposals_filter_by_challenge_and_stage(client, public_data):
    visible = public_data["visible"].pk
    challenge = public_data["challenge"].pk
    assert [p["id"] for p in _results(client, "/api/v1/proposals/", {"challenge": challenge})] == [visible]
    assert [p["id"] for p in _results(client, "/api/v1/proposals/", {"challenge_stage": "codesign"})] == [visible]
    # ``other`` is in the draft challenge, which is in discovery: it counts for no stage.
    assert _results(client, "/api/v1/proposals/", {"challenge_stage": "discovery"}) == []


@pytest.mark.parametrize("query", [{"challenge": "draft"}, {"challenge": "999999"}])
def test_proposals_refuse_a_draft_or_unknown_challenge_alike(client, public_data, query):
    if query["challenge"] == "draft":
        query = {"challenge": public_data["draft_challenge"].pk}
    response = client.get("/api/v1/proposals/", query)
    assert response.status_code == 400
    assert "Unknown challenge" in response.json()["detail"]


@pytest.mark.parametrize("query", [{"challenge": "0"}, {"challenge": "x"}, {"challenge_stage": "closed"}])
def test_proposals_refuse_malformed_challenge_filters(client, public_data, query):
    assert client.get("/api/v1/proposals/", query).status_code == 400


# --- sessions --------------------------------------------------------------------------------------------


def test_sessions_list_only_published_sessions_of_public_pages(client, public_data):
    titles = {s["title"] for s in _results(client, "/api/v1/sessions/")}
    assert titles == {"Shelter workshop", "Online night walk", "Minutes to come"}


def test_past_session_has_attendance_and_minutes_with_public_proposals_only(client, public_data):
    session = client.get(f"/api/v1/sessions/{public_data['session'].pk}/").json()
    assert session["attendance"] == {"checked_in": 1, "walk_ins": 3, "total": 4}
    assert session["seats_left"] == 8
    assert session["pilot"] == public_data["pilot"].pk and session["challenge"] is None
    assert session["location"] == {"latitude": 37.544, "longitude": 127.056}
    assert session["minutes"]["proposals"] == [public_data["visible"].pk]
    assert "two shelters" in session["minutes"]["minutes"]


def test_online_session_never_shows_its_link_and_has_no_attendance_before_it_happens(client, public_data):
    response = client.get(f"/api/v1/sessions/{public_data['online_session'].pk}/")
    body = response.json()
    assert "meet.example" not in response.content.decode()
    assert "online_url" not in body
    assert body["format"] == "online" and body["challenge"] == public_data["challenge"].pk
    assert body["attendance"] is None and body["minutes"] is None and body["location"] is None


def test_minutes_published_in_the_future_stay_out(client, public_data):
    rows = {s["title"]: s for s in _results(client, "/api/v1/sessions/")}
    assert rows["Minutes to come"]["minutes"] is None


@pytest.mark.parametrize(
    "query, titles",
    [
        ({"format": "online"}, {"Online night walk"}),
        ({"format": "offline"}, {"Shelter workshop", "Minutes to come"}),
        ({"challenge": "CHALLENGE"}, {"Online night walk"}),
        ({"pilot": "PILOT"}, {"Shelter workshop", "Minutes to come"}),
        ({"bbox": "127.0,37.5,127.1,37.6"}, {"Shelter workshop"}),
        ({"bbox": "126.0,36.0,126.1,36.1"}, set()),
        ({"starts_after": "TODAY"}, {"Online night walk"}),
        ({"starts_before": "TODAY"}, {"Shelter workshop", "Minutes to come"}),
    ],
)
def test_session_filters(client, public_data, query, titles):
    replace = {
        "CHALLENGE": public_data["challenge"].pk,
        "PILOT": public_data["pilot"].pk,
        "TODAY": timezone.now().date().isoformat(),
    }
    query = {key: replace.get(value, value) for key, value in query.items()}
    assert {s["title"] for s in _results(client, "/api/v1/sessions/", query)} == titles


def test_sessions_page_with_a_stable_cursor(client, public_data):
    first = client.get("/api/v1/sessions/", {"page_size": 2, "ordering": "-starts_at"}).json()
    assert len(first["results"]) == 2 and first["next_cursor"]
    rest = client.get(
        "/api/v1/sessions/", {"page_size": 2, "ordering": "-starts_at", "cursor": first["next_cursor"]}
    ).json()
    ids = [s["id"] for s in first["results"] + rest["results"]]
    assert len(ids) == len(set(ids)) == 3
    assert rest["next_cursor"] is None


def test_sessions_geojson_has_located_sessions_only(client, public_data):
    response = client.get("/api/v1/sessions/geojson/")
    assert response["Content-Type"] == "application/geo+json"
    collection = response.json()
    assert collection["type"] == "FeatureCollection"
    assert [f["id"] for f in collection["features"]] == [public_data["session"].pk]
    assert collection["features"][0]["geometry"] == {"type": "Point", "coordinates": [127.056, 37.544]}
    assert "location" not in collection["features"][0]["properties"]


@pytest.mark.parametrize(
    "query, fragment",
    [
        ({"starts_after": "2026-05-01", "starts_before": "2026-01-01"}, "starts_after"),
        ({"starts_after": "1700000000"}, "YYYY-MM-DD"),
        ({"bbox": "nan,37,127,38"}, "finite"),
        ({"bbox": "127,37,126,38"}, "bbox"),
        ({"format": "hybrid"}, "format"),
        ({"challenge": "DRAFT"}, "Unknown challenge"),
        ({"pilot": "DRAFT_PILOT"}, "Unknown pilot"),
        ({"pilot": "99999999"}, "Unknown pilot"),
        ({"ordering": "online_url"}, "ordering"),
        ({"page_size": "1000"}, "page_size"),
        ({"cursor": "bad"}, "cursor"),
        ({"online_url": "x"}, "Unknown query parameter"),
    ],
)
def test_session_list_refuses_bad_input(client, public_data, query, fragment):
    replace = {"DRAFT": public_data["draft_challenge"].pk, "DRAFT_PILOT": public_data["draft"].pk}
    query = {key: replace.get(value, value) for key, value in query.items()}
    for path in ("/api/v1/sessions/", "/api/v1/sessions/geojson/"):
        response = client.get(path, query)
        assert response.status_code == 400, path
        assert fragment in response.json()["detail"]


def test_session_counts_follow_the_data_and_change_the_etag(client, public_data):
    path = f"/api/v1/sessions/{public_data['session'].pk}/"
    first = client.get(path)
    public_data["session"].walk_ins.create(count=2, channel="phone")
    second = client.get(path, headers={"If-None-Match": first["ETag"]})
    assert second.status_code == 200
    assert second.json()["attendance"]["walk_ins"] == 5
    assert client.get(path, headers={"If-None-Match": second["ETag"]}).status_code == 304
    assert second["Last-Modified"]


def test_unpublishing_a_session_removes_it(client, public_data):
    Session.objects.filter(pk=public_data["session"].pk).update(is_published=False)
    assert client.get(f"/api/v1/sessions/{public_data['session'].pk}/").status_code == 404


# --- sensors ---------------------------------------------------------------------------------------------


def test_sensor_sites_of_a_pilot_and_their_geojson(client, public_data):
    pilot = public_data["pilot"].pk
    sites = client.get(f"/api/v1/pilots/{pilot}/sensor-sites/").json()
    assert [(s["code"], s["role"], s["properties"]) for s in sites] == [
        ("seongsu-pm-01-c", "control", ["pm25"]),
        ("seongsu-pm-01", "pilot", ["pm25"]),
    ]
    response = client.get(f"/api/v1/pilots/{pilot}/sensor-sites/geojson/")
    assert response["Content-Type"] == "application/geo+json"
    feature = response.json()["features"][1]
    assert feature["id"] == "seongsu-pm-01" and feature["geometry"]["coordinates"] == [127.05, 37.54]


def test_daily_rollups_are_seoul_days(client, public_data):
    rows = _results(client, f"/api/v1/pilots/{public_data['pilot'].pk}/sensors/daily/", {"role": "pilot"})
    assert [r["day"] for r in rows] == ["2026-03-01", "2026-03-02", "2026-03-03"]
    assert rows[0]["mean"] == 21.0 and rows[0]["unit"] == "µg/m³" and rows[0]["site"] == "seongsu-pm-01"


@pytest.mark.parametrize(
    "query, count",
    [
        ({}, 6),
        ({"site": "seongsu-pm-01"}, 3),
        ({"role": "control"}, 3),
        ({"property": "pm25"}, 6),
        ({"property": "noise"}, 0),
        ({"day_after": "2026-03-02"}, 4),
        ({"day_before": "2026-03-01"}, 2),
        ({"day_after": "2026-03-02", "day_before": "2026-03-02"}, 2),
        ({"ordering": "-start", "page_size": "100"}, 6),
    ],
)
def test_daily_rollup_filters(client, public_data, query, count):
    assert len(_results(client, f"/api/v1/pilots/{public_data['pilot'].pk}/sensors/daily/", query)) == count


def test_daily_rollups_page_through_without_gaps(client, public_data):
    path = f"/api/v1/pilots/{public_data['pilot'].pk}/sensors/daily/"
    seen, cursor = [], None
    while True:
        body = client.get(path, {"page_size": 4, **({"cursor": cursor} if cursor else {})}).json()
        seen += [r["id"] for r in body["results"]]
        cursor = body["next_cursor"]
        if not cursor:
            break
    assert len(seen) == len(set(seen)) == 6


@pytest.mark.parametrize(
    "query, fragment",
    [
        ({"site": "secret-pm-01"}, "Unknown sensor site"),
        ({"site": "no-such-site"}, "Unknown sensor site"),
        ({"day_after": "2026-03-03", "day_before": "2026-03-01"}, "day_after"),
        ({"day_after": "March"}, "YYYY-MM-DD"),
        ({"property": "radiation"}, "property"),
        ({"role": "both"}, "role"),
        ({"ordering": "value"}, "ordering"),
        ({"page_size": "5000"}, "page_size"),
        ({"cursor": "x"}, "cursor"),
        ({"stream": "1"}, "Unknown query parameter"),
    ],
)
def test_daily_rollups_refuse_bad_input(client, public_data, query, fragment):
    response = client.get(f"/api/v1/pilots/{public_data['pilot'].pk}/sensors/daily/", query)
    assert response.status_code == 400
    assert fragment in response.json()["detail"]


def test_sensor_endpoints_of_a_draft_pilot_are_404(client, public_data):
    pilot = public_data["draft"].pk
    for path in ("sensor-sites/", "sensor-sites/geojson/", "sensors/daily/"):
        assert client.get(f"/api/v1/pilots/{pilot}/{path}").status_code == 404, path


def test_sensor_sites_refuse_unknown_parameters(client, public_data):
    assert client.get(f"/api/v1/pilots/{public_data['pilot'].pk}/sensor-sites/", {"x": "1"}).status_code == 400


# --- statistics and query counts -------------------------------------------------------------------------


def test_proposals_per_challenge_stage_count_public_data_only(client, public_data):
    rows = {r["stage"]: r for r in client.get("/api/v1/stats/proposals-by-challenge-stage/").json()}
    assert list(rows) == ["discovery", "codesign", "pilot", "evaluation", "decision"]
    assert rows["codesign"] == {"stage": "codesign", "label": "Co-design", "challenges": 1, "proposals": 1}
    assert rows["discovery"]["challenges"] == 0 and rows["discovery"]["proposals"] == 0


def test_stats_page_shows_the_stage_table(client, public_data):
    page = client.get("/stats/").content.decode()
    assert "Proposals per challenge stage" in page
    assert "by-stage-data" in page
    assert "Challenge stage" in page


def test_new_lists_run_a_constant_number_of_queries(client, public_data, django_assert_num_queries):
    # ``public()`` reads no view restriction while the site has none (one cached fact, livinglab.view_restrictions);
    # the challenges and their eight prefetches, the proposals, the public pilots of the decisions' evidence and
    # the site lookup.
    with django_assert_num_queries(13):
        client.get("/api/v1/challenges/")
    # The sessions with their counts; which pages are challenges, which pilots; the proposals the sessions
    # produced, public ones (no view restriction is read for the sessions', challenges' and pilots' pages).
    for size in (1, 3):
        with django_assert_num_queries(5):
            client.get("/api/v1/sessions/", {"page_size": size})
    # The pilot, the rollups and the latest reading (the pilots' view restrictions are a cached fact).
    for size in (2, 6):
        with django_assert_num_queries(3):
            client.get(f"/api/v1/pilots/{public_data['pilot'].pk}/sensors/daily/", {"page_size": size})


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/challenges/",
        "/api/v1/challenges/{challenge}/",
        "/api/v1/sessions/",
        "/api/v1/sessions/geojson/",
        "/api/v1/pilots/{pilot}/sensors/daily/",
        "/api/v1/pilots/{pilot}/sensor-sites/",
    ],
)
def test_new_endpoints_answer_conditional_gets_and_cross_origin_reads(client, public_data, path):
    path = path.format(challenge=public_data["challenge"].pk, pilot=public_data["pilot"].pk)
    first = client.get(path, headers={"Origin": "https://example.com"})
    assert first.status_code == 200
    assert first["Access-Control-Allow-Origin"] == "*"
    assert first["Last-Modified"] and first["ETag"]
    assert client.get(path, headers={"If-None-Match": first["ETag"]}).status_code == 304
    assert client.post(path).status_code == 405


def test_session_last_modified_moves_with_its_counts(client, public_data):
    session = public_data["session"]
    long_ago = timezone.now() - timedelta(days=20)
    Session.objects.filter(pk=session.pk).update(created_at=long_ago)
    session.walk_ins.update(recorded_at=long_ago)
    session.registrations.update(created_at=long_ago, checked_in_at=long_ago)
    path = f"/api/v1/sessions/{session.pk}/"
    before = client.get(path)
    # Minutes published a day ago are the latest change.
    assert parsedate_to_datetime(before["Last-Modified"]) <= timezone.now() - timedelta(hours=23)
    assert client.get(path, headers={"If-Modified-Since": before["Last-Modified"]}).status_code == 304
    session.walk_ins.create(count=1, channel="in_person")
    after = client.get(path, headers={"If-Modified-Since": before["Last-Modified"]})
    assert after.status_code == 200
    assert parsedate_to_datetime(after["Last-Modified"]) > parsedate_to_datetime(before["Last-Modified"])
