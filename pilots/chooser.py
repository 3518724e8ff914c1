"""The admin's proposal chooser for pilot pages: search accepted proposals by title and pick one or several."""

from django import forms
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms.choosers import BaseFilterForm
from wagtail.admin.ui.tables import Column
from wagtail.admin.views.generic.chooser import ChooseResultsView, ChooseView, ChosenMultipleView, ChosenView
from wagtail.admin.viewsets.chooser import ChooserViewSet

from proposals.models import PILOT_STATUSES, Proposal


class ProposalFilterForm(BaseFilterForm):
    q = forms.CharField(
        label=_("Search term"),
        widget=forms.TextInput(attrs={"placeholder": _("Search proposals by title")}),
        required=False,
    )

    def filter(self, objects):
        objects = super().filter(objects)
        query = self.cleaned_data.get("q")
        if query:
            objects = objects.filter(title__icontains=query)
            self.is_searching = True
            self.search_query = query
        return objects


def choosable_proposals():
    """A pilot answers proposals the district has accepted; ones already piloting or completed stay choosable
    so that an existing link survives editing. Nothing else, hidden ones least of all."""
    return Proposal.objects.public().filter(status__in=PILOT_STATUSES)


class ProposalChooseMixin:
    filter_form_class = ProposalFilterForm

    def get_object_list(self):
        return choosable_proposals().select_related("area", "area__parent", "category").order_by("-vote_count", "-pk")

    @property
    def columns(self):
        return [
            self.title_column,
            Column("status", label=_("Status"), accessor="get_status_display"),
            Column("area", label=_("Area"), accessor="area"),
            Column("votes", label=_("Votes"), accessor="vote_count"),
        ]


class ProposalChooseView(ProposalChooseMixin, ChooseView):
    pass


class ProposalChooseResultsView(ProposalChooseMixin, ChooseResultsView):
    pass


class ProposalChosenView(ChosenView):
    # Wagtail's looks the id up among all proposals: a guessed id named a hidden proposal to any admin user.
    def get_object(self, pk):
        return choosable_proposals().get(pk=pk)


class ProposalChosenMultipleView(ChosenMultipleView):
    def get_objects(self, pks):
        return choosable_proposals().filter(pk__in=pks)


class ProposalChooserViewSet(ChooserViewSet):
    model = "proposals.Proposal"
    icon = "clipboard-list"
    choose_one_text = _("Choose a proposal")
    choose_another_text = _("Choose another proposal")
    edit_item_text = _("View")
    choose_view_class = ProposalChooseView
    choose_results_view_class = ProposalChooseResultsView
    chosen_view_class = ProposalChosenView
    chosen_multiple_view_class = ProposalChosenMultipleView
    # The proposals app may register its own widget for Proposal foreign keys; this one is set explicitly
    # on the pilot's panel instead of being registered globally.
    register_widget = False
    per_page = 20


proposal_chooser_viewset = ProposalChooserViewSet("pilot_proposal_chooser", url_prefix="pilots/proposal-chooser")
