"""Pilot endpoints outside the page tree: residents' feedback and the administrators' CSV import."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts.blocking import refuse_if_blocked
from livinglab.actions import form_action
from livinglab.errors import ActionRefused
from proposals.forms import ReportForm
from proposals.rules import can

from .csv_import import HEADER, MAX_ROWS, ResultsImportFailed, import_results
from .forms import FeedbackForm, ResultsImportForm
from .models import PilotFeedback, PilotPage
from .services import report_feedback, submit_feedback

FEEDBACK_PARTIAL = "pilots/includes/feedback.html"


def _feedback_response(request, pilot: PilotPage, *, form=None, error: str = "", notice: str = "", status=200):
    if request.htmx:
        context = {"page": pilot, "feedback_error": error, "feedback_notice": notice}
        context.update(pilot.feedback_context(user=request.user, form=form))
        return render(request, FEEDBACK_PARTIAL, context, status=status)
    if status < 400:
        messages.success(request, notice)
        return redirect(f"{pilot.url}#pilot-feedback")
    # Without JavaScript a refused rating shows the whole page again, with the reason next to the form.
    context = pilot.get_context(request)
    context.update(pilot.feedback_context(user=request.user, form=form))
    context["feedback_error"] = error
    return TemplateResponse(request, pilot.get_template(request), context, status=status)


@require_POST
def feedback(request, pilot_id: int):
    """A resident rates a pilot's results, or changes their rating."""
    pilot = get_object_or_404(PilotPage.objects.live().public().specific(), pk=pilot_id)
    if not request.user.is_authenticated and not request.htmx:
        return redirect_to_login(pilot.url)
    form = FeedbackForm(request.POST)
    if not form.is_valid():
        error = " ".join(str(e) for errors in form.errors.values() for e in errors)
        return _feedback_response(request, pilot, form=form, error=error, status=400)
    try:
        _feedback, created = submit_feedback(
            pilot, user=request.user, rating=form.cleaned_data["rating"], comment=form.cleaned_data["comment"]
        )
    except ActionRefused as exc:
        return _feedback_response(request, pilot, form=form, error=str(exc.message), status=exc.status)
    notice = _("Thank you: your rating is saved.") if created else _("Your rating is updated.")
    return _feedback_response(request, pilot, notice=notice)


@login_required
@require_http_methods(["GET", "POST"])
def feedback_report(request, pk: int):
    """A resident flags someone else's comment on a pilot's results for the moderators."""
    feedback = get_object_or_404(
        PilotFeedback.objects.select_related("user", "pilot").filter(pilot__live=True, is_hidden=False), pk=pk
    )
    refuse_if_blocked(request.user)
    if not can(request.user, "pilots.report_feedback", feedback):
        raise ActionRefused(_("You cannot report this: it is yours, or it has no comment."), status=403)
    pilot = feedback.pilot.specific
    return form_action(
        request,
        ReportForm(request.POST or None),
        perform=lambda data: report_feedback(feedback, reporter=request.user, reason=data["reason"]),
        success=_("Thank you. The moderators will look at your report."),
        redirect_to=f"{pilot.url}#pilot-feedback",
        template="pilots/report_form.html",
        context={"feedback": feedback, "pilot": pilot},
    )


def import_results_view(request, page_id: int):
    """Admin view: upload a CSV of dated values into a pilot's series (administrators who may publish it)."""
    pilot = get_object_or_404(PilotPage, pk=page_id)
    # Imported values go live at once, outside moderation, so importing needs the right to publish.
    if not pilot.permissions_for_user(request.user).can_publish():
        raise PermissionDenied
    form = ResultsImportForm(request.POST or None, request.FILES or None)
    errors = []
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                summary = import_results(pilot, form.cleaned_data["csv_file"])
            except ResultsImportFailed as exc:
                errors = exc.errors
                status = 400
            else:
                messages.success(
                    request,
                    _("Imported %(total)s values into “%(title)s” (%(created)s new, %(updated)s changed).")
                    % {
                        "total": summary.total,
                        "title": pilot.title,
                        "created": summary.created,
                        "updated": summary.updated,
                    },
                )
                return redirect(reverse("wagtailadmin_pages:edit", args=[pilot.pk]))
        else:
            status = 400
    return TemplateResponse(
        request,
        "pilots/admin/import_results.html",
        {
            "pilot": pilot,
            "form": form,
            "errors": errors[:200],
            "error_count": len(errors),
            "series": list(pilot.series.all()),
            "header": ",".join(HEADER),
            "max_rows": MAX_ROWS,
            "header_title": _("Import results (CSV)"),
            "header_icon": "upload",
            "breadcrumbs_items": [
                {"url": reverse("wagtailadmin_explore", args=[pilot.get_parent().pk]), "label": _("Pilots")},
                {"url": reverse("wagtailadmin_pages:edit", args=[pilot.pk]), "label": pilot.title},
                {"url": "", "label": _("Import results (CSV)")},
            ],
        },
        status=status,
    )
