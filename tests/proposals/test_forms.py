"""The forms on their own: field limits, the map point, photo count, filters that drop unknown values."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import QueryDict
from django.utils import translation

from proposals.forms import CommentForm, ProposalFilterForm, ProposalSubmitForm, StatusChangeForm
from proposals.models import Proposal, ProposalStatus
from tests.factories import AreaFactory, CategoryFactory, CommentFactory, DongFactory, ProposalFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def data(db):
    return {
        "title": "Broken street light on Wangsimni-ro",
        "description": "The light at the corner of the market has been out for two weeks.",
        "category": CategoryFactory().pk,
        "area": DongFactory().pk,
    }


def test_valid_submission_without_a_point(data):
    form = ProposalSubmitForm(data)
    assert form.is_valid(), form.errors
    assert form.cleaned_data["latitude"] is None and form.cleaned_data["photos"] == []


def test_point_is_rounded_to_six_places(data):
    form = ProposalSubmitForm({**data, "latitude": "37.54461234", "longitude": "127.0557"})
    assert form.is_valid(), form.errors
    assert str(form.cleaned_data["latitude"]) == "37.544612"
    assert str(form.cleaned_data["longitude"]) == "127.055700"


def test_point_bounds_come_from_settings(data, settings):
    settings.PROPOSAL_MAP_BOUNDS = {"south": 35.0, "north": 35.3, "west": 128.9, "east": 129.3}
    assert not ProposalSubmitForm({**data, "latitude": "37.55", "longitude": "127.03"}).is_valid()
    assert ProposalSubmitForm({**data, "latitude": "35.1", "longitude": "129.0"}).is_valid()


def test_area_choices_are_neighbourhoods_labelled_with_their_district_in_the_readers_language(data):
    district = AreaFactory(slug="guro-gu", name="구로구", name_en="Guro-gu")
    AreaFactory(slug="gocheok", name="고척1동", name_en="Gocheok 1-dong", parent=district)
    labels = [label for _value, label in ProposalSubmitForm().fields["area"].choices]
    assert "Guro-gu Gocheok 1-dong" in labels
    assert "Guro-gu" not in labels
    with translation.override("ko"):
        labels = [label for _value, label in ProposalSubmitForm().fields["area"].choices]
    assert "구로구 고척1동" in labels


def test_at_most_three_photos_before_any_is_opened(data):
    files = [SimpleUploadedFile(f"{n}.jpg", b"not even read", "image/jpeg") for n in range(4)]
    form = ProposalSubmitForm(data, {"photos": files})
    assert not form.is_valid()
    assert form.errors["photos"] == ["Attach at most 3 photos."]


def test_photo_types_other_than_jpeg_png_webp_are_refused_early(data):
    files = {"photos": [SimpleUploadedFile("x.heic", b"....", "image/heic")]}
    form = ProposalSubmitForm(data, files)
    assert not form.is_valid()
    assert "is not a JPEG, PNG or WebP photo" in form.errors["photos"][0]


def test_comment_parent_must_be_a_top_level_comment_of_the_same_proposal():
    proposal = ProposalFactory()
    top = CommentFactory(proposal=proposal)
    reply = CommentFactory(proposal=proposal, parent=top)
    elsewhere = CommentFactory()
    assert CommentForm({"body": "Agreed", "parent": top.pk}, proposal=proposal).is_valid()
    for parent in (reply.pk, elsewhere.pk, 0, "x"):
        assert not CommentForm({"body": "Agreed", "parent": parent}, proposal=proposal).is_valid()


@pytest.mark.parametrize(
    "status,choices",
    [
        (ProposalStatus.PUBLISHED, ["under_review"]),
        (ProposalStatus.UNDER_REVIEW, ["accepted", "rejected"]),
        (ProposalStatus.ACCEPTED, ["piloting"]),
        (ProposalStatus.PILOTING, ["completed"]),
        (ProposalStatus.COMPLETED, []),
    ],
)
def test_status_form_offers_only_the_next_states_and_never_withdrawn(status, choices):
    form = StatusChangeForm(proposal=Proposal(status=status))
    assert [value for value, _label in form.fields["to_status"].choices] == choices


def _filters(query: str):
    categories = [CategoryFactory(slug="safety")]
    areas = [DongFactory(slug="seongsu")]
    return ProposalFilterForm(QueryDict(query), categories=categories, areas=areas)


def test_filter_form_keeps_known_values_and_drops_unknown_ones():
    form = _filters("category=safety&area=nowhere&status=accepted&sort=author__password")
    assert form.value("category") == "safety"
    assert form.value("area") == ""
    assert form.value("status") == "accepted"
    assert form.value("sort") == ""


def test_filter_form_orders_only_by_whitelisted_fields():
    assert _filters("sort=votes").apply(Proposal.objects.all()).query.order_by == ("-vote_count", "-created_at", "-id")
    assert _filters("sort=discussed").apply(Proposal.objects.all()).query.order_by[0] == "-comment_count"
    assert _filters("sort=title").apply(Proposal.objects.all()).query.order_by == ("-created_at", "-id")


@pytest.mark.parametrize(
    "value,expected", [("10", 10), ("50", 50), ("35", 35), ("9", 20), ("51", 20), ("", 20), ("1e2", 20)]
)
def test_per_page_is_clamped_to_its_range(value, expected):
    assert _filters(f"per_page={value}").per_page() == expected
