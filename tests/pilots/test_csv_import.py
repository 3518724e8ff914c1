"""CSV import of results: every row checked, every error reported by line, nothing imported on any error."""

import datetime
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from pilots import csv_import
from pilots.csv_import import ResultsImportFailed, import_results
from pilots.models import ResultDataPoint

from .conftest import add_points

pytestmark = pytest.mark.django_db

GOOD = "series,date,value\nUsers,2026-01-31,1200\nUsers,2026-02-28,1350.5\nTemperature,2026-01-31,-3.2\n"


@pytest.fixture
def pilot(make_pilot):
    return make_pilot(series=[("Users", "people"), ("Temperature", "°C")])


def upload(text: str | bytes, name="results.csv"):
    return SimpleUploadedFile(name, text.encode() if isinstance(text, str) else text, content_type="text/csv")


def values(pilot):
    return sorted(
        (p.series.name, p.date.isoformat(), p.value) for p in ResultDataPoint.objects.filter(series__page=pilot)
    )


def errors_for(pilot, text) -> list[str]:
    with pytest.raises(ResultsImportFailed) as info:
        import_results(pilot, upload(text))
    return [str(e) for e in info.value.errors]


def test_a_good_file_is_imported(pilot, published_events, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        summary = import_results(pilot, upload(GOOD))
    assert (summary.created, summary.updated) == (3, 0)
    assert values(pilot) == [
        ("Temperature", "2026-01-31", Decimal("-3.2")),
        ("Users", "2026-01-31", Decimal("1200")),
        ("Users", "2026-02-28", Decimal("1350.5")),
    ]
    assert ("pilot.results_updated", {"pilot_id": pilot.pk}) in published_events


def test_a_byte_order_mark_spaces_crlf_and_blank_lines_are_fine(pilot):
    text = "\ufeffSeries , Date , Value\r\n Users , 2026-01-31 , 12 \r\n\r\n"
    import_results(pilot, upload(text.encode("utf-8")))
    assert values(pilot) == [("Users", "2026-01-31", Decimal("12"))]


def test_reimporting_replaces_values_for_the_same_dates(pilot):
    add_points(pilot, "Users", [100])  # 2026-01-01
    summary = import_results(pilot, upload("series,date,value\nUsers,2026-01-01,150\nUsers,2026-02-01,160\n"))
    assert (summary.created, summary.updated) == (1, 1)
    assert values(pilot) == [("Users", "2026-01-01", Decimal("150")), ("Users", "2026-02-01", Decimal("160"))]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("series,date,value\nUsers,2026-01-31,many\n", "Line 2: “many” is not a number."),
        ("series,date,value\nUsers,2026-01-31,NaN\n", "Line 2: “NaN” is not a number."),
        ("series,date,value\nUsers,2026-01-31,1e5\n", "Line 2: “1e5” is not a number."),
        ("series,date,value\nUsers,2026-01-31,\n", "Line 2: “” is not a number."),
        ("series,date,value\nUsers,31/01/2026,5\n", "Line 2: “31/01/2026” is not a date like 2026-03-31."),
        ("series,date,value\nUsers,2026-02-30,5\n", "Line 2: “2026-02-30” is not a real date."),
        ("series,date,value\nUsers,2026-01-31,1.2345\n", "Line 2: 1.2345 has more than 3 decimal places."),
        ("series,date,value\nUsers,2026-01-31,999999999999\n", "Line 2: 999999999999 is too large."),
        ("series,date,value\nUsres,2026-01-31,5\n", "Line 2: unknown series “Usres”."),
        ("series,date,value\nUsers,2026-01-31\n", "Line 2: expected 3 values (series, date, value), found 2."),
        ("series,date,value\nUsers,2026-01-31,5,6\n", "Line 2: expected 3 values (series, date, value), found 4."),
        ("", "The file is empty."),
        ("   \n\n", "The file is empty."),
        ("series,date,value\n", "The file has a header but no data rows."),
        ("date,series,value\nUsers,2026-01-31,5\n", "Line 1: The header must be exactly “series,date,value”"),
        ("series;date;value\nUsers;2026-01-31;5\n", "Line 1: The header must be exactly “series,date,value”"),
        ("name,day,amount,extra\n", "Line 1: The header must be exactly “series,date,value”"),
    ],
)
def test_bad_files_give_a_clear_error_and_import_nothing(pilot, text, expected):
    errors = errors_for(pilot, text)
    assert any(e.startswith(expected) for e in errors), errors
    assert values(pilot) == []


def test_every_error_is_reported_by_line_and_good_rows_are_not_imported(pilot):
    text = (
        "series,date,value\n"
        "Users,2026-01-31,10\n"  # line 2: good
        "Users,2026-02-31,11\n"  # line 3: bad date
        "Users,2026-03-31,x\n"  # line 4: not a number
        "Users,2026-01-31,12\n"  # line 5: duplicate of line 2
        "Nobody,2026-01-31,1\n"  # line 6: unknown series
        "Temperature,2026-01-31,2\n"  # line 7: good (same date, other series)
    )
    errors = errors_for(pilot, text)
    assert [e.split(":")[0] for e in errors] == ["Line 3", "Line 4", "Line 5", "Line 6"]
    assert "“Users” already has a value for 2026-01-31 on line 2." in errors[2]
    assert values(pilot) == []


def test_existing_values_survive_a_failed_import(pilot):
    add_points(pilot, "Users", [100])
    errors_for(pilot, "series,date,value\nUsers,2026-01-01,999\nUsers,2026-02-01,oops\n")
    assert values(pilot) == [("Users", "2026-01-01", Decimal("100"))]


