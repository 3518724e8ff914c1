"""Wagtail admin wiring for search: bulk actions that change indexed objects without saving them."""

from wagtail import hooks
from wagtail.search import index

from .signals import queue_object


@hooks.register("after_bulk_action")
def queue_bulk_changed_objects(request, action_type, objects, action_class_instance):
    # "Add to collection" is one UPDATE, with no save and no signal, in Wagtail's own index too: reindex the
    # objects in the database backend (page search's fallback) and queue them for the cluster. Deletions and
    # the page actions (publish, unpublish, move) save or delete each object, so their signals cover them.
    if action_type == "delete":
        return
    for instance in objects:
        model = type(instance)
        if index.class_is_indexed(model):
            # Read again: the instance in hand predates the UPDATE.
            index.insert_or_update_object(model._default_manager.get(pk=instance.pk))
            queue_object(instance)
