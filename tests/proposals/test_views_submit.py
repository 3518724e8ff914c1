"""Reporting a problem, editing it within the window and withdrawing it."""

import io
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from proposals.models import Proposal, ProposalPhoto, ProposalStatus, StatusChange
from tests.factories import CategoryFactory, DongFactory, ProposalFactory, ResidentFactory, VoteFactory

pytestmark = pytest.mark.django_db

CREATE = reverse("proposals:create")


def jpeg(name="lamp.jpg", size=(64, 48), exif_gps=False) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    image = Image.new("RGB", size, (30, 60, 90))
    kwargs = {}
    if exif_gps:
        exif = Image.Exif()
        exif[0x8825] = {1: "N", 2: (37.0, 33.0, 0.0)}  # GPSInfo
        kwargs["exif"] = exif
    image.save(buffer, format="JPEG", **kwargs)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


@pytest.fixture
def choices(db):
    return {"category": CategoryFactory(), "area": DongFactory()}


def form_data(choices, **overrides):
    data = {
        "title": "Broken street light on Wangsimni-ro",
        "description": "The light at the corner of the market has been out for two weeks.",
        "category": choices["category"].pk,
        "area": choices["area"].pk,
        "latitude": "",
        "longitude": "",
    }
    data.update(overrides)
    return data


def test_form_has_the_similar_problems_search_and_photo_input(client, resident, choices):
    client.force_login(resident)
    html = client.get(CREATE).content.decode()
    assert 'hx-get="/search/similar/"' in html
    assert 'hx-trigger="keyup changed delay:400ms"' in html
    assert 'hx-target="#similar-proposals"' in html
    assert 'hx-include="[name=description],[name=latitude],[name=longitude]"' in html
    assert '<div id="similar-proposals" aria-live="polite"></div>' in html
    assert 'type="file"' in html and 'accept="image/jpeg,image/png,image/webp"' in html and "multiple" in html
    assert 'enctype="multipart/form-data"' in html


def test_resident_submits_a_proposal_with_a_point_and_photos(client, resident, choices):
    client.force_login(resident)
    data = form_data(choices, latitude="37.5446", longitude="127.0557")
    data["photos"] = [jpeg("one.jpg", exif_gps=True), jpeg("two.jpg")]
    response = client.post(CREATE, data)
    proposal = Proposal.objects.get()
    assert response.status_code == 302 and response.url == proposal.get_absolute_url()
    assert proposal.author == resident and proposal.status == ProposalStatus.PUBLISHED
    assert str(proposal.latitude) == "37.544600" and str(proposal.longitude) == "127.055700"
    photos = list(ProposalPhoto.objects.filter(proposal=proposal))
    assert len(photos) == 2
    with photos[0].image.open() as stored, Image.open(stored) as image:
        assert not image.getexif().get(0x8825)
    page = client.get(response.url).content.decode()
    assert "Your proposal is published." in page and photos[0].thumbnail.url in page


def test_the_residents_photo_description_is_stored_and_shown_and_the_title_stands_in_without_one(
    client, resident, choices
):
    client.force_login(resident)
    data = form_data(choices)
    data["photos"] = [jpeg("one.jpg")]
    data["photo_alt_text"] = "Broken street light at the alley entrance"
    client.post(CREATE, data)
    described = ProposalPhoto.objects.get()
    assert described.alt_text == "Broken street light at the alley entrance"
    page = client.get(described.proposal.get_absolute_url()).content.decode()
    assert 'alt="Broken street light at the alley entrance (photo 1 of 1' in page

    data = form_data(choices)
    data["photos"] = [jpeg("two.jpg")]
    client.post(CREATE, data)
    default = ProposalPhoto.objects.exclude(pk=described.pk).get()
    assert default.alt_text and default.proposal.title in default.alt_text

    data = form_data(choices)
    data["photos"] = [jpeg("three.jpg")]
    data["photo_alt_text"] = "<img src=x onerror=alert(1)>"
    response = client.post(CREATE, data)
    assert response.status_code == 400 and ProposalPhoto.objects.count() == 2


def test_point_is_optional(client, resident, choices):
    client.force_login(resident)
    assert client.post(CREATE, form_data(choices)).status_code == 302
    proposal = Proposal.objects.get()
    assert proposal.latitude is None and proposal.longitude is None


def test_anonymous_visitor_is_sent_to_log_in(client, choices):
    response = client.get(CREATE)
    assert response.status_code == 302 and response.url.startswith(reverse("account_login"))
    response = client.post(CREATE, form_data(choices))
    assert response.status_code == 302
    assert not Proposal.objects.exists()


def test_unverified_email_gets_a_403_that_says_to_verify(client, choices):
    unverified = ResidentFactory(verified=False)
    client.force_login(unverified)
    response = client.get(CREATE)
    assert response.status_code == 403
    assert "Please verify your e-mail address" in response.content.decode()
    assert reverse("account_email") in response.content.decode()
    assert client.post(CREATE, form_data(choices)).status_code == 403
    assert not Proposal.objects.exists()


def test_rate_limit_answers_429_with_a_clear_message(
    client, resident, choices, settings, django_capture_on_commit_callbacks
):
    settings.PROPOSAL_RATE_LIMIT = "1/h"
    client.force_login(resident)
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(CREATE, form_data(choices)).status_code == 302
    response = client.post(CREATE, form_data(choices, title="A second proposal too soon"))
    assert response.status_code == 429
    assert "Please wait a while" in response.content.decode()
    assert Proposal.objects.count() == 1


