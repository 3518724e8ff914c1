"""Proposal pages. Each view parses input, asks ``proposals.rules`` or calls one service, and renders.

Every action works as a plain form post (POST, then redirect, then GET). htmx requests get the partial that
changed instead, rendered from the same template the page includes; refusals come back with the service's
status code (403, 409, 429, ...) and its message, for htmx in the body and otherwise on the page.
"""

import hashlib
import json
from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from django_htmx.http import HttpResponseClientRedirect

from accounts.blocking import refuse_if_blocked
from accounts.consent import consent_redirect, missing_documents
from livinglab.actions import add_service_errors, form_action
from livinglab.errors import ActionRefused, refusal_response

from . import services, versions
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
from .listing import COUNT_TTL, PAGE_TTL, NarrowPaginator, anonymous_page_key, cache_key
from .models import AUTHOR_ONLY_STATUSES, Area, Assessment, Category, Comment, Proposal
from .rules import can
from .templatetags.proposal_tags import comments_shown

MAP_POINT_LIMIT = 500

# --- helpers -----------------------------------------------------------------------------------------


def _get_proposal(request, pk: int, *, related: bool = True) -> Proposal:
    """The proposal if this user may see it; hidden ones are 404 to everyone but their author and staff.

    ``related=False`` reads the proposal's row alone, for actions whose answer names no category, area or author
    (a vote answers with the vote panel): joining four tables was a sixth of a vote's time.
    """
    if related:
        proposal = get_object_or_404(
            Proposal.objects.select_related("category", "area", "area__parent", "author"), pk=pk
        )
    else:
        try:
            proposal = Proposal.objects.get(pk=pk)  # compiled once (ProposalManager)
        except Proposal.DoesNotExist:
            raise Http404 from None
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


def participation(view):
    """A view where people add or change content: a blocked person gets the 403 that says why, at once, and
    someone who has not accepted the current terms is sent to accept them first, already on the GET that
    opens the form (posts are stopped for every app by ``accounts.middleware.ConsentMiddleware``)."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        refuse_if_blocked(request.user)
        if missing_documents(request.user, getattr(request, "session", None)):
            return consent_redirect(request)
        return view(request, *args, **kwargs)

    return wrapped


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


def _detail_context(request, proposal: Proposal, *, page_version: str = "", **overrides) -> dict:
    user = request.user
    context = {
        "proposal": proposal,
        "page_version": page_version,
        "comments_shown": comments_shown(request.GET.get("comments")),
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


DETAIL_TEMPLATE = "proposals/proposal_detail.html"


def _detail_response(request, proposal: Proposal, *, status: int = 200, **forms):
    return render(request, DETAIL_TEMPLATE, _detail_context(request, proposal, **forms), status=status)


def _fragment(request, proposal: Proposal, template: str, *, status: int = 200):
    context = {"proposal": proposal, "comments_shown": comments_shown(request.GET.get("comments"))}
    return render(request, f"proposals/includes/{template}.html", context, status=status)


def _unchanged(request, pk: int) -> bool:
    """A socket's refetch (``?v=<stamp>``) of a page whose proposal has had no event since it was rendered."""
    return versions.unchanged_since(pk, request.GET.get("v"))


NOT_CHANGED = 204  # htmx swaps nothing


def _button_action(request, proposal: Proposal, perform, *, fragment: str, success: str, redirect_to):
    """A one-click action (vote, remove, mark official): the service, then the changed partial or a redirect.

    A refusal answers with its status: a small alert for htmx, the proposal page with the message otherwise.
    """
    if not request.user.is_authenticated:
        return _login(request, proposal)
    try:
        perform()
    except ActionRefused as exc:
        return refusal_response(request, exc, page=lambda: (DETAIL_TEMPLATE, _detail_context(request, proposal)))
    if request.htmx:
        return _fragment(request, proposal, fragment)
    messages.success(request, success)
    return redirect(redirect_to)


