"""Moderation in the Wagtail admin: listings, filters, bulk actions through the services, filing for residents."""

import pytest
from django.urls import reverse
from wagtail.models import ModelLogEntry

from proposals.models import Comment, FilingChannel, Proposal, ProposalStatus, StatusChange
from tests.factories import (
    AreaFactory,
    CategoryFactory,
    CommentFactory,
    DongFactory,
    ExpertFactory,
    ProposalFactory,
    ResidentFactory,
)

pytestmark = pytest.mark.django_db


def url(model: str, view: str, *args) -> str:
    return reverse(f"wagtailsnippets_proposals_{model}:{view}", args=args)


def bulk_url(model: str, action: str, *ids, next_url="/admin/") -> str:
    query = "&".join(f"id={pk}" for pk in ids)
    return f"{reverse('wagtail_bulk_action', args=('proposals', model, action))}?{query}&next={next_url}"


@pytest.fixture
def admin_client(client, administrator):
    client.force_login(administrator)
    return client


@pytest.mark.parametrize("model", ["proposal", "comment", "report", "area", "category"])
def test_administrator_sees_every_listing(admin_client, model):
    ProposalFactory()
    response = admin_client.get(url(model, "list"))
    assert response.status_code == 200


@pytest.mark.parametrize("factory", [ResidentFactory, ExpertFactory])
@pytest.mark.parametrize("model", ["proposal", "comment", "report"])
def test_others_cannot_open_moderation(client, factory, model):
    client.force_login(factory())
    response = client.get(url(model, "list"))
    assert response.status_code in (302, 403)


def test_proposal_listing_filters_and_search(admin_client):
    dark = ProposalFactory(title="Dark alley near the market")
    hidden = ProposalFactory(title="Spam about loans", is_hidden=True, hidden_reason="spam")
    reviewed = ProposalFactory(title="Bus shelter roof broken", status=ProposalStatus.UNDER_REVIEW)
    listing = url("proposal", "list")

    content = admin_client.get(listing, {"q": "market"}).content.decode()
    assert dark.title in content and reviewed.title not in content

    content = admin_client.get(listing, {"is_hidden": "true"}).content.decode()
    assert hidden.title in content and dark.title not in content

    content = admin_client.get(listing, {"status": "under_review"}).content.decode()
    assert reviewed.title in content and dark.title not in content

    content = admin_client.get(listing, {"area": dark.area_id}).content.decode()
    assert dark.title in content

    content = admin_client.get(listing, {"category": reviewed.category_id}).content.decode()
    assert reviewed.title in content and dark.title not in content


@pytest.mark.parametrize("model", ["proposal", "comment", "report", "area"])
def test_listing_query_count_does_not_grow_with_rows(admin_client, django_assert_num_queries, model):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def add_rows(count):
        for _ in range(count):
            comment = CommentFactory()
            services_report(comment)

    add_rows(2)
    listing = url(model, "list")
    admin_client.get(listing)
    with CaptureQueriesContext(connection) as few:
        admin_client.get(listing)
    add_rows(10)
    with django_assert_num_queries(len(few)):
        assert admin_client.get(listing).status_code == 200


def services_report(comment):
    from proposals.models import Report

    Report.objects.create(reporter=ResidentFactory(), proposal=comment.proposal, reason="Spam")
    Report.objects.create(reporter=ResidentFactory(), comment=comment, reason="Rude")


def test_inspect_and_history_show_the_audit_log(admin_client, administrator):
    from proposals import services

    proposal = ProposalFactory()
    services.hide_proposal(proposal, by=administrator, reason="Advertising")
    assert admin_client.get(url("proposal", "inspect", proposal.pk)).status_code == 200
    history = admin_client.get(url("proposal", "history", proposal.pk))
    assert history.status_code == 200
    assert "Proposal hidden by a moderator" in history.content.decode()


