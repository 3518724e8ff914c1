"""An administrator links sensor sites to a pilot, points a source at a SensorThings server and pulls; residents
read the readings, flags, comparisons and map on the public pilot page in Korean, on a desktop and a phone."""

import datetime
import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from pilots.models import PilotPage
from sensors.models import PilotEvidence, Reading, Source
from tests.browser.conftest import LIVENESS_MS
from tests.browser.test_pilot_journey import log_in
from tests.factories import AdministratorFactory
from tests.pilots.conftest import home, make_pilot, pilot_index  # noqa: F401 - shared fixtures
from tests.sensors.sensorthings_server import SensorThingsServer

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

START = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
PILOT_DAY = 30


def _observations(ds_id: int, *, effect: float):
    out = []
    for hour in range(60 * 24):
        moment = START + datetime.timedelta(hours=hour)
        value = 30 + (hour % 24) / 3 + (ds_id % 3) + (effect if hour >= PILOT_DAY * 24 else 0) - hour / 200
        if ds_id == 2 and 200 <= hour < 220:
            value = 33.0  # a stuck monitor
        out.append((moment.isoformat().replace("+00:00", "Z"), round(value, 1)))
    return out


@pytest.fixture
def sensorthings():
    with SensorThingsServer() as server:
        for ds_id in (1, 2, 3, 4):
            server.state.add_datastream(ds_id)
            server.state.observations[ds_id] = _observations(ds_id, effect=-6 if ds_id <= 2 else 0)
        yield server


def test_admin_links_sites_pulls_and_the_pilot_page_shows_the_evidence(
    live_server,
    browser,
    screenshot,
    make_pilot,  # noqa: F811 - the pilots' fixture
    sensorthings,
    tmp_path,
):
    base = live_server.url
    pilot = make_pilot(title="구로 학교 앞 미세먼지 저감", slug="guro-dust")
    PilotEvidence.objects.create(
        pilot=pilot, pilot_start=(START + datetime.timedelta(days=PILOT_DAY)).date(), baseline_days=30
    )
    admin_user = AdministratorFactory(email="staff@example.org")

    desk = browser.new_context(viewport={"width": 1366, "height": 900}, locale="en-GB")
    admin = desk.new_page()
    admin.set_default_timeout(LIVENESS_MS)
    log_in(admin, base, admin_user.email)

    # 1. The source: the city's SensorThings service (here on loopback).
    admin.goto(f"{base}/admin/snippets/sensors/source/add/")
    admin.locator("#id_name").fill("Guro IoT platform")
    admin.locator("#id_url").fill(sensorthings.url)
    admin.get_by_role("button", name="Save").first.click()
    expect(admin.get_by_text("Guro IoT platform").first).to_be_visible()
    source = Source.objects.get()

    # 2. The sites, from a CSV list, linked to the pilot and the source's Datastreams.
    csv_path = tmp_path / "sites.csv"
    csv_path.write_text(
        "code,name,role,latitude,longitude,property,unit,external_id\n"
        "gate-1,개봉초 정문,pilot,37.4950,126.8560,pm25,µg/m³,1\n"
        "gate-2,고척초 정문,pilot,37.5010,126.8600,pm25,µg/m³,2\n"
        "ctrl-1,오류초 정문,control,37.4920,126.8450,pm25,µg/m³,3\n"
        "ctrl-2,구일초 정문,control,37.4960,126.8700,pm25,µg/m³,4\n",
        encoding="utf-8",
    )
    admin.goto(f"{base}/admin/sensors/import-sites/")
    admin.locator("#id_pilot").select_option(str(pilot.pk))
    admin.locator("#id_source").select_option(str(source.pk))
    admin.locator("#id_csv_file").set_input_files(str(csv_path))
    admin.get_by_role("button", name="Import").click()
    expect(admin.get_by_text("Imported 4 sites.")).to_be_visible()

    # 3. Pull now: the task runs after the request commits (the worker in production).
    admin.goto(f"{base}/admin/snippets/sensors/source/")
    admin.get_by_role("link", name="Pull now").first.click()
    admin.get_by_role("button", name="Pull now").click()
    expect(admin.get_by_text(re.compile("is queued"))).to_be_visible()
    assert Reading.objects.count() == 4 * 60 * 24
    screenshot("sensors-admin-sources", admin)
    desk.close()

    # 4. A resident reads the evidence in Korean on a desktop and on a phone.
    url = f"{base}{PilotPage.objects.get(pk=pilot.pk).url}"
    for name, viewport in (("desktop", {"width": 1366, "height": 900}), ("phone", {"width": 390, "height": 844})):
        context = browser.new_context(viewport=viewport, locale="ko-KR")
        reader = context.new_page()
        reader.set_default_timeout(LIVENESS_MS)
        reader.goto(url)
        section = reader.locator("#sensor-evidence")
        expect(section.get_by_role("heading", name="센서 측정 근거")).to_be_visible()
        expect(section.get_by_text("시범 지점과 대조 지점 비교(이중차분)")).to_be_visible()
        expect(section.locator(".sensor-sites tbody tr")).to_have_count(4)
        expect(section.locator("#sensor-map")).to_be_visible()
        expect(section.locator("#sensor-chart")).to_be_visible()
        expect(section.locator(".sensor-quality")).to_contain_text("개봉초 정문")
        section.scroll_into_view_if_needed()
        screenshot(f"sensors-pilot-page-{name}", reader)
        results = Axe().run(
            reader,
            options={
                "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21aa", "wcag22aa"]},
                "resultTypes": ["violations"],
            },
        )
        violations = results.response["violations"]
        assert not violations, [(v["id"], [n["target"] for n in v["nodes"]][:3]) for v in violations]
        context.close()
