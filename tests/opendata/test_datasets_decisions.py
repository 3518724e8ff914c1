"""The challenge decisions dataset: decisions of public challenges only, dictionary, BOM, formulas, refresh."""

import csv
import io
import json

import pytest
from wagtail.models import PageViewRestriction

from challenges.models import ChallengeDecision
from opendata.build import refresh
from opendata.datasets import DATASETS
from opendata.models import DatasetFile
from opendata.tasks import refresh_datasets

from .conftest import SECRET

pytestmark = pytest.mark.django_db


@pytest.fixture
def built(public_data, settings, tmp_path):
    settings.OPENDATA_ROOT = str(tmp_path / "opendata")
    refresh_datasets.enqueue()  # the immediate backend runs it here
    return public_data


def _body(client, url) -> bytes:
    response = client.get(url)
    assert response.status_code == 200, url
    return b"".join(response.streaming_content) if response.streaming else response.content


def _csv(client) -> list[dict]:
    body = _body(client, "/data/decisions.csv")
    assert body.startswith(b"\xef\xbb\xbf")
    text = body.decode("utf-8-sig")
    assert SECRET not in text
    return list(csv.DictReader(io.StringIO(text)))


def test_decisions_csv_has_the_public_challenges_decision_only(client, built):
    [row] = _csv(client)
    assert row["id"] == str(built["decision"].pk)
    assert row["challenge_id"] == str(built["challenge"].pk)
    assert (row["challenge"], row["outcome"]) == ("Dark alleys", "adapt")
    # The evidence also named a draft pilot: only the public one is written.
    assert row["evidence_pilot_ids"] == str(built["pilot"].pk)
    assert row["dongs"] == "" and row["budget_amount"] == ""


def test_decisions_json_has_the_licence_and_the_same_rows(client, built):
    data = json.loads(_body(client, "/data/decisions.json"))
    assert data["licence"]["code"] == "kogl-1"
    assert [r["id"] for r in data["rows"]] == [built["decision"].pk]
    assert SECRET not in json.dumps(data)
    assert client.get("/data/decisions.geojson").status_code == 404


def test_decisions_dataset_has_a_data_dictionary_and_is_listed(client, built):
    dataset = DATASETS["decisions"]
    assert dataset.formats == ("csv", "json")
    assert all(column.description for column in dataset.columns)
    assert DatasetFile.objects.filter(dataset="decisions").count() == 2
    page = client.get("/data/").content.decode()
    assert "/data/decisions.csv" in page and "Challenge decisions" in page


def test_decision_texts_that_look_like_formulas_are_neutralised(client, built):
    decision = built["decision"]
    ChallengeDecision.objects.filter(pk=decision.pk).update(reasons="=cmd|' /C calc'!A0", budget_amount=5000000)
    decision.dongs.set([built["dong"]])
    assert refresh() == ["decisions"]
    [row] = _csv(client)
    assert row["reasons"] == "'=cmd|' /C calc'!A0"
    assert (row["dongs"], row["budget_amount"]) == ("seongsu-1", "5000000")


def test_a_decision_edited_in_place_is_rebuilt(client, built):
    ChallengeDecision.objects.filter(pk=built["decision"].pk).update(outcome="stop")
    assert refresh() == ["decisions"]
    assert [r["outcome"] for r in _csv(client)] == ["stop"]


@pytest.mark.parametrize("how", ["unpublish", "restrict"])
def test_a_challenge_that_is_no_longer_public_takes_its_decision_out(client, built, how):
    challenge = built["challenge"]
    if how == "unpublish":
        challenge.unpublish()
    else:
        PageViewRestriction.objects.create(page=challenge, restriction_type=PageViewRestriction.PASSWORD, password="x")
    assert "decisions" in refresh()
    assert _csv(client) == []
