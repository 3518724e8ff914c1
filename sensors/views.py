"""Admin views: pull a source now, upload a file of readings, import a list of sites."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _

from livinglab.errors import ActionRefused

from .forms import ReadingUploadForm, SiteImportForm
from .models import Source
from .services import request_pull, submit_upload
from .site_import import SiteImportError, import_sites


def _require(request, permission: str) -> None:
    if not request.user.has_perm(permission):
        raise PermissionDenied


def pull_now_view(request, pk: int):
    """GET asks to confirm; POST queues the pull (the worker runs it, never this request)."""
    _require(request, "sensors.change_source")
    source = get_object_or_404(Source, pk=pk)
    if request.method != "POST":
        return TemplateResponse(
            request,
            "sensors/admin/form.html",
            {
                "title": _("Pull “%(name)s” now") % {"name": source},
                "help": _("Last successful pull: %(when)s. Last error: %(error)s")
                % {"when": source.last_success_at or "—", "error": source.last_error or "—"},
                "button": _("Pull now"),
            },
        )
    try:
        request_pull(source)
    except ActionRefused as refusal:
        messages.error(request, refusal.message)
    else:
        messages.success(request, _("A pull of “%(name)s” is queued; its log shows the result.") % {"name": source})
    return redirect(reverse("wagtailsnippets_sensors_source:list"))


def upload_view(request):
    _require(request, "sensors.change_source")
    form = ReadingUploadForm(request.POST or None, request.FILES or None)
    form.fields["source"].queryset = Source.objects.all()
    if request.method == "POST" and form.is_valid():
        mapping = {k: v for k, v in form.cleaned_data.items() if k not in ("source", "format", "data_file")}
        submit_upload(
            form.cleaned_data["source"],
            content=form.cleaned_data["data_file"],
            file_format=form.cleaned_data["format"],
            **mapping,
        )
        messages.success(request, _("The file is queued; its log under “Pull logs” shows what was stored."))
        return redirect(reverse("wagtailsnippets_sensors_pulllog:list"))
    return TemplateResponse(
        request,
        "sensors/admin/form.html",
        {"form": form, "title": _("Upload readings"), "button": _("Upload")},
        status=400 if request.method == "POST" else 200,
    )


def import_sites_view(request):
    _require(request, "sensors.add_sensorsite")
    form = SiteImportForm(request.POST or None, request.FILES or None)
    errors = []
    if request.method == "POST" and form.is_valid():
        try:
            sites = import_sites(
                form.cleaned_data["pilot"], form.cleaned_data["csv_file"], source=form.cleaned_data["source"]
            )
        except SiteImportError as failure:
            errors = failure.errors
        else:
            messages.success(request, _("Imported %(count)s sites.") % {"count": len(sites)})
            return redirect(reverse("wagtailsnippets_sensors_sensorsite:list"))
    return TemplateResponse(
        request,
        "sensors/admin/form.html",
        {
            "form": form,
            "errors": errors[:200],
            "title": _("Import sensor sites (CSV)"),
            "button": _("Import"),
            "help": _(
                "Columns: code, name, role (pilot or control), latitude, longitude; optional: area (slug), "
                "property, unit, min, max, external_id (one stream per row). Either every row is imported or none."
            ),
        },
        status=400 if request.method == "POST" else 200,
    )
