from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProposalsConfig(AppConfig):
    name = "proposals"
    verbose_name = _("Proposals")

    def ready(self):
        # Django's deletion collector seam (counters follow cascades), accounts' erasure steps, and the live
        # pushes and the list's cache generation that subscribe to this app's events: all load here.
        from . import counters, erasure, listing, live, versions  # noqa: F401
        from .moderation_kinds import CommentKind, ProposalKind
        from .moderation_registry import register

        # The moderation queue's own kinds; other apps register theirs in their ``ready``.
        register(ProposalKind())
        register(CommentKind())
