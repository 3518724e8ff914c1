"""Proposal pages. Each view parses input, asks ``proposals.rules`` or calls one service, and renders.

Every action works as a plain form post (POST, then redirect, then GET). htmx requests get the partial that
changed instead, rendered from the same template the page includes; refusals come back with the service's
status code (403, 409, 429, ...) and its message, for htmx in the body and otherwise on the page.
"""

import json

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from django_htmx.http import HttpResponseClientRedirect

from . import services
from .forms import (
    AssessmentForm,
    CommentEditForm,
    CommentForm,
    ProposalFilterForm,
    ProposalForm,
    ProposalSubmitForm,
    ReportForm,
    StatusChangeForm,
    WithdrawForm,
)
from .models import Area, Assessment, Category, Comment, Proposal
from .rules import can
from .services import ActionRefused

MAP_POINT_LIMIT = 500

# --- helpers -----------------------------------------------------------------------------------------


def _get_proposal(request, pk: int) -> Proposal:
    """The proposal if this user may see it; hidden ones are 404 to everyone but their author and staff."""
    proposal = get_object_or_404(Proposal.objects.select_related("category", "area", "area__parent", "author"), pk=pk)
    if not can(request.user, "proposals.view", proposal):
        raise Http404
    return proposal


def _get_comment(request, pk: int) -> Comment:
    comment = get_object_or_404(
        Comment.objects.select_related(
            "author", "proposal", "proposal__category", "proposal__area", "proposal__area__parent", "proposal__author"
        ),
        pk=pk,
    )
    if not can(request.user, "proposals.view", comment.proposal):
        raise Http404
    if comment.is_hidden and not (can(request.user, "proposals.moderate") or comment.author_id == request.user.pk):
        raise Http404
    return comment


def _login(request, proposal: Proposal):
    """Send a signed-out visitor to log in, then back to the proposal (never to a POST-only URL)."""
    next_url = proposal.get_absolute_url()
    if request.htmx:
        return HttpResponseClientRedirect(f"{reverse(settings.LOGIN_URL)}?next={next_url}")
    return redirect_to_login(next_url)


def _forbidden(request, reason: str, *, proposal: Proposal | None = None, status: int = 403):
    return render(request, "proposals/forbidden.html", {"reason": reason, "proposal": proposal}, status=status)


def _map_point(proposal) -> dict:
    return {
        "id": proposal.pk,
        "title": proposal.title,
        "lat": float(proposal.latitude),
        "lng": float(proposal.longitude),
        "url": proposal.get_absolute_url(),
    }


def _add_service_errors(form, exc: ValidationError) -> None:
    """Put a service's ``ValidationError`` next to the matching field, or above the form."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def _form_context(form, **extra) -> dict:
    """The proposal form with what its map picker needs: tiles, bounds and each neighbourhood's centre."""
    areas = form.fields["area"].queryset
    return {
        "form": form,
        "map_tile_url": settings.MAP_TILE_URL,
        "map_bounds": json.dumps(settings.PROPOSAL_MAP_BOUNDS),
        "area_centres": {str(area.pk): [float(area.latitude), float(area.longitude)] for area in areas},
        **extra,
    }


def _detail_context(request, proposal: Proposal, **overrides) -> dict:
    user = request.user
    context = {
        "proposal": proposal,
        "map_points": [_map_point(proposal)] if proposal.has_point else [],
        "map_tile_url": settings.MAP_TILE_URL,
        "comment_form": CommentForm(proposal=proposal),
        "status_form": None,
        "assessment_form": None,
        "own_assessment": None,
    }
    if can(user, "proposals.change_status", proposal):
        context["status_form"] = StatusChangeForm(proposal=proposal)
    if can(user, "proposals.assess", proposal):
        own = Assessment.objects.filter(proposal=proposal, expert=user).first()
        context["own_assessment"] = own
        context["assessment_form"] = AssessmentForm(initial=AssessmentForm.initial_for(own))
    context.update({key: value for key, value in overrides.items() if value is not None})
    return context


def _detail_response(request, proposal: Proposal, *, status: int = 200, **forms):
    return render(request, "proposals/proposal_detail.html", _detail_context(request, proposal, **forms), status=status)


