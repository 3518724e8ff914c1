"""The desk's pages: thin views that parse a form, call one ``desk.services`` function and render.

Every desk page answers 403 to anyone who is not desk staff at a centre, and 404 for a resident of another
centre (``services.resident_at_desk``), so a guessed id tells nothing.
"""

from collections.abc import Callable
from functools import wraps

import segno
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts.reach import reach_of
from challenges.models import ChallengePage
from challenges.stages import Stage
from codesign.models import Registration, Session
from codesign.services import waiting_position
from livinglab.actions import add_service_errors, form_action
from livinglab.client_ip import client_ip
from livinglab.errors import ActionRefused, refusal_response
from pilots.models import FEEDBACK_STATUSES, PilotPage
from proposals.models import Area, Category

from . import services
from .forms import (
    AssistedProposalForm,
    ClaimForm,
    CommentForResidentForm,
    NewsChoiceForm,
    PaperEntryForm,
    PopulationForm,
    PopulationImportForm,
    RatePilotForm,
    RegisterResidentForm,
    SessionRegistrationForm,
    SupportForm,
)
from .inclusion import MIN_SHOWN, inclusion_report
from .models import AgeBand, AreaPopulation, DeskResident, PaperEntry


def _desk(view):
    """Signed in, and desk staff at a centre (403 otherwise); the centre goes to the view."""

    @wraps(view)
    @login_required
    def wrapped(request, *args, **kwargs):
        centre = services.centre_of(request.user)
        return view(request, centre, *args, **kwargs)

    return wrapped


def _resident(request, pk) -> DeskResident:
    try:
        return services.resident_at_desk(request.user, pk)
    except ActionRefused as exc:
        if exc.status == 404:
            raise Http404(exc.message) from None
        raise


@_desk
def desk_home(request, centre):
    """The centre's residents, newest first, with a name filter; and the desk's tools."""
    query = (request.GET.get("q") or "").strip()[:60]
    residents = DeskResident.objects.at(centre).select_related("user", "user__home_area", "user__home_area__parent")
    if query:
        residents = residents.filter(user__display_name__icontains=query)
    challenges = list(ChallengePage.objects.open_for_submission().order_by("title")[:20])
    return render(
        request,
        "desk/desk_home.html",
        {"centre": centre, "residents": list(residents[:100]), "query": query, "challenges": challenges},
    )


@_desk
@require_http_methods(["GET", "POST"])
def register_resident(request, centre):
    form = RegisterResidentForm(request.POST or None, initial={"area": centre.area_id})
    return form_action(
        request,
        form,
        perform=lambda data: services.register_resident(
            staff=request.user,
            display_name=data["display_name"],
            area=data["area"],
            phone=data["phone"],
            age_band=data["age_band"],
            consent_reference=data["consent_reference"],
            news=data["news"],
            language=data["language"],
        ),
        success=_("The resident is registered."),
        redirect_to=lambda resident: reverse("desk:resident", args=[resident.pk]),
        template="desk/register_form.html",
        context={"centre": centre},
    )


def _resident_page(centre, resident: DeskResident, news_form=None) -> tuple[str, dict]:
    proposals = list(resident.user.proposals.order_by("-created_at")[:20])
    registrations = list(
        Registration.objects.active()
        .filter(user=resident.user)
        .select_related("session")
        .order_by("session__starts_at", "pk")[:20]
    )
    for registration in registrations:
        registration.position = waiting_position(registration)
    context = {
        "centre": centre,
        "resident": resident,
        "proposals": proposals,
        "registrations": registrations,
        "reach": reach_of(resident.user),
        "news_form": news_form or NewsChoiceForm(initial={"news": _desk_news_choice(resident)}),
    }
    return "desk/resident_detail.html", context


def _desk_news_choice(resident: DeskResident) -> str:
    notify_by = resident.user.notify_by
    return notify_by if notify_by in services.DESK_NEWS_CHOICES else ""


@_desk
def resident_detail(request, centre, pk: int):
    template, context = _resident_page(centre, _resident(request, pk))
    return render(request, template, context)


@_desk
@require_POST
def news_choice(request, centre, pk: int):
    """Record how a resident whose account the desk keeps wants their news: text messages, or none."""
    resident = _resident(request, pk)
    form = NewsChoiceForm(request.POST)
    if form.is_valid():
        try:
            services.set_news_choice(resident, staff=request.user, news=form.cleaned_data["news"])
        except ActionRefused as exc:
            return refusal_response(request, exc, page=lambda: _resident_page(centre, resident, form))
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The resident's choice of messages is recorded."))
            return redirect("desk:resident", pk=resident.pk)
    template, context = _resident_page(centre, resident, form)
    return render(request, template, context, status=400)


