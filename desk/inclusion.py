"""Who takes part and who is missing: participation by dong, channel, age band and month, against population.

A participant is a person with at least one proposal, vote, comment, pilot rating or session registration
that is not cancelled. Every figure below
``MIN_SHOWN`` people is suppressed so that no one can be singled out, and so is the total below it. Where a
group adds up to the total (dongs, age bands) and only one figure is suppressed, the next smallest is
suppressed too, so the hidden one cannot be worked out by subtracting the others from the total. The whole report is a fixed number of
aggregate queries, whatever the number of people or dongs.
"""

from dataclasses import dataclass, field

from django.db.models import Count, Exists, OuterRef, Q, Value
from django.db.models.functions import Coalesce, NullIf, TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from codesign.models import Registration
from pilots.models import PilotFeedback
from proposals.models import Area, Comment, FilingChannel, Proposal, Vote

from .models import AgeBand, AreaPopulation

MIN_SHOWN = 5
MONTHS = 12
# A dong or group whose share of participants is under half its share of the population is "taking part least".
UNDER_REPRESENTED_RATIO = 0.5


@dataclass
class Row:
    label: str
    count: int
    population: int | None = None
    participation_share: float | None = None
    population_share: float | None = None
    # Hidden although it is large enough: it would give away the one small figure of its group (``_protect``).
    secondary: bool = False

    @property
    def suppressed(self) -> bool:
        return self.secondary or 0 < self.count < MIN_SHOWN

    @property
    def shown(self) -> int | None:
        """The count to show, or None when it is suppressed."""
        return None if self.suppressed else self.count

    @property
    def participation_percent(self) -> int | None:
        """Its share of the participants in whole percent; None when its count is suppressed, because the share
        of a shown total would give the count away."""
        if self.suppressed or self.participation_share is None:
            return None
        return round(self.participation_share * 100)

    @property
    def population_percent(self) -> int | None:
        return None if self.population_share is None else round(self.population_share * 100)

    @property
    def ratio(self) -> float | None:
        if not self.population_share or self.participation_share is None:
            return None
        return self.participation_share / self.population_share

    @property
    def under_represented(self) -> bool:
        ratio = self.ratio
        return ratio is not None and ratio < UNDER_REPRESENTED_RATIO


@dataclass
class Report:
    total: int
    by_dong: list[Row] = field(default_factory=list)
    by_channel: list[Row] = field(default_factory=list)
    by_age: list[Row] = field(default_factory=list)
    by_month: list[Row] = field(default_factory=list)

    @property
    def total_shown(self) -> int | None:
        return None if 0 < self.total < MIN_SHOWN else self.total

    @property
    def least_dongs(self) -> list[Row]:
        return sorted((r for r in self.by_dong if r.under_represented), key=lambda r: r.ratio)

    @property
    def least_ages(self) -> list[Row]:
        return sorted((r for r in self.by_age if r.under_represented), key=lambda r: r.ratio)

    def chart_data(self) -> dict:
        """Suppressed figures go to the charts as null: the chart shows a gap, never a small number."""

        def series(rows):
            return {"labels": [r.label for r in rows], "values": [r.shown for r in rows]}

        return {
            "dong": series(self.by_dong),
            "channel": series(self.by_channel),
            "age": series(self.by_age),
            "month": series(self.by_month),
        }


def _registrations():
    """Session registrations that count as taking part: the active ones (a seat or the waiting list). A
    cancelled registration does not count, in its month or at all: the person took their name back and may
    never have come."""
    return Registration.objects.active()


def _participants():
    user = OuterRef("pk")
    return User.objects.filter(is_active=True, erased_at__isnull=True).filter(
        Exists(Proposal.objects.filter(author=user))
        | Exists(Vote.objects.filter(user=user))
        | Exists(Comment.objects.filter(author=user))
        | Exists(PilotFeedback.objects.filter(user=user))
        | Exists(_registrations().filter(user=user))
    )


def _channel_flag(channel: str) -> Q:
    """Everything a person does carries the channel it arrived by (``AssistedFields``): a support desk staff
    recorded by phone counts under phone, not online."""
    user = OuterRef("pk")
    return Q(
        Exists(Proposal.objects.filter(author=user, channel=channel))
        | Exists(Vote.objects.filter(user=user, channel=channel))
        | Exists(Comment.objects.filter(author=user, channel=channel))
        | Exists(PilotFeedback.objects.filter(user=user, channel=channel))
        | Exists(_registrations().filter(user=user, channel=channel))
    )


