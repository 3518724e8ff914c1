"""Residents' comments on a pilot's results as a reportable kind of the moderation queue.

Registered in ``PilotsConfig.ready``: the queue in ``proposals.moderation`` lists these reports beside
reported proposals and comments, and hides, restores or dismisses through ``pilots.services``.
"""

from django.db.models import Count, Min
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from proposals.moderation_registry import Pending, ReportableKind

from . import services
from .models import FeedbackReport, PilotFeedback


class FeedbackKind(ReportableKind):
    name = "pilot_feedback"
    label = gettext_lazy("Pilot feedback")
    text_template = "pilots/admin/reported_feedback.html"
    # A warning is a notification tied to a proposal; feedback has none, so moderators hide, dismiss or block.
    actions = frozenset({"hide", "dismiss", "block", "restore"})

    def _open(self):
        return FeedbackReport.objects.filter(resolved_at__isnull=True)

    def pending(self):
        rows = self._open().values("feedback_id").annotate(count=Count("id"), first=Min("created_at")).order_by()
        return [Pending(self.name, row["feedback_id"], row["count"], row["first"]) for row in rows]

    def open_count(self):
        return self._open().values("feedback_id").distinct().order_by().count()

    def load(self, pks):
        reports = (
            self._open()
            .filter(feedback_id__in=list(pks))
            .select_related("reporter", "feedback__user", "feedback__pilot")
            .order_by("created_at", "id")
        )
        found: dict[int, tuple[object, list]] = {}
        for report in reports:
            found.setdefault(report.feedback_id, (report.feedback, []))[1].append(report)
        return found

    def get(self, pk):
        return PilotFeedback.objects.select_related("user", "pilot").filter(pk=pk).first()

    def title(self, obj):
        return _("On the pilot “%(title)s”") % {"title": obj.pilot.title}

    def url(self, obj):
        return f"{obj.pilot.url or ''}#pilot-feedback"

    def author(self, obj):
        return obj.user

    def summary(self, obj):
        return obj.comment[:120]

    def hidden(self, limit):
        return list(
            PilotFeedback.objects.filter(is_hidden=True).select_related("user", "pilot").order_by("-updated_at")[:limit]
        )

    def hide(self, obj, *, by, reason):
        services.hide_feedback(obj, by=by, reason=reason)

    def restore(self, obj, *, by):
        services.unhide_feedback(obj, by=by)

    def dismiss(self, obj, *, by, reason):
        return services.dismiss_feedback_reports(obj, by=by, reason=reason)
