"""The library seam: Wagtail announces every publication of a pilot, from the admin, a workflow or the scheduler."""

from .services import sync_proposals_with_pilot


def pilot_published(sender, instance, **kwargs):
    sync_proposals_with_pilot(instance)
