"""The desk's side of "download my data": record a paper or in-person request, then hand over the file."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _

from . import services
from .forms import DeskRequestForm
from .models import PersonalDataExport, RequestChannel


def desk_requests_view(request):
    if not request.user.has_perm("mydata.handle_desk_request"):
        raise PermissionDenied
    form = DeskRequestForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.request_export(
                    user=form.cleaned_data["resident_email"],
                    by=request.user,
                    channel=RequestChannel.DESK,
                    note=form.cleaned_data["note"],
                )
            except services.ExportRefused as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("The request was recorded; the file appears below when it is ready."))
                return redirect("mydata_desk_requests")
        status = 400
    recent = PersonalDataExport.objects.filter(channel=RequestChannel.DESK).select_related("user", "handled_by")[:50]
    return TemplateResponse(
        request,
        "mydata/admin/desk_requests.html",
        {"form": form, "exports": recent, "page_title": _("Personal data requests at the desk")},
        status=status,
    )
