"""Issue 13, seen in Chromium: the paper form as it prints, and what the reading settings do to a page.

Print: with print media emulated, the site's header, navigation, footer and every button are gone, the type is
large (14 pt and up), the QR code is on the sheet at a scannable size, and Chromium's own PDF of the page (the
page size taken from the stylesheet, against a Letter default) is one A4 sheet.

Reading: the three text sizes change the computed font sizes (16, 19 and 22 px at the root; body text in
proportion); high contrast changes the computed colours so that every piece of visible text on the page has a
contrast ratio of at least 7:1 (WCAG AAA) against the background it is drawn on, which the default theme does
not reach everywhere. Both are remembered after a reload and in the same browser, not in another one; a
signed-in person's choice follows them to another browser. Screenshots in test-artifacts/screenshots.

What this does not prove: how a particular printer scales the sheet, or whether a person's own browser zoom and
colour settings combine well with ours.
"""

import re

import pytest
from playwright.sync_api import expect

from accounts.models import User
from home import demo
from proposals.models import ProposalStatus
from tests.browser.conftest import ARTIFACTS, LIVENESS_MS
from tests.factories import ProposalFactory, ResidentFactory

from .test_everyday_journeys import log_in

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

A4_POINTS = (595.28, 841.89)
LETTER_POINTS = (612.0, 792.0)
PT = 96 / 72  # CSS pixels per point

# Every visible element with its own text: its colour and the first opaque background behind it, walking up
# the ancestors (a transparent background shows its parent's).
TEXT_COLOURS_JS = """
() => {
  const parse = (value) => {
    const m = value.match(/rgba?\\(([^)]+)\\)/);
    if (!m) return null;
    const parts = m[1].split(/[ ,\\/]+/).filter(Boolean).map(Number);
    return {r: parts[0], g: parts[1], b: parts[2], a: parts.length > 3 ? parts[3] : 1};
  };
  const background = (element) => {
    for (let node = element; node; node = node.parentElement) {
      const colour = parse(getComputedStyle(node).backgroundColor);
      if (colour && colour.a > 0.5) return colour;
    }
    return {r: 255, g: 255, b: 255, a: 1};
  };
  const rows = [];
  for (const element of document.body.querySelectorAll('*')) {
    const own = [...element.childNodes].filter((n) => n.nodeType === 3 && n.textContent.trim()).length;
    if (!own) continue;
    const style = getComputedStyle(element);
    const box = element.getBoundingClientRect();
    if (style.visibility !== 'visible' || box.width < 2 || box.height < 2 || !element.getClientRects().length) continue;
    if (element.closest('[aria-hidden="true"], .visually-hidden, script, style, noscript')) continue;
    rows.push({
      text: element.textContent.trim().slice(0, 40),
      tag: element.tagName.toLowerCase(),
      colour: parse(style.color),
      background: background(element),
    });
  }
  return rows;
}
"""


def luminance(colour: dict) -> float:
    def channel(value):
        value /= 255
        return value / 12.92 if value <= 0.03928 else ((value + 0.055) / 1.055) ** 2.4

    return 0.2126 * channel(colour["r"]) + 0.7152 * channel(colour["g"]) + 0.0722 * channel(colour["b"])