def test_proposals_cannot_be_added_edited_or_deleted_in_admin(admin_client):
    proposal = ProposalFactory()
    assert admin_client.get(url("proposal", "add")).status_code in (302, 403)
    assert admin_client.get(url("proposal", "edit", proposal.pk)).status_code in (302, 403)
    admin_client.post(url("proposal", "delete", proposal.pk))
    assert Proposal.objects.filter(pk=proposal.pk).exists()


def test_areas_and_categories_are_editable(admin_client):
    response = admin_client.post(
        url("category", "add"), {"name": "주거", "name_en": "Housing", "slug": "housing", "icon": "🏠"}
    )
    assert response.status_code == 302
    area = AreaFactory()
    assert admin_client.get(url("area", "edit", area.pk)).status_code == 200


# --- bulk actions --------------------------------------------------------------------------------------


def test_bulk_hide_form_then_hide_with_reason(admin_client, administrator):
    first, second = ProposalFactory(), ProposalFactory()
    action = bulk_url("proposal", "hide", first.pk, second.pk)
    page = admin_client.get(action)
    assert page.status_code == 200
    assert first.title in page.content.decode()

    response = admin_client.post(action, {"reason": "Duplicate of an older report"})
    assert response.status_code == 302
    for proposal in (first, second):
        proposal.refresh_from_db()
        assert proposal.is_hidden
        assert proposal.hidden_reason == "Duplicate of an older report"
    assert ModelLogEntry.objects.filter(action="livinglab.proposal.hide", user=administrator).count() == 2


def test_bulk_hide_without_reason_changes_nothing(admin_client):
    proposal = ProposalFactory()
    response = admin_client.post(bulk_url("proposal", "hide", proposal.pk), {"reason": ""})
    assert response.status_code == 200
    proposal.refresh_from_db()
    assert not proposal.is_hidden


def test_bulk_unhide(admin_client):
    proposal = ProposalFactory(is_hidden=True, hidden_reason="spam")
    admin_client.post(bulk_url("proposal", "unhide", proposal.pk), {})
    proposal.refresh_from_db()
    assert not proposal.is_hidden
    assert ModelLogEntry.objects.filter(action="livinglab.proposal.unhide").count() == 1


def test_bulk_status_change_with_official_answer_skips_invalid_moves(admin_client):
    ready = ProposalFactory(status=ProposalStatus.UNDER_REVIEW)
    too_early = ProposalFactory(status=ProposalStatus.PUBLISHED)
    response = admin_client.post(
        bulk_url("proposal", "change_status", ready.pk, too_early.pk),
        {"to_status": "accepted", "response": "The district will install lights in May."},
        follow=True,
    )
    assert response.status_code == 200
    ready.refresh_from_db()
    too_early.refresh_from_db()
    assert ready.status == ProposalStatus.ACCEPTED
    assert too_early.status == ProposalStatus.PUBLISHED
    change = StatusChange.objects.get(proposal=ready)
    assert change.official_response == "The district will install lights in May."
    page = response.content.decode()
    assert "cannot be moved" in page
    assert "1 item updated" in page


def test_bulk_rejection_without_answer_is_refused_per_item(admin_client):
    proposal = ProposalFactory(status=ProposalStatus.UNDER_REVIEW)
    admin_client.post(bulk_url("proposal", "change_status", proposal.pk), {"to_status": "rejected", "response": ""})
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.UNDER_REVIEW


def test_bulk_hide_and_unhide_comments(admin_client):
    comment = CommentFactory()
    Proposal.objects.filter(pk=comment.proposal_id).update(comment_count=1)
    admin_client.post(bulk_url("comment", "hide", comment.pk), {"reason": "Insults a neighbour"})
    comment.refresh_from_db()
    assert comment.is_hidden and comment.hidden_reason == "Insults a neighbour"
    assert Proposal.objects.get(pk=comment.proposal_id).comment_count == 0
    admin_client.post(bulk_url("comment", "unhide", comment.pk), {})
    assert not Comment.objects.get(pk=comment.pk).is_hidden
    assert Proposal.objects.get(pk=comment.proposal_id).comment_count == 1


