"""A comment's text as safe HTML, with each @mention of a real person linked to their public profile.

The text is escaped first; only then are the mentions that name exactly one person who may be mentioned
(``accounts.mentions``) wrapped in a link built from their primary key, never from the text. nh3 cleans the
result again, so whatever a comment holds can only ever come out as paragraphs, line breaks and those links.
A list of comments resolves all its names in one query (``attach_mentions``).
"""

import html

import nh3
from django.urls import reverse
from django.utils.html import linebreaks
from django.utils.safestring import SafeString, mark_safe

from accounts.mentions import MENTION, clean_name, mentioned_names, people_named

ALLOWED_TAGS = {"p", "br", "a"}
ALLOWED_ATTRIBUTES = {"a": {"href", "class"}}


def attach_mentions(comments) -> None:
    """Resolve the names mentioned in all of ``comments`` in one query; each comment keeps its own links."""
    comments = list(comments)
    names = {name for comment in comments for name in mentioned_names(comment.body)}
    people = people_named(names)
    for comment in comments:
        comment.mentioned_people = people


def _link(match, people: dict[str, int]) -> str:
    raw = match.group(1)
    name = clean_name(raw)
    pk = people.get(name.casefold())
    if pk is None:
        return html.escape(match.group(0), quote=False)
    href = reverse("proposals:person", args=[pk])
    link = f'<a class="mention" href="{html.escape(href)}">@{html.escape(name, quote=False)}</a>'
    return link + html.escape(raw[len(name) :], quote=False)


def render_comment(comment) -> SafeString:
    """``comment.body`` as paragraphs with its mentions linked (resolved now if the list did not do it)."""
    text = comment.body or ""
    people = getattr(comment, "mentioned_people", None)
    if people is None:
        people = people_named(mentioned_names(text))
    pieces, start = [], 0
    for match in MENTION.finditer(text):
        pieces.append(html.escape(text[start : match.start()], quote=False))
        pieces.append(_link(match, people))
        start = match.end()
    pieces.append(html.escape(text[start:], quote=False))
    rendered = linebreaks("".join(pieces), autoescape=False)
    cleaned = nh3.clean(rendered, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES, url_schemes=set(), link_rel=None)
    return mark_safe(cleaned)  # noqa: S308 - escaped above, then sanitised by nh3
