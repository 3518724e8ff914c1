"""The notifications page, the bell's count, and following proposals."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from proposals.models import Proposal

from . import services
from .forms import PreferenceForm
from .models import Notification

PAGE_SIZE = 20


@login_required
@require_GET
def notification_list(request):
    notifications = Notification.objects.for_user(request.user).select_related("proposal")
    page = Paginator(notifications, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "notifications/notification_list.html",
        {"page_obj": page, "unread": services.unread_count(request.user)},
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
@require_http_methods(["GET", "POST"])
def preferences(request):
    """The notification settings page: each kind on or off per channel, and following what one comments on."""
    if request.method == "POST":
        form = PreferenceForm(request.POST, user=request.user)
        if form.is_valid():
            services.set_channel_choices(
                user=request.user,
                choices=form.choices(),
                follow_on_comment=form.cleaned_data["follow_on_comment"],
            )
            messages.success(request, _("Your notification settings are saved."))
            return redirect("notifications:preferences")
    form = PreferenceForm(
        initial=PreferenceForm.initial_from(
            services.channel_choices(request.user), follow_on_comment=services.follows_on_comment(request.user.pk)
        ),
        user=request.user,
    )
    return render(request, "notifications/preferences.html", {"form": form})


@require_GET
def unread_count(request):
    """The bell alone, refetched by htmx when its socket (re)opens."""
    if not request.user.is_authenticated:
        return HttpResponse(status=401)
    return render(request, "notifications/includes/bell_link.html", {"unread": services.unread_count(request.user)})


def _follow_action(request, pk: int, *, following: bool):
    """Follow or unfollow; a refusal (``ActionRefused``) is answered by the site's middleware."""
    proposal = get_object_or_404(Proposal.objects.visible(), pk=pk)
    service = services.follow_proposal if following else services.unfollow_proposal
    service(proposal, user=request.user)
    if request.htmx:
        return render(
            request, "notifications/includes/follow_button.html", {"proposal": proposal, "following": following}
        )
    return redirect(proposal.get_absolute_url())


@login_required
@require_POST
def follow(request, pk: int):
    return _follow_action(request, pk, following=True)


@login_required
@require_POST
def unfollow(request, pk: int):
    return _follow_action(request, pk, following=False)
