"""The kinds of thing residents can report, for the one moderation queue.

Each app registers its own reportable kinds in its ``AppConfig.ready``: ``proposals`` its proposals and
comments (``proposals.moderation_kinds``), ``pilots`` residents' feedback on a pilot's results
(``pilots.moderation``). The queue (``proposals.moderation``) lists the open reports of every registered
kind, pages through them together, oldest first, and acts on them through the kind, so it never imports the
app that owns a kind: ``proposals`` knows nothing of ``pilots``.
"""

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class Pending:
    """One reported thing waiting for a moderator: its kind, its key, how many reports, since when."""

    kind: str
    pk: int
    count: int
    first: datetime


class ReportableKind:
    """What the queue needs to know about one kind of reported thing; subclass it and ``register`` it.

    ``pending``, ``load`` and ``hidden`` must each cost a fixed number of queries, whatever the number of items.
    """

    name = ""  # in forms and element ids: letters and underscores
    label = ""  # the badge on each item in the queue
    text_template = ""  # renders ``item.obj``'s text in its context, for the queue
    actions = frozenset({"hide", "dismiss", "warn", "block", "restore"})

    def pending(self) -> list[Pending]:
        raise NotImplementedError

    def open_count(self) -> int:
        return len(self.pending())

    def load(self, pks: list[int]) -> dict[int, tuple[object, list]]:
        """Each of ``pks`` with its open reports (reporters at hand), oldest report first."""
        raise NotImplementedError

    def get(self, pk: int):
        """The item the moderator acts on, or ``None``."""
        raise NotImplementedError

    def title(self, obj) -> str:
        raise NotImplementedError

    def url(self, obj) -> str:
        raise NotImplementedError

    def author(self, obj):
        return obj.author

    def summary(self, obj) -> str:
        """A line of the hidden item's text, for the list of what was hidden."""
        raise NotImplementedError

    def hidden(self, limit: int) -> list:
        raise NotImplementedError

    def hide(self, obj, *, by, reason: str) -> None:
        raise NotImplementedError

    def restore(self, obj, *, by) -> None:
        raise NotImplementedError

    def dismiss(self, obj, *, by, reason: str) -> int:
        raise NotImplementedError

    def warn(self, obj, *, by, reason: str) -> None:
        raise NotImplementedError


REGISTRY: dict[str, ReportableKind] = {}


def register(kind: ReportableKind) -> ReportableKind:
    """Add ``kind`` to the queue (an app's ``ready``); registering a name twice replaces it."""
    REGISTRY[kind.name] = kind
    return kind


def registered() -> list[ReportableKind]:
    return list(REGISTRY.values())


def kind_named(name: str) -> ReportableKind | None:
    return REGISTRY.get(name)


@dataclass
class ReportedItem:
    """A reported thing with its open reports, as the queue shows it."""

    kind: ReportableKind
    obj: object
    count: int
    first_reported: datetime
    reports: list = field(default_factory=list)

    @property
    def key(self) -> str:
        return self.kind.name

    @property
    def kind_label(self) -> str:
        return self.kind.label

    @property
    def title(self) -> str:
        return self.kind.title(self.obj)

    @property
    def url(self) -> str:
        return self.kind.url(self.obj)

    @property
    def author(self):
        return self.kind.author(self.obj)

    @property
    def text_template(self) -> str:
        return self.kind.text_template

    @property
    def can_warn(self) -> bool:
        return "warn" in self.kind.actions

    @property
    def author_can_be_blocked(self) -> bool:
        author = self.author
        return "block" in self.kind.actions and not (author.is_moderator or author.is_erased or author.is_blocked)


@dataclass
class HiddenItem:
    """A hidden thing a moderator may restore."""

    kind: ReportableKind
    obj: object

    @property
    def key(self) -> str:
        return self.kind.name

    @property
    def summary(self) -> str:
        return self.kind.summary(self.obj)

    @property
    def author(self):
        return self.kind.author(self.obj)

    @property
    def hidden_reason(self) -> str:
        return self.obj.hidden_reason


def pending_items() -> list[Pending]:
    """Every reported thing of every kind, the longest-waiting first (one query per kind)."""
    rows = [row for kind in registered() for row in kind.pending()]
    return sorted(rows, key=lambda row: (row.first, row.kind, row.pk))


def load_items(rows: list[Pending]) -> list[ReportedItem]:
    """``rows`` as items with their reports: one load per kind present, whatever the number of rows."""
    wanted: dict[str, list[int]] = {}
    for row in rows:
        wanted.setdefault(row.kind, []).append(row.pk)
    loaded = {name: REGISTRY[name].load(pks) for name, pks in wanted.items()}
    items = []
    for row in rows:
        found = loaded[row.kind].get(row.pk)
        if found is not None and found[1]:
            items.append(ReportedItem(REGISTRY[row.kind], found[0], row.count, row.first, found[1]))
    return items
