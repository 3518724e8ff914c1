"""The inclusion dashboard: participation against population, figures under 5 suppressed, admins only."""

import datetime
import importlib
import io
import json
import re
import zoneinfo

import pytest
from django.apps import apps as django_apps
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from codesign import services as codesign_services
from codesign.models import Registration, Session
from desk import services
from desk.inclusion import inclusion_report
from desk.models import AreaPopulation, DeskResident
from livinglab.errors import ActionRefused
from pilots.models import PilotStatus
from proposals import services as proposal_services
from proposals.models import Vote
from tests.factories import CommentFactory, DongFactory, ProposalFactory, ResidentFactory, UserFactory, VoteFactory

pytestmark = pytest.mark.django_db


def _people_in(dong, count, **proposal_fields):
    for _i in range(count):
        ProposalFactory(author=ResidentFactory(home_area=dong), area=dong, **proposal_fields)


def test_participation_by_dong_against_population_calls_out_the_least(dong, other_dong, administrator):
    _people_in(dong, 9)
    _people_in(other_dong, 1)
    services.set_population(dong, by=administrator, total=1000)
    services.set_population(other_dong, by=administrator, total=1000)
    report = inclusion_report()
    rows = {row.label: row for row in report.by_dong}
    busy, quiet = rows[dong.localized_name], rows[other_dong.localized_name]
    assert not busy.under_represented
    assert quiet.shown is None and quiet.suppressed  # one person: never shown
    # ...nor the 9 beside it: the total (10) minus 9 would give the one away.
    assert busy.shown is None and busy.secondary
    assert [row.label for row in report.least_dongs] == [other_dong.localized_name]


def test_one_small_figure_hides_the_next_smallest_and_a_small_total_is_not_shown(dong, other_dong):
    third = DongFactory(name="성수2가1동", name_en="Seongsu 2-ga 1-dong", slug="seongsu-2ga-1")
    _people_in(dong, 12)
    _people_in(other_dong, 7)
    _people_in(third, 2)
    rows = {row.label: row.shown for row in inclusion_report().by_dong}
    assert rows[third.localized_name] is None and rows[other_dong.localized_name] is None
    assert rows[dong.localized_name] == 12  # two hidden figures (9 together) cannot be told apart
    assert inclusion_report().total_shown == 21


def test_a_total_under_five_is_not_shown(client, administrator, dong):
    _people_in(dong, 4)
    assert inclusion_report().total_shown is None
    client.force_login(administrator)
    page = client.get(reverse("desk:inclusion")).content.decode()
    assert "Fewer than 5 people have taken part so far" in page
    assert "4 people" not in page


def test_channels_and_age_bands_count_people(staff, desk_resident, dong, category):
    for number in range(5):
        resident = services.register_resident(
            staff=staff, display_name=f"주민{number}", area=dong, consent_reference=f"R{number}", age_band="75_plus"
        )
        services.file_proposal_for(
            resident,
            staff=staff,
            channel="paper",
            title="경로당 앞 계단 손잡이",
            description="경로당 앞 계단에 손잡이가 없어서 어르신들이 넘어질까 걱정됩니다.",
            category=category,
            area=dong,
        )
    report = inclusion_report()
    channels = {row.label: row.shown for row in report.by_channel}
    assert channels["On a paper form, entered by staff"] == 5
    assert channels["Online, by the resident"] == 0
    ages = {row.label: row.shown for row in report.by_age}
    assert ages["75 and over"] == 5
    assert report.chart_data()["channel"]["values"].count(5) == 1


def test_dashboard_is_for_administrators_only(client, resident, staff):
    for user in (resident, staff):
        client.force_login(user)
        assert client.get(reverse("desk:inclusion")).status_code == 403
        assert client.get(reverse("desk:population")).status_code == 403
    client.logout()
    assert client.get(reverse("desk:inclusion")).status_code == 302


def test_the_admin_menu_links_the_dashboard_for_administrators_only(client, administrator, expert):
    """The menu asks the dashboard's own rule: whoever sees the link may open it, and nobody else sees it."""
    moderator = UserFactory(role=Role.MODERATOR, display_name="Moderator")
    # The sidebar's menu is JSON in the page: the item's "url".
    link = f'"url": "{reverse("desk:inclusion")}"'
    client.force_login(administrator)
    admin_home = client.get("/admin/")
    assert admin_home.status_code == 200 and link in admin_home.content.decode()
    assert client.get(reverse("desk:inclusion")).status_code == 200
    for person in (moderator, expert):
        client.force_login(person)
        admin_home = client.get("/admin/")
        assert admin_home.status_code == 200
        assert reverse("desk:inclusion") not in admin_home.content.decode()
        assert client.get(reverse("desk:inclusion")).status_code == 403