@_desk
@require_http_methods(["GET", "POST"])
def file_proposal(request, centre, pk: int):
    resident = _resident(request, pk)
    form = AssistedProposalForm(
        request.POST or None, request.FILES or None, initial={"area": resident.user.home_area_id}
    )
    return form_action(
        request,
        form,
        perform=lambda data: services.file_proposal_for(
            resident, staff=request.user, channel=data["channel"], **form.service_kwargs()
        ),
        success=_("The proposal is published for the resident."),
        redirect_to=lambda proposal: proposal.get_absolute_url(),
        template="desk/assisted_proposal_form.html",
        context={"centre": centre, "resident": resident},
    )


def _act_for_resident(
    request,
    centre,
    pk: int,
    form,
    *,
    service,
    fields: tuple[str, ...],
    success: str | Callable[[object], str],
    heading: str,
):
    """The page of one thing staff do for a resident: ``service(resident, staff=…, channel=…, **fields)``.

    The resident comes from the staff member's centre (404 otherwise); success goes back to them. ``success``
    is the message, or a function of what the service returned that words it.
    """
    resident = _resident(request, pk)
    done = {}

    def perform(data):
        done["result"] = service(
            resident, staff=request.user, channel=data["channel"], **{name: data[name] for name in fields}
        )
        return done["result"]

    return form_action(
        request,
        form,
        perform=perform,
        success=(lambda: success(done["result"])) if callable(success) else success,
        redirect_to=reverse("desk:resident", args=[resident.pk]),
        template="desk/assisted_action_form.html",
        context={"centre": centre, "resident": resident, "heading": heading},
    )


@_desk
@require_http_methods(["GET", "POST"])
def support(request, centre, pk: int):
    return _act_for_resident(
        request,
        centre,
        pk,
        SupportForm(request.POST or None),
        service=services.support_for,
        fields=("proposal",),
        success=_("The resident's support is recorded."),
        heading=_("Support a proposal"),
    )


@_desk
@require_http_methods(["GET", "POST"])
def comment(request, centre, pk: int):
    return _act_for_resident(
        request,
        centre,
        pk,
        CommentForResidentForm(request.POST or None),
        service=services.comment_for,
        fields=("proposal", "body"),
        success=_("The resident's comment is posted."),
        heading=_("Write down a comment"),
    )


@_desk
@require_http_methods(["GET", "POST"])
def rate_pilot(request, centre, pk: int):
    pilots = list(PilotPage.objects.live().filter(status__in=FEEDBACK_STATUSES).order_by("title"))
    return _act_for_resident(
        request,
        centre,
        pk,
        RatePilotForm(request.POST or None, pilots=pilots),
        service=services.rate_pilot_for,
        fields=("pilot", "rating", "comment"),
        success=_("The resident's rating is recorded."),
        heading=_("Rate a pilot's results"),
    )


@_desk
@require_http_methods(["GET", "POST"])
def register_session(request, centre, pk: int):
    """Register the resident for a co-design session: a seat, or the waiting list when it is full."""
    sessions = list(Session.objects.open_for_registration().order_by("starts_at", "pk")[:100])
    return _act_for_resident(
        request,
        centre,
        pk,
        SessionRegistrationForm(request.POST or None, sessions=sessions),
        service=services.register_for_session_for,
        fields=("session",),
        success=_registered_message,
        heading=_("Register for a co-design session"),
    )


def _registered_message(registration) -> str:
    """What staff tell the resident: a seat, or their place on the waiting list."""
    words = {"title": registration.session.title}
    if registration.is_seated:
        return _("The resident has a seat at “%(title)s”.") % words
    return _(
        "“%(title)s” is full: the resident is number %(position)s on the waiting list and gets a seat if one frees up."
    ) % {**words, "position": waiting_position(registration)}


@_desk
@require_http_methods(["POST"])
def claim_letter(request, centre, pk: int):
    """Issue a new code and show the printable letter; the code appears on this page only."""
    resident = _resident(request, pk)
    claim, code = services.issue_claim_code(resident, staff=request.user)
    claim_url = request.build_absolute_uri(reverse("desk:claim"))
    response = render(
        request,
        "desk/claim_letter.html",
        {
            "centre": centre,
            "resident": resident,
            "claim": claim,
            "code": f"{code[:4]}-{code[4:]}",
            "claim_url": claim_url,
            "qr": _qr_svg(claim_url),
        },
    )
    # The letter carries a secret: never from a cache, never kept by the browser's back button.
    response["Cache-Control"] = "no-store"
    return response


