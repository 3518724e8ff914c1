"""A newcomer signs up through the real forms, confirms the e-mail, logs in and switches language."""

import re

import pytest
from django.core import mail

from home import demo

pytestmark = [pytest.mark.embedded, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_signup_confirm_login_and_switch_language(live_server, page, screenshot, assert_accessible):
    demo.build_pages()
    demo.build_areas()
    base = live_server.url

    page.goto(f"{base}/")
    assert page.locator("html").get_attribute("lang") == "en"
    screenshot("01-home-en")
    assert_accessible("home (en)")

    page.get_by_role("link", name="Sign up").click()
    page.get_by_label("Email").fill("newcomer@example.org")
    page.get_by_label("Display name").fill("새 이웃")
    page.get_by_label("Home area").select_option(
        label="Seongdong-gu Seongsu 1-ga 1-dong"
    )  # English page, English names
    page.get_by_label(re.compile(r"^Password:?$")).fill("a-long-unusual-passphrase")
    page.get_by_label("Password (again)").fill("a-long-unusual-passphrase")
    page.get_by_label("I accept the terms of use and the privacy notice").check()
    screenshot("02-signup-form")
    assert_accessible("sign-up form")
    page.get_by_role("button", name="Sign Up").click()
    page.wait_for_url(re.compile(r"/accounts/confirm-email/"))
    screenshot("03-verification-sent")

    assert len(mail.outbox) == 1
    link = re.search(r"https?://[^/\s]+(/accounts/confirm-email/\S+)", mail.outbox[0].body).group(1)
    page.goto(f"{base}{link}")
    page.get_by_role("button", name="Confirm").click()

    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Email").fill("newcomer@example.org")
    page.get_by_label(re.compile(r"^Password:?$")).fill("a-long-unusual-passphrase")
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url(f"{base}/")
    assert page.get_by_role("link", name="새 이웃").is_visible()
    screenshot("04-logged-in")

    page.get_by_role("button", name="한국어").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "ko"
    assert page.get_by_role("link", name="본문 바로가기").count() == 1
    screenshot("05-home-ko")
    assert_accessible("home (ko, logged in)")

    page.get_by_role("button", name="English").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"
    page.get_by_role("button", name="Log out").click()
    page.wait_for_load_state()
    assert page.get_by_role("link", name="Log in").is_visible()
