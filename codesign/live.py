"""Co-design's live pushes: the seats left of a session, on its own page and on the page listing it.

Subscribed after commit (``CodesignConfig.ready()``). Pushes carry counts only, never who registered.

Also what co-design changes on another app's page (its sessions, participants, consent text and the
before/after survey results, ``codesign.templatetags``, rendered for each request): each change moves that
page's parts' generation on (``livinglab.fragments``), so a page kept whole for signed-out visitors
(``livinglab.page_cache``) is rendered afresh; its cached fragments stay. Rows are followed through Django's
model signals, which see the admin's edits and every deletion as well as the services' writes; seat counts,
which move by ``UPDATE``, through the registration event.
"""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from livinglab.events import AFTER_COMMIT, Event, subscribe
from livinglab.fragments import page_parts_changed, page_parts_changed_on_commit
from livinglab.live import broadcast, push_message, render_in_each_language

from .models import ConsentText, LabParticipant, Session, SurveyAnswer, SurveyPage

SEATS_PARTIAL = "codesign/includes/seats.html"


def session_seats_group(pk: int) -> str:
    return f"codesign-session-{int(pk)}"


def page_sessions_group(pk: int) -> str:
    return f"codesign-page-{int(pk)}"


@subscribe("codesign.registration_changed", phase=AFTER_COMMIT)
def seats_changed(event: Event) -> None:
    session = Session.objects.published().filter(pk=event.data["session_id"]).first()
    if session is None:
        return
    fragments = render_in_each_language(SEATS_PARTIAL, {"session": session, "oob": True})
    message = push_message(fragments)
    broadcast([(session_seats_group(session.pk), message), (page_sessions_group(session.page_id), message)])


@subscribe(("codesign.registration_changed", "codesign.participant_update"), phase=AFTER_COMMIT)
def page_seats_or_surveys_changed(event: Event) -> None:
    page_parts_changed(event.data.get("page_id"))


@receiver(post_save, sender=Session, dispatch_uid="codesign.live.session_saved")
@receiver(post_delete, sender=Session, dispatch_uid="codesign.live.session_deleted")
@receiver(post_save, sender=LabParticipant, dispatch_uid="codesign.live.participant_saved")
@receiver(post_delete, sender=LabParticipant, dispatch_uid="codesign.live.participant_deleted")
@receiver(post_save, sender=ConsentText, dispatch_uid="codesign.live.consent_text_saved")
@receiver(post_delete, sender=ConsentText, dispatch_uid="codesign.live.consent_text_deleted")
def page_row_changed(sender, instance, **kwargs) -> None:
    page_parts_changed_on_commit(instance.page_id)


@receiver(post_save, sender=SurveyAnswer, dispatch_uid="codesign.live.survey_answer_saved")
@receiver(post_delete, sender=SurveyAnswer, dispatch_uid="codesign.live.survey_answer_deleted")
def survey_answer_changed(sender, instance: SurveyAnswer, **kwargs) -> None:
    """An answer moves the before/after comparison on the page the survey is about."""
    subject = SurveyPage.objects.filter(pk=instance.page_id).values_list("subject_page_id", flat=True).first()
    page_parts_changed_on_commit(subject)