@pytest.fixture
def decoded(monkeypatch):
    """The names of the photos Pillow was asked to decode."""
    from proposals import photos

    names, original = [], photos.process_photo

    def spy(upload):
        names.append(upload.name)
        return original(upload)

    monkeypatch.setattr(photos, "process_photo", spy)
    return names


def test_over_the_limit_no_photo_is_decoded(client, resident, choices, settings, decoded):
    """The limit is taken before any image work: someone over it costs no decoding (issue 15 point 2)."""
    settings.PROPOSAL_RATE_LIMIT = "1/h"
    client.force_login(resident)
    assert client.post(CREATE, form_data(choices, photos=[jpeg("first.jpg")])).status_code == 302
    response = client.post(CREATE, form_data(choices, title="Another light", photos=[jpeg("second.jpg")]))
    assert response.status_code == 429
    assert decoded == ["first.jpg"]


def test_a_submission_refused_for_its_photo_gives_its_slot_back(client, resident, choices, settings, decoded):
    settings.PROPOSAL_RATE_LIMIT = "1/h"
    client.force_login(resident)
    not_a_photo = SimpleUploadedFile("notes.jpg", b"just some notes, not a picture\n" * 20, content_type="image/jpeg")
    response = client.post(CREATE, form_data(choices, photos=[not_a_photo]))
    assert response.status_code == 400
    assert client.post(CREATE, form_data(choices, photos=[jpeg("good.jpg")])).status_code == 302
    assert decoded == ["notes.jpg", "good.jpg"]


def test_more_than_three_photos_are_refused(client, resident, choices):
    client.force_login(resident)
    data = form_data(choices)
    data["photos"] = [jpeg(f"{n}.jpg") for n in range(4)]
    response = client.post(CREATE, data)
    assert response.status_code == 400
    assert "at most 3 photos" in response.content.decode()
    assert not Proposal.objects.exists() and not ProposalPhoto.objects.exists()


def test_author_edits_within_the_window(client, choices):
    proposal = ProposalFactory(**choices)
    client.force_login(proposal.author)
    url = reverse("proposals:edit", args=[proposal.pk])
    page = client.get(url)
    assert page.status_code == 200 and proposal.title in page.content.decode()
    assert 'id="similar-proposals"' not in page.content.decode()
    response = client.post(url, form_data(choices, title="Broken street light, now two of them"))
    assert response.status_code == 302
    proposal.refresh_from_db()
    assert proposal.title == "Broken street light, now two of them"


def test_edit_is_refused_after_a_vote_after_30_minutes_and_to_others(client, resident, choices):
    voted = ProposalFactory(**choices, vote_count=1)
    VoteFactory(proposal=voted)
    old = ProposalFactory(**choices, created_at=timezone.now() - timedelta(minutes=31))
    for proposal in (voted, old):
        client.force_login(proposal.author)
        url = reverse("proposals:edit", args=[proposal.pk])
        assert client.get(url).status_code == 403
        assert client.post(url, form_data(choices, title="Changed too late")).status_code == 403
    fresh = ProposalFactory(**choices)
    client.force_login(resident)
    assert (
        client.post(reverse("proposals:edit", args=[fresh.pk]), form_data(choices, title="Not mine")).status_code == 403
    )
    assert not Proposal.objects.filter(title__in=["Changed too late", "Not mine"]).exists()


def test_edit_validates_like_submission(client, choices):
    proposal = ProposalFactory(**choices)
    client.force_login(proposal.author)
    response = client.post(reverse("proposals:edit", args=[proposal.pk]), form_data(choices, title="abc"))
    assert response.status_code == 400
    proposal.refresh_from_db()
    assert proposal.title != "abc"


def test_author_withdraws_with_a_reason(client):
    proposal = ProposalFactory(status=ProposalStatus.UNDER_REVIEW)
    client.force_login(proposal.author)
    url = reverse("proposals:withdraw", args=[proposal.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"reason": "The district fixed it already."})
    assert response.status_code == 302
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.WITHDRAWN
    assert StatusChange.objects.filter(proposal=proposal, to_status="withdrawn").exists()
    assert proposal not in Proposal.objects.public()


@pytest.mark.parametrize("status", [ProposalStatus.ACCEPTED, ProposalStatus.REJECTED, ProposalStatus.WITHDRAWN])
def test_withdraw_is_refused_once_decided(client, status):
    proposal = ProposalFactory(status=status)
    client.force_login(proposal.author)
    assert client.post(reverse("proposals:withdraw", args=[proposal.pk])).status_code == 403
    proposal.refresh_from_db()
    assert proposal.status == status


def test_others_cannot_withdraw(client, resident, administrator):
    proposal = ProposalFactory()
    for user in (resident, administrator):
        client.force_login(user)
        assert client.post(reverse("proposals:withdraw", args=[proposal.pk])).status_code == 403
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.PUBLISHED


def test_hidden_proposal_cannot_be_edited_by_its_author(client):
    proposal = ProposalFactory(is_hidden=True, hidden_reason="Spam")
    client.force_login(proposal.author)
    assert client.get(reverse("proposals:edit", args=[proposal.pk])).status_code == 403
