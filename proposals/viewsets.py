"""Moderation in the Wagtail admin: listings with filters and search, bulk actions and filing for residents.

Administrators never edit residents' words in the admin. They act on them through the same services the
site uses (hide/unhide with a reason, move a proposal's status with an official answer), so every action
keeps the counters right, lands in the audit log and reaches followers. Areas and categories are plain
editable snippets.
"""

import django_filters
from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.functional import cached_property, classproperty
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.ui.tables import BooleanColumn, Column, DateColumn, StatusTagColumn
from wagtail.admin.widgets.button import Button
from wagtail.permission_policies.base import BasePermissionPolicy
from wagtail.snippets.bulk_actions.snippet_bulk_action import SnippetBulkAction
from wagtail.snippets.views import snippets as snippet_views
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from accounts.models import Role
from livinglab.choosers import PermissionCheckedChooserViewSet
from livinglab.errors import ActionRefused

from . import services
from .forms import StatusChangeForm
from .models import Area, Category, Comment, FilingChannel, Proposal, Report, administrator_transitions
from .rules import can

# --- permissions ---------------------------------------------------------------------------------------


class ModerationPermissionPolicy(BasePermissionPolicy):
    """Whoever ``perm`` allows (a rule in ``proposals.rules``) may do ``actions``; nobody else anything."""

    def __init__(self, model, actions, perm="proposals.moderate"):
        super().__init__(model)
        self.actions = frozenset(actions)
        self.perm = perm

    def user_has_permission(self, user, action):
        return action in self.actions and can(user, self.perm)

    def user_has_any_permission(self, user, actions):
        return any(self.user_has_permission(user, action) for action in actions)

    def users_with_any_permission(self, actions):
        users = get_user_model().objects.filter(is_active=True)
        if not self.actions.intersection(actions):
            return users.none()
        roles = (
            [Role.ADMINISTRATOR, Role.MODERATOR] if self.perm == "proposals.moderate_content" else [Role.ADMINISTRATOR]
        )
        return users.filter(Q(role__in=roles) | Q(is_superuser=True))


# Residents' content is read and moderated, never added, edited or deleted here; areas and categories are
# reference data administrators maintain (never deleted: proposals point at them).
RESIDENT_CONTENT_ACTIONS = ("view",)
REFERENCE_DATA_ACTIONS = ("add", "change", "view")
# Moderators read and moderate residents' content; only administrators maintain the reference data.
PERMISSION_POLICIES = {
    Proposal: (RESIDENT_CONTENT_ACTIONS, "proposals.moderate_content"),
    Comment: (RESIDENT_CONTENT_ACTIONS, "proposals.moderate_content"),
    Report: (RESIDENT_CONTENT_ACTIONS, "proposals.moderate_content"),
    Area: (REFERENCE_DATA_ACTIONS, "proposals.moderate"),
    Category: (REFERENCE_DATA_ACTIONS, "proposals.moderate"),
}


# --- listings ------------------------------------------------------------------------------------------


class ModerationHistoryView(snippet_views.HistoryView):
    """The audit log of one item: moderators only view residents' content, so viewing is enough here."""

    any_permission_required = ["view", "change"]


class ModerationInspectView(snippet_views.InspectView):
    """One proposal or comment, with its moderation actions (the bulk actions, for this one item) at hand."""

    def _action_url(self, action: str) -> str:
        opts = self.model._meta
        base = reverse("wagtail_bulk_action", args=(opts.app_label, opts.model_name, action))
        return f"{base}?{urlencode({'id': self.object.pk, 'next': self.request.get_full_path()})}"

    @cached_property
    def header_more_buttons(self):
        buttons = list(super().header_more_buttons)
        obj = self.object
        if obj.is_hidden:
            buttons.append(Button(_("Unhide"), url=self._action_url("unhide"), icon_name="view", priority=30))
        else:
            buttons.append(Button(_("Hide"), url=self._action_url("hide"), icon_name="no-view", priority=30))
        if isinstance(obj, Proposal):
            if administrator_transitions(obj.status) and can(self.request.user, "proposals.moderate"):
                buttons.append(
                    Button(_("Change status"), url=self._action_url("change_status"), icon_name="tasks", priority=20)
                )
            buttons.append(
                Button(_("View on site"), url=obj.get_absolute_url(), icon_name="link-external", priority=50)
            )
        history = reverse(obj.snippet_viewset.get_url_name("history"), args=[obj.pk])
        buttons.append(Button(_("History"), url=history, icon_name="history", priority=40))
        return buttons


def _areas(request=None):
    # Area names include their district's; select it so the filter's choices cost one query, not one per area.
    return Area.objects.select_related("parent")


