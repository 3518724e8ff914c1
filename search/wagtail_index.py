"""Keeping Wagtail's index on the cluster (pages, images, documents) in step, without a write ever waiting on it.

Wagtail writes its search backends itself: a save enqueues an update, but a delete removes the object from every
backend at once, inside the request, and the image and document forms index synchronously too. Against a
hanging cluster that made each delete, upload and edit wait for the full timeout. So the cluster's entry in
``WAGTAILSEARCH_BACKENDS`` is marked ``AUTO_UPDATE: False`` (Wagtail leaves it alone; the database backend, the
fallback for page search, is still written by Wagtail) and this module writes it instead, the way proposals
are written (``search/indexing.py``):

- in the transaction of every change to an indexed object, a ``WagtailIndexOutbox`` row (save, delete and bulk
  delete through the model's signals; a move through Wagtail's ``post_page_move``, for the descendants whose
  tree path changed without a save; tag changes through ``m2m_changed``; a user's deletion, which empties
  ``owner`` and ``uploaded_by_user`` with an SQL update; Wagtail's bulk actions that use ``update()``);
- after the commit, the ``index_wagtail_object`` task, run by the worker, sends the object's current state
  (the document, or a delete when the object is gone) and deletes the row; a failure keeps the row for the
  scheduled replay (``replay_search_outbox``) and ``manage.py search_index --sync``.
"""

import copy
import logging
from dataclasses import dataclass

from django.apps import apps
from django.conf import settings
from django.core import checks
from django.db import IntegrityError, models, transaction
from django.db.models import F
from django.utils import timezone
from wagtail.search import index
from wagtail.search.backends import get_search_backend, import_backend
from wagtail.search.backends.base import get_model_root

from .models import IndexAction, WagtailIndexOutbox

logger = logging.getLogger(__name__)

REPLAY_BATCH = 200


def search_backend(name: str = "default", **options):
    """Wagtail's search backend ``name`` (with ``options`` overriding its settings entry), one per process.

    ``get_search_backend`` builds a new backend on every call, and Wagtail's Elasticsearch backend a new client
    with it: a new connection pool, so a new TCP (and TLS) connection to the cluster for every page search
    and every outbox send. Kept per settings entry and options, so a changed setting builds a new one. Built
    from a copy of the entry: the Elasticsearch backend writes its client options into the entry's
    ``OPTIONS``, which would change the entry (and its key) under the next reader.
    """
    entry = getattr(settings, "WAGTAILSEARCH_BACKENDS", {}).get(name)
    key = (name, repr(entry), tuple(sorted(options.items())))
    backend = _search_backends.get(key)
    if backend is None:
        if entry is None:
            backend = get_search_backend(name, **options)
        else:
            params = {**copy.deepcopy(entry), **options}
            backend = import_backend(params.pop("BACKEND"))(params)
        backend = _search_backends.setdefault(key, backend)
    return backend


# One per settings entry and options this process has used: a few in production, a few more in the tests.
_search_backends: dict[tuple, object] = {}


def outbox_backends() -> list[str]:
    """The ``WAGTAILSEARCH_BACKENDS`` entries Wagtail does not write itself (``AUTO_UPDATE: False``): ours to write."""
    backends = getattr(settings, "WAGTAILSEARCH_BACKENDS", {})
    return [name for name, params in backends.items() if params.get("AUTO_UPDATE", True) is False]


def object_key(instance: models.Model) -> tuple[str, str]:
    """(root model label, primary key): all pages share one index and one key space, like Wagtail's own."""
    return get_model_root(type(instance))._meta.label_lower, str(instance.pk)


# --- in the writer's transaction (search/signals.py, search/wagtail_hooks.py) --------------------------------


def mark_pending(label: str, object_id: str, *, action: str = IndexAction.INDEX) -> bool:
    """Record that this object's cluster entry must be brought up to date; False when there is no cluster.

    One row per object, refreshed by each newer change. Raises: a change whose index write cannot be stored
    does not happen either.
    """
    if not outbox_backends():
        return False
    now = timezone.now()
    pending = WagtailIndexOutbox.objects.filter(model=label, object_id=object_id)
    if pending.update(action=action, updated_at=now):
        return True
    try:
        with transaction.atomic():
            WagtailIndexOutbox.objects.create(
                model=label, object_id=object_id, action=action, created_at=now, updated_at=now
            )
    except IntegrityError:
        # Another transaction queued the same object a moment ago (and committed): refresh that row.
        pending.update(action=action, updated_at=now)
    return True


