"""Co-design pages: a session and its registration, attendance on the day, calendars, volunteering, surveys.

Every action is a plain form POST (pages work without JavaScript) that calls one service; a refusal answers
with its 4xx and the page again, the message on top.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.response import TemplateResponse
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from wagtail.models import Page

from livinglab.errors import ActionRefused, refusal_response

from . import ical, services
from .forms import AttendanceForm, VolunteerForm, WalkInForm
from .models import ConsentText, LabParticipant, Registration, Session, SurveyPage
from .rules import can, refusal
from .services import attendance_summary, waiting_position


def _visible_sessions():
    return Session.objects.published().filter(page__live=True).select_related("page")


def _session_context(request, session: Session) -> dict:
    user = request.user
    registration = None
    if user.is_authenticated:
        registration = Registration.objects.active().filter(session=session, user=user).first()
    return {
        "session": session,
        "registration": registration,
        "position": waiting_position(registration) if registration else None,
        "register_refusal": refusal("codesign.register", user, session),
        "can_take_attendance": can(user, "codesign.take_attendance", session),
        "can_manage": can(user, "codesign.manage_sessions"),
        "proposals": list(session.proposals.visible()) if session.minutes_are_published else [],
    }


def session_detail(request, pk: int):
    session = get_object_or_404(_visible_sessions(), pk=pk)
    return render(request, "codesign/session_detail.html", _session_context(request, session))


def _session_action(request, pk: int, action, success: str):
    session = get_object_or_404(_visible_sessions(), pk=pk)
    if not request.user.is_authenticated:
        return redirect_to_login(session.get_absolute_url())
    try:
        result = action(session, user=request.user)
    except ActionRefused as exc:
        # htmx gets the alert alone; a plain form post gets the session's page again (fresh seats), message on top.
        def page():
            fresh = get_object_or_404(_visible_sessions(), pk=pk)
            return "codesign/session_detail.html", _session_context(request, fresh)

        return refusal_response(request, exc, page=page)
    messages.success(request, success(result) if callable(success) else success)
    return redirect(session.get_absolute_url())


@require_POST
def register(request, pk: int):
    def said(registration):
        if registration.is_seated:
            return _("You have a seat. See you there!")
        return _("The session is full: you are on the waiting list, and you will get a seat if one frees up.")

    return _session_action(request, pk, services.register_for_session, said)


@require_POST
def cancel(request, pk: int):
    return _session_action(request, pk, services.cancel_registration, _("Your registration is cancelled."))


@require_GET
def seats(request, pk: int):
    """The seats-left fragment alone: what a page polls, or refetches after its socket reconnects."""
    session = get_object_or_404(_visible_sessions(), pk=pk)
    return render(request, "codesign/includes/seats.html", {"session": session})


@login_required
def attendance(request, pk: int):
    """Staff on the day: tick the registered people who came, and count the walk-ins."""
    session = get_object_or_404(Session.objects.select_related("page"), pk=pk)
    refused = refusal("codesign.take_attendance", request.user, session)
    if refused is not None:
        return render(request, "403.html", {"reason": refused.message}, status=refused.status)
    seated = list(Registration.objects.seated().filter(session=session).select_related("user").order_by("pk"))
    form = AttendanceForm(registrations=seated)
    walk_in_form = WalkInForm()
    status = 200
    if request.method == "POST":
        status = 400
        which = request.POST.get("form")
        try:
            if which == "walk_ins":
                walk_in_form = WalkInForm(request.POST)
                if walk_in_form.is_valid():
                    services.record_walk_ins(session, by=request.user, **walk_in_form.cleaned_data)
                    messages.success(request, _("Walk-ins recorded."))
                    return redirect("codesign:attendance", pk=session.pk)
            else:
                form = AttendanceForm(request.POST, registrations=seated)
                if form.is_valid():
                    services.record_attendance(session, by=request.user, present_ids=form.cleaned_data["present"])
                    messages.success(request, _("Attendance saved."))
                    return redirect("codesign:attendance", pk=session.pk)
        except ActionRefused as exc:
            messages.error(request, exc.message)
            status = exc.status
    context = {
        "session": session,
        "form": form,
        "walk_in_form": walk_in_form,
        "walk_ins": list(session.walk_ins.order_by("recorded_at")),
        "summary": attendance_summary(session),
    }
    return render(request, "codesign/attendance.html", context, status=status)


def _attachment(content, filename: str, *, content_type: str) -> HttpResponse:
    """``content`` as a file to save (UTF-8 text of ``content_type``) named ``filename``."""
    response = HttpResponse(content, content_type=f"{content_type}; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _ics_response(content: bytes, filename: str) -> HttpResponse:
    return _attachment(content, f"{filename}.ics", content_type="text/calendar")


@require_GET
def session_ics(request, pk: int):
    session = get_object_or_404(_visible_sessions(), pk=pk)
    return _ics_response(ical.calendar_of([session], name=session.title), f"session-{session.pk}")


@require_GET
def page_ics(request, page_id: int):
    page = get_object_or_404(Page.objects.live().public(), pk=page_id)
    sessions = _visible_sessions().filter(page=page)
    return _ics_response(ical.calendar_of(sessions, name=page.title), slugify(page.slug) or f"page-{page.pk}")


# --- lab participants ----------------------------------------------------------------------------------


def _live_page(page_id: int):
    return get_object_or_404(Page.objects.live().public().specific(), pk=page_id)


def volunteer(request, page_id: int):
    """Read the pilot's consent text and agree to it, to become one of its test users."""
    page = _live_page(page_id)
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    consent = ConsentText.current_for(page)
    form = VolunteerForm(request.POST or None, consent=consent)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.volunteer_for_pilot(page, user=request.user, consent_version=form.cleaned_data["version"])
            except ActionRefused as exc:
                if request.htmx:
                    return refusal_response(request, exc)
                messages.error(request, exc.message)
                status = exc.status
            else:
                messages.success(request, _("Thank you for taking part. You can withdraw at any time."))
                return redirect(page.url)
    participant = LabParticipant.objects.active().filter(page_id=page.pk, user=request.user).first()
    context = {
        "pilot": page,
        "consent": consent,
        "form": form,
        "participant": participant,
        "refused": None if participant else refusal("codesign.volunteer", request.user, page),
    }
    return render(request, "codesign/volunteer.html", context, status=status)