def test_dashboard_shows_a_suppression_note_and_never_a_small_figure(client, administrator, dong):
    _people_in(dong, 3)
    client.force_login(administrator)
    page = client.get(reverse("desk:inclusion")).content.decode()
    assert "fewer than 5" in page and 'id="suppression-note"' in page
    assert "<td>3</td>" not in page


def test_dashboard_query_count_is_constant(client, administrator, dong, other_dong, django_assert_num_queries):
    client.force_login(administrator)
    _people_in(dong, 2)
    client.get(reverse("desk:inclusion"))
    with django_assert_num_queries(12) as first:
        client.get(reverse("desk:inclusion"))
    _people_in(dong, 6)
    _people_in(other_dong, 7)
    VoteFactory.create_batch(4)
    services.set_population(other_dong, by=administrator, total=500)
    with django_assert_num_queries(len(first.captured_queries)):
        client.get(reverse("desk:inclusion"))


def _csv(text: str) -> SimpleUploadedFile:
    return SimpleUploadedFile("population.csv", text.encode("utf-8-sig"), content_type="text/csv")


def test_population_imports_from_csv(administrator, dong, other_dong):
    count = services.import_population_csv(
        _csv(f"dong,population,75_plus\n{dong.slug},12000,1500\n{other_dong.name},8000,\n"), by=administrator
    )
    assert count == 2
    assert AreaPopulation.objects.get(area=dong).from_75 == 1500
    assert AreaPopulation.objects.get(area=other_dong).total == 8000


@pytest.mark.parametrize(
    "text",
    [
        "name,people\nx,1\n",  # wrong header
        "dong,population\nnowhere,100\n",  # unknown dong
        "dong,population\n{slug},lots\n",  # not a number
        "dong,population,75_plus\n{slug},100,200\n",  # band over total
        "dong,population\n",  # nothing
    ],
)
def test_bad_csv_is_refused_whole(administrator, dong, text):
    with pytest.raises(ValidationError) as exc:
        services.import_population_csv(_csv(text.format(slug=dong.slug)), by=administrator)
    assert "file" in exc.value.message_dict
    assert not AreaPopulation.objects.exists()


def test_bad_csv_keeps_earlier_good_rows_out_too(administrator, dong):
    with pytest.raises(ValidationError):
        services.import_population_csv(_csv(f"dong,population\n{dong.slug},100\nnowhere,5\n"), by=administrator)
    assert not AreaPopulation.objects.exists()


def test_non_administrators_cannot_set_population(resident, staff, dong):
    for user in (resident, staff):
        with pytest.raises(ActionRefused) as exc:
            services.set_population(dong, by=user, total=10)
        assert exc.value.status == 403
        with pytest.raises(ActionRefused):
            services.import_population_csv(io.BytesIO(b"dong,population\n"), by=user)


def test_population_page_import_answers_400_with_the_line(client, administrator, dong):
    client.force_login(administrator)
    response = client.post(reverse("desk:population"), {"import": "1", "file": _csv("dong,population\nnowhere,100\n")})
    assert response.status_code == 400
    assert "Line 2" in response.content.decode()
    response = client.post(reverse("desk:population"), {"area": dong.pk, "total": 900})
    assert response.status_code == 302
    assert AreaPopulation.objects.get(area=dong).total == 900


# --- who takes part least, against the population share ------------------------------------------------


def _dong(name: str, name_en: str, slug: str):
    return DongFactory(name=name, name_en=name_en, slug=slug)


def _least_callouts(page: str) -> str:
    return re.search(r'data-testid="least-taking-part">(.*?)</ul>', page, re.S).group(1)


@pytest.fixture
def four_dongs(dong, other_dong, administrator, category):
    """50 people in four dongs of 10 000 residents: 38 of 4 000, 6 of 3 000, 3 of 1 000 and 3 of 2 000."""
    third = _dong("성수2가1동", "Seongsu 2-ga 1-dong", "seongsu-2ga-1")
    fourth = _dong("행당1동", "Haengdang 1-dong", "haengdang-1")
    for area, people, population in ((dong, 38, 4000), (other_dong, 6, 3000), (third, 3, 1000), (fourth, 3, 2000)):
        for _i in range(people):
            ProposalFactory(author=ResidentFactory(home_area=area), area=area, category=category)
        services.set_population(area, by=administrator, total=population)
    return dong, other_dong, third, fourth


