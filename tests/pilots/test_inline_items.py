"""Issue 9 point 3: a pilot's inline items survive autosave, revisions, publish, copy and revert.

Every path below hands ``PilotPage.save`` inline items the way Wagtail's admin does: from a form whose ids
an earlier autosave had not yet filled in, from a stored revision, or from a copy.
"""

import datetime
from decimal import Decimal

import pytest

from pilots.models import PilotMetric, PilotPage, PilotPhase, ResultDataPoint, ResultSeries

pytestmark = pytest.mark.django_db


def stale_items():
    """What a form that never received the autosave's ids sends: the same items, without ids."""
    return {
        "phases": [PilotPhase(title="Installation", start=datetime.date(2026, 1, 1), status="done")],
        "series": [ResultSeries(name="Monthly users", unit="people")],
        "metrics": [PilotMetric(name="Comfort", baseline=Decimal("2.1"), target=Decimal("4"))],
    }


@pytest.fixture
def pilot(make_pilot):
    pilot = make_pilot(
        series=[("Monthly users", "people")], metrics=[{"name": "Comfort", "baseline": "2.1", "target": "4"}]
    )
    ResultDataPoint.objects.create(series=pilot.series.get(), date=datetime.date(2026, 1, 31), value=950)
    return pilot


def test_a_stale_form_published_again_updates_the_stored_items_and_keeps_the_values(pilot):
    series_pk = pilot.series.get().pk
    page = pilot.get_latest_revision_as_object()
    for relation, items in stale_items().items():
        setattr(page, relation, items)
    page.series.all()[0].unit = "residents"  # an edit made in that form
    page.save_revision().publish()
    assert PilotPhase.objects.filter(page=pilot).count() == 1
    assert PilotMetric.objects.filter(page=pilot).count() == 1
    series = ResultSeries.objects.get(page=pilot)
    assert (series.pk, series.unit) == (series_pk, "residents")
    assert ResultDataPoint.objects.filter(series=series).count() == 1  # the imported values stay


def test_a_draft_saved_twice_from_the_same_stale_form_stores_each_item_once(make_pilot):
    draft = make_pilot(publish=False)
    for _ in range(2):  # the autosave, then the publish of a form that never got the autosave's ids
        page = PilotPage.objects.get(pk=draft.pk)
        for relation, items in stale_items().items():
            setattr(page, relation, items)
        page.save()
    assert PilotPhase.objects.filter(page=draft).count() == 1
    assert ResultSeries.objects.filter(page=draft).count() == 1


def test_a_genuinely_new_item_is_still_added_and_a_dropped_one_deleted(pilot):
    page = pilot.get_latest_revision_as_object()
    page.phases = [PilotPhase(title="Evaluation", start=datetime.date(2026, 6, 1))]
    page.save_revision().publish()
    assert list(PilotPhase.objects.filter(page=pilot).values_list("title", flat=True)) == ["Evaluation"]


def test_copy_and_revert_keep_one_of_each_item(pilot, pilot_index):
    first_revision = pilot.latest_revision
    copy = pilot.copy(to=pilot_index, update_attrs={"slug": "copied", "title": "Copied"})
    assert PilotPhase.objects.filter(page=copy).count() == 1
    assert ResultSeries.objects.filter(page=copy).count() == 1
    page = pilot.get_latest_revision_as_object()
    page.phases = [PilotPhase(title="Evaluation", start=datetime.date(2026, 6, 1))]
    page.save_revision().publish()
    first_revision.as_object().save_revision().publish()  # "revert to this version", then publish
    assert list(PilotPhase.objects.filter(page=pilot).values_list("title", flat=True)) == ["Installation"]
    assert ResultSeries.objects.filter(page=pilot).count() == 1
    assert ResultDataPoint.objects.filter(series__page=pilot).count() == 1
