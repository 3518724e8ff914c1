"""Issue 14: a resident deletes their account from /account/delete/, in Korean on a 390 px phone and in English
on a 1366 px desktop: the page, the two rejections (not confirmed, wrong password) and the confirmed deletion
that also removes their proposals. Each state is checked with axe-core (WCAG 2.2 A/AA) and photographed."""

import pytest

from accounts.models import User
from home import demo
from proposals import services
from proposals.models import Proposal
from tests.factories import PASSWORD, CategoryFactory, DongFactory, ResidentFactory

from .conftest import LIVENESS_MS

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

TEXTS = {
    "ko": {
        "heading": "계정 삭제",
        "not_confirmed": "계정 삭제를 원하시면 확인란에 표시해 주세요.",
        "wrong_password": "비밀번호가 맞지 않습니다.",
        "deleted": "계정이 삭제되었습니다. 그동안 참여해 주셔서 감사합니다.",
    },
    "en": {
        "heading": "Delete your account",
        "not_confirmed": "Tick the box to confirm that you want your account deleted.",
        "wrong_password": "That is not your password.",
        "deleted": "Your account is deleted. Thank you for taking part.",
    },
}
VIEWPORTS = {"ko": {"width": 390, "height": 844}, "en": {"width": 1366, "height": 900}}


@pytest.fixture
def page(browser, language):
    """The browser page of this module, in the language under test (the shared fixtures screenshot and check it)."""
    context = browser.new_context(viewport=VIEWPORTS[language], locale="ko-KR" if language == "ko" else "en-GB")
    page = context.new_page()
    page.set_default_timeout(LIVENESS_MS)
    yield page
    context.close()


def log_in(page, base, user):
    page.goto(f"{base}/accounts/login/")
    page.locator("input[name=login]").fill(user.email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(f"{base}/")


def submit(page, *, password: str, confirm: bool, remove: bool = False):
    page.locator("input[name=password]").fill(password)
    page.locator("input[name=confirm]").set_checked(confirm)
    page.locator("input[name=remove_contributions]").set_checked(remove)
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()


@pytest.mark.parametrize("language", ["ko", "en"])
def test_resident_deletes_their_account_and_proposals(live_server, language, page, screenshot, assert_accessible):
    texts = TEXTS[language]
    demo.build_pages()  # the home page the deletion leads to
    resident = ResidentFactory(email=f"leaving-{language}@example.org", display_name="떠나는 주민")
    proposal = services.submit_proposal(
        author=resident,
        title="시장 입구 가로등이 꺼져 있어요",
        description="시장 입구의 가로등이 일주일째 꺼져 있어서 밤에 매우 어둡습니다.",
        category=CategoryFactory(),
        area=DongFactory(),
    )
    base = live_server.url
    log_in(page, base, resident)

    page.goto(f"{base}/account/delete/")
    page.get_by_role("heading", name=texts["heading"], level=1).wait_for()
    screenshot(f"delete-account-{language}-form")
    assert_accessible(f"delete account ({language})")

    # Rejection 1: the right password, but the box saying it cannot be undone is not ticked.
    submit(page, password=PASSWORD, confirm=False, remove=True)
    page.get_by_text(texts["not_confirmed"]).wait_for()
    screenshot(f"delete-account-{language}-not-confirmed")
    assert_accessible(f"delete account, not confirmed ({language})")
    assert not User.objects.get(pk=resident.pk).is_erased

    # Rejection 2: confirmed, with a wrong password.
    submit(page, password="not my password", confirm=True, remove=True)
    page.get_by_text(texts["wrong_password"]).wait_for()
    screenshot(f"delete-account-{language}-wrong-password")
    assert_accessible(f"delete account, wrong password ({language})")
    assert not User.objects.get(pk=resident.pk).is_erased
    assert Proposal.objects.filter(pk=proposal.pk).exists()

    # Confirmed with the password, asking for the proposals to go too.
    submit(page, password=PASSWORD, confirm=True, remove=True)
    page.wait_for_url(f"{base}/")
    page.get_by_text(texts["deleted"]).wait_for()
    screenshot(f"delete-account-{language}-done")
    assert_accessible(f"account deleted ({language})")
    assert User.objects.get(pk=resident.pk).is_erased
    assert not Proposal.objects.filter(pk=proposal.pk).exists()

    # Signed out: the page now asks to sign in, and the old password no longer works.
    page.goto(f"{base}/account/delete/")
    assert "/accounts/login/" in page.url