def _comment_url(comment: Comment) -> str:
    return f"{comment.proposal.get_absolute_url()}#comment-{comment.pk}"


# --- list and detail ---------------------------------------------------------------------------------


def _filtered_list(request):
    categories = list(Category.objects.all())
    areas = list(Area.objects.select_related("parent"))
    filter_form = ProposalFilterForm(request.GET, categories=categories, areas=areas)
    return filter_form, filter_form.apply(Proposal.objects.public())


FILTERS_TTL = 10 * 60


def filters_html(request, filter_form: ProposalFilterForm, per_page: int) -> str:
    """The filter form as HTML, cached per language, choices and chosen values.

    The key holds every category and area (their ids, slugs and names, already read for the form), so an
    edited or added one makes a new entry at once; nothing in it depends on who is looking.
    """
    choices = [
        (name, [(str(value), str(label)) for value, label in filter_form.fields[name].choices])
        for name in ("category", "area", "status", "sort")
    ]
    chosen = [(name, filter_form.data.get(name, "")) for name in ("category", "area", "status", "sort")]
    described = repr((get_language(), choices, chosen, per_page)).encode()
    key = f"proposals:list-filters:{hashlib.sha256(described).hexdigest()[:32]}"
    html = cache.get(key)
    if html is None:
        html = render_to_string(
            "proposals/includes/list_filters.html",
            {
                "filter_form": filter_form,
                "per_page": per_page,
                "default_per_page": ProposalFilterForm.DEFAULT_PER_PAGE,
            },
            request=None,
        )
        cache.set(key, html, FILTERS_TTL)
    return mark_safe(html)  # noqa: S308 - our own template's output


def _taxonomy(filter_form: ProposalFilterForm) -> tuple:
    """The categories and areas as read for the filters: what the cards' names come from."""
    return (
        [(c.pk, c.slug, c.name, c.name_en) for c in filter_form.categories.values()],
        [(a.pk, a.slug, a.name, a.name_en, a.parent_id) for a in filter_form.areas.values()],
    )


def _list_content(request, filter_form: ProposalFilterForm, proposals) -> tuple[str, dict]:
    """The list's body (filters, count, map, cards, pages) as HTML, with the context it was rendered from."""
    per_page = filter_form.per_page()
    paginator = NarrowPaginator(
        proposals.values_list("pk", flat=True),
        per_page,
        rows=Proposal.objects.for_list(),
        filters=filter_form.filters(),
    )
    context = {
        "page_obj": paginator.get_page(request.GET.get("page")),
        "filter_form": filter_form,
        "filters_html": filters_html(request, filter_form, per_page),
        "per_page": per_page,
        "default_per_page": ProposalFilterForm.DEFAULT_PER_PAGE,
        "map_points_url": f"{reverse('proposals:map_points')}?{filter_form.filters_query()}",
        "map_tile_url": settings.MAP_TILE_URL,
    }
    return render_to_string("proposals/includes/proposal_list_content.html", context, request=request), context


@require_safe
def proposal_list(request):
    """Public proposals with filters, sorting and pages; the map loads its points from ``map_points``.

    For anonymous visitors the body is cached per filter set (``proposals.listing.anonymous_page_key``).
    """
    filter_form, proposals = _filtered_list(request)
    key = anonymous_page_key(request, _taxonomy(filter_form))
    content = cache.get(key) if key else None
    context = {}
    if content is None:
        content, context = _list_content(request, filter_form, proposals)
        if key:
            cache.set(key, content, PAGE_TTL)
    return render(request, "proposals/proposal_list.html", {**context, "list_content": mark_safe(content)})  # noqa: S308