def test_a_file_over_5_mb_is_refused(pilot, monkeypatch):
    big = ("series,date,value\n" + "Users,2026-01-31,1\n" * 300_000).encode()
    assert len(big) > 5 * 1024 * 1024
    assert errors_for(pilot, big) == ["The file is larger than 5 MB."]
    assert values(pilot) == []


def test_a_file_with_too_many_rows_is_refused(pilot, monkeypatch):
    monkeypatch.setattr(csv_import, "MAX_ROWS", 10)
    day = datetime.date(2026, 1, 1)
    rows = "".join(f"Users,{day + datetime.timedelta(days=i)},1\n" for i in range(11))
    assert errors_for(pilot, "series,date,value\n" + rows) == ["The file has more than 10 rows."]
    assert values(pilot) == []


def test_the_row_limit_is_20000(pilot):
    day = datetime.date(2000, 1, 1)
    rows = "".join(f"Users,{day + datetime.timedelta(days=i)},{i}\n" for i in range(20_000))
    summary = import_results(pilot, upload("series,date,value\n" + rows))
    assert summary.created == 20_000
    with pytest.raises(ResultsImportFailed):
        import_results(pilot, upload("series,date,value\n" + rows + "Users,1999-01-01,1\n"))


def test_a_file_that_is_not_utf8_is_refused(pilot):
    errors = errors_for(pilot, "series,date,value\n사용자,2026-01-31,1\n".encode("euc-kr"))
    assert errors == ["The file is not UTF-8 text. Save it as “CSV UTF-8”."]


def test_series_of_another_pilot_are_unknown(pilot, make_pilot):
    make_pilot(series=[("Alerts", "")])
    errors = errors_for(pilot, "series,date,value\nAlerts,2026-01-31,1\n")
    assert errors[0].startswith("Line 2: unknown series “Alerts”")


# --- the management command ------------------------------------------------------------------------------


def test_the_command_imports_a_file(pilot, tmp_path):
    path = tmp_path / "results.csv"
    path.write_text(GOOD, encoding="utf-8")
    out = io.StringIO()
    call_command("import_pilot_results", str(pilot.pk), str(path), stdout=out)
    assert "Imported 3 values" in out.getvalue()
    assert len(values(pilot)) == 3


def test_the_command_reports_errors_by_line_and_imports_nothing(pilot, tmp_path):
    path = tmp_path / "results.csv"
    path.write_text("series,date,value\nUsers,2026-01-31,1\nUsers,2026-13-01,2\n", encoding="utf-8")
    err = io.StringIO()
    with pytest.raises(CommandError, match="Nothing was imported: 1 problem"):
        call_command("import_pilot_results", str(pilot.pk), str(path), stderr=err)
    assert "Line 3: “2026-13-01” is not a real date." in err.getvalue()
    assert values(pilot) == []


def test_the_command_refuses_an_unknown_page_or_file(pilot, tmp_path):
    with pytest.raises(CommandError, match="No pilot page"):
        call_command("import_pilot_results", "999999", str(tmp_path / "x.csv"))
    with pytest.raises(CommandError, match="is not a file"):
        call_command("import_pilot_results", str(pilot.pk), str(tmp_path / "missing.csv"))


# --- the admin view --------------------------------------------------------------------------------------


def import_url(pilot):
    return reverse("pilots_import_results", args=[pilot.pk])


def test_an_administrator_imports_through_the_admin(client, administrator, pilot):
    client.force_login(administrator)
    page = client.get(import_url(pilot))
    assert page.status_code == 200
    assert "series,date,value" in page.content.decode()
    response = client.post(import_url(pilot), {"csv_file": upload(GOOD)})
    assert response.status_code == 302
    assert response.url == reverse("wagtailadmin_pages:edit", args=[pilot.pk])
    assert len(values(pilot)) == 3


def test_the_admin_view_lists_every_error_and_imports_nothing(client, administrator, pilot):
    client.force_login(administrator)
    response = client.post(
        import_url(pilot), {"csv_file": upload("series,date,value\nUsers,x,1\nUsers,2026-01-01,y\n")}
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert "Nothing was imported: the file has 2 problems." in html
    assert "Line 2: “x” is not a date like 2026-03-31." in html
    assert "Line 3: “y” is not a number." in html
    assert values(pilot) == []


def test_the_admin_view_needs_a_file(client, administrator, pilot):
    client.force_login(administrator)
    response = client.post(import_url(pilot), {})
    assert response.status_code == 400
    assert values(pilot) == []


def test_experts_cannot_import(client, expert, pilot):
    client.force_login(expert)
    # Wagtail answers a refused admin view with a redirect to the dashboard and an error message.
    refused = client.get(import_url(pilot))
    assert (refused.status_code, refused.get("Location")) == (302, "/admin/")
    assert client.post(import_url(pilot), {"csv_file": upload(GOOD)}).status_code == 302
    assert values(pilot) == []


def test_residents_and_visitors_cannot_import(client, resident, pilot):
    assert client.post(import_url(pilot), {"csv_file": upload(GOOD)}).status_code == 302
    client.force_login(resident)
    assert client.post(import_url(pilot), {"csv_file": upload(GOOD)}).status_code in (302, 403)
    assert values(pilot) == []


def test_the_import_button_shows_on_the_pilots_edit_page_for_administrators(client, administrator, pilot):
    client.force_login(administrator)
    html = client.get(reverse("wagtailadmin_pages:edit", args=[pilot.pk])).content.decode()
    assert import_url(pilot) in html
    index_html = client.get(reverse("wagtailadmin_pages:edit", args=[pilot.get_parent().pk])).content.decode()
    assert "import-results" not in index_html
