"""Co-design in the Wagtail admin: sessions, consent texts and lab participants (administrators only)."""

from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.ui.tables import Column, DateColumn
from wagtail.permissions import register_permission_policy
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from livinglab.choosers import PermissionCheckedChooserViewSet
from proposals.viewsets import ModerationPermissionPolicy

from . import tasks
from .models import ConsentText, LabParticipant, Session

LOG_ACTIONS = [
    ("livinglab.codesign.attendance", _("Take attendance"), _("Attendance recorded")),
    ("livinglab.codesign.walk_ins", _("Record walk-ins"), _("Walk-ins recorded")),
    (
        "livinglab.codesign.registered_on_behalf",
        _("Register a resident for a session"),
        _("Registered for a session with help at a desk"),
    ),
    ("livinglab.codesign.participants_export", _("Export lab participants"), _("Lab participants exported")),
    ("livinglab.codesign.survey_export", _("Export survey results"), _("Survey results exported")),
]


@hooks.register("register_log_actions")
def register_codesign_log_actions(actions):
    for action, label, message in LOG_ACTIONS:
        actions.register_action(action, label, message)


# Sessions and consent texts are written by administrators; participants are residents' own choices, only read
# here (their list leaves the admin only through the audited CSV export, so the listing itself exports nothing).
register_permission_policy(Session, ModerationPermissionPolicy(Session, ("add", "change", "delete", "view")))
register_permission_policy(ConsentText, ModerationPermissionPolicy(ConsentText, ("add", "view")))
register_permission_policy(LabParticipant, ModerationPermissionPolicy(LabParticipant, ("view",)))


class SessionViewSet(SnippetViewSet):
    model = Session
    chooser_viewset_class = PermissionCheckedChooserViewSet
    icon = "date"
    menu_label = _("Co-design sessions")
    list_display = [
        "title",
        Column("page", label=_("Page")),
        DateColumn("starts_at", label=_("Starts")),
        Column("capacity", label=_("Capacity")),
        Column("registered_count", label=_("Seats taken")),
        Column("is_published", label=_("Published")),
    ]
    list_filter = ["format", "is_published"]
    search_fields = ["title", "place"]
    ordering = ["-starts_at"]


class ConsentTextViewSet(SnippetViewSet):
    model = ConsentText
    chooser_viewset_class = PermissionCheckedChooserViewSet
    icon = "doc-full"
    menu_label = _("Consent texts")
    list_display = ["page", Column("version", label=_("Version")), DateColumn("created_at", label=_("Created"))]


class LabParticipantViewSet(SnippetViewSet):
    model = LabParticipant
    chooser_viewset_class = PermissionCheckedChooserViewSet
    icon = "group"
    menu_label = _("Lab participants")
    list_display = [
        "user",
        "page",
        Column("consent", label=_("Consent version"), accessor="consent.version"),
        DateColumn("consented_at", label=_("Consented")),
        DateColumn("withdrawn_at", label=_("Withdrawn")),
    ]
    list_filter = ["page"]
    list_export: list = []


class CodesignViewSetGroup(SnippetViewSetGroup):
    items = (SessionViewSet, ConsentTextViewSet, LabParticipantViewSet)
    menu_icon = "group"
    menu_label = _("Co-design")
    menu_name = "codesign"
    menu_order = 170


register_snippet(CodesignViewSetGroup)


@hooks.register("after_create_snippet")
@hooks.register("after_edit_snippet")
def schedule_session_reminder(request, instance):
    if isinstance(instance, Session):
        tasks.schedule_reminder(instance)