@require_safe
def map_points(request):
    """The filtered list's points as GeoJSON (at most ``MAP_POINT_LIMIT``), cached per filter set.

    The cache entry belongs to the list's generation (``proposals.listing``): a new, edited, moved, hidden
    or unhidden proposal starts a new one. Each point's URL is the detail URL pattern filled in, not a
    ``reverse()`` per row.
    """
    filter_form, proposals = _filtered_list(request)
    key = cache_key("map", filter_form.filters())
    body = cache.get(key)
    if body is None:
        detail = reverse("proposals:detail", args=[0]).removesuffix("0/")
        points = proposals.exclude(latitude__isnull=True).values_list("id", "title", "latitude", "longitude")
        features = [
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [float(lng), float(lat)]},
                "properties": {"id": pk, "title": title, "url": f"{detail}{pk}/"},
            }
            for pk, title, lat, lng in points[:MAP_POINT_LIMIT]
        ]
        body = json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False)
        cache.set(key, body, COUNT_TTL)
    return HttpResponse(body, content_type="application/geo+json")


@require_safe
def proposal_detail(request, pk: int):
    if request.htmx and _unchanged(request, pk):
        return HttpResponse(status=NOT_CHANGED)
    # The stamp is read before the rows: an event in between makes the page's socket refetch, never miss.
    page_version = versions.current(pk)
    proposal = _get_proposal(request, pk)
    return render(request, DETAIL_TEMPLATE, _detail_context(request, proposal, page_version=page_version))


def _fragment_view(template: str):
    @require_safe
    def view(request, pk: int):
        if _unchanged(request, pk):
            return HttpResponse(status=NOT_CHANGED)
        return _fragment(request, _get_proposal(request, pk), template)

    view.__name__ = f"fragment_{template}"
    return view


fragment_vote = _fragment_view("vote_panel")
fragment_comments = _fragment_view("comments")
fragment_timeline = _fragment_view("status_timeline")
fragment_assessments = _fragment_view("assessments")


# --- submitting and editing --------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
@participation
def proposal_create(request):
    if not can(request.user, "proposals.submit"):
        return render(request, "proposals/verify_email_required.html", status=403)
    form = ProposalSubmitForm(
        request.POST or None,
        request.FILES or None,
        user=request.user,
        initial={"challenge": request.GET.get("challenge", "")},
    )
    return form_action(
        request,
        form,
        perform=lambda data: services.submit_proposal(
            author=request.user, photos=data["photos"], photo_alt_texts=form.photo_alt_texts(), **form.service_kwargs()
        ),
        success=_("Thank you. Your proposal is published."),
        redirect_to=lambda proposal: proposal.get_absolute_url(),
        template="proposals/proposal_form.html",
        context=_form_context(form),
    )


@login_required
@require_http_methods(["GET", "POST"])
@participation
def proposal_edit(request, pk: int):
    proposal = _get_proposal(request, pk)
    if not can(request.user, "proposals.edit", proposal):
        return _forbidden(
            request,
            _("Only the author can edit a proposal, until its first vote and for 30 minutes at most."),
            proposal=proposal,
        )
    form = ProposalForm(request.POST or None, initial=ProposalForm.initial_for(proposal))
    return form_action(
        request,
        form,
        perform=lambda data: services.edit_proposal(proposal, user=request.user, **form.service_kwargs()),
        success=_("Your changes are saved."),
        redirect_to=proposal.get_absolute_url(),
        template="proposals/proposal_form.html",
        context=_form_context(form, proposal=proposal),
    )


@login_required
@require_http_methods(["GET", "POST"])
def proposal_withdraw(request, pk: int):
    proposal = _get_proposal(request, pk)
    if not can(request.user, "proposals.withdraw", proposal):
        return _forbidden(
            request, _("Only the author can withdraw a proposal, and only before it is decided."), proposal=proposal
        )
    return form_action(
        request,
        WithdrawForm(request.POST or None),
        perform=lambda data: services.withdraw_proposal(proposal, user=request.user, reason=data["reason"]),
        success=_("Your proposal is withdrawn."),
        redirect_to=proposal.get_absolute_url(),
        template="proposals/proposal_withdraw.html",
        context={"proposal": proposal},
    )


