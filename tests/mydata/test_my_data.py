"""Download my data: only for me, expires, built in the background; the desk's requests are audited."""

import json
import zipfile
from datetime import timedelta

import pytest
from django.utils import timezone
from wagtail.models import ModelLogEntry

from accounts.services import erase_account
from mydata import retention
from mydata.models import ExportStatus, PersonalDataExport
from tests.factories import AdministratorFactory, ProposalFactory, ResidentFactory, UserFactory, VoteFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _private_root(settings, tmp_path):
    settings.PERSONAL_DATA_ROOT = tmp_path / "private"


def _request(client, user, django_capture_on_commit_callbacks):
    client.force_login(user)
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post("/my-data/").status_code == 302
    return PersonalDataExport.objects.get(user=user)


def test_i_get_a_zip_of_my_data(client, resident, django_capture_on_commit_callbacks):
    proposal = ProposalFactory(author=resident, title="My own proposal about the lights", is_hidden=True)
    VoteFactory(user=resident)
    export = _request(client, resident, django_capture_on_commit_callbacks)
    assert export.status == ExportStatus.READY
    assert client.get("/my-data/").content.count(b"Download the ZIP file") == 1
    response = client.get(f"/my-data/{export.token}/download/")
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"
    path = export.path
    with zipfile.ZipFile(path) as archive:
        names = set(archive.namelist())
        data = json.loads(archive.read("data.json"))
        assert archive.read("proposals.csv").startswith(b"\xef\xbb\xbf")
    assert {"README.txt", "data.json", "account.csv", "votes.csv", "comments.csv"} <= names
    assert data["account"][0]["email"] == resident.email
    assert [p["id"] for p in data["proposals"]] == [proposal.pk]
    assert len(data["votes"]) == 1


def test_another_account_gets_403(client, resident, django_capture_on_commit_callbacks):
    export = _request(client, resident, django_capture_on_commit_callbacks)
    client.force_login(ResidentFactory())
    assert client.get(f"/my-data/{export.token}/download/").status_code == 403


def test_signed_out_visitors_are_sent_to_sign_in(client, resident, django_capture_on_commit_callbacks):
    export = _request(client, resident, django_capture_on_commit_callbacks)
    client.logout()
    assert client.get(f"/my-data/{export.token}/download/").status_code == 302


def test_an_expired_link_gets_410(client, resident, django_capture_on_commit_callbacks):
    export = _request(client, resident, django_capture_on_commit_callbacks)
    PersonalDataExport.objects.filter(pk=export.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert client.get(f"/my-data/{export.token}/download/").status_code == 410


def test_a_second_request_while_one_is_prepared_is_refused(client, resident):
    client.force_login(resident)
    client.post("/my-data/")  # no commit callbacks run: it stays pending
    response = client.post("/my-data/", follow=True)
    assert b"already being prepared" in response.content
    assert PersonalDataExport.objects.filter(user=resident).count() == 1


def test_desk_request_is_audited_and_handed_over_by_staff(client, resident, django_capture_on_commit_callbacks):
    admin = AdministratorFactory()
    client.force_login(admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/admin/livinglab/data-requests/",
            {"resident_email": resident.email, "note": "Form 2026-17", "identity_checked": "on"},
        )
    assert response.status_code == 302
    export = PersonalDataExport.objects.get(user=resident)
    assert export.handled_by == admin and export.channel == "desk"
    assert client.get(f"/my-data/{export.token}/download/").status_code == 200
    actions = set(ModelLogEntry.objects.filter(object_id=str(export.pk)).values_list("action", flat=True))
    assert actions == {"livinglab.mydata.requested", "livinglab.mydata.handed_over"}


def test_desk_page_shows_the_request_form_and_the_recent_requests(client):
    client.force_login(AdministratorFactory())
    body = client.get("/admin/livinglab/data-requests/").content.decode()
    assert 'name="resident_email"' in body and 'name="csrfmiddlewaretoken"' in body
    assert "Record the request" in body and "Recent desk requests" in body


def test_desk_page_answers_a_bad_request_with_400_and_the_form_again(client):
    client.force_login(AdministratorFactory())
    response = client.post("/admin/livinglab/data-requests/", {"resident_email": "nobody@example.invalid"})
    assert response.status_code == 400
    assert "Record the request" in response.content.decode()
    assert not PersonalDataExport.objects.exists()


def test_residents_cannot_use_the_desk_page(client, resident):
    client.force_login(resident)
    assert client.get("/admin/livinglab/data-requests/").status_code in (302, 403)


def test_retention_purges_only_unused_unverified_accounts(resident):
    old = timezone.now() - timedelta(days=60)
    unused = UserFactory(verified=False, date_joined=old)
    voter = UserFactory(verified=False, date_joined=old)
    VoteFactory(user=voter)
    recent = UserFactory(verified=False)
    resident.date_joined = old
    resident.save()
    counts = retention.purge()
    assert counts["accounts"] == 1
    remaining = set(type(resident).objects.values_list("pk", flat=True))
    assert unused.pk not in remaining
    assert {voter.pk, recent.pk, resident.pk} <= remaining


def test_erasing_the_account_deletes_its_archives(client, resident, django_capture_on_commit_callbacks):
    export = _request(client, resident, django_capture_on_commit_callbacks)
    path = export.path
    assert path.exists()
    with django_capture_on_commit_callbacks(execute=True):
        erase_account(resident)
    assert not PersonalDataExport.objects.filter(user=resident).exists()
    assert not path.exists()


def test_the_archive_has_my_age_band_and_the_channel_of_my_supports(client, django_capture_on_commit_callbacks):
    person = ResidentFactory(age_band="40_59")
    VoteFactory(user=person)
    export = _request(client, person, django_capture_on_commit_callbacks)
    with zipfile.ZipFile(export.path) as archive:
        data = json.loads(archive.read("data.json"))
        account_csv = archive.read("account.csv").decode("utf-8-sig")
    assert data["account"][0]["age_band"] == "40_59" and "age_band" in account_csv.splitlines()[0]
    assert data["votes"][0]["channel"] == "online"
