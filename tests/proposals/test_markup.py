"""Residents' Markdown: the allowed subset renders, everything else is escaped or dropped."""

import pytest
from django.core.exceptions import ValidationError
from django.utils.safestring import SafeString

from proposals.markup import render_markdown
from proposals.validators import validate_user_text


def test_allowed_markdown_renders():
    html = render_markdown("**Dark** and *wet*\n\n- one\n- two\n\n1. first\n2. second")
    assert "<strong>Dark</strong>" in html
    assert "<em>wet</em>" in html
    assert "<ul>" in html and "<ol>" in html and "<li>one</li>" in html
    assert isinstance(html, SafeString)


def test_line_breaks_are_kept():
    assert "<br>" in render_markdown("first line\nsecond line")


def test_links_get_rel_and_keep_http():
    html = render_markdown("[map](https://map.example.org/a?b=1&c=2)")
    assert 'href="https://map.example.org/a?b=1&amp;c=2"' in html
    assert 'rel="nofollow ugc noopener"' in html


def test_mailto_links_are_allowed():
    assert 'href="mailto:office@example.org"' in render_markdown("[mail](mailto:office@example.org)")


@pytest.mark.parametrize(
    "source",
    [
        "[x](javascript:alert(1))",
        "[x](JaVaScRiPt:alert(1))",
        "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
        "[x](vbscript:msgbox)",
        "[x](java&#115;cript:alert(1))",
        "[x](/relative/path)",
    ],
)
def test_dangerous_and_relative_links_lose_their_href(source):
    html = render_markdown(source)
    assert "href" not in html
    assert "javascript" not in html.lower()


@pytest.mark.parametrize(
    ("source", "absent"),
    [
        ("<script>alert(1)</script>", "<script"),
        ('<img src=x onerror="alert(1)">', "<img"),
        ("<a href='javascript:alert(1)'>x</a>", "<a href"),
        ("<iframe src=https://evil.example></iframe>", "<iframe"),
        ('<p style="color:red" onclick="x()">hi</p>', "<p style"),
    ],
)
def test_raw_html_is_escaped_never_rendered(source, absent):
    html = render_markdown(source)
    assert absent not in html
    assert "&lt;" in html


def test_disallowed_markdown_features_are_flattened():
    html = render_markdown("# Heading\n\n![pic](https://example.org/x.png)\n\n> quote\n\n    code")
    for tag in ("<h1", "<img", "<blockquote", "<pre", "<code"):
        assert tag not in html
    assert "Heading" in html


def test_empty_text_renders_empty():
    assert render_markdown("") == ""


# --- the validator forms and services share ------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Plain text with a < b and 3 > 2",
        "**Bold** and [a link](https://example.org)",
        "Contact [us](mailto:office@example.org)",
        "Data: 50 µg/m³ near the school",
        "서울 성동구 <3 우리 동네",
    ],
)
def test_validator_accepts_plain_text_and_simple_markdown(text):
    validate_user_text(text)


@pytest.mark.parametrize(
    "text",
    [
        "<script>alert(1)</script>",
        "<b>bold</b>",
        "<!-- comment -->",
        "[x](javascript:alert(1))",
        "[x]( data:text/html,hi)",
        "[x](java&#115;cript:alert(1))",
        "[x](/relative)",
        "[ref]: javascript:alert(1)",
        "<javascript:alert(1)>",
    ],
)
def test_validator_refuses_markup_and_bad_links(text):
    with pytest.raises(ValidationError):
        validate_user_text(text)
