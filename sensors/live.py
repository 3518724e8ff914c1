"""Sensors' live push: after new readings, open pilot pages get their sites' latest readings (and the map)."""

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation
from wagtail.models import Page

from livinglab.events import AFTER_COMMIT, Event, subscribe
from livinglab.fragments import page_changed
from livinglab.live import broadcast, pilot_group, push_message

from .evidence import pilot_streams, site_points
from .models import PilotEvidence


@subscribe("sensors.readings_ingested", phase=AFTER_COMMIT)
def pilot_page_changed(event: Event) -> None:
    """New readings: the pilot page's evidence (comparisons, map, quality) and results render afresh."""
    page_changed(event.pilot_id)


@subscribe("sensors.readings_ingested", phase=AFTER_COMMIT)
def readings_ingested(event: Event) -> None:
    page = Page.objects.live().filter(pk=event.pilot_id).first()
    if page is None:
        return
    config = PilotEvidence.objects.filter(pilot_id=page.pk).first()
    streams = pilot_streams(page.pk)
    fragments = {}
    for code, _name in settings.LANGUAGES:
        # The points carry translated labels (role, band) for the map, so they are built in each language.
        with translation.override(code):
            points = site_points(streams, config.compared_property if config else None)
            fragments[code] = render_to_string(
                "sensors/includes/latest.html", {"page": page, "evidence": {"points": points}}
            )
    broadcast([(pilot_group(page.pk), push_message(fragments))])