def contrast(one: dict, other: dict) -> float:
    lighter, darker = sorted((luminance(one), luminance(other)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def text_below(page, ratio: float) -> list[str]:
    rows = page.evaluate(TEXT_COLOURS_JS)
    assert rows, "no visible text found"
    return [
        f"{row['tag']} {row['text']!r}: {contrast(row['colour'], row['background']):.2f}"
        for row in rows
        if contrast(row["colour"], row["background"]) < ratio
    ]


def px(page, selector: str, prop: str = "font-size") -> float:
    value = page.locator(selector).first.evaluate(f"(e) => getComputedStyle(e).getPropertyValue('{prop}')")
    return float(value.removesuffix("px"))


def colour_of(page, selector: str, prop: str = "color") -> str:
    return page.locator(selector).first.evaluate(f"(e) => getComputedStyle(e).getPropertyValue('{prop}')")


def pdf_pages(pdf: bytes) -> list[tuple[float, float]]:
    """Each page's size in points, from the page objects' MediaBox (Chromium writes them uncompressed)."""
    boxes = re.findall(rb"/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)\s*\]", pdf)
    return [(float(width), float(height)) for width, height in boxes]


# --- print --------------------------------------------------------------------------------------------------


def test_the_paper_form_prints_as_one_a4_sheet_in_large_type_with_its_qr_code(live_server, browser):
    demo.build_pages()
    context = browser.new_context(viewport={"width": 1024, "height": 900}, locale="ko-KR")
    page = context.new_page()
    page.set_default_timeout(LIVENESS_MS)
    context.add_cookies([{"name": "django_language", "value": "ko", "url": live_server.url}])
    try:
        assert page.goto(f"{live_server.url}/desk/paper/form/").ok
        # On screen: the site's header, its buttons and the printing hint are there (the control for below).
        for selector in ("body > header", "nav", ".reading-controls button", ".no-print", "body > footer"):
            expect(page.locator(selector).first).to_be_visible()
        screen_size = px(page, ".paper-sheet")

        page.emulate_media(media="print")
        for selector in ("body > header", "nav", ".no-print", "body > footer", ".skip-link"):
            assert page.locator(selector).count(), selector
            for element in page.locator(selector).all():
                expect(element).to_be_hidden()
        visible_buttons = page.evaluate(
            "[...document.querySelectorAll('button, [role=button], input[type=submit], a.button')]"
            ".filter((e) => e.getClientRects().length).length"
        )
        assert visible_buttons == 0
        # Large type: 14 pt for the fields, 20 pt for the title; the sheet is black on white.
        assert px(page, ".paper-sheet") >= 14 * PT - 0.5
        assert px(page, ".paper-field .label") >= 14 * PT - 0.5
        assert px(page, ".paper-sheet h1") >= 20 * PT - 0.5
        assert px(page, ".paper-sheet") != screen_size  # the print rules applied, not the screen's
        assert colour_of(page, ".paper-sheet") == "rgb(0, 0, 0)"
        qr = page.locator(".qr svg")
        expect(qr).to_be_visible()
        box = qr.bounding_box()
        assert box["width"] >= 96 and abs(box["width"] - box["height"]) < 1  # at least an inch, square
        page.set_viewport_size({"width": 794, "height": 1123})  # A4 at 96 dpi
        page.screenshot(path=str(_artifact("paper-form-print")), full_page=True)

        pages = pdf_pages(page.pdf(prefer_css_page_size=True, print_background=True))
        assert len(pages) == 1, f"the form prints on {len(pages)} pages"
        width, height = pages[0]
        assert abs(width - A4_POINTS[0]) < 2 and abs(height - A4_POINTS[1]) < 2, pages
        assert abs(width - LETTER_POINTS[0]) > 10  # the stylesheet chose A4 over the PDF default
    finally:
        context.close()


def _artifact(name: str):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS / f"{name}.png"


# --- reading settings ---------------------------------------------------------------------------------------


@pytest.fixture
def reading_page(db):
    demo.build_pages()
    proposal = ProposalFactory(
        title="Broken street lights along Seongsu-ro 3-gil",
        description="The street lights in the alley behind the market have been off for two weeks. "
        "Older residents walking home from the community centre cannot see the steps.",
    )
    # The list shows a status badge of each colour (each drawn on its own tint).
    for status in (ProposalStatus.UNDER_REVIEW, ProposalStatus.ACCEPTED, ProposalStatus.REJECTED):
        ProposalFactory(title=f"A proposal {status.label.lower()}", status=status)
    return proposal.get_absolute_url()


def choose(page, button_name: str):
    page.get_by_role("button", name=button_name, exact=True).click()
    page.wait_for_load_state("load")


def sizes(page) -> tuple[float, float]:
    return px(page, "html"), px(page, "main p")


def test_the_three_text_sizes_change_computed_font_sizes_and_stay_after_a_reload(live_server, browser, reading_page):
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(LIVENESS_MS)
    url = f"{live_server.url}{reading_page}"
    try:
        page.goto(url)
        root, text = sizes(page)
        assert root == 16
        choose(page, "Larger text")
        expect(page.locator("html.text-size-2")).to_have_count(1)
        assert sizes(page) == (pytest.approx(19), pytest.approx(text * 1.1875, abs=0.1))
        choose(page, "Largest text")
        expect(page.locator("html.text-size-3")).to_have_count(1)
        assert sizes(page) == (pytest.approx(22), pytest.approx(text * 1.375, abs=0.1))
        page.screenshot(path=str(_artifact("reading-largest-390")), full_page=True)

        page.reload()
        assert sizes(page) == (pytest.approx(22), pytest.approx(text * 1.375, abs=0.1))
        page.goto(f"{live_server.url}/proposals/")  # another page, the same browser
        assert px(page, "html") == 22

        choose(page, "Normal text")
        expect(page.locator("html.text-size-1")).to_have_count(1)
        page.goto(url)
        assert sizes(page) == (16, text)
    finally:
        context.close()


def test_high_contrast_reaches_seven_to_one_on_every_text_and_is_remembered_in_this_browser_only(
    live_server, browser, reading_page
):
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="en-GB")
    other_browser = browser.new_context(viewport={"width": 1366, "height": 900}, locale="en-GB")
    page, elsewhere = context.new_page(), other_browser.new_page()
    url = f"{live_server.url}{reading_page}"
    try:
        page.goto(url)
        default_text, default_link = colour_of(page, "main p"), colour_of(page, "main a")
        default_below = text_below(page, 7)
        # The control: the default theme (AA, 4.5:1) has text below 7:1, so passing below is the theme's doing.
        assert default_below, "the default theme already reaches 7:1 everywhere: the check below proves nothing"

        choose(page, "High contrast")
        expect(page.locator("html.contrast-high")).to_have_count(1)
        expect(page.get_by_role("button", name="High contrast")).to_have_attribute("aria-pressed", "true")
        assert colour_of(page, "main p") == "rgb(0, 0, 0)" != default_text
        assert colour_of(page, "main a") != default_link
        assert not text_below(page, 7), text_below(page, 7)
        page.screenshot(path=str(_artifact("reading-high-contrast-1366")), full_page=True)

        page.reload()
        expect(page.locator("html.contrast-high")).to_have_count(1)
        assert not text_below(page, 7)
        for other in ("/", "/proposals/"):
            page.goto(f"{live_server.url}{other}")
            expect(page.locator("html.contrast-high")).to_have_count(1)
            assert not text_below(page, 7), (other, text_below(page, 7))

        # Another browser, nobody signed in: the default theme.
        elsewhere.goto(url)
        expect(elsewhere.locator("html.contrast-high")).to_have_count(0)
        assert colour_of(elsewhere, "main p") == default_text

        choose(page, "High contrast")  # off again
        expect(page.locator("html.contrast-high")).to_have_count(0)
        assert colour_of(page, "main p") == default_text
    finally:
        context.close()
        other_browser.close()


def test_a_signed_in_persons_choice_follows_them_to_another_browser(live_server, browser, reading_page):
    resident = ResidentFactory()
    phone = browser.new_context(viewport={"width": 390, "height": 844}, locale="en-GB")
    desktop = browser.new_context(viewport={"width": 1366, "height": 900}, locale="en-GB")
    on_phone, on_desktop = phone.new_page(), desktop.new_page()
    url = f"{live_server.url}{reading_page}"
    try:
        log_in(on_phone, live_server.url, resident)
        on_phone.goto(url)
        choose(on_phone, "Largest text")
        choose(on_phone, "High contrast")
        expect(on_phone.locator("html.text-size-3.contrast-high")).to_have_count(1)
        stored = User.objects.get(pk=resident.pk)
        assert (stored.text_size, stored.high_contrast) == (3, True)

        # Before signing in, the other browser reads in the default size and colours.
        on_desktop.goto(url)
        assert px(on_desktop, "html") == 16
        expect(on_desktop.locator("html.contrast-high")).to_have_count(0)

        log_in(on_desktop, live_server.url, resident)
        on_desktop.goto(url)
        expect(on_desktop.locator("html.text-size-3.contrast-high")).to_have_count(1)
        assert px(on_desktop, "html") == 22
        assert colour_of(on_desktop, "main p") == "rgb(0, 0, 0)"
        assert not text_below(on_desktop, 7), text_below(on_desktop, 7)
        on_desktop.screenshot(path=str(_artifact("reading-follows-account-1366")), full_page=True)

        # Someone else signing in on that browser gets their own (default) settings, not the last person's.
        log_in(on_desktop, live_server.url, ResidentFactory())
        on_desktop.goto(url)
        assert px(on_desktop, "html") == 16
        expect(on_desktop.locator("html.contrast-high")).to_have_count(0)
    finally:
        phone.close()
        desktop.close()
