"""Issue 13: what a screen reader gets, read from Chromium's own accessibility tree, and pages that stay
usable at 320 CSS pixels and at 200% zoom.

The tree comes from the DevTools protocol (``Accessibility.getFullAXTree``), the same tree Chromium hands to
screen readers: every control in the vote, comment and session-registration flows must have a role and a
name, and after each action a live region (``aria-live``, or role ``status``/``alert``, which are live by
definition) must hold the words a screen reader announces. What this does not prove: that a particular
screen reader speaks them (timing and verbosity differ between NVDA, VoiceOver and TalkBack).

Zoom: 200% browser zoom on a 1366x768 screen lays a page out in 683x384 CSS pixels, so the check opens the
pages in a 683x384 viewport with a device scale factor of 2 (each CSS pixel drawn as four): the layout is the
one a zoomed browser computes. Both checks ask the page itself whether it scrolls sideways:
``document.scrollingElement.scrollWidth <= innerWidth``.
"""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from challenges.models import ChallengeIndexPage, ChallengePage
from codesign.models import Session
from desk import services as desk_services
from desk.models import Centre
from home import demo
from pilots.models import PilotIndexPage, PilotPage, PilotStatus
from pilots.services import set_up_pilot_index
from tests.browser.conftest import LIVENESS_MS
from tests.factories import CategoryFactory, DongFactory, ProposalFactory, ResidentFactory, UserFactory

from .test_everyday_journeys import log_in

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

# Roles a person operates: each must carry a name, or a screen reader says only "button" or "edit text".
CONTROL_ROLES = {"button", "link", "textbox", "checkbox", "radio", "combobox", "listbox", "switch", "searchbox"}
LIVE_ROLES = {"status", "alert", "log"}


def ax_tree(page) -> dict:
    """Chromium's full accessibility tree of the page: node id -> node."""
    cdp = page.context.new_cdp_session(page)
    try:
        nodes = cdp.send("Accessibility.getFullAXTree")["nodes"]
    finally:
        cdp.detach()
    return {node["nodeId"]: node for node in nodes}


def role(node) -> str:
    return (node.get("role") or {}).get("value", "")


def name(node) -> str:
    return ((node.get("name") or {}).get("value") or "").strip()


def properties(node) -> dict:
    return {prop["name"]: (prop.get("value") or {}).get("value") for prop in node.get("properties", [])}


def text_under(tree: dict, node) -> str:
    words = [name(node)] if role(node) == "StaticText" else []
    for child_id in node.get("childIds", []):
        if child_id in tree:
            words.append(text_under(tree, tree[child_id]))
    return " ".join(word for word in words if word)


def controls(tree: dict) -> list:
    return [node for node in tree.values() if not node.get("ignored") and role(node) in CONTROL_ROLES]


def assert_controls_named(page, label: str) -> dict:
    tree = ax_tree(page)
    nameless = [f"{role(node)} {properties(node)}" for node in controls(tree) if not name(node)]
    assert not nameless, f"{label}: controls without a name: {nameless}"
    return tree


def control(tree: dict, wanted_role: str, wanted_name: str):
    found = [node for node in controls(tree) if role(node) == wanted_role and name(node) == wanted_name]
    assert found, f"no {wanted_role} named {wanted_name!r}; have {[(role(n), name(n)) for n in controls(tree)]}"
    return found[0]


def live_texts(tree: dict) -> list[str]:
    """The text of every live region: what a screen reader announces when it changes."""
    regions = [
        node
        for node in tree.values()
        if not node.get("ignored")
        and (role(node) in LIVE_ROLES or properties(node).get("live") in ("polite", "assertive"))
    ]
    return [text_under(tree, node) for node in regions]


def assert_announced(page, words: str, label: str) -> None:
    # Poll the tree (an event-driven wait on the DOM first): the region is filled after the htmx swap.
    expect(page.get_by_text(words).first).to_be_attached()
    texts = live_texts(ax_tree(page))
    assert any(words in text for text in texts), f"{label}: {words!r} is in no live region; live regions: {texts}"


# --- the vote, comment and registration flows ------------------------------------------------------------


def test_supporting_and_commenting_name_their_controls_and_announce_the_result(live_server, page):
    demo.build_pages()
    proposal = ProposalFactory()
    neighbour = ResidentFactory()
    base = live_server.url
    log_in(page, base, neighbour)
    page.goto(f"{base}{proposal.get_absolute_url()}")
    page.locator("body[data-htmx-ready], body").first.wait_for()

    tree = assert_controls_named(page, "proposal page")
    control(tree, "button", "Support this proposal")
    control(tree, "textbox", "Your comment")
    control(tree, "button", "Post comment")

    page.get_by_role("button", name="Support this proposal").click()
    expect(page.get_by_role("button", name="Withdraw my support")).to_be_visible()
    assert_announced(page, "You support this proposal.", "after supporting")
    assert_controls_named(page, "after supporting")

    page.get_by_role("textbox", name="Your comment").fill("저도 매일 지나가는 길이라 꼭 고쳐졌으면 좋겠어요.")
    page.get_by_role("button", name="Post comment").click()
    expect(page.get_by_text("저도 매일 지나가는 길이라")).to_be_visible()
    assert_announced(page, "Your comment is posted.", "after commenting")
    assert_controls_named(page, "after commenting")


