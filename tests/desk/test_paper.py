"""Paper forms: the printable form, and batch entry where a reference is entered only once."""

import pytest
from django.urls import reverse

from desk import services
from desk.models import PaperEntry
from livinglab.errors import ActionRefused
from proposals.models import Proposal

pytestmark = pytest.mark.django_db


def _fields(category, dong, **extra):
    return {
        "title": "버스 정류장에 의자가 필요해요",
        "description": "버스 정류장에 의자가 없어 오래 서 있기 힘든 어르신들이 많습니다. 의자를 놓아 주세요.",
        "category": category,
        "area": dong,
        **extra,
    }


def test_a_paper_form_is_filed_on_the_paper_channel(staff, desk_resident, category, dong):
    entry = services.enter_paper_form(desk_resident, staff=staff, reference=" p-2026 0042 ", **_fields(category, dong))
    assert entry.reference == "P-20260042"
    assert entry.proposal.channel == "paper" and entry.proposal.author == desk_resident.user
    assert entry.proposal.helped_at == "성수1가1동 주민센터"


def test_a_duplicate_reference_is_409_naming_the_earlier_entry(staff, other_staff, desk_resident, category, dong):
    first = services.enter_paper_form(desk_resident, staff=staff, reference="P-1", **_fields(category, dong))
    with pytest.raises(ActionRefused) as exc:
        services.enter_paper_form(desk_resident, staff=staff, reference="p-1", **_fields(category, dong))
    assert exc.value.status == 409
    assert f"proposal no. {first.proposal_id}" in exc.value.message
    assert Proposal.objects.count() == 1 and PaperEntry.objects.count() == 1


def test_batch_screen_comes_back_empty_after_saving_and_refuses_duplicates(
    client, staff, desk_resident, category, dong
):
    client.force_login(staff)
    data = {
        "reference": "P-7",
        "resident": desk_resident.pk,
        "title": "버스 정류장에 의자가 필요해요",
        "description": "버스 정류장에 의자가 없어 오래 서 있기 힘든 어르신들이 많습니다.",
        "category": category.pk,
        "area": dong.pk,
    }
    response = client.post(reverse("desk:paper_batch"), data)
    assert response.status_code == 302 and response["Location"] == reverse("desk:paper_batch")
    page = client.get(reverse("desk:paper_batch")).content.decode()
    assert "P-7" in page and "autofocus" in page
    response = client.post(reverse("desk:paper_batch"), data)
    assert response.status_code == 409
    assert "P-7" in response.content.decode()
    assert Proposal.objects.count() == 1


def test_batch_screen_refuses_another_centres_resident(client, other_staff, desk_resident, category, dong):
    client.force_login(other_staff)
    data = {"reference": "P-8", "resident": desk_resident.pk, "title": "제목입니다 제목", "category": category.pk}
    data |= {"description": "설명이 충분히 길어야 합니다. 스무 글자 이상입니다.", "area": dong.pk}
    response = client.post(reverse("desk:paper_batch"), data)
    assert response.status_code == 400  # not among the choices: the form never offers it
    assert not Proposal.objects.exists()


def test_the_printable_form_is_korean_with_a_qr_code(client):
    response = client.get(reverse("desk:paper_form"))
    page = response.content.decode()
    assert response.status_code == 200
    assert 'lang="ko"' in page and "<svg" in page and "/proposals/new/" in page