@_desk
@require_POST
def claim_text(request, centre, pk: int):
    """Send a new hand-over code to the resident's own phone (the code is never shown to the staff)."""
    resident = _resident(request, pk)
    try:
        services.send_claim_code_by_sms(
            resident, staff=request.user, claim_url=request.build_absolute_uri(reverse("desk:claim"))
        )
    except ActionRefused as exc:
        # The resident's page again, with why (too many texts: print the letter; the gateway is down: 503).
        return refusal_response(request, exc, page=lambda: _resident_page(centre, resident))
    messages.success(request, _("The code was sent by text message to the resident's phone."))
    return redirect("desk:resident", pk=resident.pk)


@_desk
@require_http_methods(["GET", "POST"])
def paper_batch(request, centre):
    """Type in paper forms one after another: the form comes back empty, focused on the reference.

    The kind of form (the general call, or one challenge's own form) stays chosen from one form to the next,
    so a stack of one challenge's forms is typed in without choosing it again.
    """
    residents = list(DeskResident.objects.at(centre).select_related("user").order_by("user__display_name"))
    by_pk = {r.pk: r for r in residents}
    kind = request.GET.get("challenge", "")
    form = PaperEntryForm(
        request.POST or None,
        request.FILES or None,
        residents=residents,
        initial={"challenge": int(kind)} if kind.isdigit() else None,
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            resident = by_pk.get(form.cleaned_data["resident"])
            try:
                if resident is None:
                    raise ActionRefused(_("No such resident at your centre."), status=404)
                entry = services.enter_paper_form(
                    resident, staff=request.user, reference=form.cleaned_data["reference"], **form.service_kwargs()
                )
            except ActionRefused as exc:
                form.add_error(None, exc.message)
                status = exc.status
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _paper_entered_message(entry))
                next_form = reverse("desk:paper_batch")
                if entry.proposal.challenge_id:
                    next_form += f"?challenge={entry.proposal.challenge_id}"
                return redirect(next_form)
    recent = list(
        PaperEntry.objects.filter(centre=centre).select_related("resident__user", "proposal", "proposal__challenge")[
            :10
        ]
    )
    return render(
        request,
        "desk/paper_batch.html",
        {"centre": centre, "form": form, "recent": recent},
        status=status,
    )


def _paper_entered_message(entry: PaperEntry) -> str:
    words = {"reference": entry.reference, "proposal": entry.proposal_id}
    challenge = entry.proposal.challenge
    if challenge is not None:
        return _(
            "Paper form %(reference)s is entered as proposal no. %(proposal)s in the challenge “%(challenge)s”. "
            "Next form:"
        ) % {**words, "challenge": challenge.title}
    return _("Paper form %(reference)s is entered as proposal no. %(proposal)s. Next form:") % words


def paper_form(request):
    """The printable A4 form for the general call: Korean, large type, with a QR code to the online form."""
    online_url = request.build_absolute_uri(reverse("proposals:create"))
    return render(request, "desk/paper_form.html", {"online_url": online_url, "qr": _qr_svg(online_url)})


def challenge_paper_form(request, page_id: int):
    """A challenge's own printable A4 form: its title and question, where and when it takes problems, its
    categories, and a QR code to the challenge's page. Korean, large type, like the general form."""
    challenge = get_object_or_404(ChallengePage.objects.live().public().prefetch_related("stages"), pk=page_id)
    if challenge.is_closed or challenge.current_stage != Stage.DISCOVERY:
        raise ActionRefused(_("This challenge no longer takes problems: it has no paper form to print."), status=409)
    online_url = request.build_absolute_uri(challenge.get_url(request))
    categories = list(challenge.categories.order_by("name")) or list(Category.objects.order_by("name"))
    return render(
        request,
        "desk/paper_form.html",
        {
            "challenge": challenge,
            "call_period": challenge.call_period,
            "areas": _covered_dongs(challenge),
            "categories": categories,
            "online_url": online_url,
            "qr": _qr_svg(online_url),
        },
    )


# More neighbourhoods than fit as boxes to tick on the sheet: the resident writes theirs on a line instead.
PAPER_FORM_MAX_DONGS = 12