def session_on_a_pilot(home, *, title: str = "Shelter workshop") -> Session:
    """A co-design session, two days ahead, on a running pilot under a new pilot index below ``home``."""
    index = PilotIndexPage(title="Pilots", slug="pilots")
    home.add_child(instance=index)
    index.save_revision().publish()
    set_up_pilot_index(index)
    pilot = PilotPage(
        title="Smart bus shelter",
        slug="shelter",
        summary="Shade.",
        status=PilotStatus.RUNNING,
        area=DongFactory(),
        category=CategoryFactory(),
    )
    index.add_child(instance=pilot)
    pilot.save_revision().publish()
    start = timezone.now() + datetime.timedelta(days=2)
    return Session.objects.create(
        page=pilot,
        title=title,
        place="Residents' Hall",
        capacity=5,
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=2),
    )


def test_registering_for_a_session_names_its_controls_and_announces_the_seat(live_server, page):
    session = session_on_a_pilot(demo.build_pages())
    base = live_server.url
    log_in(page, base, ResidentFactory())
    page.goto(f"{base}{session.get_absolute_url()}")
    tree = assert_controls_named(page, "session page")
    control(tree, "button", "Register")
    page.get_by_role("button", name="Register").click()
    expect(page.get_by_role("button", name="Cancel my registration")).to_be_visible()
    assert_announced(page, "You have a seat. See you there!", "after registering")
    assert_controls_named(page, "after registering")


# --- 320 px and 200% zoom -----------------------------------------------------------------------------------


@pytest.fixture
def key_pages(db):
    """Who sees which key page: a visitor the sign-up page and the desk's claim page (where a resident takes over
    the account a desk made); a resident the home page, the proposal list and a proposal, the new-proposal form,
    a challenge page and a co-design session's page; desk staff the desk, its registration form and paper
    forms."""
    home = demo.build_pages()
    challenges = ChallengeIndexPage(title="Challenges", slug="challenges", intro="The district asks.")
    home.add_child(instance=challenges)
    challenges.save_revision().publish()
    challenge = ChallengePage(
        title="Safer walks home at night in Seongdong-gu",
        slug="safer-nights",
        theme="Safer nights",
        question="Where do you feel unsafe when you walk home after dark, and what would help?",
    )
    challenges.add_child(instance=challenge)
    challenge.save_revision().publish()
    proposal = ProposalFactory(
        title="A very long proposal title about the broken street lights along Seongsu-ro 3-gil near the market",
        easy_read_summary="The street lights are broken.\nThe alley is dark at night.",
    )
    session = session_on_a_pilot(
        home, title="Co-design workshop on the smart bus shelter at Seongsu-ro 3-gil, second floor meeting room"
    )
    staff = UserFactory(display_name="Desk staff member")
    desk_services.appoint_desk_staff(staff, centre=Centre.objects.create(name="Seongsu Centre", area=DongFactory()))
    return {
        "visitor_pages": ["/accounts/signup/", "/desk/claim/"],
        "resident": [
            "/",
            "/proposals/",
            proposal.get_absolute_url(),
            "/proposals/new/",
            challenge.url,
            session.get_absolute_url(),
        ],
        "staff": staff,
        "staff_pages": ["/desk/", "/desk/residents/new/", "/desk/paper/"],
    }


def overflow(page) -> tuple[int, int]:
    return page.evaluate("[document.scrollingElement.scrollWidth, window.innerWidth]")


def assert_no_sideways_scroll(browser, base, key_pages, *, viewport, scale, text_size=1):
    """Each key page, seen by the person who uses it, fits ``viewport`` without scrolling sideways."""
    context = browser.new_context(viewport=viewport, device_scale_factor=scale, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(LIVENESS_MS)
    failures = []
    try:
        for person, paths in (
            (None, key_pages["visitor_pages"]),
            (ResidentFactory(), key_pages["resident"]),
            (key_pages["staff"], key_pages["staff_pages"]),
        ):
            if person is None:
                context.clear_cookies()
            else:
                log_in(page, base, person)  # clears the cookies: the text size is chosen after it
            context.add_cookies([{"name": "ll_reading", "value": f"s{text_size}c0", "url": base}])
            for path in paths:
                assert page.goto(f"{base}{path}").ok, path
                expect(page.locator(f"html.text-size-{text_size}")).to_have_count(1)
                width, inner = overflow(page)
                if width > inner:
                    failures.append(f"{path}: {width} > {inner}")
    finally:
        context.close()
    assert not failures, f"sideways scroll at {viewport} x{scale}: {failures}"


def test_key_pages_fit_320_css_pixels(live_server, browser, key_pages):
    assert_no_sideways_scroll(browser, live_server.url, key_pages, viewport={"width": 320, "height": 640}, scale=1)


def test_key_pages_fit_200_percent_zoom(live_server, browser, key_pages):
    assert_no_sideways_scroll(browser, live_server.url, key_pages, viewport={"width": 683, "height": 384}, scale=2)


def test_key_pages_fit_320_css_pixels_with_the_largest_text(live_server, browser, key_pages):
    assert_no_sideways_scroll(
        browser, live_server.url, key_pages, viewport={"width": 320, "height": 640}, scale=1, text_size=3
    )