def _refused(request, exc: ActionRefused, proposal: Proposal, *, fragment: str | None = None):
    """Show a service's refusal with its status: a small alert for htmx, the proposal page otherwise."""
    if request.htmx:
        return render(request, "proposals/includes/action_error.html", {"message": exc.message}, status=exc.status)
    messages.error(request, exc.message)
    return _detail_response(request, proposal, status=exc.status)


def _fragment(request, proposal: Proposal, template: str, *, status: int = 200):
    return render(request, f"proposals/includes/{template}.html", {"proposal": proposal}, status=status)


# --- list and detail ---------------------------------------------------------------------------------


@require_safe
def proposal_list(request):
    """Public proposals with filters, sorting, pages and a map of every filtered proposal with a point."""
    categories = list(Category.objects.all())
    areas = list(Area.objects.select_related("parent"))
    filter_form = ProposalFilterForm(request.GET, categories=categories, areas=areas)
    proposals = filter_form.apply(Proposal.objects.public().for_list())
    per_page = filter_form.per_page()
    page_obj = Paginator(proposals, per_page).get_page(request.GET.get("page"))
    points = proposals.exclude(latitude__isnull=True).values("id", "title", "latitude", "longitude")
    map_points = [
        {
            "id": point["id"],
            "title": point["title"],
            "lat": float(point["latitude"]),
            "lng": float(point["longitude"]),
            "url": reverse("proposals:detail", args=[point["id"]]),
        }
        for point in points[:MAP_POINT_LIMIT]
    ]
    return render(
        request,
        "proposals/proposal_list.html",
        {
            "page_obj": page_obj,
            "filter_form": filter_form,
            "per_page": per_page,
            "default_per_page": ProposalFilterForm.DEFAULT_PER_PAGE,
            "map_points": map_points,
            "map_tile_url": settings.MAP_TILE_URL,
        },
    )


@require_safe
def proposal_detail(request, pk: int):
    return _detail_response(request, _get_proposal(request, pk))


@require_safe
def fragment_vote(request, pk: int):
    return _fragment(request, _get_proposal(request, pk), "vote_panel")


@require_safe
def fragment_comments(request, pk: int):
    return _fragment(request, _get_proposal(request, pk), "comments")


@require_safe
def fragment_timeline(request, pk: int):
    return _fragment(request, _get_proposal(request, pk), "status_timeline")


@require_safe
def fragment_assessments(request, pk: int):
    return _fragment(request, _get_proposal(request, pk), "assessments")


# --- submitting and editing --------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def proposal_create(request):
    if not can(request.user, "proposals.submit"):
        return render(request, "proposals/verify_email_required.html", status=403)
    form = ProposalSubmitForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                proposal = services.submit_proposal(
                    author=request.user, photos=form.cleaned_data["photos"], **form.service_kwargs()
                )
            except ActionRefused as exc:
                form.add_error(None, exc.message)
                status = exc.status
            except ValidationError as exc:
                _add_service_errors(form, exc)
            else:
                messages.success(request, _("Thank you. Your proposal is published."))
                return redirect(proposal)
    return render(request, "proposals/proposal_form.html", _form_context(form), status=status)


@login_required
@require_http_methods(["GET", "POST"])
def proposal_edit(request, pk: int):
    proposal = _get_proposal(request, pk)
    if not can(request.user, "proposals.edit", proposal):
        return _forbidden(
            request,
            _("Only the author can edit a proposal, until its first vote and for 30 minutes at most."),
            proposal=proposal,
        )
    form = ProposalForm(request.POST or None, initial=ProposalForm.initial_for(proposal))
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.edit_proposal(proposal, user=request.user, **form.service_kwargs())
            except ActionRefused as exc:
                form.add_error(None, exc.message)
                status = exc.status
            except ValidationError as exc:
                _add_service_errors(form, exc)
            else:
                messages.success(request, _("Your changes are saved."))
                return redirect(proposal)
    return render(request, "proposals/proposal_form.html", _form_context(form, proposal=proposal), status=status)