# --- votes -------------------------------------------------------------------------------------------


def _vote_action(request, pk: int, service, success: str, *, voted: bool):
    proposal = _get_proposal(request, pk, related=False)

    def perform():
        service(proposal, user=request.user)
        # Known now: the vote panel need not ask the database whether this person supports the proposal.
        proposal.voted_by_viewer = voted

    return _button_action(
        request,
        proposal,
        perform,
        fragment="vote_panel",
        success=success,
        redirect_to=proposal.get_absolute_url(),
    )


@require_POST
@participation
def vote(request, pk: int):
    return _vote_action(request, pk, services.cast_vote, _("Thank you for your support."), voted=True)


@require_POST
def unvote(request, pk: int):
    return _vote_action(request, pk, services.withdraw_vote, _("You no longer support this proposal."), voted=False)


# --- discussion --------------------------------------------------------------------------------------


@require_POST
@participation
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
            return refusal_response(request, exc, page=lambda: (DETAIL_TEMPLATE, _detail_context(request, proposal)))
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            if request.htmx:
                return _fragment(request, proposal, "comments")
            messages.success(request, _("Your comment is posted."))
            return redirect(f"{proposal.get_absolute_url()}#comment-{comment.pk}")
    if request.htmx:
        message = " ".join(error for errors in form.errors.values() for error in errors)
        return refusal_response(request, ActionRefused(message, status=400))
    return _detail_response(request, proposal, status=400, comment_form=form)


@login_required
@require_http_methods(["GET", "POST"])
@participation
def comment_edit(request, pk: int):
    comment = _get_comment(request, pk)
    if not can(request.user, "proposals.edit_comment", comment):
        return _forbidden(
            request,
            _("Only its author can edit a comment, for 15 minutes after posting it."),
            proposal=comment.proposal,
        )
    return form_action(
        request,
        CommentEditForm(request.POST or None, initial={"body": comment.body}),
        perform=lambda data: services.edit_comment(comment, user=request.user, body=data["body"]),
        success=_("Your comment is saved."),
        redirect_to=_comment_url(comment),
        template="proposals/comment_form.html",
        context={"comment": comment},
    )


@login_required
@require_http_methods(["GET", "POST"])
def comment_remove(request, pk: int):
    comment = _get_comment(request, pk)
    proposal = comment.proposal
    if not can(request.user, "proposals.remove_comment", comment):
        return _forbidden(request, _("Only its author can remove a comment."), proposal=proposal)
    if request.method == "GET":
        return render(request, "proposals/comment_remove.html", {"comment": comment})

    def remove():
        services.remove_comment(comment, user=request.user)
        proposal.refresh_from_db(fields=["comment_count"])

    return _button_action(
        request,
        proposal,
        remove,
        fragment="comments",
        success=_("Your comment is removed."),
        redirect_to=_comment_url(comment),
    )


@require_POST
def comment_official(request, pk: int):
    comment = _get_comment(request, pk)
    return _button_action(
        request,
        comment.proposal,
        lambda: services.mark_official_answer(comment, by=request.user),
        fragment="comments",
        success=_("The comment is marked as the official answer."),
        redirect_to=_comment_url(comment),
    )


# --- assessments, reports, status --------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
@participation
def assess(request, pk: int):
    proposal = _get_proposal(request, pk)
    if not can(request.user, "proposals.assess", proposal):
        return _forbidden(
            request, _("Only experts can assess proposals, and only while they are open."), proposal=proposal
        )
    own = Assessment.objects.filter(proposal=proposal, expert=request.user).first()
    return form_action(
        request,
        AssessmentForm(request.POST or None, initial=AssessmentForm.initial_for(own)),
        perform=lambda data: services.submit_assessment(proposal, expert=request.user, **data),
        success=_("Your assessment is published."),
        redirect_to=f"{proposal.get_absolute_url()}#assessments-{proposal.pk}",
        template="proposals/assessment_form.html",
        context={"proposal": proposal},
    )


