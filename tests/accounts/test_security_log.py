"""Security refusals (wrong or voided codes, code lockouts, text floods) are logged on ``livinglab.security``
with the number's last four digits and the client's address, never the whole number or the code."""

import logging
import re

import pytest
from django.test import Client
from django.urls import reverse

from livinglab import sms
from livinglab.security_log import masked_number
from tests.factories import PhoneResidentFactory

pytestmark = pytest.mark.django_db

NUMBER = "010-1234-5678"
E164 = "+821012345678"
SECRETS = ("01012345678", "010-1234-5678", "+821012345678", "1012345678")


def last_code() -> str:
    return re.search(r"\b(\d{6})\b", sms.outbox[-1].body).group(1)


def request_code(client, phone=NUMBER):
    return client.post(reverse("account_request_login_code"), {"phone": phone})


def confirm(client, code):
    return client.post(reverse("account_confirm_login_code"), {"code": code})


def security_lines(caplog) -> list[str]:
    return [record.getMessage() for record in caplog.records if record.name == "livinglab.security"]


def assert_no_secrets(caplog, *codes):
    for record in caplog.records:
        message = record.getMessage()
        for secret in (*SECRETS, *codes):
            assert secret not in message, message


@pytest.mark.parametrize(
    ("typed", "masked"),
    [("+821012345678", "***5678"), ("010-1234-5678", "***5678"), ("", "-"), (None, "-")],
)
def test_a_number_is_masked_to_its_last_four_digits(typed, masked):
    assert masked_number(typed) == masked


def test_a_text_flood_refusal_logs_one_warning_with_the_masked_number_and_address(settings, caplog):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "request_login_code": "1000/m/ip,1000/m/key"}
    settings.SMS_RATE_LIMITS = {"number": ["2/h"], "ip": ["1000/h"]}
    PhoneResidentFactory(phone=E164)
    with caplog.at_level(logging.INFO):
        statuses = [request_code(Client(REMOTE_ADDR="10.0.0.7")).status_code for _ in range(3)]
    assert statuses == [302, 302, 429]
    lines = security_lines(caplog)
    assert lines == ["sms.flood phone=***5678 ip=10.0.0.7"]
    assert [record.levelname for record in caplog.records if record.name == "livinglab.security"] == ["WARNING"]
    assert_no_secrets(caplog, *(re.search(r"\b(\d{6})\b", m.body).group(1) for m in sms.outbox))


def test_texts_within_the_limits_log_nothing(settings, caplog):
    settings.SMS_RATE_LIMITS = {"number": ["2/h"], "ip": ["1000/h"]}
    PhoneResidentFactory(phone=E164)
    with caplog.at_level(logging.INFO):
        assert request_code(Client()).status_code == 302
    assert security_lines(caplog) == []


def test_a_wrong_code_is_logged_without_the_number_or_any_code(client, caplog):
    PhoneResidentFactory(phone=E164)
    request_code(client)
    code = last_code()
    wrong = "000000" if code != "000000" else "111111"
    with caplog.at_level(logging.INFO):
        assert confirm(client, wrong).status_code == 400
    assert security_lines(caplog) == ["accounts.code.wrong phone=***5678 ip=127.0.0.1 page=login"]
    assert_no_secrets(caplog, code, wrong)


def test_a_right_code_logs_nothing(client, caplog):
    PhoneResidentFactory(phone=E164)
    request_code(client)
    with caplog.at_level(logging.INFO):
        assert confirm(client, last_code()).status_code == 302
    assert security_lines(caplog) == []


def test_a_code_voided_by_wrong_tries_logs_the_lockout_and_then_each_spent_try(client, caplog):
    PhoneResidentFactory(phone=E164)
    request_code(client)
    code = last_code()
    wrong = [f"{n:06d}" for n in range(5) if f"{n:06d}" != code][:4]
    with caplog.at_level(logging.INFO):
        statuses = [confirm(client, guess).status_code for guess in wrong]
    assert statuses == [400, 400, 429, 400]
    assert security_lines(caplog) == [
        "accounts.code.wrong phone=***5678 ip=127.0.0.1 page=login",
        "accounts.code.wrong phone=***5678 ip=127.0.0.1 page=login",
        "accounts.code.locked phone=***5678 ip=127.0.0.1 page=login",
        "accounts.code.expired phone=- ip=127.0.0.1 page=login",
    ]
    assert_no_secrets(caplog, code, *wrong)


def test_a_wrong_sign_up_code_is_logged_with_the_masked_number(client, caplog):
    client.post(reverse("account_signup"), {"phone": NUMBER, "display_name": "순자", "accept_terms": "on"})
    code = last_code()
    wrong = "000000" if code != "000000" else "111111"
    with caplog.at_level(logging.INFO):
        assert client.post(reverse("account_verify_phone"), {"code": wrong}).status_code == 400
    assert security_lines(caplog) == ["accounts.code.wrong phone=***5678 ip=127.0.0.1 page=phone"]
    assert_no_secrets(caplog, code, wrong)


def test_asking_for_codes_too_often_is_logged_with_the_masked_number(client, settings, caplog):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "request_login_code": "1000/m/ip,1/m/key"}
    PhoneResidentFactory(phone=E164)
    with caplog.at_level(logging.INFO):
        statuses = [request_code(Client()).status_code for _ in range(2)]
    assert statuses == [302, 429]
    assert security_lines(caplog) == ["accounts.code.request_limited phone=***5678 ip=127.0.0.1"]
    assert_no_secrets(caplog, last_code())
