"""The inclusion dashboard: participation against population, figures under 5 suppressed, admins only."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from desk import services
from desk.inclusion import inclusion_report
from desk.models import AreaPopulation
from livinglab.errors import ActionRefused
from tests.factories import DongFactory, ProposalFactory, ResidentFactory, VoteFactory

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
