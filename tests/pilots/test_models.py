"""Facts on the pilot models: progress towards targets, the feedback summary, database constraints."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from pilots.models import PilotFeedback, PilotMetric, PilotPhase, ResultDataPoint, ResultSeries
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
