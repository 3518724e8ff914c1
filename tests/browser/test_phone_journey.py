"""Issue 13: a resident signs up with only a mobile number, and later signs in by phone with a one-time code.

Korean, phone (390) and desktop (1366) screenshots, axe on every page. The codes are read from the SMS outbox
the test settings use (``livinglab.sms.LocmemBackend``): the live server runs in this process, so the test
reads the text message as the resident reads their phone.
"""

import re

import pytest
from django.core.cache import cache
from playwright.sync_api import expect

from accounts.models import User
from home import demo
from livinglab import sms

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

NUMBER = "010-2345-6789"
E164 = "+821023456789"


def korean(page, base):
    page.context.add_cookies([{"name": "django_language", "value": "ko", "url": base}])


def last_code(to: str) -> str:
    messages = [message for message in sms.outbox if message.to == to]
    assert messages, f"no text message to {to}"
    return re.search(r"(?<!\d)(\d{6})(?!\d)", messages[-1].body).group(1)


def at_both_widths(page, screenshot, assert_accessible, name: str):
    """The page as a phone and a desktop show it: a screenshot and an axe run at each width."""
    for width, height in ((390, 844), (1366, 900)):
        page.set_viewport_size({"width": width, "height": height})
        assert_accessible(f"{name} {width}")
        screenshot(f"{name}-{width}")
    page.set_viewport_size({"width": 390, "height": 844})


def test_a_resident_signs_up_and_then_signs_in_by_phone(live_server, page, screenshot, assert_accessible):
    demo.build_pages()
    base = live_server.url
    korean(page, base)

    # Sign up with a mobile number and a name, nothing else: no e-mail, no password.
    page.goto(f"{base}/accounts/signup/")
    page.get_by_label(re.compile("^휴대전화 번호")).fill(NUMBER)
    page.get_by_label(re.compile("^표시 이름")).fill("박영희")
    page.get_by_label(re.compile("^이용약관과 개인정보 처리방침에 동의합니다")).check()
    at_both_widths(page, screenshot, assert_accessible, "phone-signup")
    page.get_by_role("button", name="회원가입", exact=True).click()

    # The number is confirmed with the code from the text message.
    expect(page.get_by_role("heading", name="전화번호 인증 코드 입력")).to_be_visible()
    page.get_by_label(re.compile("^확인 코드")).fill(last_code(E164))
    at_both_widths(page, screenshot, assert_accessible, "phone-signup-code")
    page.get_by_role("button", name="확인", exact=True).click()
    expect(page.get_by_role("link", name="박영희")).to_be_visible()
    user = User.objects.get(phone=E164)
    assert user.phone_verified and user.email is None and not user.has_usable_password()

    page.get_by_role("button", name="로그아웃").click()
    expect(page.get_by_role("link", name="로그인", exact=True)).to_be_visible()
    # Later: the 30-second cool-down between texts to one number has long passed.
    cache.clear()

    # Sign in by phone: ask for a code, type it in.
    page.goto(f"{base}/accounts/login/")
    page.get_by_role("link", name="로그인 코드 받기").click()
    expect(page.get_by_role("heading", name="로그인 코드 받기")).to_be_visible()
    page.get_by_label(re.compile("^휴대전화")).fill(NUMBER)
    at_both_widths(page, screenshot, assert_accessible, "phone-login-request")
    page.get_by_role("button", name="코드 요청").click()
    code_box = page.locator("input[name=code]")
    expect(code_box).to_be_visible()
    code_box.fill(last_code(E164))
    at_both_widths(page, screenshot, assert_accessible, "phone-login-code")
    page.locator("main form").filter(has=code_box).get_by_role("button").first.click()
    expect(page.get_by_role("link", name="박영희")).to_be_visible()
    at_both_widths(page, screenshot, assert_accessible, "phone-signed-in")
    assert [message.to for message in sms.outbox] == [E164, E164]


def test_a_refused_sign_up_shows_its_error_and_keeps_what_was_typed(live_server, page):
    """The sign-up page answers a landline number with 400: the browser shows the same form, the error under
    the number, and the name already typed; the corrected number goes on to the code."""
    demo.build_pages()
    base = live_server.url
    korean(page, base)

    page.goto(f"{base}/accounts/signup/")
    page.get_by_label(re.compile("^휴대전화 번호")).fill("02-123-4567")
    page.get_by_label(re.compile("^표시 이름")).fill("박영희")
    page.get_by_label(re.compile("^이용약관과 개인정보 처리방침에 동의합니다")).check()
    with page.expect_response(lambda response: response.request.method == "POST") as answer:
        page.get_by_role("button", name="회원가입", exact=True).click()
    assert answer.value.status == 400
    expect(page.get_by_text("휴대전화 번호가 아닙니다.")).to_be_visible()
    expect(page.get_by_label(re.compile("^표시 이름"))).to_have_value("박영희")
    assert not User.objects.exists()

    page.get_by_label(re.compile("^휴대전화 번호")).fill(NUMBER)
    page.get_by_label(re.compile("^이용약관과 개인정보 처리방침에 동의합니다")).check()
    page.get_by_role("button", name="회원가입", exact=True).click()
    expect(page.get_by_role("heading", name="전화번호 인증 코드 입력")).to_be_visible()
    assert User.objects.get().phone == E164
