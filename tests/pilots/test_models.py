"""Facts on the pilot models: progress towards targets, the feedback summary, database constraints."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from pilots.models import PilotFeedback, PilotMetric, PilotPage, PilotPhase, ResultDataPoint, ResultSeries
from tests.factories import ResidentFactory


def metric(baseline, target, actual, higher_is_better=True):
    return PilotMetric(
        name="m",
        baseline=Decimal(str(baseline)),
        target=Decimal(str(target)),
        actual=None if actual is None else Decimal(str(actual)),
        higher_is_better=higher_is_better,
    )


@pytest.mark.parametrize(
    ("baseline", "target", "actual", "higher", "percent", "met"),
    [
        (0, 400, 300, True, 75, False),
        (0, 400, 520, True, 130, True),  # passing the target counts as more than 100%
        (100, 200, 50, True, 0, False),  # moving away from the target is no progress
        (34, 28, "27.5", False, 108, True),  # lower is better
        (72, 24, 48, False, 50, False),
        (72, 24, 80, False, 0, False),
        (10, 10, 10, True, 100, True),  # zero span: kept at the target
        (10, 10, 9, True, 0, False),
        (10, 10, 9, False, 100, True),
    ],
)
def test_progress_towards_the_target(baseline, target, actual, higher, percent, met):
    m = metric(baseline, target, actual, higher)
    assert m.progress_percent == percent
    assert m.target_met is met
    assert m.progress_bar_percent == min(percent, 100)


def test_an_unmeasured_metric_has_no_progress():
    m = metric(0, 10, None)
    assert m.progress is None
    assert m.progress_percent is None
    assert m.target_met is None


def test_a_phase_cannot_end_before_it_starts():
    phase = PilotPhase(title="Trial", start=datetime.date(2026, 3, 1), end=datetime.date(2026, 2, 1))
    with pytest.raises(ValidationError) as info:
        phase.clean()
    assert "end" in info.value.message_dict
    PilotPhase(title="Trial", start=datetime.date(2026, 3, 1), end=None).clean()


@pytest.mark.django_db
def test_feedback_summary_gives_average_count_and_distribution(make_pilot):
    pilot = make_pilot()
    for rating in (5, 5, 4, 1):
        PilotFeedback.objects.create(pilot=pilot, user=ResidentFactory(), rating=rating)
    summary = PilotFeedback.objects.filter(pilot=pilot).summary()
    assert float(summary["average"]) == pytest.approx(3.8)
    assert summary["count"] == 4
    assert [(r["rating"], r["count"], r["percent"]) for r in summary["distribution"]] == [
        (5, 2, 50),
        (4, 1, 25),
        (3, 0, 0),
        (2, 0, 0),
        (1, 1, 25),
    ]


@pytest.mark.django_db
def test_an_empty_summary():
    summary = PilotFeedback.objects.none().summary()
    assert summary["average"] is None and summary["count"] == 0
    assert all(row["count"] == 0 for row in summary["distribution"])


@pytest.mark.django_db
@pytest.mark.parametrize("rating", [0, 6])
def test_the_database_refuses_ratings_outside_1_to_5(make_pilot, rating):
    pilot = make_pilot()
    with pytest.raises(IntegrityError), transaction.atomic():
        PilotFeedback.objects.create(pilot=pilot, user=ResidentFactory(), rating=rating)


@pytest.mark.django_db
def test_the_database_keeps_one_feedback_per_user_and_pilot(make_pilot):
    pilot, user = make_pilot(), ResidentFactory()
    PilotFeedback.objects.create(pilot=pilot, user=user, rating=3)
    with pytest.raises(IntegrityError), transaction.atomic():
        PilotFeedback.objects.create(pilot=pilot, user=user, rating=4)
    PilotFeedback.objects.create(pilot=make_pilot(), user=user, rating=4)


@pytest.mark.django_db
def test_the_database_keeps_one_value_per_series_and_date(make_pilot):
    pilot = make_pilot(series=[("Users", "")])
    series = ResultSeries.objects.get(page=pilot)
    ResultDataPoint.objects.create(series=series, date=datetime.date(2026, 1, 1), value=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        ResultDataPoint.objects.create(series=series, date=datetime.date(2026, 1, 1), value=2)


@pytest.mark.django_db
def test_republishing_keeps_imported_values_of_existing_series(make_pilot):
    from .conftest import add_points

    pilot = make_pilot(series=[("Users", "")])
    add_points(pilot, "Users", [1, 2, 3])
    page = pilot.get_latest_revision_as_object()
    page.title = "Renamed"
    page.save_revision().publish()
    assert ResultDataPoint.objects.filter(series__page=pilot).count() == 3


def test_a_missed_target_never_reads_as_all_the_way():
    missed = PilotMetric(name="Lights working", baseline=Decimal("91"), target=Decimal("99"), actual=Decimal("98.97"))
    assert missed.target_met is False
    assert missed.progress_percent == 99  # 99.6 % of the way rounds to 100, yet the target was missed
    met = PilotMetric(name="Lights working", baseline=Decimal("91"), target=Decimal("99"), actual=Decimal("99"))
    assert met.progress_percent == 100


def test_series_title_is_the_label_and_counts_are_whole_numbers():
    series = ResultSeries(name="parking", unit="건/주", label="Cars parked per week")
    series.point_list = [ResultDataPoint(date=datetime.date(2026, 1, d), value=Decimal(v)) for d, v in ((1, 3), (8, 5))]
    series.dom_id = "series-1"
    assert series.title == "Cars parked per week"
    assert series.chart_data["name"] == "Cars parked per week" and series.chart_data["counts"] is True
    assert series.chart_summary.startswith("Cars parked per week from")
    series.point_list[0].value = Decimal("2.5")
    assert series.chart_data["counts"] is False
    assert ResultSeries(name="parking").title == "parking"


def test_a_pilot_created_twice_at_once_takes_the_next_free_slug_instead_of_failing(make_pilot, pilot_index):
    """Two creates that each passed the form (an autosave racing "Save draft"): the later one is stored under
    the next free slug, not refused with a 500."""
    first = make_pilot(slug="smart-shelter")

    def again():
        page = PilotPage(title=first.title, slug="smart-shelter", summary="Again.", area=first.area)
        page.category = first.category
        return pilot_index.add_child(instance=page)

    second, third = again(), again()
    assert [first.slug, second.slug, third.slug] == ["smart-shelter", "smart-shelter-2", "smart-shelter-3"]
