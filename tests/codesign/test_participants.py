"""Lab participants: volunteering with a versioned consent, withdrawing, and the audited CSV export."""

import pytest
from django.urls import reverse
from wagtail.models import ModelLogEntry, PageLogEntry

from codesign import services
from codesign.models import ConsentText, LabParticipant
from livinglab.errors import ActionRefused
from pilots.models import PilotStatus
from tests.factories import AdministratorFactory, ResidentFactory

pytestmark = pytest.mark.django_db


def test_a_resident_volunteers_with_the_current_consent(pilot, consent, resident):
    participant = services.volunteer_for_pilot(pilot, user=resident, consent_version=1)
    assert (participant.consent, participant.user, participant.withdrawn_at) == (consent, resident, None)
    assert participant.consented_at is not None


def test_a_changed_consent_text_must_be_read_again(pilot, consent, resident):
    ConsentText.objects.create(page=pilot, version=2, text="New wording.")
    with pytest.raises(ActionRefused) as refused:
        services.volunteer_for_pilot(pilot, user=resident, consent_version=1)
    assert refused.value.status == 409
    assert not LabParticipant.objects.exists()
    assert services.volunteer_for_pilot(pilot, user=resident, consent_version=2).consent.version == 2


def test_volunteering_twice_is_refused(pilot, consent, resident):
    services.volunteer_for_pilot(pilot, user=resident, consent_version=1)
    with pytest.raises(ActionRefused) as refused:
        services.volunteer_for_pilot(pilot, user=resident, consent_version=1)
    assert refused.value.status == 409
    assert LabParticipant.objects.count() == 1


@pytest.mark.parametrize("status", [PilotStatus.EVALUATING, PilotStatus.COMPLETED])
def test_a_pilot_past_its_field_test_takes_no_volunteers(make_pilot, resident, status):
    pilot = make_pilot(status=status)
    ConsentText.objects.create(page=pilot, version=1, text="x")
    with pytest.raises(ActionRefused) as refused:
        services.volunteer_for_pilot(pilot, user=resident, consent_version=1)
    assert refused.value.status == 409
    assert not LabParticipant.objects.exists()


def test_no_consent_text_no_volunteers(pilot, resident):
    with pytest.raises(ActionRefused) as refused:
        services.volunteer_for_pilot(pilot, user=resident, consent_version=1)
    assert refused.value.status == 409


def test_administrators_do_not_volunteer(pilot, consent):
    with pytest.raises(ActionRefused) as refused:
        services.volunteer_for_pilot(pilot, user=AdministratorFactory(), consent_version=1)
    assert refused.value.status == 403


def test_withdrawing_keeps_the_record_and_allows_coming_back(pilot, consent, resident):
    services.volunteer_for_pilot(pilot, user=resident, consent_version=1)
    services.withdraw_from_pilot(pilot, user=resident)
    row = LabParticipant.objects.get()
    assert row.withdrawn_at is not None
    with pytest.raises(ActionRefused) as refused:
        services.withdraw_from_pilot(pilot, user=resident)
    assert refused.value.status == 409
    services.volunteer_for_pilot(pilot, user=resident, consent_version=1)
    assert LabParticipant.objects.active().count() == 1
    assert LabParticipant.objects.count() == 2


def test_the_volunteer_page_and_form(client, pilot, consent, resident):
    client.force_login(resident)
    url = reverse("codesign:volunteer", args=[pilot.pk])
    page = client.get(url).content.decode()
    assert "I agree to test the shelter." in page
    assert client.post(url, {"version": 1}).status_code == 400  # not ticked
    assert not LabParticipant.objects.exists()
    assert client.post(url, {"version": 1, "agree": "on"}).status_code == 302
    assert LabParticipant.objects.get().user == resident
    assert 'data-participant="active"' in client.get(pilot.url).content.decode()
    assert client.post(reverse("codesign:withdraw", args=[pilot.pk])).status_code == 302
    assert LabParticipant.objects.active().count() == 0


def test_a_stale_consent_form_answers_409(client, pilot, consent, resident):
    ConsentText.objects.create(page=pilot, version=2, text="New wording.")
    client.force_login(resident)
    response = client.post(reverse("codesign:volunteer", args=[pilot.pk]), {"version": 1, "agree": "on"})
    assert response.status_code == 409
    assert not LabParticipant.objects.exists()


def test_administrators_export_the_participants_and_it_is_audited(client, pilot, consent):
    resident = ResidentFactory(display_name="=HYPERLINK(1)")
    services.volunteer_for_pilot(pilot, user=resident, consent_version=1)
    admin = AdministratorFactory()
    client.force_login(admin)
    response = client.get(reverse("codesign:participants_csv", args=[pilot.pk]))
    assert response.status_code == 200
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeffparticipant,")
    assert "'=HYPERLINK(1)" in text  # neutralised for spreadsheets
    assert resident.email in text
    entry = PageLogEntry.objects.get(action="livinglab.codesign.participants_export")
    assert (entry.user, entry.data["rows"]) == (admin, 1)


def test_residents_cannot_export_participants(client, pilot, consent, resident):
    client.force_login(resident)
    assert client.get(reverse("codesign:participants_csv", args=[pilot.pk])).status_code == 403
    assert not PageLogEntry.objects.filter(action="livinglab.codesign.participants_export").exists()
    assert not ModelLogEntry.objects.filter(action="livinglab.codesign.participants_export").exists()


def test_administrators_see_participants_in_the_admin(client, pilot, consent, resident):
    services.volunteer_for_pilot(pilot, user=resident, consent_version=1)
    client.force_login(AdministratorFactory())
    response = client.get(reverse("wagtailsnippets_codesign_labparticipant:list"))
    assert response.status_code == 200
    assert str(resident) in response.content.decode()
