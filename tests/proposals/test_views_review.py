"""Expert assessments, reports to moderators, and administrators' status changes with official answers."""

import pytest
from django.urls import reverse

from proposals.models import Assessment, ProposalStatus, Report, StatusChange
from tests.factories import CommentFactory, ExpertFactory, ProposalFactory

pytestmark = pytest.mark.django_db

ASSESSMENT = {
    "feasibility": "4",
    "cost_range": "under_10m",
    "risks": "Wiring runs under a busy road.",
    "recommendation": "pilot",
    "text": "A solar-powered lamp would solve this quickly and cheaply.",
}


# --- assessments -------------------------------------------------------------------------------------


def test_expert_assesses_from_the_detail_page_form(client, expert):
    proposal = ProposalFactory()
    client.force_login(expert)
    html = client.get(proposal.get_absolute_url()).content.decode()
    assert "Write an assessment" in html and 'name="feasibility"' in html
    response = client.post(reverse("proposals:assess", args=[proposal.pk]), ASSESSMENT)
    assert response.status_code == 302
    assert response.url == f"{proposal.get_absolute_url()}#assessments-{proposal.pk}"
    assessment = Assessment.objects.get()
    assert (assessment.expert, assessment.feasibility, assessment.recommendation) == (expert, 4, "pilot")


def test_expert_updates_their_one_assessment(client, expert):
    proposal = ProposalFactory()
    client.force_login(expert)
    url = reverse("proposals:assess", args=[proposal.pk])
    client.post(url, ASSESSMENT)
    page = client.get(url).content.decode()
    assert "Wiring runs under a busy road." in page  # the form starts from what they wrote
    client.post(url, {**ASSESSMENT, "feasibility": "2", "recommendation": "research"})
    assessment = Assessment.objects.get()
    assert (assessment.feasibility, assessment.recommendation) == (2, "research")


@pytest.mark.parametrize(
    "field,value",
    [
        ("feasibility", "0"),
        ("feasibility", "6"),
        ("feasibility", "x"),
        ("cost_range", "free"),
        ("recommendation", "maybe"),
        ("text", "short"),
    ],
)
def test_bad_assessments_are_refused_with_400(client, expert, field, value):
    proposal = ProposalFactory()
    client.force_login(expert)
    response = client.post(reverse("proposals:assess", args=[proposal.pk]), {**ASSESSMENT, field: value})
    assert response.status_code == 400
    assert 'id="error-summary"' in response.content.decode()
    assert not Assessment.objects.exists()


def test_residents_and_administrators_cannot_assess(client, resident, administrator):
    proposal = ProposalFactory()
    url = reverse("proposals:assess", args=[proposal.pk])
    for user in (resident, administrator):
        client.force_login(user)
        assert client.get(url).status_code == 403
        assert client.post(url, ASSESSMENT).status_code == 403
    assert not Assessment.objects.exists()


def test_expert_cannot_assess_their_own_or_a_closed_proposal(client):
    expert = ExpertFactory()
    own = ProposalFactory(author=expert)
    closed = ProposalFactory(status=ProposalStatus.REJECTED)
    client.force_login(expert)
    for proposal in (own, closed):
        assert client.post(reverse("proposals:assess", args=[proposal.pk]), ASSESSMENT).status_code == 403
    assert not Assessment.objects.exists()


def test_anonymous_assess_goes_to_login(client):
    proposal = ProposalFactory()
    response = client.post(reverse("proposals:assess", args=[proposal.pk]), ASSESSMENT)
    assert response.status_code == 302 and response.url.startswith(reverse("account_login"))


# --- reports -----------------------------------------------------------------------------------------


def test_resident_reports_a_proposal_once(client, resident):
    proposal = ProposalFactory()
    client.force_login(resident)
    url = reverse("proposals:report", args=[proposal.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"reason": "It names a private person."})
    assert response.status_code == 302
    assert Report.objects.get().proposal == proposal
    again = client.post(url, {"reason": "Reporting again"})
    assert again.status_code == 409
    assert "already reported" in again.content.decode()
    assert Report.objects.count() == 1


