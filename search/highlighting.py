"""Safe highlighted text: every character a resident typed is escaped first, then matches are marked.

The two backends find matches differently (the database by substring, Elasticsearch by its highlighter), but
both end here so that `<mark>` is the only markup that ever reaches a template.
"""

import re

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

# Elasticsearch wraps matches in these private-use characters instead of tags, so its fragments can be escaped
# like any other text before the marks go in. Residents' text cannot smuggle them in: they are stripped first.
HIGHLIGHT_START = "\ue000"
HIGHLIGHT_END = "\ue001"
SNIPPET_LENGTH = 200


def _marked(text: str, pattern: re.Pattern | None) -> SafeString:
    if pattern is None:
        return escape(text)
    parts = []
    position = 0
    for match in pattern.finditer(text):
        if match.start() == match.end():
            continue
        parts.append(escape(text[position : match.start()]))
        parts.append(f"<mark>{escape(match.group(0))}</mark>")
        position = match.end()
    parts.append(escape(text[position:]))
    return mark_safe("".join(parts))  # noqa: S308 - every piece above went through escape()


def terms_pattern(terms: list[str]) -> re.Pattern | None:
    terms = [term for term in terms if term]
    if not terms:
        return None
    # Longest first, so "가로등" wins over "가로" where both match.
    alternatives = "|".join(re.escape(term) for term in sorted(set(terms), key=len, reverse=True))
    return re.compile(alternatives, re.IGNORECASE)


def mark_terms(text: str, terms: list[str]) -> SafeString:
    """The whole text, escaped, with every occurrence of a term in <mark>."""
    return _marked(strip_sentinels(text), terms_pattern(terms))


_MARKDOWN_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_MARKDOWN_INLINE = re.compile(r"\*\*|__|[*`]")
_MARKDOWN_LINE_START = re.compile(r"^\s*(?:#{1,6}|>|[-+]|\d+\.)\s+", re.MULTILINE)


def plain_text(text: str) -> str:
    """Descriptions may use simple Markdown; a snippet shows the words, not the ** and [](…) around them."""
    text = _MARKDOWN_LINE_START.sub(" ", _MARKDOWN_LINK.sub(r"\1", text))
    return _MARKDOWN_INLINE.sub("", text)


def snippet(text: str, terms: list[str], length: int = SNIPPET_LENGTH) -> SafeString:
    """A window of about `length` characters around the first match (or the start), escaped and marked."""
    text = " ".join(plain_text(strip_sentinels(text)).split())
    pattern = terms_pattern(terms)
    start = 0
    if pattern is not None and (first := pattern.search(text)):
        start = max(0, first.start() - length // 4)
    window = text[start : start + length]
    prefix = "… " if start > 0 else ""
    suffix = " …" if start + length < len(text) else ""
    return mark_safe(escape(prefix) + _marked(window, pattern) + escape(suffix))  # noqa: S308 - escaped above


__all__ = ["escape", "from_highlight", "mark_terms", "snippet", "strip_sentinels"]


def strip_sentinels(text: str) -> str:
    return text.replace(HIGHLIGHT_START, "").replace(HIGHLIGHT_END, "")


def from_highlight(fragment: str) -> SafeString:
    """An Elasticsearch highlight fragment (sentinel-marked, raw text) as safe HTML with <mark>."""
    parts = []
    for index, piece in enumerate(re.split(f"[{HIGHLIGHT_START}{HIGHLIGHT_END}]", fragment)):
        # Pieces alternate outside/inside a mark because the highlighter always closes what it opens.
        parts.append(f"<mark>{escape(piece)}</mark>" if index % 2 else escape(piece))
    return mark_safe("".join(parts))  # noqa: S308 - every piece went through escape()
