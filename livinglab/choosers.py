"""Snippet choosers that ask for a right to the model, for the snippets whose rows are not public.

Wagtail's generic chooser views (the modal's listing, its search results, and the "chosen" answer with the
object's title) check only that the user may enter the admin. Through ``/admin/snippets/choose/<app>/<model>/``
an expert or a moderator could list every lab participant by name, read a hidden proposal's title or a
sensor source's address. A snippet viewset whose rows are private sets
``chooser_viewset_class = PermissionCheckedChooserViewSet``: its chooser answers 403 to anyone without some
permission on the model under its registered permission policy (the same policy its listing obeys).
Reference data that is public anyway (areas, categories) keeps Wagtail's chooser: experts pick an area
on the pilot pages they draft.
"""

from django.core.exceptions import PermissionDenied
from wagtail.permissions import policy_registry
from wagtail.snippets.views import chooser

CHOOSER_ACTIONS = ("choose", "view", "add", "change", "delete")


class ModelRightRequiredMixin:
    def dispatch(self, request, *args, **kwargs):
        if not policy_registry.get_by_type(self.model_class).user_has_any_permission(request.user, CHOOSER_ACTIONS):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


class ChooseView(ModelRightRequiredMixin, chooser.ChooseView):
    pass


class ChooseResultsView(ModelRightRequiredMixin, chooser.ChooseResultsView):
    pass


class ChosenView(ModelRightRequiredMixin, chooser.SnippetChosenView):
    pass


class ChosenMultipleView(ModelRightRequiredMixin, chooser.SnippetChosenMultipleView):
    pass


class CreateView(ModelRightRequiredMixin, chooser.SnippetCreateView):
    pass


class PermissionCheckedChooserViewSet(chooser.SnippetChooserViewSet):
    choose_view_class = ChooseView
    choose_results_view_class = ChooseResultsView
    chosen_view_class = ChosenView
    chosen_multiple_view_class = ChosenMultipleView
    create_view_class = CreateView