class ProposalFilterSet(WagtailFilterSet):
    area = django_filters.ModelChoiceFilter(label=_("Area"), queryset=_areas)

    class Meta:
        model = Proposal
        fields = ["status", "area", "category", "is_hidden", "channel"]


class AreaFilterSet(WagtailFilterSet):
    parent = django_filters.ModelChoiceFilter(
        label=_("District"), queryset=lambda request: Area.objects.filter(parent__isnull=True)
    )

    class Meta:
        model = Area
        fields = ["parent"]


class CommentFilterSet(WagtailFilterSet):
    proposal__area = django_filters.ModelChoiceFilter(label=_("Area"), queryset=_areas)

    class Meta:
        model = Comment
        fields = ["is_hidden", "is_removed", "is_official_answer", "author_role", "proposal__area"]


def _role_label(role: str) -> str:
    return Role(role).label if role in Role.values else Role.RESIDENT.label


def _visibility(obj):
    return _("Hidden") if obj.is_hidden else _("Shown")


class ProposalViewSet(SnippetViewSet):
    """Every proposal, hidden ones included: filter, search, inspect, then hide or move them in bulk."""

    model = Proposal
    chooser_viewset_class = PermissionCheckedChooserViewSet
    icon = "clipboard-list"
    menu_label = _("Proposals")
    menu_order = 100
    url_prefix = "livinglab/proposals"
    inspect_view_enabled = True
    copy_view_enabled = False
    list_per_page = 50
    search_fields = ["title", "description"]
    search_backend_name = None
    filterset_class = ProposalFilterSet
    history_view_class = ModerationHistoryView
    inspect_view_class = ModerationInspectView
    list_display = [
        "title",
        StatusTagColumn("status", label=_("Status"), accessor="get_status_display", primary=lambda p: True),
        Column("area", label=_("Area"), accessor="area"),
        Column("category", label=_("Category"), accessor="category"),
        Column("vote_count", label=_("Votes"), sort_key="vote_count"),
        Column("comment_count", label=_("Comments"), sort_key="comment_count"),
        StatusTagColumn("is_hidden", label=_("Visibility"), accessor=_visibility, primary=lambda p: not p.is_hidden),
        DateColumn("created_at", label=_("Created"), sort_key="created_at"),
    ]
    # What "Download CSV" writes (Wagtail streams one blank line per item without it).
    list_export = [
        "id",
        "title",
        "description",
        "status",
        "area",
        "category",
        "author",
        "channel",
        "vote_count",
        "comment_count",
        "is_hidden",
        "hidden_reason",
        "created_at",
    ]
    inspect_view_fields = [
        "title",
        "description",
        "status",
        "category",
        "area",
        "latitude",
        "longitude",
        "author",
        "filed_by",
        "channel",
        "vote_count",
        "comment_count",
        "is_hidden",
        "hidden_reason",
        "created_at",
    ]

    def get_queryset(self, request):
        return Proposal.objects.select_related("area", "area__parent", "category", "author")


class CommentViewSet(SnippetViewSet):
    """The discussion across all proposals: find reported or rude comments and hide them with a reason."""

    model = Comment
    chooser_viewset_class = PermissionCheckedChooserViewSet
    icon = "comment"
    menu_label = _("Comments")
    menu_order = 110
    url_prefix = "livinglab/comments"
    inspect_view_enabled = True
    copy_view_enabled = False
    list_per_page = 50
    search_fields = ["body"]
    search_backend_name = None
    filterset_class = CommentFilterSet
    history_view_class = ModerationHistoryView
    inspect_view_class = ModerationInspectView
    list_display = [
        Column("body", label=_("Comment"), accessor=lambda c: c.body[:80]),
        Column("proposal", label=_("Proposal"), accessor="proposal"),
        Column("author", label=_("Author"), accessor="author"),
        Column("author_role", label=_("Role"), accessor=lambda c: _role_label(c.author_role)),
        BooleanColumn("is_official_answer", label=_("Official answer")),
        BooleanColumn("is_removed", label=_("Removed by author")),
        StatusTagColumn("is_hidden", label=_("Visibility"), accessor=_visibility, primary=lambda c: not c.is_hidden),
        DateColumn("created_at", label=_("Created"), sort_key="created_at"),
    ]
    list_export = [
        "id",
        "proposal",
        "parent_id",
        "author",
        "author_role",
        "body",
        "is_official_answer",
        "is_removed",
        "is_hidden",
        "hidden_reason",
        "created_at",
    ]
    inspect_view_fields = [
        "proposal",
        "parent",
        "author",
        "author_role",
        "body",
        "is_official_answer",
        "is_removed",
        "is_hidden",
        "hidden_reason",
        "created_at",
        "edited_at",
    ]

    def get_queryset(self, request):
        return Comment.objects.select_related("proposal", "author")


