"""The library seams where search keeps itself in step (STYLE: signals only here).

Proposals' analysed text: a proposal's ProposalSearchText is written in the same transaction as the proposal,
whatever saved it (a service, the admin, a factory), so the database backend never sees a proposal without its
tokens. Saves that only touch counters or status (`update_fields` without title or description) are skipped.
Rows written with bulk_create (demo data, imports) send no signal: `manage.py search_index --analyse` fills
them.

Wagtail's objects on the cluster (pages, images, documents; search/wagtail_index.py): every way an indexed
object changes writes its outbox row in the transaction and, after the commit, enqueues the task that sends
it. ``connect_wagtail_receivers`` connects them for every model Wagtail indexes, so a new one is covered too.
"""

from django.db import models, transaction
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete
from django.dispatch import receiver
from wagtail.search import index
from wagtail.signals import post_page_move

from proposals.models import Proposal

from . import wagtail_index
from .models import IndexAction
from .search_text import refresh_search_text
from .tasks import index_wagtail_object

TEXT_FIELDS = frozenset({"title", "description"})


@receiver(post_save, sender=Proposal, dispatch_uid="search.analyse_proposal_text")
def analyse_proposal_text(sender, instance: Proposal, created: bool, update_fields=None, raw=False, **kwargs):
    if raw or (update_fields is not None and not TEXT_FIELDS & set(update_fields)):
        return
    refresh_search_text([instance.pk])


# --- Wagtail's indexed objects -----------------------------------------------------------------------------


def queue_object(instance: models.Model, *, action: str = IndexAction.INDEX) -> None:
    """In the writer's transaction: the outbox row; after the commit: the task that sends it to the cluster."""
    if instance.pk is None:
        return
    label, object_id = wagtail_index.object_key(instance)
    if wagtail_index.mark_pending(label, object_id, action=action):
        # robust: a task that cannot be enqueued leaves the row to the scheduled replay, never fails the request.
        transaction.on_commit(lambda: index_wagtail_object.enqueue(label, object_id), robust=True)


def queue_objects(queryset: models.QuerySet) -> None:
    if not wagtail_index.outbox_backends():
        return
    for instance in queryset.only("pk"):
        queue_object(instance)


def wagtail_object_saved(sender, instance, raw=False, **kwargs):
    if not raw:
        queue_object(instance)


def wagtail_object_deleted(sender, instance, **kwargs):
    # Single deletes, queryset and bulk deletes, and the descendants a page deletion takes with it.
    queue_object(instance, action=IndexAction.DELETE)


def wagtail_page_moved(sender, instance, **kwargs):
    # The moved page itself was saved (and queued); its descendants' tree paths changed in one SQL update.
    queue_objects(instance.get_descendants())


def wagtail_relations_changed(sender, instance, action, reverse, model, pk_set, **kwargs):
    # Tags added or removed outside a form (Wagtail's "add tags" bulk action, code), either side of the relation.
    if action not in ("post_add", "post_remove", "post_clear"):
        return
    if not reverse and index.class_is_indexed(type(instance)):
        queue_object(instance)
    elif reverse and index.class_is_indexed(model) and pk_set:
        queue_objects(model._default_manager.filter(pk__in=pk_set))


def _emptied_by_deletion():
    """(indexed model, foreign key) pairs a deletion elsewhere empties with an SQL update, without a save."""
    for model in index.get_indexed_models():
        indexed_names = {field.field_name for field in model.get_search_fields()}
        for field in model._meta.get_fields(include_parents=False):
            if (
                field.many_to_one
                and field.concrete
                and field.name in indexed_names
                and field.remote_field.on_delete in (models.SET_NULL, models.SET_DEFAULT)
            ):
                yield model, field


def _queue_referring(model, field):
    # A page's owner or an image's uploader being deleted: the referring objects' indexed field is emptied.
    def receiver(sender, instance, **kwargs):
        queue_objects(model._default_manager.filter(**{field.name: instance}))

    return receiver


def connect_wagtail_receivers() -> None:
    """Connect the receivers for every model Wagtail indexes (called from ``SearchConfig.ready``)."""
    for model in index.get_indexed_models():
        if not getattr(model, "search_auto_update", True):
            continue
        uid = f"search.wagtail_index.{model._meta.label_lower}"
        post_save.connect(wagtail_object_saved, sender=model, dispatch_uid=f"{uid}.saved")
        post_delete.connect(wagtail_object_deleted, sender=model, dispatch_uid=f"{uid}.deleted")
        for field in model._meta.many_to_many:
            through = field.remote_field.through
            m2m_changed.connect(wagtail_relations_changed, sender=through, dispatch_uid=f"{uid}.{field.name}")
    for model, field in _emptied_by_deletion():
        pre_delete.connect(
            _queue_referring(model, field),
            sender=field.related_model,
            weak=False,
            dispatch_uid=f"search.wagtail_index.{model._meta.label_lower}.{field.name}.emptied",
        )
    post_page_move.connect(wagtail_page_moved, dispatch_uid="search.wagtail_index.page_moved")
