"""Proposals and comments as reportable kinds of the moderation queue (registered in ``ProposalsConfig.ready``)."""

from django.db.models import Count, Min
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import services
from .models import Comment, Proposal, Report
from .moderation_registry import Pending, ReportableKind


def _pending(field: str, kind: str) -> list[Pending]:
    rows = (
        Report.objects.filter(resolved_at__isnull=True, **{f"{field}__isnull": False})
        .values(field)
        .annotate(count=Count("id"), first=Min("created_at"))
        .order_by()
    )
    return [Pending(kind, row[field], row["count"], row["first"]) for row in rows]


def _open_count(field: str) -> int:
    return (
        Report.objects.filter(resolved_at__isnull=True, **{f"{field}__isnull": False})
        .values(field)
        .distinct()
        .order_by()
        .count()
    )


def _load(field: str, pks, related: tuple) -> dict[int, tuple[object, list]]:
    reports = (
        Report.objects.filter(resolved_at__isnull=True, **{f"{field}_id__in": list(pks)})
        .select_related("reporter", *related)
        .order_by("created_at", "id")
    )
    found: dict[int, tuple[object, list]] = {}
    for report in reports:
        target = getattr(report, field)
        found.setdefault(target.pk, (target, []))[1].append(report)
    return found


class ProposalKind(ReportableKind):
    name = "proposal"
    label = gettext_lazy("Proposal")
    text_template = "proposals/admin/reported_proposal.html"

    def pending(self):
        return _pending("proposal_id", self.name)

    def open_count(self):
        return _open_count("proposal_id")

    def load(self, pks):
        return _load("proposal", pks, ("proposal__author", "proposal__category"))

    def get(self, pk):
        return Proposal.objects.select_related("author").filter(pk=pk).first()

    def title(self, obj):
        return obj.title

    def url(self, obj):
        return obj.get_absolute_url()

    def summary(self, obj):
        return obj.title

    def hidden(self, limit):
        return list(Proposal.objects.filter(is_hidden=True).select_related("author").order_by("-updated_at")[:limit])

    def hide(self, obj, *, by, reason):
        services.hide_proposal(obj, by=by, reason=reason)

    def restore(self, obj, *, by):
        services.unhide_proposal(obj, by=by)

    def dismiss(self, obj, *, by, reason):
        return services.dismiss_reports(by=by, reason=reason, proposal=obj)

    def warn(self, obj, *, by, reason):
        services.warn_author(by=by, reason=reason, proposal=obj)


class CommentKind(ReportableKind):
    name = "comment"
    label = gettext_lazy("Comment")
    text_template = "proposals/admin/reported_comment.html"

    def pending(self):
        return _pending("comment_id", self.name)

    def open_count(self):
        return _open_count("comment_id")

    def load(self, pks):
        return _load("comment", pks, ("comment__author", "comment__proposal", "comment__parent__author"))

    def get(self, pk):
        return Comment.objects.select_related("author", "proposal").filter(pk=pk).first()

    def title(self, obj):
        return _("On “%(title)s”") % {"title": obj.proposal.title}

    def url(self, obj):
        return f"{obj.proposal.get_absolute_url()}#comment-{obj.pk}"

    def summary(self, obj):
        return obj.body[:120]

    def hidden(self, limit):
        return list(Comment.objects.filter(is_hidden=True).select_related("author", "proposal").order_by("-id")[:limit])

    def hide(self, obj, *, by, reason):
        services.hide_comment(obj, by=by, reason=reason)

    def restore(self, obj, *, by):
        services.unhide_comment(obj, by=by)

    def dismiss(self, obj, *, by, reason):
        return services.dismiss_reports(by=by, reason=reason, comment=obj)

    def warn(self, obj, *, by, reason):
        services.warn_author(by=by, reason=reason, comment=obj)
