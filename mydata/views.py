"""Download my data: ask for a copy, come back (or refresh) when it is ready, download it before it expires."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from notifications.models import Follow
from pilots.models import PilotFeedback
from proposals.models import Comment, Proposal, Vote

from . import services
from .models import PersonalDataExport


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def my_data(request):
    status = 200
    if request.method == "POST":
        try:
            services.request_export(user=request.user)
        except services.ExportRefused as exc:
            # The page again with why, and the refusal's status (409 already being prepared, 429 too often).
            messages.error(request, exc.message)
            status = exc.status
        else:
            messages.success(
                request, _("We are preparing your data. This page shows the download link when it is ready.")
            )
            return redirect("mydata:index")
    exports = PersonalDataExport.objects.filter(user=request.user)[:10]
    return render(request, "mydata/my_data.html", {"exports": exports}, status=status)


@login_required
@require_safe
def download(request, token):
    export = get_object_or_404(PersonalDataExport, token=token)
    try:
        path = services.open_for_download(export, user=request.user)
    except services.ExportRefused as exc:
        return render(request, "mydata/refused.html", {"message": exc.message}, status=exc.status)
    response = FileResponse(path.open("rb"), as_attachment=True, filename=export.filename)
    response["Cache-Control"] = "private, no-store"
    return response


ACTIVITY_LIMIT = 50


@login_required
@require_safe
def my_activity(request):
    """What I did on the platform: my proposals with their status, supports, comments, follows and ratings.

    Each list is one query (the newest ``ACTIVITY_LIMIT``), whatever its length.
    """
    user = request.user
    context = {
        "proposals": list(
            Proposal.objects.filter(author=user).select_related("category").order_by("-created_at")[:ACTIVITY_LIMIT]
        ),
        "votes": list(
            Vote.objects.filter(user=user).select_related("proposal").order_by("-created_at")[:ACTIVITY_LIMIT]
        ),
        "comments": list(
            Comment.objects.filter(author=user, is_removed=False)
            .select_related("proposal")
            .order_by("-created_at")[:ACTIVITY_LIMIT]
        ),
        "follows": list(
            Follow.objects.filter(user=user).select_related("proposal").order_by("-created_at")[:ACTIVITY_LIMIT]
        ),
        "ratings": list(
            PilotFeedback.objects.filter(user=user).select_related("pilot").order_by("-pk")[:ACTIVITY_LIMIT]
        ),
    }
    return render(request, "mydata/my_activity.html", context)