# --- in the task worker ------------------------------------------------------------------------------------


def send_object(label: str, object_id: str) -> str:
    """Send one object's current state to every outbox backend: its document, or a delete. Raises."""
    model = apps.get_model(label)
    instance = model._default_manager.filter(pk=object_id).first()
    indexed = index.get_indexed_instance(instance) if instance is not None else None
    for name in outbox_backends():
        backend = search_backend(name)
        if indexed is not None:
            backend.add(indexed)
        else:
            # The document id is the primary key, in the root model's index: a bare instance is enough.
            backend.delete(model(pk=model._meta.pk.to_python(object_id)))
    return IndexAction.INDEX if indexed is not None else IndexAction.DELETE


def object_changed(label: str, object_id: str) -> bool:
    """Send the object's state if its row is pending; True once the cluster has it (or had it already)."""
    if not outbox_backends():
        return False
    pending = (
        WagtailIndexOutbox.objects.filter(model=label, object_id=object_id).values_list("updated_at", flat=True).first()
    )
    if pending is None:
        return True  # An earlier task of the same change (or the replay) has sent it.
    try:
        send_object(label, object_id)
    except Exception as exc:  # noqa: BLE001 - any failure stays queued; the editor's request has succeeded
        logger.warning("Wagtail index write for %s %s failed, kept in the outbox: %s", label, object_id, exc)
        _record_failure(label, object_id, f"{type(exc).__name__}: {exc}")
        return False
    # Only the row as it was before the state we sent: a newer change keeps its own row.
    WagtailIndexOutbox.objects.filter(model=label, object_id=object_id, updated_at=pending).delete()
    return True


def _record_failure(label: str, object_id: str, error: str) -> None:
    try:
        WagtailIndexOutbox.objects.filter(model=label, object_id=object_id).update(
            attempts=F("attempts") + 1, last_error=error[:2000], updated_at=timezone.now()
        )
    except Exception:  # noqa: BLE001 - the log is the last resort
        logger.exception("Could not record the failed Wagtail index write for %s %s", label, object_id)


@dataclass
class ReplayReport:
    sent: int = 0
    failed: int = 0


def replay_outbox(*, limit: int | None = None) -> ReplayReport:
    """Send every pending object (at most ``limit``), oldest first; stops at the first failure.

    The cluster that failed one object would make every other wait for the same timeout: the rest waits for
    the next replay.
    """
    report = ReplayReport()
    if not outbox_backends():
        return report
    last_id = 0
    while limit is None or report.sent < limit:
        size = REPLAY_BATCH if limit is None else min(REPLAY_BATCH, limit - report.sent)
        rows = list(WagtailIndexOutbox.objects.filter(id__gt=last_id).order_by("id")[:size])
        if not rows:
            break
        for row in rows:
            last_id = row.id
            try:
                send_object(row.model, row.object_id)
            except Exception as exc:  # noqa: BLE001 - recorded on the row, retried by the next replay
                logger.warning("Replaying the Wagtail index outbox failed at %s %s: %s", row.model, row.object_id, exc)
                _record_failure(row.model, row.object_id, f"{type(exc).__name__}: {exc}")
                report.failed += 1
                return report
            WagtailIndexOutbox.objects.filter(pk=row.pk, updated_at=row.updated_at).delete()
            report.sent += 1
    return report


# --- configuration check -----------------------------------------------------------------------------------


def check_cluster_backends(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """A backend on an external service that Wagtail auto-updates would make writes wait on it again."""
    errors = []
    for name, params in getattr(settings, "WAGTAILSEARCH_BACKENDS", {}).items():
        external = getattr(import_backend(params["BACKEND"]), "catch_indexing_errors", False)
        if external and params.get("AUTO_UPDATE", True) is not False:
            errors.append(
                checks.Error(
                    f"The Wagtail search backend {name!r} is on an external service and Wagtail updates it "
                    "inside requests.",
                    hint="Set 'AUTO_UPDATE': False; the search outbox (search/wagtail_index.py) writes it.",
                    id="search.E001",
                )
            )
    return errors