@login_required
@require_http_methods(["GET", "POST"])
def proposal_withdraw(request, pk: int):
    proposal = _get_proposal(request, pk)
    if not can(request.user, "proposals.withdraw", proposal):
        return _forbidden(
            request, _("Only the author can withdraw a proposal, and only before it is decided."), proposal=proposal
        )
    form = WithdrawForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.withdraw_proposal(proposal, user=request.user, reason=form.cleaned_data["reason"])
            except ActionRefused as exc:
                form.add_error(None, exc.message)
                status = exc.status
            except ValidationError as exc:
                _add_service_errors(form, exc)
            else:
                messages.success(request, _("Your proposal is withdrawn."))
                return redirect(proposal)
    return render(request, "proposals/proposal_withdraw.html", {"form": form, "proposal": proposal}, status=status)


# --- votes -------------------------------------------------------------------------------------------


@require_POST
def vote(request, pk: int):
    proposal = _get_proposal(request, pk)
    if not request.user.is_authenticated:
        return _login(request, proposal)
    try:
        services.cast_vote(proposal, user=request.user)
    except ActionRefused as exc:
        return _refused(request, exc, proposal)
    if request.htmx:
        return _fragment(request, proposal, "vote_panel")
    messages.success(request, _("Thank you for your support."))
    return redirect(proposal)


@require_POST
def unvote(request, pk: int):
    proposal = _get_proposal(request, pk)
    if not request.user.is_authenticated:
        return _login(request, proposal)
    try:
        services.withdraw_vote(proposal, user=request.user)
    except ActionRefused as exc:
        return _refused(request, exc, proposal)
    if request.htmx:
        return _fragment(request, proposal, "vote_panel")
    messages.success(request, _("You no longer support this proposal."))
    return redirect(proposal)


# --- discussion --------------------------------------------------------------------------------------


@require_POST
def comment_create(request, pk: int):
    proposal = _get_proposal(request, pk)
    if not request.user.is_authenticated:
        return _login(request, proposal)
    form = CommentForm(request.POST, proposal=proposal)
    if form.is_valid():
        try:
            comment = services.post_comment(
                proposal, author=request.user, body=form.cleaned_data["body"], parent=form.cleaned_data["parent"]
            )
        except ActionRefused as exc:
            return _refused(request, exc, proposal)
        except ValidationError as exc:
            _add_service_errors(form, exc)
        else:
            if request.htmx:
                return _fragment(request, proposal, "comments")
            messages.success(request, _("Your comment is posted."))
            return redirect(f"{proposal.get_absolute_url()}#comment-{comment.pk}")
    if request.htmx:
        message = " ".join(error for errors in form.errors.values() for error in errors)
        return render(request, "proposals/includes/action_error.html", {"message": message}, status=400)
    return _detail_response(request, proposal, status=400, comment_form=form)


