"""Challenge actions outside the page tree: follow, change stage, shortlist, record the decision.

Each view parses its form, calls one service and redirects back to the challenge page; a refusal answers
with its 4xx status (the page again with the reason, or the small alert for htmx) and changes nothing.
"""

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from livinglab.actions import form_action
from livinglab.errors import ActionRefused, refusal_response
from proposals.models import Proposal

from . import services
from .forms import ShortlistForm, StageChangeForm
from .models import ChallengePage
from .page_context import decision_form
from .rules import challenge_policy
from .stages import stage_label


def _challenge(pk: int) -> ChallengePage:
    return get_object_or_404(ChallengePage.objects.live().public(), pk=pk)


def _page_again(request, challenge: ChallengePage):
    """The challenge page itself, for a refusal shown without JavaScript."""
    return lambda: (challenge.get_template(request), challenge.get_context(request))


def _signed_in_or_login(request, challenge):
    if not request.user.is_authenticated:
        return redirect_to_login(challenge.url)
    return None


@require_POST
def follow(request, pk: int):
    challenge = _challenge(pk)
    if (login := _signed_in_or_login(request, challenge)) is not None:
        return login
    try:
        if request.POST.get("unfollow"):
            services.unfollow_challenge(challenge, user=request.user)
            notice = _("You no longer follow this challenge.")
        else:
            services.follow_challenge(challenge, user=request.user)
            notice = _("You follow this challenge: you will hear when it changes stage and when it is decided.")
    except ActionRefused as exc:
        return refusal_response(request, exc, page=_page_again(request, challenge))
    messages.success(request, notice)
    return redirect(f"{challenge.url}#challenge-follow")


@require_POST
def change_stage(request, pk: int):
    challenge = _challenge(pk)
    if (login := _signed_in_or_login(request, challenge)) is not None:
        return login
    form = StageChangeForm(request.POST)
    if not form.is_valid():
        exc = ActionRefused(_("Choose the next stage."), status=400)
        return refusal_response(request, exc, page=_page_again(request, challenge))
    try:
        services.change_stage(
            challenge,
            to_stage=form.cleaned_data["to_stage"],
            by=request.user,
            note=form.cleaned_data["note"],
            early=form.cleaned_data["early"],
        )
    except ActionRefused as exc:
        return refusal_response(request, exc, page=_page_again(request, challenge))
    except ValidationError as exc:  # the note
        refusal = ActionRefused(" ".join(exc.messages), status=400)
        return refusal_response(request, refusal, page=_page_again(request, challenge))
    messages.success(
        request, _("The challenge is now in its “%(stage)s” stage.") % {"stage": stage_label(challenge.current_stage)}
    )
    return redirect(f"{challenge.url}#challenge-stages")


@require_POST
def shortlist(request, pk: int, proposal_id: int):
    challenge = _challenge(pk)
    if (login := _signed_in_or_login(request, challenge)) is not None:
        return login
    proposal = get_object_or_404(Proposal.objects.visible(), pk=proposal_id)
    form = ShortlistForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    try:
        services.shortlist_proposal(challenge, proposal, by=request.user, note=note)
    except ActionRefused as exc:
        return refusal_response(request, exc, page=_page_again(request, challenge))
    messages.success(request, _("“%(title)s” is shortlisted for co-design.") % {"title": proposal.title})
    return redirect(f"{challenge.url}#challenge-problems")


@require_http_methods(["GET", "POST"])
def decide(request, pk: int):
    challenge = _challenge(pk)
    if (login := _signed_in_or_login(request, challenge)) is not None:
        return login
    policy = challenge_policy("challenges.decide", challenge, user=request.user)
    if not policy.allowed:
        return render(request, "403.html", {"reason": policy.message}, status=policy.status)
    form = decision_form(challenge, request.POST or None)
    return form_action(
        request,
        form,
        perform=lambda data: services.record_decision(
            challenge,
            by=request.user,
            outcome=data["outcome"],
            dongs=list(data["dongs"] or ()),
            reasons=data["reasons"],
            evidence_note=data["evidence_note"],
            budget_consequence=data["budget_consequence"],
            budget_amount=data["budget_amount"],
        ),
        success=_("The decision is recorded and the challenge is closed."),
        redirect_to=f"{challenge.url}#challenge-decision",
        template="challenges/decision_form.html",
        context={"page": challenge, "evidence": services.evidence_for(challenge)},
    )


@require_safe
def stage_fragment(request, pk: int):
    """The stage tracker alone: what a reconnecting socket refetches."""
    challenge = _challenge(pk)
    return TemplateResponse(request, "challenges/includes/stage_tracker.html", {"page": challenge, "live": True})