def _report(request, *, proposal: Proposal, comment: Comment | None, allowed: bool):
    if not allowed:
        return _forbidden(
            request,
            _("You cannot report this: it is yours, already hidden, or you are a moderator."),
            proposal=proposal,
        )
    target = {"comment": comment} if comment else {"proposal": proposal}
    return form_action(
        request,
        ReportForm(request.POST or None),
        perform=lambda data: services.report_content(reporter=request.user, reason=data["reason"], **target),
        success=_("Thank you. The moderators will look at your report."),
        redirect_to=proposal.get_absolute_url(),
        template="proposals/report_form.html",
        context={"proposal": proposal, "comment": comment},
    )


@login_required
@require_http_methods(["GET", "POST"])
@participation
def report(request, pk: int):
    proposal = _get_proposal(request, pk)
    return _report(request, proposal=proposal, comment=None, allowed=can(request.user, "proposals.report", proposal))


@login_required
@require_http_methods(["GET", "POST"])
@participation
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
    return form_action(
        request,
        StatusChangeForm(request.POST or None, proposal=proposal),
        perform=lambda data: services.change_status(
            proposal, to_status=data["to_status"], by=request.user, response=data["response"]
        ),
        success=lambda: _("The proposal is now “%(status)s”.") % {"status": proposal.get_status_display()},
        redirect_to=f"{proposal.get_absolute_url()}#status-timeline-{proposal.pk}",
        template="proposals/status_form.html",
        context={"proposal": proposal},
    )


# --- the expert's work queue -------------------------------------------------------------------------


@login_required
@require_safe
def expert_queue(request):
    """What waits for this expert's assessment (oldest first), and what they have assessed so far."""
    if not can(request.user, "proposals.view_expert_queue"):
        return _forbidden(request, _("The work queue is for experts."))
    queue = Proposal.objects.awaiting_assessment_by(request.user).select_related("category", "area", "area__parent")
    page = Paginator(queue, 20).get_page(request.GET.get("page"))
    done = (
        Assessment.objects.filter(expert=request.user)
        .select_related("proposal", "proposal__category")
        .order_by("-updated_at")[:50]
    )
    return render(
        request,
        "proposals/expert_queue.html",
        {
            "page_obj": page,
            "assessed": list(done),
            "assessed_count": Assessment.objects.filter(expert=request.user).count(),
            "categories": list(request.user.expert_categories.all()),
        },
    )


# --- public profiles ---------------------------------------------------------------------------------

PROFILE_LIMIT = 30


@require_safe
def person(request, pk: int):
    """A person as anyone sees them: display name, role badge and public contributions, nothing private.

    Hidden and withdrawn proposals, and hidden, removed or hidden-proposal comments, are left out; the e-mail
    address, phone, home area and votes are never shown. Erased accounts have no profile.
    """
    person = get_object_or_404(get_user_model(), pk=pk, is_active=True, erased_at__isnull=True)
    proposals = Proposal.objects.public().filter(author=person).select_related("category").order_by("-created_at")
    comments = (
        Comment.objects.visible()
        .filter(author=person, is_removed=False, proposal__is_hidden=False)
        .exclude(proposal__status__in=AUTHOR_ONLY_STATUSES)
        .select_related("proposal")
        .order_by("-created_at")
    )
    assessments = (
        Assessment.objects.filter(expert=person, proposal__is_hidden=False)
        .exclude(proposal__status__in=AUTHOR_ONLY_STATUSES)
        .select_related("proposal")
        .order_by("-created_at")
    )
    return render(
        request,
        "proposals/person.html",
        {
            "person": person,
            "proposals": list(proposals[:PROFILE_LIMIT]),
            "comments": list(comments[:PROFILE_LIMIT]),
            "assessments": list(assessments[:PROFILE_LIMIT]) if person.is_expert else [],
        },
    )