@login_required
@require_http_methods(["GET", "POST"])
def comment_edit(request, pk: int):
    comment = _get_comment(request, pk)
    if not can(request.user, "proposals.edit_comment", comment):
        return _forbidden(
            request,
            _("Only its author can edit a comment, for 15 minutes after posting it."),
            proposal=comment.proposal,
        )
    form = CommentEditForm(request.POST or None, initial={"body": comment.body})
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.edit_comment(comment, user=request.user, body=form.cleaned_data["body"])
            except ActionRefused as exc:
                form.add_error(None, exc.message)
                status = exc.status
            except ValidationError as exc:
                _add_service_errors(form, exc)
            else:
                messages.success(request, _("Your comment is saved."))
                return redirect(f"{comment.proposal.get_absolute_url()}#comment-{comment.pk}")
    return render(request, "proposals/comment_form.html", {"form": form, "comment": comment}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def comment_remove(request, pk: int):
    comment = _get_comment(request, pk)
    proposal = comment.proposal
    if not can(request.user, "proposals.remove_comment", comment):
        return _forbidden(request, _("Only its author can remove a comment."), proposal=proposal)
    if request.method == "GET":
        return render(request, "proposals/comment_remove.html", {"comment": comment})
    try:
        services.remove_comment(comment, user=request.user)
    except ActionRefused as exc:
        return _refused(request, exc, proposal)
    if request.htmx:
        proposal.refresh_from_db(fields=["comment_count"])
        return _fragment(request, proposal, "comments")
    messages.success(request, _("Your comment is removed."))
    return redirect(f"{proposal.get_absolute_url()}#comment-{comment.pk}")


@require_POST
def comment_official(request, pk: int):
    comment = _get_comment(request, pk)
    proposal = comment.proposal
    if not request.user.is_authenticated:
        return _login(request, proposal)
    try:
        services.mark_official_answer(comment, by=request.user)
    except ActionRefused as exc:
        return _refused(request, exc, proposal)
    if request.htmx:
        return _fragment(request, proposal, "comments")
    messages.success(request, _("The comment is marked as the official answer."))
    return redirect(f"{proposal.get_absolute_url()}#comment-{comment.pk}")


# --- assessments, reports, status --------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def assess(request, pk: int):
    proposal = _get_proposal(request, pk)
    if not can(request.user, "proposals.assess", proposal):
        return _forbidden(
            request, _("Only experts can assess proposals, and only while they are open."), proposal=proposal
        )
    own = Assessment.objects.filter(proposal=proposal, expert=request.user).first()
    form = AssessmentForm(request.POST or None, initial=AssessmentForm.initial_for(own))
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.submit_assessment(proposal, expert=request.user, **form.cleaned_data)
            except ActionRefused as exc:
                form.add_error(None, exc.message)
                status = exc.status
            except ValidationError as exc:
                _add_service_errors(form, exc)
            else:
                messages.success(request, _("Your assessment is published."))
                return redirect(f"{proposal.get_absolute_url()}#assessments-{proposal.pk}")
    return render(request, "proposals/assessment_form.html", {"form": form, "proposal": proposal}, status=status)


def _report(request, *, proposal: Proposal, comment: Comment | None, allowed: bool):
    if not allowed:
        return _forbidden(
            request,
            _("You cannot report this: it is yours, already hidden, or you are a moderator."),
            proposal=proposal,
        )
    form = ReportForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            target = {"comment": comment} if comment else {"proposal": proposal}
            try:
                services.report_content(reporter=request.user, reason=form.cleaned_data["reason"], **target)
            except ActionRefused as exc:
                form.add_error(None, exc.message)
                status = exc.status
            except ValidationError as exc:
                _add_service_errors(form, exc)
            else:
                messages.success(request, _("Thank you. The moderators will look at your report."))
                return redirect(proposal)
    context = {"form": form, "proposal": proposal, "comment": comment}
    return render(request, "proposals/report_form.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def report(request, pk: int):
    proposal = _get_proposal(request, pk)
    return _report(request, proposal=proposal, comment=None, allowed=can(request.user, "proposals.report", proposal))


@login_required
@require_http_methods(["GET", "POST"])
def comment_report(request, pk: int):
    comment = _get_comment(request, pk)
    allowed = can(request.user, "proposals.report_comment", comment)
    return _report(request, proposal=comment.proposal, comment=comment, allowed=allowed)


@login_required
@require_http_methods(["GET", "POST"])
def change_status(request, pk: int):
    """Administrators move a proposal on and answer residents on its public timeline."""
    proposal = _get_proposal(request, pk)
    if not can(request.user, "proposals.change_status", proposal):
        return _forbidden(
            request,
            _("Only district administrators can change a proposal's status, and not once it is closed."),
            proposal=proposal,
        )
    form = StatusChangeForm(request.POST or None, proposal=proposal)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.change_status(
                    proposal,
                    to_status=form.cleaned_data["to_status"],
                    by=request.user,
                    response=form.cleaned_data["response"],
                )
            except ActionRefused as exc:
                form.add_error(None, exc.message)
                status = exc.status
            except ValidationError as exc:
                _add_service_errors(form, exc)
            else:
                messages.success(
                    request, _("The proposal is now “%(status)s”.") % {"status": proposal.get_status_display()}
                )
                return redirect(f"{proposal.get_absolute_url()}#status-timeline-{proposal.pk}")
    return render(request, "proposals/status_form.html", {"form": form, "proposal": proposal}, status=status)