@require_POST
def withdraw(request, page_id: int):
    page = _live_page(page_id)
    if not request.user.is_authenticated:
        return redirect_to_login(page.url)
    try:
        services.withdraw_from_pilot(page, user=request.user)
    except ActionRefused as exc:
        return refusal_response(request, exc)
    messages.success(request, _("You no longer take part in this pilot. Thank you for your help."))
    return redirect(page.url)


# --- surveys -------------------------------------------------------------------------------------------


@require_POST
def answer_survey(request, survey_id: int):
    survey = get_object_or_404(SurveyPage.objects.live().public(), pk=survey_id)
    if not request.user.is_authenticated:
        return redirect_to_login(survey.url)
    form = survey.get_form(request.POST, page=survey, user=request.user)
    status = 400
    if form.is_valid():
        try:
            services.answer_survey(survey, user=request.user, data=form.cleaned_data)
        except ActionRefused as exc:
            if request.htmx:
                return refusal_response(request, exc)
            messages.error(request, exc.message)
            status = exc.status
        else:
            messages.success(request, survey.thank_you_text or _("Thank you: your answers are saved."))
            return redirect(survey.url)
    context = survey.get_context(request)
    context["form"] = form
    return TemplateResponse(request, survey.get_template(request), context, status=status)


@login_required
def participants_csv(request, page_id: int):
    """Administrators: the pilot's participants and their consent state, as CSV (an audited export)."""
    page = get_object_or_404(Page, pk=page_id)
    content = services.export_participants_csv(page, by=request.user)  # a refusal answers through the middleware
    return _attachment(content, f"participants-{page.pk}.csv", content_type="text/csv")


@login_required
def survey_csv(request, survey_id: int):
    """Administrators: every answer to a survey, as CSV (an audited export); drafts included."""
    survey = get_object_or_404(SurveyPage, pk=survey_id)
    content = services.export_survey_csv(survey, by=request.user)  # a refusal answers through the middleware
    return _attachment(content, f"survey-{survey.pk}-results.csv", content_type="text/csv")
