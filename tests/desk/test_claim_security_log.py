"""Refused claim codes and refused desk texts are logged on ``livinglab.security``: the event, the number's
last four digits, the address; never the whole number or the code."""

import logging

import pytest

from desk import services
from livinglab import sms
from livinglab.errors import ActionRefused

pytestmark = pytest.mark.django_db
PASSWORD = "a-long-resident-passphrase"
WHOLE_NUMBER = ("010-2345-6789", "01023456789", "+821023456789")


def security_lines(caplog) -> list[str]:
    return [record.getMessage() for record in caplog.records if record.name == "livinglab.security"]


def refused(claim_number, code, *, ip="10.0.0.9") -> int:
    with pytest.raises(ActionRefused) as exc:
        services.claim_account(number=claim_number, code=code, email="soonja@example.org", password=PASSWORD, ip=ip)
    return exc.value.status


def assert_no_secrets(caplog, *codes):
    for record in caplog.records:
        for secret in (*WHOLE_NUMBER, *codes):
            assert secret not in record.getMessage(), record.getMessage()


def test_a_wrong_claim_code_is_logged_with_the_masked_number_and_address(staff, desk_resident, caplog):
    claim = services.send_claim_code_by_sms(desk_resident, staff=staff, claim_url="/desk/claim/")
    code = sms.outbox[-1].body.split("code ")[1].split(".")[0]
    with caplog.at_level(logging.INFO):
        assert refused(claim.number, "WRONGCODE") == 400
    assert security_lines(caplog) == [f"desk.claim.wrong_code phone=***6789 ip=10.0.0.9 letter={claim.number}"]
    assert_no_secrets(caplog, code, code.replace("-", ""), "WRONGCODE")


def test_the_tenth_wrong_claim_code_logs_the_lockout(staff, desk_resident, caplog):
    claim, code = services.issue_claim_code(desk_resident, staff=staff)
    with caplog.at_level(logging.INFO):
        statuses = [refused(claim.number, "WRONGCODE") for _ in range(10)]
    assert statuses == [400] * 9 + [429]
    lines = security_lines(caplog)
    assert lines.count(f"desk.claim.locked phone=***6789 ip=10.0.0.9 letter={claim.number}") == 1
    assert lines[-1].startswith("desk.claim.locked ")
    assert_no_secrets(caplog, code)


def test_an_unknown_letter_and_the_per_address_limit_are_logged(staff, desk_resident, settings, caplog):
    settings.DESK_CLAIM_RATE_LIMIT = "1/h"
    with caplog.at_level(logging.INFO):
        assert refused("NOSUCHLETTER", "WRONGCODE") == 400
        assert refused("NOSUCHLETTER", "WRONGCODE") == 429
    assert security_lines(caplog) == [
        "desk.claim.unknown_letter phone=- ip=10.0.0.9 letter=-",
        "desk.claim.rate_limited phone=- ip=10.0.0.9",
    ]


def test_a_right_claim_code_logs_nothing(staff, desk_resident, caplog):
    claim, code = services.issue_claim_code(desk_resident, staff=staff)
    with caplog.at_level(logging.INFO):
        services.claim_account(number=claim.number, code=code, email="soonja@example.org", password=PASSWORD)
    assert security_lines(caplog) == []


def test_a_desk_text_flood_refusal_is_logged_with_the_masked_number(staff, desk_resident, settings, caplog):
    settings.SMS_RATE_LIMITS = {"number": ["1/h"], "ip": ["1000/h"]}
    services.send_claim_code_by_sms(desk_resident, staff=staff, claim_url="/desk/claim/")
    with caplog.at_level(logging.INFO), pytest.raises(ActionRefused) as exc:
        services.send_claim_code_by_sms(desk_resident, staff=staff, claim_url="/desk/claim/")
    assert exc.value.status == 429
    assert security_lines(caplog) == [f"sms.flood phone=***6789 ip=- page=desk staff={staff.pk}"]
    assert_no_secrets(caplog)
