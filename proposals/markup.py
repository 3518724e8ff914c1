"""Residents' text to safe HTML: limited Markdown, rendered on the server and sanitised with nh3."""

import html

import markdown
import nh3
from django.utils.safestring import SafeString, mark_safe

ALLOWED_TAGS = {"p", "br", "strong", "em", "ul", "ol", "li", "a"}
ALLOWED_ATTRIBUTES = {"a": {"href"}}
ALLOWED_URL_SCHEMES = {"http", "https", "mailto"}
LINK_REL = "nofollow ugc noopener"


def render_markdown(text: str) -> SafeString:
    """Render ``text`` as paragraphs, line breaks, bold, italics, lists and links, and nothing else.

    Any HTML the author typed is escaped before Markdown sees it, so it shows as text and never runs;
    nh3 then keeps only the allowed tags and drops links that are not http(s) or mailto.
    """
    if not text:
        return mark_safe("")  # noqa: S308 - an empty string
    escaped = html.escape(text, quote=False)
    rendered = markdown.markdown(escaped, extensions=["nl2br", "sane_lists"], output_format="html")
    cleaned = nh3.clean(
        rendered,
        tags=ALLOWED_TAGS,
        clean_content_tags={"script", "style"},
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        url_relative="deny",
        link_rel=LINK_REL,
    )
    return mark_safe(cleaned)  # noqa: S308 - sanitised by nh3 just above