def test_resident_reports_a_comment(client, resident):
    comment = CommentFactory()
    client.force_login(resident)
    url = reverse("proposals:comment_report", args=[comment.pk])
    page = client.get(url).content.decode()
    assert comment.body in page
    assert client.post(url, {"reason": "Insulting language"}).status_code == 302
    assert Report.objects.get().comment == comment


def test_report_needs_a_reason(client, resident):
    proposal = ProposalFactory()
    client.force_login(resident)
    response = client.post(reverse("proposals:report", args=[proposal.pk]), {"reason": ""})
    assert response.status_code == 400
    assert not Report.objects.exists()


def test_authors_and_administrators_cannot_report(client, administrator):
    proposal = ProposalFactory()
    comment = CommentFactory(proposal=proposal)
    client.force_login(proposal.author)
    assert client.post(reverse("proposals:report", args=[proposal.pk]), {"reason": "My own"}).status_code == 403
    client.force_login(comment.author)
    assert client.post(reverse("proposals:comment_report", args=[comment.pk]), {"reason": "Mine"}).status_code == 403
    client.force_login(administrator)
    assert client.post(reverse("proposals:report", args=[proposal.pk]), {"reason": "Staff"}).status_code == 403
    assert not Report.objects.exists()


def test_anonymous_report_goes_to_login(client):
    proposal = ProposalFactory()
    response = client.post(reverse("proposals:report", args=[proposal.pk]), {"reason": "Spam"})
    assert response.status_code == 302
    assert not Report.objects.exists()


# --- status changes ----------------------------------------------------------------------------------


def test_administrator_accepts_with_an_official_answer(client, administrator):
    proposal = ProposalFactory(status=ProposalStatus.UNDER_REVIEW)
    client.force_login(administrator)
    url = reverse("proposals:status", args=[proposal.pk])
    response = client.post(url, {"to_status": "accepted", "response": "We will fix it **this month**."})
    assert response.status_code == 302
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.ACCEPTED
    change = StatusChange.objects.get(proposal=proposal, to_status="accepted")
    assert change.changed_by == administrator
    page = client.get(proposal.get_absolute_url()).content.decode()
    assert "We will fix it <strong>this month</strong>." in page
    assert "The proposal is now “Accepted”." in page


def test_invalid_transition_is_refused_with_a_clear_message(client, administrator):
    proposal = ProposalFactory(status=ProposalStatus.PUBLISHED)
    client.force_login(administrator)
    response = client.post(reverse("proposals:status", args=[proposal.pk]), {"to_status": "completed", "response": ""})
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.PUBLISHED


def test_rejection_needs_an_official_answer(client, administrator):
    proposal = ProposalFactory(status=ProposalStatus.UNDER_REVIEW)
    client.force_login(administrator)
    response = client.post(reverse("proposals:status", args=[proposal.pk]), {"to_status": "rejected", "response": ""})
    assert response.status_code == 400
    assert "official response" in response.content.decode()
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.UNDER_REVIEW


def test_administrator_cannot_withdraw_for_the_author(client, administrator):
    proposal = ProposalFactory(status=ProposalStatus.PUBLISHED)
    client.force_login(administrator)
    response = client.post(reverse("proposals:status", args=[proposal.pk]), {"to_status": "withdrawn"})
    assert response.status_code == 400
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.PUBLISHED


def test_residents_and_experts_cannot_change_status(client, resident, expert):
    proposal = ProposalFactory(status=ProposalStatus.UNDER_REVIEW)
    url = reverse("proposals:status", args=[proposal.pk])
    for user in (resident, expert, proposal.author):
        client.force_login(user)
        assert client.get(url).status_code == 403
        assert client.post(url, {"to_status": "accepted", "response": "Sure"}).status_code == 403
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.UNDER_REVIEW


def test_closed_proposals_offer_no_status_change(client, administrator):
    proposal = ProposalFactory(status=ProposalStatus.COMPLETED)
    client.force_login(administrator)
    assert client.get(reverse("proposals:status", args=[proposal.pk])).status_code == 403