def test_the_dongs_taking_part_least_are_called_out_against_their_population_share(four_dongs):
    dong, other_dong, third, fourth = four_dongs
    report = inclusion_report()
    assert report.total_shown == 50
    rows = {row.label: row for row in report.by_dong}
    busy, quiet, small, smallest_share = (rows[d.localized_name] for d in four_dongs)
    # Shares of participants against shares of the population: 76/40, 12/30, 6/10, 6/20.
    assert (busy.participation_percent, busy.population_percent) == (76, 40)
    assert (quiet.participation_percent, quiet.population_percent) == (12, 30)
    assert (small.participation_percent, small.population_percent) == (None, 10)  # 3 people: no share shown
    assert (smallest_share.participation_percent, smallest_share.population_percent) == (None, 20)
    assert quiet.ratio == pytest.approx(0.4) and smallest_share.ratio == pytest.approx(0.3)
    assert small.ratio == pytest.approx(0.6) and not small.under_represented  # few people, but not under half
    # The furthest behind first; a dong with more than its share is never called out.
    assert [row.label for row in report.least_dongs] == [fourth.localized_name, other_dong.localized_name]
    # Two small figures hide each other: no larger figure needs hiding with them.
    assert [rows[d.localized_name].shown for d in four_dongs] == [38, 6, None, None]


def test_the_callouts_give_the_shares_and_never_a_suppressed_one(client, administrator, four_dongs):
    dong, other_dong, third, fourth = four_dongs
    client.force_login(administrator)
    page = client.get(reverse("desk:inclusion")).content.decode()
    callouts = _least_callouts(page)
    items = [re.sub(r"\s+", " ", item).strip() for item in re.findall(r"<li>(.*?)</li>", callouts, re.S)]
    assert items == [
        f"{fourth.localized_name}: 20% of the population; its share of participants is not shown, to protect privacy.",
        f"{other_dong.localized_name}: 12% of participants, 30% of the population.",
    ]
    # 3 of 50 is 6%: a share that would give the 3 away appears nowhere on the page.
    assert not re.search(r"(?<!\d)6%", page)
    assert dong.localized_name not in callouts and third.localized_name not in callouts


def test_a_callout_hides_the_share_of_a_figure_hidden_to_protect_a_smaller_one(administrator, dong, other_dong):
    """One small figure hides the next smallest too (it would give the small one away from the total): a
    callout for that dong gives no share of participants either."""
    third = _dong("성수2가1동", "Seongsu 2-ga 1-dong", "seongsu-2ga-1")
    for area, people, population in ((dong, 30, 2000), (other_dong, 6, 6000), (third, 2, 2000)):
        _people_in(area, people)
        services.set_population(area, by=administrator, total=population)
    rows = {row.label: row for row in inclusion_report().by_dong}
    hidden = rows[other_dong.localized_name]
    assert hidden.secondary and hidden.under_represented  # 6 of 38 against 60% of the population
    assert hidden.participation_percent is None and hidden.population_percent == 60


def test_a_dong_without_population_figures_is_never_called_out(administrator, dong, other_dong):
    _people_in(dong, 20)
    _people_in(other_dong, 5)
    services.set_population(dong, by=administrator, total=1000)
    report = inclusion_report()
    assert report.least_dongs == []
    rows = {row.label: row for row in report.by_dong}
    assert rows[other_dong.localized_name].population_percent is None


@pytest.fixture
def banded_people(staff, administrator, dong, category):
    """20 people who gave an age band at the desk (11 aged 20–39, 6 aged 40–59, 2 aged 60–74, 1 aged 75 and
    over), against 10 000 residents (2 000, 3 000, 2 500, 1 000 and 1 500 in the five bands)."""
    people = {"20_39": 11, "40_59": 6, "60_74": 2, "75_plus": 1}
    number = 0
    for band, count in people.items():
        for _i in range(count):
            number += 1
            user = ResidentFactory(home_area=dong)
            DeskResident.objects.create(
                user=user, centre=staff.desk_membership.centre, age_band=band, consent_reference=f"A-{number}"
            )
            ProposalFactory(author=user, area=dong, category=category)
    bands = {"under_20": 2000, "20_39": 3000, "40_59": 2500, "60_74": 1000, "75_plus": 1500}
    services.set_population(dong, by=administrator, total=10000, bands=bands)