class ReportViewSet(SnippetViewSet):
    """What residents flagged. Hiding the proposal or comment resolves its open reports."""

    model = Report
    chooser_viewset_class = PermissionCheckedChooserViewSet
    icon = "warning"
    menu_label = _("Abuse reports")
    menu_order = 120
    url_prefix = "livinglab/reports"
    inspect_view_enabled = True
    copy_view_enabled = False
    list_per_page = 50
    search_fields = ["reason"]
    search_backend_name = None
    list_filter = ["resolved_at", "created_at"]
    history_view_class = ModerationHistoryView
    list_display = [
        Column("reason", label=_("Reason"), accessor="reason"),
        Column("proposal", label=_("Proposal"), accessor=lambda r: r.proposal or r.comment.proposal),
        Column("comment", label=_("Comment"), accessor=lambda r: r.comment.body[:60] if r.comment_id else "—"),
        Column("reporter", label=_("Reported by"), accessor="reporter"),
        StatusTagColumn(
            "resolved_at",
            label=_("State"),
            accessor=lambda r: _("Resolved") if r.resolved_at else _("Open"),
            primary=lambda r: not r.resolved_at,
        ),
        DateColumn("created_at", label=_("Reported"), sort_key="created_at"),
    ]
    list_export = ["id", "reason", "proposal", "comment", "reporter", "resolved_at", "created_at"]

    def get_queryset(self, request):
        return Report.objects.select_related("proposal", "comment", "comment__proposal", "reporter")


class AreaViewSet(SnippetViewSet):
    """Districts (gu) and neighbourhoods (dong) residents file proposals in, with their map centres."""

    model = Area
    icon = "site"
    menu_label = _("Areas")
    menu_order = 130
    url_prefix = "livinglab/areas"
    copy_view_enabled = False
    search_fields = ["name", "name_en", "slug"]
    search_backend_name = None
    filterset_class = AreaFilterSet
    list_display = ["name", "name_en", Column("parent", label=_("District"), accessor="parent"), "slug"]
    list_export = ["id", "name", "name_en", "parent", "slug", "latitude", "longitude"]

    def get_queryset(self, request):
        return _areas()


class CategoryViewSet(SnippetViewSet):
    """The kinds of problem residents choose from."""

    model = Category
    icon = "tag"
    menu_label = _("Categories")
    menu_order = 140
    url_prefix = "livinglab/categories"
    copy_view_enabled = False
    search_fields = ["name", "name_en", "slug"]
    search_backend_name = None
    list_display = ["name", "name_en", "icon", "slug"]
    list_export = ["id", "name", "name_en", "icon", "slug"]


class LivingLabViewSetGroup(SnippetViewSetGroup):
    menu_label = _("Living lab")
    menu_icon = "group"
    menu_order = 150
    items = (ProposalViewSet, CommentViewSet, ReportViewSet, AreaViewSet, CategoryViewSet)


# --- bulk actions --------------------------------------------------------------------------------------


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The author sees this reason next to their hidden item."),
    )


class ModerationBulkAction(SnippetBulkAction):
    """A bulk action that runs one service per selected item and reports what it could not do."""

    template_name = "proposals/admin/bulk_confirm.html"
    action_priority = 20
    intro = ""
    perm = "proposals.moderate_content"

    def dispatch(self, request, *args, **kwargs):
        if not can(request.user, self.perm):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def check_perm(self, obj):
        return can(self.request.user, self.perm)

    def get_execution_context(self):
        return {**super().get_execution_context(), "self": self}

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "action_label": self.display_name, "intro": self.intro}

    def apply(self, obj, user, data):
        raise NotImplementedError

    @classmethod
    def execute_action(cls, objects, self=None, **kwargs):
        done, failures = 0, []
        data = self.cleaned_form.cleaned_data
        for obj in objects:
            try:
                self.apply(obj, self.request.user, data)
            except ActionRefused as exc:
                failures.append(f"{obj}: {exc.message}")
            except ValidationError as exc:
                failures.append(f"{obj}: {' '.join(exc.messages)}")
            else:
                done += 1
        for failure in failures:
            messages.warning(self.request, failure)
        return done, 0

    def get_success_message(self, num_parent_objects, num_child_objects):
        return ngettext("%(count)d item updated.", "%(count)d items updated.", num_parent_objects) % {
            "count": num_parent_objects
        }


class HideProposalsBulkAction(ModerationBulkAction):
    display_name = _("Hide")
    action_type = "hide"
    aria_label = _("Hide the selected proposals")
    models = classproperty(lambda cls: [Proposal])
    form_class = ReasonForm
    intro = _("Hidden proposals disappear from the site and search. Their authors see the reason.")

    def apply(self, obj, user, data):
        services.hide_proposal(obj, by=user, reason=data["reason"])


