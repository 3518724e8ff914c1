"""The notifications page, the bell's count, and following proposals."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from proposals.models import Proposal

from . import services
from .forms import PreferenceForm
from .models import Notification, NotificationPreference

PAGE_SIZE = 20


@login_required
@require_GET
def notification_list(request):
    notifications = Notification.objects.for_user(request.user).select_related("proposal")
    page = Paginator(notifications, PAGE_SIZE).get_page(request.GET.get("page"))
    preference = NotificationPreference.objects.filter(user=request.user).first()
    form = PreferenceForm(initial={"email_on_status_change": preference is None or preference.email_on_status_change})
    return render(
        request,
        "notifications/notification_list.html",
        {"page_obj": page, "form": form, "unread": services.unread_count(request.user)},
    )


@login_required
@require_POST
def mark_read(request, pk: int):
    notification = get_object_or_404(Notification, pk=pk, recipient=request.user)
    services.mark_read(notification, user=request.user)
    if request.htmx:
        return render(request, "notifications/includes/notification_item.html", {"notification": notification})
    return redirect("notifications:list")


@login_required
@require_POST
def mark_all_read(request):
    count = services.mark_all_read(user=request.user)
    if count:
        messages.success(request, _("All notifications are marked as read."))
    return redirect("notifications:list")


@login_required
@require_POST
def preferences(request):
    form = PreferenceForm(request.POST)
    if form.is_valid():
        services.set_email_preference(
            user=request.user, email_on_status_change=form.cleaned_data["email_on_status_change"]
        )
        messages.success(request, _("Your e-mail preference is saved."))
    return redirect("notifications:list")


@require_GET
def unread_count(request):
    """The bell alone, refetched by htmx when its socket (re)opens."""
    if not request.user.is_authenticated:
        return HttpResponse(status=401)
    return render(request, "notifications/includes/bell_link.html", {"unread": services.unread_count(request.user)})


def _follow_response(request, proposal, *, following: bool):
    if request.htmx:
        return render(
            request, "notifications/includes/follow_button.html", {"proposal": proposal, "following": following}
        )
    return redirect(proposal.get_absolute_url())


@login_required
@require_POST
def follow(request, pk: int):
    proposal = get_object_or_404(Proposal.objects.visible(), pk=pk)
    services.follow_proposal(proposal, user=request.user)
    return _follow_response(request, proposal, following=True)


@login_required
@require_POST
def unfollow(request, pk: int):
    proposal = get_object_or_404(Proposal.objects.visible(), pk=pk)
    services.unfollow_proposal(proposal, user=request.user)
    return _follow_response(request, proposal, following=False)
