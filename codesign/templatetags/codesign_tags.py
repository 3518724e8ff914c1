"""Co-design on other apps' pages: a page's sessions, its lab participation and its surveys' results.

The challenge and pilot templates load these tags; their apps import nothing from this one.
"""

from django import template

from ..models import LabParticipant, Session, SurveyAnswer
from ..results import before_after, live_surveys_about, survey_results
from ..rules import can, page_has_consent_text, page_is_live, page_takes_participants, refusal

register = template.Library()


@register.inclusion_tag("codesign/includes/page_sessions.html", takes_context=True)
def page_sessions(context, page, embedded=False):
    """The published sessions of ``page``, soonest first, with their seats left (live).

    ``embedded``: inside a section of the page's own (the challenge page numbers its story), without a heading.
    """
    sessions = list(Session.objects.published().filter(page_id=page.pk).order_by("starts_at", "pk"))
    request = context.get("request")
    return {
        "page": page,
        "sessions": sessions,
        "embedded": embedded,
        "live": bool(page.live and not getattr(request, "is_preview", False)),
        "request": request,
    }


@register.inclusion_tag("codesign/includes/page_participation.html", takes_context=True)
def page_participation(context, page):
    """Volunteering as a test user of ``page``, its surveys, and their before/after results."""
    request = context.get("request")
    user = getattr(request, "user", None)
    participant = None
    if user is not None and user.is_authenticated:
        participant = LabParticipant.objects.active().filter(page_id=page.pk, user_id=user.pk).first()
    surveys = list(live_surveys_about(page))
    return {
        "page": page,
        "request": request,
        "user": user,
        "participant": participant,
        "participant_count": LabParticipant.objects.active().filter(page_id=page.pk).count(),
        "can_volunteer": can(user, "codesign.volunteer", page),
        # Signed-out visitors are invited too: the volunteer page asks them to sign in first.
        "invite_sign_in": not getattr(user, "is_authenticated", False)
        and all(p.test(user, page) for p in (page_is_live, page_takes_participants, page_has_consent_text)),
        "can_see_participants": can(user, "codesign.see_participants"),
        "can_export_surveys": can(user, "codesign.export_survey_results"),
        "surveys": surveys,
        "comparisons": before_after(page, surveys),
    }


@register.inclusion_tag("codesign/includes/page_surveys.html", takes_context=True)
def page_surveys(context, page):
    """The live surveys about ``page`` (a challenge's own), each with what the viewer can do with it now."""
    request = context.get("request")
    user = getattr(request, "user", None)
    surveys = list(live_surveys_about(page))
    answered = set()
    if surveys and getattr(user, "is_authenticated", False):
        answered = set(
            SurveyAnswer.objects.filter(user_id=user.pk, page_id__in=[s.pk for s in surveys]).values_list(
                "page_id", flat=True
            )
        )
    return {
        "page": page,
        "request": request,
        "rows": [(survey, survey.pk in answered, survey.is_open()) for survey in surveys],
        "can_export_surveys": can(user, "codesign.export_survey_results"),
        # Administrators run surveys and read their results; they are never offered a form they may not send.
        "reads_results": bool(getattr(user, "is_administrator", False)),
    }


@register.simple_tag(takes_context=True)
def survey_policy(context, survey):
    """None when the viewer may answer ``survey``, else the refusal (its message says why)."""
    return refusal("codesign.answer_survey", context["request"].user, survey)


@register.inclusion_tag("codesign/includes/survey_results.html")
def survey_results_table(survey):
    return {"survey": survey, "results": survey_results(survey)}
