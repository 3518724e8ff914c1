"""Cursor (keyset) pagination with a stable order: each ordering ends with the primary key as tie-breaker.

A cursor is the last row's sort key, signed, so a client can hand it back but not forge or edit it; a page
never skips or repeats a row when rows are added while someone pages through.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from django.core import signing
from django.db.models import Q
from django.utils.translation import gettext as _

from .errors import ApiError
from .headers import set_last_modified

CURSOR_SALT = "opendata.api.cursor"
DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 100


@dataclass
class Page:
    items: list
    next_cursor: str | None

    def as_response(self) -> dict:
        return {"results": self.items, "next_cursor": self.next_cursor}


def _encode(value):
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _decode(value, kind):
    if value is None:
        return None
    if kind is datetime:
        return datetime.fromisoformat(value)
    if kind is date:
        return date.fromisoformat(value)
    return kind(value)


def read_cursor(cursor: str, *, ordering: str, kind: type) -> tuple:
    try:
        payload = signing.loads(cursor, salt=CURSOR_SALT)
        if payload["o"] != ordering:
            raise ApiError(_("This cursor belongs to another ordering; start again without a cursor."))
        value, pk = payload["k"]
        return _decode(value, kind), int(pk)
    except ApiError:
        raise
    except (signing.BadSignature, KeyError, TypeError, ValueError) as exc:
        raise ApiError(_("The cursor is not valid; use the next_cursor value of a previous page.")) from exc


def paginate(queryset, *, ordering: str, cursor: str | None, page_size: int, kinds: dict[str, type]) -> Page:
    """One page of ``queryset`` in ``ordering`` (a field name, ``-`` for descending) after ``cursor``."""
    descending = ordering.startswith("-")
    field = ordering.lstrip("-")
    sign = "-" if descending else ""
    queryset = queryset.order_by(f"{sign}{field}", f"{sign}pk")
    if cursor:
        value, pk = read_cursor(cursor, ordering=ordering, kind=kinds[field])
        op = "lt" if descending else "gt"
        # The redundant bound (``<=``/``>=``) lets the database walk the sort column's index to the cursor
        # instead of testing the OR on every row before it.
        queryset = queryset.filter(**{f"{field}__{op}e": value}).filter(
            Q(**{f"{field}__{op}": value}) | Q(**{field: value, f"pk__{op}": pk})
        )
    rows = list(queryset[: page_size + 1])
    items = rows[:page_size]
    next_cursor = None
    if len(rows) > page_size:
        last = items[-1]
        key = [_encode(last[field]), last["id"]] if isinstance(last, dict) else [_encode(getattr(last, field)), last.pk]
        next_cursor = signing.dumps({"o": ordering, "k": key}, salt=CURSOR_SALT, compress=True)
    return Page(items=items, next_cursor=next_cursor)


def written_page(
    queryset,
    params,
    *,
    kinds: dict[str, type],
    writer: Callable[[list], Callable],
    response=None,
    modified: Callable | None = None,
) -> Page:
    """The shape every list endpoint shares: one page of ``queryset`` by the request's ordering, cursor and size,
    ``Last-Modified`` on ``response`` from ``modified(item)``, and the items written for the client.

    ``writer(items)`` sees the whole page first and returns the function that writes one item, so a writer can
    load what the page needs in one query (the pilots its status changes name, its photos); ``each`` makes a
    writer of a function that needs nothing more.
    """
    page = paginate(queryset, ordering=params.ordering, cursor=params.cursor, page_size=params.page_size, kinds=kinds)
    if response is not None and modified is not None:
        set_last_modified(response, (modified(item) for item in page.items))
    write = writer(page.items)
    return Page(items=[write(item) for item in page.items], next_cursor=page.next_cursor)


def each(write: Callable) -> Callable[[list], Callable]:
    """A writer for items written from themselves alone."""
    return lambda _items: write
