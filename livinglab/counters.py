"""Cached counters stay exact whichever way their rows go: the part every app's ``counters.py`` shares.

A cached counter (``Proposal.vote_count``, ``Session.registered_count``, ...) is changed by its app's services
in the same transaction as the rows it counts, under its owner's row lock. Rows can also vanish without a
service: a user deleted from the shell or by the retention purge, a page deleted in the admin, anything whose
deletion cascades. Django's deletion collector sends ``pre_delete``/``post_delete`` for each cascaded row inside
its own transaction, so each app corrects its counters there (its ``counters.py``): the seam is the collector,
not a web of saves. The deletion's ``origin`` tells who started it, so a receiver can leave alone the rows whose
owner is going too (the counter goes with the owner) and those a service deleted and counted itself.

An account erased keeps its own order: each app's step in ``accounts.erasure`` releases what the person held,
under its owners' row locks taken in primary-key order, before the remaining rows are deleted.

For whatever bypasses the collector (raw SQL, a restore), each counter has a repair command built on
:class:`RecountCommand` (``recount_votes``, ``recount_seats``, ``recount_readings``).
"""

from collections.abc import Iterable

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Model, QuerySet


def origin_model(origin) -> type[Model] | None:
    """The model whose deletion started this one (``origin`` is an instance or a queryset)."""
    if isinstance(origin, QuerySet):
        return origin.model
    return type(origin) if origin is not None else None


def started_from(origin, *models: type[Model]) -> bool:
    """Whether the deletion started from one of ``models`` (or a subclass, such as a specific page type)."""
    model = origin_model(origin)
    return model is not None and issubclass(model, models)


def save_leaving_counters(instance: Model, counters: Iterable[str], **save_kwargs) -> dict:
    """The ``save()`` arguments that write every field of an existing row except its ``counters``.

    An admin form saves the row as it loaded it at the start of the request: writing back the counts it read
    then would undo what their writers (the services, under the row's lock) did meanwhile. Creating a row, or a
    save that names its ``update_fields`` (the writers' own), is left as asked.
    """
    if instance._state.adding or save_kwargs.get("update_fields") is not None or save_kwargs.get("force_insert"):
        return save_kwargs
    counters = set(counters)
    fields = [f.name for f in instance._meta.concrete_fields if not f.primary_key and f.name not in counters]
    return {**save_kwargs, "update_fields": fields}


class RecountCommand(BaseCommand):
    """A counter's repair tool: compares each cached count with the rows it counts, lists every drift and repairs
    it under the lock the counter's writers take. ``--dry-run`` only reports, and exits with status 1 when it
    found drift, so monitoring can alert on it.

    Subclasses name what they count (``noun``) and give ``drifted()`` (primary key and a line saying what
    differs, per drifted row) and ``repair(pk)``.
    """

    noun = "row"

    def drifted(self) -> Iterable[tuple[int, str]]:
        raise NotImplementedError

    def repair(self, pk: int) -> None:
        raise NotImplementedError

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Report drift without repairing it.")

    def handle(self, *args, dry_run: bool = False, **options):
        drifted = list(self.drifted())
        for pk, line in drifted:
            self.stdout.write(line)
            if not dry_run:
                self.repair(pk)
        if not drifted:
            self.stdout.write(self.style.SUCCESS("All counters match their rows."))
        elif dry_run:
            raise CommandError(f"{len(drifted)} {self.noun}(s) drifted; nothing was changed (--dry-run).")
        else:
            self.stdout.write(self.style.SUCCESS(f"Repaired {len(drifted)} {self.noun}(s)."))
