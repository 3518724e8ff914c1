"""The desk's limits (issue 15 point 2): the claim lock holds when tries overlap, texted codes pass the per-number
and per-staff limits before a code is made, and what one staff member records is bounded. The parallel bursts
are in tests/livinglab/test_parallel_limits.py."""

import pytest
from django.urls import reverse
from wagtail.models import ModelLogEntry

from desk import services
from desk.models import ClaimChannel, ClaimCode
from livinglab import sms
from livinglab.errors import ActionRefused
from tests.desk.conftest import make_staff

pytestmark = pytest.mark.django_db
PASSWORD = "a-long-resident-passphrase"


def _claim(claim, code):
    return services.claim_account(number=claim.number, code=code, email="soonja@example.org", password=PASSWORD)


# The claim lock: a try takes its attempt before the code is compared


def test_a_try_arriving_while_another_is_compared_cannot_pass_the_lock(staff, desk_resident, monkeypatch):
    """The tenth try is still hashing when an eleventh arrives: the eleventh must not be compared. Before, both
    read nine failures, both were compared, and the letter ended with eleven."""
    claim, _code = services.issue_claim_code(desk_resident, staff=staff)
    ClaimCode.objects.filter(pk=claim.pk).update(failed_attempts=services.MAX_CLAIM_ATTEMPTS - 1)
    compared, overlapping = [], []
    original = ClaimCode.matches

    def matches(self, code):
        compared.append(code)
        if len(compared) == 1:
            with pytest.raises(ActionRefused) as exc:
                _claim(claim, "SECONDTRY")
            overlapping.append(exc.value.status)
        return original(self, code)

    monkeypatch.setattr(ClaimCode, "matches", matches)
    with pytest.raises(ActionRefused) as exc:
        _claim(claim, "FIRSTTRY")
    assert compared == ["FIRSTTRY"]
    assert overlapping == [429] and exc.value.status == 429
    assert ClaimCode.objects.get(pk=claim.pk).failed_attempts == services.MAX_CLAIM_ATTEMPTS


def test_a_right_code_is_not_counted_as_a_failure(staff, desk_resident, resident):
    """The hand-over can still be refused after a right code (an address another account uses): the letter keeps
    all its tries."""
    claim, code = services.issue_claim_code(desk_resident, staff=staff)
    for _ in range(services.MAX_CLAIM_ATTEMPTS + 2):
        with pytest.raises(Exception):  # noqa: B017 - the address is taken: a ValidationError each time
            services.claim_account(number=claim.number, code=code, email=resident.email, password=PASSWORD)
    assert ClaimCode.objects.get(pk=claim.pk).failed_attempts == 0
    assert _claim(claim, code).pk == desk_resident.user_id


# Texting a code


def _text(client, resident):
    return client.post(reverse("desk:claim_text", args=[resident.pk]))


@pytest.fixture
def residents_with_phones(staff, dong):
    return [
        services.register_resident(
            staff=staff,
            display_name=f"Resident {n}",
            area=dong,
            consent_reference=f"C-2026-1{n:03d}",
            phone=f"010-3456-{n:04d}",
        )
        for n in range(3)
    ]


def test_texting_codes_stops_at_the_staff_members_limit(client, settings, staff, residents_with_phones):
    settings.DESK_SMS_RATE_LIMIT = "2/h"
    client.force_login(staff)
    first, second, third = residents_with_phones
    letter, letter_code = services.issue_claim_code(third, staff=staff)
    assert _text(client, first).status_code == 302
    assert _text(client, second).status_code == 302
    refused = _text(client, third)
    assert refused.status_code == 429
    body = refused.content.decode()
    assert "Too many text messages were sent" in body and "Resident 2" in body  # the resident's page again
    assert len(sms.outbox) == 2
    # No code was made for the refused text: the printed letter still works.
    assert not ClaimCode.objects.filter(resident=third, channel=ClaimChannel.SMS).exists()
    assert _claim(letter, letter_code).pk == third.user_id


def test_a_number_texted_from_two_doors_shares_its_limit(client, settings, staff, residents_with_phones):
    """The resident asked for a sign-in code a moment ago: the desk's text to the same number waits too."""
    settings.SMS_RATE_LIMITS = {"number": ["1/h"], "ip": ["100/h"]}
    resident = residents_with_phones[0]
    assert client.post(reverse("account_request_login_code"), {"phone": "010-3456-0000"}).status_code == 302
    client.force_login(staff)
    assert _text(client, resident).status_code == 429
    assert len(sms.outbox) == 1


def test_the_limit_is_per_staff_member(client, settings, staff, centre, residents_with_phones):
    settings.DESK_SMS_RATE_LIMIT = "1/h"
    client.force_login(staff)
    assert _text(client, residents_with_phones[0]).status_code == 302
    client.force_login(make_staff(centre, display_name="Colleague"))
    assert _text(client, residents_with_phones[1]).status_code == 302


def test_a_text_the_gateway_refused_gives_its_slot_back(client, settings, staff, residents_with_phones):
    settings.DESK_SMS_RATE_LIMIT = "1/h"
    settings.SMS_BACKEND = "livinglab.sms.HttpGatewayBackend"
    settings.SMS_GATEWAY_URL = "http://127.0.0.1:9/unreachable"
    client.force_login(staff)
    assert _text(client, residents_with_phones[0]).status_code == 503
    settings.SMS_BACKEND = "livinglab.sms.LocmemBackend"
    assert _text(client, residents_with_phones[0]).status_code == 302


def test_the_text_refusal_answers_htmx_with_the_alert(client, settings, staff, residents_with_phones):
    settings.DESK_SMS_RATE_LIMIT = "0/h"
    client.force_login(staff)
    response = client.post(reverse("desk:claim_text", args=[residents_with_phones[0].pk]), HTTP_HX_REQUEST="true")
    assert response.status_code == 429 and "<html" not in response.content.decode()


# Everything else staff record for residents


def test_what_one_staff_member_records_is_bounded(settings, centre, dong):
    settings.DESK_ACTION_RATE_LIMIT = "2/h"
    staff = make_staff(centre, display_name="New colleague")
    resident = services.register_resident(staff=staff, display_name="Kim", area=dong, consent_reference="C-9")
    services.issue_claim_code(resident, staff=staff)
    with pytest.raises(ActionRefused) as exc:
        services.register_resident(staff=staff, display_name="Lee", area=dong, consent_reference="C-10")
    assert exc.value.status == 429
    assert "a great many actions" in exc.value.message
    with pytest.raises(ActionRefused):
        services.issue_claim_code(resident, staff=staff)
    assert not ModelLogEntry.objects.filter(action="livinglab.desk.register", data__consent_reference="C-10").exists()
    # A colleague at the same centre has their own.
    other = make_staff(centre, display_name="Other colleague")
    services.register_resident(staff=other, display_name="Lee", area=dong, consent_reference="C-10")


def test_a_refused_desk_action_gives_its_slot_back(settings, centre, dong, category):
    settings.DESK_ACTION_RATE_LIMIT = "2/h"
    staff = make_staff(centre, display_name="New colleague")
    resident = services.register_resident(staff=staff, display_name="Kim", area=dong, consent_reference="C-9")
    with pytest.raises(Exception):  # noqa: B017 - a title too short: a ValidationError, nothing filed
        services.file_proposal_for(
            resident, staff=staff, channel="in_person", title="x", description="d", category=category, area=dong
        )
    services.register_resident(staff=staff, display_name="Lee", area=dong, consent_reference="C-10")
    with pytest.raises(ActionRefused):
        services.register_resident(staff=staff, display_name="Park", area=dong, consent_reference="C-11")
