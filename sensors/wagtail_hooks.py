"""Admin wiring: sites, streams, sources, pull logs, pilot evidence settings and metric links as snippets,
plus "Pull now", the site import and the reading upload."""

from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.widgets.button import ListingButton
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import IndexView, SnippetViewSet, SnippetViewSetGroup

from livinglab.choosers import PermissionCheckedChooserViewSet
from livinglab.fragments import page_changed
from pilots.models import PilotMetric

from . import views
from .models import DataStream, MetricStream, PilotEvidence, PullLog, SensorSite, Source


@hooks.register("register_admin_urls")
def register_sensor_urls():
    return [
        path("sensors/sources/<int:pk>/pull/", views.pull_now_view, name="sensors_pull_now"),
        path("sensors/upload/", views.upload_view, name="sensors_upload"),
        path("sensors/import-sites/", views.import_sites_view, name="sensors_import_sites"),
    ]


class SiteViewSet(SnippetViewSet):
    model = SensorSite
    chooser_viewset_class = PermissionCheckedChooserViewSet
    icon = "site"
    list_display = ["name", "code", "pilot", "role", "area"]
    list_filter = ["role"]
    search_fields = ["name", "code"]
    ordering = ["pilot", "role", "code"]


class StreamViewSet(SnippetViewSet):
    model = DataStream
    chooser_viewset_class = PermissionCheckedChooserViewSet
    icon = "time"
    list_display = ["__str__", "unit", "source", "external_id", "latest_time", "latest_value"]
    list_filter = ["observed_property"]


class SourceIndexView(IndexView):
    def get_list_more_buttons(self, instance):
        buttons = super().get_list_more_buttons(instance)
        if instance.kind == Source.Kind.SENSORTHINGS:
            buttons.insert(
                0,
                ListingButton(
                    _("Pull now"),
                    url=reverse("sensors_pull_now", args=[instance.pk]),
                    attrs={"data-sensors-pull": "1"},
                    priority=5,
                ),
            )
        return buttons


class SourceViewSet(SnippetViewSet):
    model = Source
    chooser_viewset_class = PermissionCheckedChooserViewSet
    icon = "download"
    index_view_class = SourceIndexView
    list_display = ["name", "kind", "interval_minutes", "last_success_at", "last_attempt_at", "last_error"]


class PullLogViewSet(SnippetViewSet):
    model = PullLog
    chooser_viewset_class = PermissionCheckedChooserViewSet
    icon = "list-ul"
    list_display = ["__str__", "status", "stored", "duplicates", "flagged", "rejected", "error"]
    list_filter = ["status"]
    inspect_view_enabled = True


class EvidenceViewSet(SnippetViewSet):
    model = PilotEvidence
    chooser_viewset_class = PermissionCheckedChooserViewSet
    icon = "view"
    list_display = ["pilot", "pilot_start", "baseline_days", "compared_property"]


class MetricStreamViewSet(SnippetViewSet):
    model = MetricStream
    chooser_viewset_class = PermissionCheckedChooserViewSet
    icon = "cog"
    list_display = ["metric", "observed_property", "role", "days", "computed_at"]


class SensorsGroup(SnippetViewSetGroup):
    menu_label = _("Sensors")
    menu_icon = "time"
    menu_order = 250
    items = (SiteViewSet, StreamViewSet, SourceViewSet, PullLogViewSet, EvidenceViewSet, MetricStreamViewSet)

    def get_submenu_items(self):
        return [
            *super().get_submenu_items(),
            MenuItem(_("Import sites (CSV)"), reverse("sensors_import_sites"), icon_name="upload"),
            MenuItem(_("Upload readings"), reverse("sensors_upload"), icon_name="upload"),
        ]


register_snippet(SensorsGroup)


def _pilot_of(instance) -> int | None:
    """The pilot page whose evidence an edited sensor snippet changes, if any."""
    if isinstance(instance, SensorSite | PilotEvidence):
        return instance.pilot_id
    # Looked up by id: after a delete the related rows may be gone too.
    if isinstance(instance, DataStream):
        return SensorSite.objects.filter(pk=instance.site_id).values_list("pilot_id", flat=True).first()
    if isinstance(instance, MetricStream):
        return PilotMetric.objects.filter(pk=instance.metric_id).values_list("page_id", flat=True).first()
    return None


@hooks.register("after_create_snippet")
@hooks.register("after_edit_snippet")
def sensor_snippet_saved(request, instance):
    """A site, stream, evidence setting or metric link edited in the admin: the pilot page renders afresh."""
    page_changed(_pilot_of(instance))


@hooks.register("after_delete_snippet")
def sensor_snippets_deleted(request, instances):
    for instance in instances:
        page_changed(_pilot_of(instance))