def _covered_dongs(challenge) -> list[Area]:
    """The dongs the challenge takes problems from (a district stands for all its dongs), when few enough."""
    targets = list(challenge.areas.all())
    dongs = Area.objects.neighbourhoods().filter(
        Q(pk__in=[a.pk for a in targets if a.parent_id]) | Q(parent__in=[a.pk for a in targets if not a.parent_id])
    )
    dongs = list(dongs.select_related("parent").order_by("name")[: PAPER_FORM_MAX_DONGS + 1])
    return dongs if len(dongs) <= PAPER_FORM_MAX_DONGS else []


def _qr_svg(url: str) -> str:
    """An inline SVG QR code (segno writes only rects and paths: no script, safe under the CSP)."""
    qr = segno.make(url, error="m")
    svg = qr.svg_inline(scale=4, dark="#000", light="#fff", omitsize=True)
    return mark_safe(svg)  # noqa: S308 - segno's own output from our own URL


@require_http_methods(["GET", "POST"])
def claim(request):
    """A resident takes over the account the desk opened, with the letter's number and code."""
    if request.user.is_authenticated and request.method == "GET":
        return redirect("/")
    form = ClaimForm(request.POST or None, initial={"number": request.GET.get("number", "")[:20]})
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                user = services.claim_account(
                    number=data["number"],
                    code=data["code"],
                    email=data["email"],
                    password=data["password"],
                    ip=client_ip(request),
                )
            except ActionRefused as exc:
                form.add_error(None, exc.message)
                status = exc.status
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                login(request, user, backend="django.contrib.auth.backends.ModelBackend")
                messages.success(request, _claimed_message(user))
                return redirect("accounts:profile")
    return render(request, "desk/claim_form.html", {"form": form}, status=status)


def _claimed_message(user) -> str:
    """How the resident signs in from now on, in the words of what they just chose."""
    if user.email and user.phone_verified:
        return _(
            "Welcome! The account is yours now. Sign in with your mobile number %(phone)s (we text you a code). "
            "We also sent a link to %(email)s: open it, and you can sign in with your e-mail address too."
        ) % {"phone": user.phone_display, "email": user.email}
    if user.phone_verified:
        return _(
            "Welcome! The account is yours now. Next time, sign in with your mobile number %(phone)s: "
            "we text you a code."
        ) % {"phone": user.phone_display}
    return _(
        "Welcome! The account is yours now. We sent a link to %(email)s: open it to confirm your address, "
        "then sign in with your e-mail address and password."
    ) % {"email": user.email}


# --- who is missing: the administrators' inclusion dashboard --------------------------------------------


def _administrator(view):
    @wraps(view)
    @login_required
    def wrapped(request, *args, **kwargs):
        services._require_administrator(request.user)
        return view(request, *args, **kwargs)

    return wrapped


@_administrator
def inclusion_dashboard(request):
    """Participation by dong, channel, age band and month, against population; small figures suppressed."""
    report = inclusion_report()
    return render(
        request,
        "desk/inclusion_dashboard.html",
        {"report": report, "chart_data": report.chart_data(), "min_shown": MIN_SHOWN},
    )


@_administrator
@require_http_methods(["GET", "POST"])
def population(request):
    """Admins type a dong's population or import the figures from CSV."""
    entry_form = PopulationForm(request.POST if "total" in request.POST else None)
    import_form = PopulationImportForm(
        request.POST if "import" in request.POST else None, request.FILES if "import" in request.POST else None
    )
    status = 200
    if request.method == "POST":
        status = 400
        form = entry_form if "total" in request.POST else import_form
        if form.is_valid():
            try:
                if form is entry_form:
                    data = form.cleaned_data
                    bands = {band: data.get(f"band_{band}") for band in AgeBand.values}
                    services.set_population(data["area"], by=request.user, total=data["total"], bands=bands)
                    messages.success(request, _("The population figures are saved."))
                else:
                    count = services.import_population_csv(form.cleaned_data["file"], by=request.user)
                    messages.success(
                        request, _("Figures for %(count)s neighbourhoods were imported.") % {"count": count}
                    )
                return redirect("desk:population")
            except ValidationError as exc:
                add_service_errors(form, exc)
    figures = list(AreaPopulation.objects.select_related("area", "area__parent").order_by("area__name"))
    return render(
        request,
        "desk/population.html",
        {"entry_form": entry_form, "import_form": import_form, "figures": figures},
        status=status,
    )