def test_the_age_bands_taking_part_least_are_called_out(banded_people):
    report = inclusion_report()
    rows = {row.label: row for row in report.by_age}
    assert [(row.shown, row.participation_percent, row.population_percent) for row in report.by_age] == [
        (0, 0, 20),  # under 20: nobody, and a zero is not a small figure to hide
        (11, 55, 30),
        (6, 30, 25),
        (None, None, 10),  # 2 people
        (None, None, 15),  # 1 person
        (0, None, None),  # nobody left the band out
    ]
    assert [row.label for row in report.least_ages] == ["Under 20", "75 and over"]
    assert rows["60–74"].ratio == pytest.approx(1.0) and not rows["60–74"].under_represented


def test_the_age_callouts_give_the_shares_and_never_a_suppressed_one(client, administrator, banded_people):
    client.force_login(administrator)
    page = client.get(reverse("desk:inclusion")).content.decode()
    items = [re.sub(r"\s+", " ", i).strip() for i in re.findall(r"<li>(.*?)</li>", _least_callouts(page), re.S)]
    assert items == [
        "Aged Under 20: 0% of participants, 20% of the population.",
        "Aged 75 and over: 15% of the population; its share of participants is not shown, to protect privacy.",
    ]
    assert not re.search(r"(?<!\d)5%", page)  # 1 of the 20 who gave a band


# --- over time -------------------------------------------------------------------------------------------

SEOUL = zoneinfo.ZoneInfo("Asia/Seoul")


def _at(year, month, day, hour=12, minute=0):
    return datetime.datetime(year, month, day, hour, minute, tzinfo=SEOUL)


def test_over_time_counts_people_per_month_for_the_last_twelve_months(dong, category):
    now = _at(2026, 3, 4, 10)  # early in a month: this month is the last of the twelve
    for when in [_at(2026, 3, 1, 0, 30), *[_at(2026, 3, 3)] * 5]:  # 00:30 in Seoul is still February in UTC
        ProposalFactory(author=ResidentFactory(home_area=dong), area=dong, category=category, created_at=when)
    old = ProposalFactory(area=dong, category=category, created_at=_at(2024, 1, 10))
    for _i in range(3):  # three people in February: fewer than 5
        VoteFactory(proposal=old, created_at=_at(2026, 2, 14))
    for _i in range(5):  # five people in January, each with a proposal and a vote: five people, not ten
        person = ResidentFactory(home_area=dong)
        ProposalFactory(author=person, area=dong, category=category, created_at=_at(2026, 1, 5))
        VoteFactory(user=person, proposal=old, created_at=_at(2026, 1, 20))
    for _i in range(5):  # the oldest month shown
        CommentFactory(proposal=old, created_at=_at(2025, 4, 1, 9))
    for _i in range(7):  # a month too old to be shown
        ProposalFactory(area=dong, category=category, created_at=_at(2025, 3, 31, 23))
    report = inclusion_report(now=now)
    assert [row.label for row in report.by_month] == [
        "2025-04", "2025-05", "2025-06", "2025-07", "2025-08", "2025-09",
        "2025-10", "2025-11", "2025-12", "2026-01", "2026-02", "2026-03",
    ]  # fmt: skip
    assert [row.shown for row in report.by_month] == [5, 0, 0, 0, 0, 0, 0, 0, 0, 5, None, 6]
    assert report.chart_data()["month"] == {
        "labels": [row.label for row in report.by_month],
        "values": [5, 0, 0, 0, 0, 0, 0, 0, 0, 5, None, 6],
    }


@pytest.mark.parametrize(
    "now, first, last",
    [
        (_at(2026, 1, 1, 0, 5), "2025-02", "2026-01"),
        (_at(2026, 3, 1, 8), "2025-04", "2026-03"),
        (_at(2026, 12, 31, 23, 50), "2026-01", "2026-12"),
    ],
)
def test_over_time_always_ends_with_this_month(db, now, first, last):
    labels = [row.label for row in inclusion_report(now=now).by_month]
    assert len(labels) == 12 and labels[0] == first and labels[-1] == last


def test_the_over_time_table_shows_this_month_and_hides_a_small_month(client, administrator, dong, category):
    this_month = timezone.localtime().replace(day=1, hour=12)
    last_month = (this_month - datetime.timedelta(days=1)).replace(day=1, hour=12)
    for _i in range(6):
        ProposalFactory(author=ResidentFactory(home_area=dong), area=dong, category=category, created_at=this_month)
    for _i in range(2):
        ProposalFactory(author=ResidentFactory(home_area=dong), area=dong, category=category, created_at=last_month)
    client.force_login(administrator)
    page = client.get(reverse("desk:inclusion")).content.decode()
    table = page[page.index('id="month-heading"') :]
    assert re.search(rf'<th scope="row">{this_month:%Y-%m}</th>\s*<td>6</td>', table)
    assert re.search(
        rf'<th scope="row">{last_month:%Y-%m}</th>\s*<td><span title="fewer than 5">fewer than 5</span>', table
    )
    data = json.loads(re.search(r'<script id="inclusion-data" type="application/json">(.*?)</script>', page).group(1))
    assert data["month"]["values"][-2:] == [None, 6]


