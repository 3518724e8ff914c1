"""@mentions in comments, resolved to people safely.

A mention is ``@`` followed by someone's display name without spaces (letters, digits, ``.``, ``_``, ``-``,
Hangul included), matched case-insensitively. Only an exact, unambiguous match counts: an unknown name, or
a name two people share, mentions nobody. Blocked, erased and inactive accounts are never mentioned. The
notifications use the primary keys (``mentioned_user_ids``); comment pages link each mention to the person's
public profile (``proposals.mentions``), resolving every name on the page in one query (``people_named``).
"""

import re

from django.contrib.auth import get_user_model
from django.db.models import Q

MENTION = re.compile(r"(?<![\w@])@([\w][\w.\-]{1,59})")
MAX_MENTIONS = 10


def mentioned_names(text: str) -> list[str]:
    """The distinct names mentioned in ``text``, in order, at most ``MAX_MENTIONS``."""
    names: dict[str, str] = {}
    for name in MENTION.findall(text or ""):
        names.setdefault(clean_name(name).casefold(), clean_name(name))
    return list(names.values())[:MAX_MENTIONS]


def clean_name(raw: str) -> str:
    """The name a match stands for: a sentence's full stop or a dash after it is not part of the name."""
    return raw.rstrip(".-")


def people_named(names) -> dict[str, int]:
    """Each of ``names`` (case-folded) that exactly one person who may be mentioned bears, with their pk.

    One query whatever the number of names; none when there are no names.
    """
    names = list(dict.fromkeys(name.casefold() for name in names if name))
    if not names:
        return {}
    query = Q()
    for name in names:
        query |= Q(display_name__iexact=name)
    people = (
        get_user_model()
        .objects.filter(query, is_active=True, erased_at__isnull=True, blocked_at__isnull=True)
        .values_list("pk", "display_name")
    )
    by_name: dict[str, list[int]] = {}
    for pk, display_name in people:
        by_name.setdefault(display_name.casefold(), []).append(pk)
    return {name: pks[0] for name, pks in by_name.items() if len(pks) == 1}


def mentioned_user_ids(text: str, *, exclude: int | None = None) -> set[int]:
    return {pk for pk in people_named(mentioned_names(text)).values() if pk != exclude}