def _protect(rows: list[Row]) -> None:
    """Secondary suppression for a group whose figures add up to the shown total: one small figure alone
    would be the total minus the others, so the smallest figure that is shown is hidden with it."""
    small = [row for row in rows if 0 < row.count < MIN_SHOWN]
    if len(small) != 1:
        return
    shown = sorted((row for row in rows if row.count >= MIN_SHOWN), key=lambda row: row.count)
    if shown:
        shown[0].secondary = True


def _shares(rows: list[Row], total_people: int, total_population: int) -> None:
    for row in rows:
        row.participation_share = row.count / total_people if total_people else None
        if row.population is not None and total_population:
            row.population_share = row.population / total_population


def _last_months(now) -> list:
    """The first moments of the last ``MONTHS`` months up to ``now``'s own, oldest first, in local time."""
    this_month = timezone.localtime(now).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    index = this_month.year * 12 + this_month.month - 1
    return [
        this_month.replace(year=(index - back) // 12, month=(index - back) % 12 + 1)
        for back in range(MONTHS - 1, -1, -1)
    ]


def inclusion_report(*, now=None) -> Report:
    now = now or timezone.now()
    participants = _participants()
    # 1. everyone, by dong
    counts_by_area = dict(participants.order_by().values_list("home_area").annotate(n=Count("pk")))
    total = sum(counts_by_area.values())
    report = Report(total=total)
    # 2. the dongs, 3. their population
    dongs = list(Area.objects.neighbourhoods())
    populations = {p.area_id: p for p in AreaPopulation.objects.all()}
    total_population = sum(p.total for p in populations.values())
    for dong in dongs:
        population = populations.get(dong.pk)
        report.by_dong.append(
            Row(dong.localized_name, counts_by_area.get(dong.pk, 0), population.total if population else None)
        )
    if counts_by_area.get(None):
        report.by_dong.append(Row(_("Neighbourhood not given"), counts_by_area[None]))
    _shares(report.by_dong, total, total_population)
    # 4. by channel, in one query
    channel_counts = participants.order_by().aggregate(
        **{channel.value: Count("pk", filter=_channel_flag(channel.value)) for channel in FilingChannel}
    )
    report.by_channel = [Row(str(channel.label), channel_counts[channel.value]) for channel in FilingChannel]
    # 5. by voluntary age band: the person's own answer on their profile, else the one given at a desk;
    # "not given" for everyone else
    band_given = Coalesce(NullIf("age_band", Value("")), NullIf("desk_registration__age_band", Value("")))
    by_band = dict(participants.order_by().annotate(band=band_given).values_list("band").annotate(n=Count("pk")))
    band_population = {
        band: sum(getattr(p, name) or 0 for p in populations.values())
        for band, name in AreaPopulation.BAND_FIELDS.items()
    }
    band_total = sum(band_population.values())
    given = sum(n for band, n in by_band.items() if band)
    for band in AgeBand:
        row = Row(str(band.label), by_band.get(band.value, 0), band_population[band] or None)
        row.participation_share = row.count / given if given else None
        row.population_share = row.population / band_total if row.population and band_total else None
        report.by_age.append(row)
    not_given = by_band.get("", 0) + by_band.get(None, 0)
    report.by_age.append(Row(_("Not given"), not_given))
    # 6. people taking part per month, over the last twelve months: this month and the eleven before it, in the
    # site's time zone (the months the database truncates to)
    months = _last_months(now)
    since = months[0]
    pairs = (
        Proposal.objects.filter(created_at__gte=since)
        .annotate(month=TruncMonth("created_at"))
        .values_list("author_id", "month")
        .order_by()
        .union(
            Vote.objects.filter(created_at__gte=since)
            .annotate(month=TruncMonth("created_at"))
            .values_list("user_id", "month")
            .order_by(),
            Comment.objects.filter(created_at__gte=since)
            .annotate(month=TruncMonth("created_at"))
            .values_list("author_id", "month")
            .order_by(),
            PilotFeedback.objects.filter(created_at__gte=since)
            .annotate(month=TruncMonth("created_at"))
            .values_list("user_id", "month")
            .order_by(),
            # A registration counts in the month it was made.
            _registrations()
            .filter(created_at__gte=since)
            .annotate(month=TruncMonth("created_at"))
            .values_list("user_id", "month")
            .order_by(),
        )
        # The union would inherit Proposal's default ordering, on a column it does not select.
        .order_by()
    )
    per_month: dict[str, int] = {}
    for _user, month in pairs:
        key = month.strftime("%Y-%m")
        per_month[key] = per_month.get(key, 0) + 1
    for month in months:
        key = month.strftime("%Y-%m")
        report.by_month.append(Row(key, per_month.get(key, 0)))
    # Channels overlap (one person, several channels) and months count each person once a month: neither
    # adds up to the total, so only the dongs and the age bands need the second suppression.
    _protect(report.by_dong)
    _protect(report.by_age)
    return report
