"""Easy-read summaries of proposals: a few short sentences in plain words, written by staff.

Administrators and desk staff (``proposals.write_easy_read``) write them on a small page of their own; with
htmx the form is saved in place and says so in a live region, without it the page posts and redirects to the
proposal. Pages show the summary first to people who turned easy reading on (``accounts.reading``), and as a
folded "easy-read summary" to everyone else (``includes/easy_read.html``).
"""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods
from wagtail.log_actions import log as audit_log

from livinglab.actions import add_service_errors
from livinglab.errors import ActionRefused, refusal_response

from .models import Proposal
from .rules import can
from .validators import EASY_READ_MAX_LENGTH, normalise_easy_read, validate_easy_read

PAGE_TEMPLATE = "proposals/easy_read_form.html"
FORM_PARTIAL = "proposals/includes/easy_read_form.html"


class EasyReadForm(forms.Form):
    summary = forms.CharField(
        label=gettext_lazy("Easy-read summary"),
        required=False,
        # A bound on what is read at all; the summary's own limits apply after spaces are tidied.
        max_length=4 * EASY_READ_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=gettext_lazy(
            "A few short sentences in plain words, one on each line. Leave it empty to remove the summary."
        ),
    )

    def clean_summary(self) -> str:
        summary = normalise_easy_read(self.cleaned_data["summary"])
        validate_easy_read(summary)
        return summary


def set_easy_read_summary(proposal: Proposal, *, by, text: str) -> Proposal:
    """Write (or with empty ``text``, remove) the proposal's easy-read summary; recorded in the audit log."""
    if not can(by, "proposals.write_easy_read", proposal):
        raise ActionRefused(_("Only administrators and desk staff write easy-read summaries."), status=403)
    summary = normalise_easy_read(text)
    try:
        validate_easy_read(summary)
    except ValidationError as exc:
        raise ValidationError({"summary": exc.messages}) from None
    with transaction.atomic():
        locked = Proposal.objects.select_for_update().get(pk=proposal.pk)
        locked.easy_read_summary = summary
        locked.save(update_fields=["easy_read_summary", "updated_at"])
        audit_log(
            instance=locked,
            action="livinglab.proposal.easy_read",
            user=by,
            data={"length": len(summary), "removed": not summary},
        )
    proposal.easy_read_summary = summary
    return proposal


def _render(request, proposal, form, *, status=200, saved=False):
    context = {"proposal": proposal, "form": form, "saved": saved}
    return render(request, FORM_PARTIAL if request.htmx else PAGE_TEMPLATE, context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def easy_read_edit(request, pk: int):
    """Staff write a proposal's easy-read summary: 403 for everyone else, 400 with the reason for bad text."""
    proposal = get_object_or_404(Proposal.objects.select_related("area", "category"), pk=pk)
    if not can(request.user, "proposals.view", proposal):
        raise Http404
    if not can(request.user, "proposals.write_easy_read", proposal):
        refused = ActionRefused(_("Only administrators and desk staff write easy-read summaries."), status=403)
        return refusal_response(request, refused)
    if request.method != "POST":
        return _render(request, proposal, EasyReadForm(initial={"summary": proposal.easy_read_summary}))
    form = EasyReadForm(request.POST)
    if form.is_valid():
        try:
            set_easy_read_summary(proposal, by=request.user, text=form.cleaned_data["summary"])
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            if request.htmx:
                return _render(
                    request, proposal, EasyReadForm(initial={"summary": proposal.easy_read_summary}), saved=True
                )
            messages.success(request, _("The easy-read summary is saved."))
            return redirect(proposal)
    return _render(request, proposal, form, status=400)