class UnhideProposalsBulkAction(ModerationBulkAction):
    display_name = _("Unhide")
    action_type = "unhide"
    aria_label = _("Show the selected proposals again")
    models = classproperty(lambda cls: [Proposal])
    intro = _("These proposals will be public again.")

    def apply(self, obj, user, data):
        services.unhide_proposal(obj, by=user)


class ChangeStatusBulkAction(ModerationBulkAction):
    display_name = _("Change status")
    action_type = "change_status"
    aria_label = _("Change the status of the selected proposals")
    models = classproperty(lambda cls: [Proposal])
    form_class = StatusChangeForm
    action_priority = 10
    perm = "proposals.moderate"
    intro = _("Each proposal moves only if its current status allows it; the others are listed with the reason.")

    def apply(self, obj, user, data):
        services.change_status(obj, to_status=data["to_status"], by=user, response=data["response"])


class HideCommentsBulkAction(ModerationBulkAction):
    display_name = _("Hide")
    action_type = "hide"
    aria_label = _("Hide the selected comments")
    models = classproperty(lambda cls: [Comment])
    form_class = ReasonForm
    intro = _("Hidden comments show as “hidden by a moderator” with the reason.")

    def apply(self, obj, user, data):
        services.hide_comment(obj, by=user, reason=data["reason"])


class UnhideCommentsBulkAction(ModerationBulkAction):
    display_name = _("Unhide")
    action_type = "unhide"
    aria_label = _("Show the selected comments again")
    models = classproperty(lambda cls: [Comment])
    intro = _("These comments will be shown again.")

    def apply(self, obj, user, data):
        services.unhide_comment(obj, by=user)


class DismissReportsBulkAction(ModerationBulkAction):
    display_name = _("Dismiss")
    action_type = "dismiss"
    aria_label = _("Dismiss the selected reports")
    models = classproperty(lambda cls: [Report])
    intro = _("The reported items stay as they are. To hide one, use Hide on the proposal or comment itself.")

    def apply(self, obj, user, data):
        services.dismiss_report(obj, by=user)


BULK_ACTIONS = (
    DismissReportsBulkAction,
    HideProposalsBulkAction,
    UnhideProposalsBulkAction,
    ChangeStatusBulkAction,
    HideCommentsBulkAction,
    UnhideCommentsBulkAction,
)


# --- filing on behalf of a resident ----------------------------------------------------------------------


class FileOnBehalfForm(forms.Form):
    resident_email = forms.EmailField(
        label=_("Resident's e-mail address"),
        required=False,
        help_text=_(
            "If the resident has an account, enter its address so they can follow the proposal. "
            "Leave empty to file it under your own name."
        ),
    )
    channel = forms.ChoiceField(
        label=_("How the resident reached us"),
        choices=[(c.value, c.label) for c in FilingChannel if c != FilingChannel.ONLINE],
    )
    title = forms.CharField(label=_("Title"), min_length=5, max_length=140)
    description = forms.CharField(label=_("Description"), min_length=20, max_length=5000, widget=forms.Textarea)
    category = forms.ModelChoiceField(label=_("Category"), queryset=Category.objects.all())
    area = forms.ModelChoiceField(label=_("Area"), queryset=Area.objects.select_related("parent"))
    latitude = forms.DecimalField(label=_("Latitude"), required=False, max_digits=9, decimal_places=6)
    longitude = forms.DecimalField(label=_("Longitude"), required=False, max_digits=9, decimal_places=6)

    def clean_resident_email(self):
        email = self.cleaned_data["resident_email"].strip().lower()
        if not email:
            return None
        resident = get_user_model().objects.filter(email__iexact=email, is_active=True).first()
        if resident is None:
            raise ValidationError(_("No active account uses this address. Leave it empty to file under your name."))
        return resident


def file_on_behalf_view(request):
    """An administrator types in a problem a resident reported in person or by phone."""
    if not can(request.user, "proposals.file_on_behalf"):
        raise PermissionDenied
    form = FileOnBehalfForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                proposal = services.submit_proposal(
                    author=data["resident_email"] or request.user,
                    filed_by=request.user,
                    channel=data["channel"],
                    title=data["title"],
                    description=data["description"],
                    category=data["category"],
                    area=data["area"],
                    latitude=data["latitude"],
                    longitude=data["longitude"],
                )
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            except ActionRefused as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("Proposal “%(title)s” was filed.") % {"title": proposal.title})
                return redirect(reverse(Proposal.snippet_viewset.get_url_name("inspect"), args=[proposal.pk]))
        status = 400
    return TemplateResponse(
        request,
        "proposals/admin/file_on_behalf.html",
        {"form": form, "page_title": _("File a proposal for a resident")},
        status=status,
    )
