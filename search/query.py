"""What a person typed, made safe for a backend: normalised text, its words, known filters, a sort."""

import re
import unicodedata

from proposals.models import PUBLIC_STATUSES

from .types import Near, Sort

MAX_QUERY_LENGTH = 200
MAX_TERMS = 8
FACETS = ("status", "category", "area")


_CONTROL = re.compile(r"[\x00-\x1f\x7f\ue000\ue001]")
_WORD = re.compile(r"\w+", re.UNICODE)


def normalise_query(raw: str | None) -> tuple[str, bool]:
    """(query, truncated): NFKC-normalised, control characters removed, spaces collapsed, at most 200 chars."""
    text = unicodedata.normalize("NFKC", raw or "")
    text = " ".join(_CONTROL.sub(" ", text).split())
    if len(text) > MAX_QUERY_LENGTH:
        return text[:MAX_QUERY_LENGTH].rstrip(), True
    return text, False


def query_terms(query: str) -> list[str]:
    """The words of a query, without operators or punctuation, at most eight, each once, in order."""
    terms: list[str] = []
    for word in _WORD.findall(query.replace("_", " ")):
        if word.lower() not in (term.lower() for term in terms):
            terms.append(word)
    return terms[:MAX_TERMS]


def clean_filters(filters: dict | None) -> dict[str, str]:
    """Only known facets with a plausible value; unknown keys and junk are dropped, not errors."""
    cleaned = {}
    for key in FACETS:
        value = (filters or {}).get(key)
        if isinstance(value, list | tuple):
            value = value[0] if value else None
        if not value or not isinstance(value, str) or len(value) > 80:
            continue
        if key == "status" and value not in PUBLIC_STATUSES:
            continue
        cleaned[key] = value
    return cleaned


def resolve_sort(sort: str | None, *, query: str, near: Near | None) -> str:
    if sort == Sort.DISTANCE and near is None:
        sort = None
    if sort in Sort.values:
        return sort
    if near is not None:
        return Sort.DISTANCE
    return Sort.RELEVANCE if query else Sort.NEWEST
