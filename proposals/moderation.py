"""The moderation panel in the admin: one queue of reported items, and the people blocked from taking part.

Moderators and administrators see each reported item once, whatever its kind (proposals, comments, and what
other apps register: ``proposals.moderation_registry``), with its text in context, how many people reported
it and why, and act on it in one click with one reason: hide, dismiss the reports, warn the author, or block
the author. Every action goes through the kind's services (``proposals.services``, ``pilots.services``,
``accounts.services``), so counters, the audit log, search and notifications stay right.
"""

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST, require_safe

from accounts import services as account_services
from livinglab.errors import ActionRefused

from .moderation_registry import HiddenItem, ReportedItem, kind_named, load_items, pending_items, registered
from .rules import can

PAGE_SIZE = 20
TABS = ("reports", "hidden", "blocked")


def open_report_count() -> int:
    """How many reported items of every registered kind wait for a moderator (the dashboard, the menu badge)."""
    return sum(kind.open_count() for kind in registered())


def reported_items(page_number) -> tuple[object, list[ReportedItem]]:
    """One page of reported items of every kind, the longest-waiting first; a fixed number of queries per kind
    whatever the page holds."""
    page = Paginator(pending_items(), PAGE_SIZE).get_page(page_number)
    return page, load_items(list(page.object_list))


class ModerationForm(forms.Form):
    """One reason for whichever button the moderator presses."""

    ACTIONS = {
        "hide": gettext_lazy("Hide"),
        "dismiss": gettext_lazy("Dismiss the reports"),
        "warn": gettext_lazy("Warn the author"),
        "block": gettext_lazy("Block the author"),
        "restore": gettext_lazy("Restore"),
    }
    kind = forms.ChoiceField(choices=lambda: [(kind.name, kind.name) for kind in registered()])
    pk = forms.IntegerField(min_value=1, max_value=2**31 - 1)
    action = forms.ChoiceField(choices=list(ACTIONS.items()))
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=300, required=False)


def _require_moderator(request) -> None:
    if not can(request.user, "proposals.moderate_content"):
        raise PermissionDenied


@require_safe
def moderation_view(request):
    """The queue (reports), what was hidden (to restore), and who is blocked (to unblock)."""
    _require_moderator(request)
    tab = request.GET.get("tab") if request.GET.get("tab") in TABS else "reports"
    context = {"tab": tab, "page_title": _("Moderation"), "open_count": open_report_count()}
    if tab == "reports":
        page, items = reported_items(request.GET.get("page"))
        context.update(page_obj=page, items=items)
    elif tab == "hidden":
        context["hidden_sections"] = [
            (kind, [HiddenItem(kind, obj) for obj in kind.hidden(PAGE_SIZE)]) for kind in registered()
        ]
    else:
        context["blocked_users"] = list(
            get_user_model().objects.filter(blocked_at__isnull=False).order_by("-blocked_at")[:100]
        )
    return TemplateResponse(request, "proposals/admin/moderation.html", context)


def _back(request, tab="reports"):
    return redirect(f"{reverse('proposals_moderation')}?tab={tab}")


@require_POST
def moderation_action_view(request):
    """Hide, dismiss, warn, block or restore one item; the refusal or the error comes back as a message."""
    _require_moderator(request)
    form = ModerationForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("That action is not possible."))
        return _back(request)
    data = form.cleaned_data
    kind, action, reason, by = kind_named(data["kind"]), data["action"], data["reason"], request.user
    obj = kind.get(data["pk"]) if kind is not None else None
    if obj is None:
        raise Http404
    if action not in kind.actions:
        messages.error(request, _("That action is not possible."))
        return _back(request)
    try:
        if action == "hide":
            kind.hide(obj, by=by, reason=reason)
            messages.success(request, _("Hidden. Its author sees your reason."))
        elif action == "restore":
            kind.restore(obj, by=by)
            messages.success(request, _("Restored: it is shown again."))
            return _back(request, "hidden")
        elif action == "dismiss":
            count = kind.dismiss(obj, by=by, reason=reason)
            messages.success(request, _("Reports dismissed (%(count)d); the item stays.") % {"count": count})
        elif action == "warn":
            kind.warn(obj, by=by, reason=reason)
            messages.success(request, _("The author was warned."))
        else:
            author = kind.author(obj)
            account_services.block_user(author, by=by, reason=reason)
            messages.success(request, _("%(name)s is blocked from taking part.") % {"name": author.get_full_name()})
    except ActionRefused as exc:
        messages.error(request, exc.message)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return _back(request)


@require_POST
def unblock_view(request, pk: int):
    _require_moderator(request)
    person = get_object_or_404(get_user_model(), pk=pk)
    try:
        account_services.unblock_user(person, by=request.user)
    except ActionRefused as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("%(name)s may take part again.") % {"name": person.get_full_name()})
    return _back(request, "blocked")