def test_non_administrator_cannot_run_bulk_actions(client):
    expert = ExpertFactory()
    client.force_login(expert)
    proposal = ProposalFactory()
    response = client.post(bulk_url("proposal", "hide", proposal.pk), {"reason": "nope"})
    assert response.status_code in (302, 403)
    proposal.refresh_from_db()
    assert not proposal.is_hidden


# --- filing on behalf ----------------------------------------------------------------------------------


def filing(**overrides):
    data = {
        "resident_email": "",
        "channel": FilingChannel.PHONE,
        "title": "Retaining wall cracked on the hill road",
        "description": "Caller says a crack in the retaining wall widened after the rain last week.",
        "category": CategoryFactory().pk,
        "area": DongFactory().pk,
        "latitude": "",
        "longitude": "",
    }
    data.update(overrides)
    return data


def test_file_on_behalf_of_resident(admin_client, administrator):
    resident = ResidentFactory()
    response = admin_client.post(
        reverse("proposals_file_on_behalf"), filing(resident_email=resident.email, channel="in_person")
    )
    assert response.status_code == 302
    proposal = Proposal.objects.get()
    assert proposal.author == resident
    assert proposal.filed_by == administrator
    assert proposal.channel == FilingChannel.IN_PERSON
    assert ModelLogEntry.objects.filter(action="livinglab.proposal.filed_on_behalf").count() == 1


def test_file_on_behalf_without_account_files_under_administrator(admin_client, administrator):
    admin_client.post(reverse("proposals_file_on_behalf"), filing())
    proposal = Proposal.objects.get()
    assert proposal.author == administrator
    assert proposal.channel == FilingChannel.PHONE


@pytest.mark.parametrize(
    "bad",
    [
        {"resident_email": "nobody@example.org"},
        {"title": "<script>alert(1)</script> wall"},
        {"latitude": "12.0", "longitude": "127.0"},
        {"channel": "online"},
    ],
)
def test_file_on_behalf_rejects_bad_input(admin_client, bad):
    response = admin_client.post(reverse("proposals_file_on_behalf"), filing(**bad))
    assert response.status_code == 400
    assert not Proposal.objects.exists()


def test_file_on_behalf_is_for_administrators_only(client):
    client.force_login(ExpertFactory())
    response = client.get(reverse("proposals_file_on_behalf"))
    assert response.status_code in (302, 403)


def test_bulk_dismiss_reports(admin_client, administrator):
    from proposals.models import Report

    comment = CommentFactory()
    services_report(comment)
    ids = list(Report.objects.values_list("pk", flat=True))
    admin_client.post(bulk_url("report", "dismiss", *ids), {})
    assert not Report.objects.filter(resolved_at__isnull=True).exists()
    assert ModelLogEntry.objects.filter(action="livinglab.report.dismiss", user=administrator).count() == 2
    assert not Comment.objects.get(pk=comment.pk).is_hidden


def test_inspect_offers_the_moderation_actions(admin_client):
    proposal = ProposalFactory(status=ProposalStatus.UNDER_REVIEW)
    page = admin_client.get(url("proposal", "inspect", proposal.pk)).content.decode()
    assert f"/admin/bulk/proposals/proposal/hide/?id={proposal.pk}" in page
    assert f"/admin/bulk/proposals/proposal/change_status/?id={proposal.pk}" in page
    assert proposal.get_absolute_url() in page
    hidden = ProposalFactory(status=ProposalStatus.COMPLETED, is_hidden=True, hidden_reason="spam")
    page = admin_client.get(url("proposal", "inspect", hidden.pk)).content.decode()
    assert f"/admin/bulk/proposals/proposal/unhide/?id={hidden.pk}" in page
    assert "change_status" not in page
    comment = CommentFactory()
    page = admin_client.get(url("comment", "inspect", comment.pk)).content.decode()
    assert f"/admin/bulk/proposals/comment/hide/?id={comment.pk}" in page