# --- every act counted under the channel it came by, session registrations, age bands given online -------


def _rows(rows):
    """The raw counts, suppression aside: these tests count a handful of people."""
    return {row.label: row.count for row in rows}


ONLINE, PHONE, IN_PERSON = "Online, by the resident", "By phone, filed by staff", "In person, filed by staff"


def test_a_support_given_at_the_desk_by_phone_counts_under_phone_and_an_online_one_online(staff, desk_resident, dong):
    proposal = ProposalFactory(area=dong)
    services.support_for(desk_resident, staff=staff, channel="phone", proposal=proposal)
    assert Vote.objects.get(user=desk_resident.user).channel == "phone"
    online = ResidentFactory(home_area=dong)
    proposal_services.cast_vote(proposal, user=online)
    assert Vote.objects.get(user=online).channel == "online"
    channels = _rows(inclusion_report().by_channel)
    # The proposal's author counts online too; the desk resident's only act is the support by phone.
    assert channels[PHONE] == 1 and channels[ONLINE] == 2
    assert inclusion_report().total == 3


def test_assisted_votes_from_before_the_channel_column_get_it_back_from_the_audit_log(staff, desk_resident):
    migration = importlib.import_module("proposals.migrations.0010_vote_channel")
    vote = services.support_for(desk_resident, staff=staff, channel="in_person", proposal=ProposalFactory())
    own = VoteFactory()
    Vote.objects.update(channel="online", helped_at="")  # as every vote was before the migration
    migration.stamp_assisted_votes(django_apps, None)
    vote.refresh_from_db()
    assert (vote.channel, vote.helped_at) == ("in_person", "성수1가1동 주민센터")
    own.refresh_from_db()
    assert (own.channel, own.helped_at) == ("online", "")


@pytest.fixture
def session(make_pilot):
    start = timezone.now() + datetime.timedelta(days=3)
    return Session.objects.create(
        page=make_pilot(status=PilotStatus.RUNNING),
        title="버스 정류장 함께 설계하기",
        place="성수1가1동 주민센터 2층",
        capacity=5,
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=2),
    )


def test_a_session_registration_at_the_desk_counts_by_dong_channel_and_month(staff, desk_resident, dong, session):
    services.register_for_session_for(desk_resident, staff=staff, channel="phone", session=session)
    report = inclusion_report()
    assert report.total == 1
    assert _rows(report.by_dong)[dong.localized_name] == 1
    assert _rows(report.by_channel) == {ONLINE: 0, IN_PERSON: 0, PHONE: 1, "On a paper form, entered by staff": 0}
    assert report.by_month[-1].count == 1


def test_a_cancelled_registration_does_not_count(desk_resident, dong, session):
    online = ResidentFactory(home_area=dong)
    codesign_services.register_for_session(session, user=online)
    codesign_services.cancel_registration(session, user=online)
    assert Registration.objects.get(user=online).status == "cancelled"
    report = inclusion_report()
    assert report.total == 0
    assert _rows(report.by_channel)[ONLINE] == 0
    assert report.by_month[-1].count == 0


def test_an_online_resident_who_gave_a_band_on_their_profile_is_counted_in_it(staff, desk_resident, dong):
    online = ResidentFactory(home_area=dong, age_band="20_39")
    silent = ResidentFactory(home_area=dong)
    for person in (online, silent):
        ProposalFactory(author=person, area=dong)
    # The desk resident gave 75 and over at the desk, then 60–74 on their own profile: their own answer wins.
    desk_resident.user.age_band = "60_74"
    desk_resident.user.save(update_fields=["age_band"])
    services.support_for(desk_resident, staff=staff, channel="in_person", proposal=ProposalFactory(area=dong))
    ages = _rows(inclusion_report().by_age)
    assert ages["20–39"] == 1 and ages["60–74"] == 1 and ages["75 and over"] == 0
    # The proposals' author from the factory and the resident who said nothing.
    assert ages["Not given"] == 2


def test_the_band_given_at_the_desk_counts_when_the_profile_has_none(staff, desk_resident, dong):
    services.support_for(desk_resident, staff=staff, channel="in_person", proposal=ProposalFactory(area=dong))
    assert _rows(inclusion_report().by_age)["75 and over"] == 1
