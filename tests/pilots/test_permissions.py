"""Who may do what with pilots in the Wagtail admin: residents nothing, experts draft and submit, administrators publish."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from wagtail.models import GroupPagePermission, Workflow, WorkflowPage, WorkflowState
from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text, streamfield

from home.models import HomePage
from pilots.models import PilotIndexPage, PilotPage, PilotStatus
from pilots.services import PILOT_REVIEW_WORKFLOW, set_up_pilot_index
from proposals.models import ProposalStatus
from tests.factories import AreaFactory, CategoryFactory, ProposalFactory

pytestmark = pytest.mark.django_db


def pilot_form(title="Fine-dust monitors", slug="fine-dust", proposals=(), action=None, **fields):
    area, category = AreaFactory(), CategoryFactory()
    data = nested_form_data(
        {
            "title": title,
            "slug": slug,
            "summary": "Monitors at every school gate, so parents see the air their children breathe.",
            "status": PilotStatus.RUNNING,
            "budget": "45000000",
            "area": area.pk,
            "category": category.pk,
            "pilot_proposals": inline_formset([{"proposal": p.pk} for p in proposals]),
            "partners": inline_formset([{"name": "Seoul Institute", "role": "Analysis", "url": ""}]),
            "phases": inline_formset([]),
            "metrics": inline_formset([]),
            "series": inline_formset([{"name": "PM2.5", "unit": "µg/m³", "description": ""}]),
            "body": streamfield([("paragraph", rich_text("<p>Why.</p>"))]),
            **fields,
        }
    )
    if action:
        data[action] = "1"
    return data


def add_url(parent):
    return reverse("wagtailadmin_pages:add", args=["pilots", "pilotpage", parent.pk])


def test_residents_cannot_enter_the_admin(client, resident, pilot_index):
    client.force_login(resident)
    assert client.get(reverse("wagtailadmin_home")).status_code == 302
    response = client.post(add_url(pilot_index), pilot_form(action="action-publish"))
    assert response.status_code == 302
    assert not PilotPage.objects.exists()


def test_visitors_cannot_create_pilots(client, pilot_index):
    client.post(add_url(pilot_index), pilot_form(action="action-publish"))
    assert not PilotPage.objects.exists()


def test_experts_enter_the_admin_and_draft_pilots_under_the_index(client, expert, pilot_index):
    client.force_login(expert)
    assert client.get(reverse("wagtailadmin_home")).status_code == 200
    assert client.get(add_url(pilot_index)).status_code == 200
    response = client.post(add_url(pilot_index), pilot_form())
    assert response.status_code == 302
    pilot = PilotPage.objects.get()
    assert not pilot.live
    assert pilot.get_latest_revision().user == expert


def test_experts_cannot_publish(client, expert, pilot_index):
    client.force_login(expert)
    client.post(add_url(pilot_index), pilot_form(action="action-publish"))
    pilot = PilotPage.objects.get()
    assert not pilot.live
    response = client.post(
        reverse("wagtailadmin_pages:edit", args=[pilot.pk]), pilot_form(action="action-publish", title="Now live?")
    )
    assert response.status_code in (200, 302)
    pilot.refresh_from_db()
    assert not pilot.live
    assert pilot.permissions_for_user(expert).can_edit()
    assert not pilot.permissions_for_user(expert).can_publish()


def test_experts_cannot_create_other_pages(client, expert, pilot_index):
    home = HomePage.objects.get()
    client.force_login(expert)
    response = client.get(reverse("wagtailadmin_pages:add", args=["home", "standardpage", home.pk]))
    assert response.status_code in (302, 403)
    assert not home.permissions_for_user(expert).can_add_subpage()


def test_experts_submit_for_review_and_an_administrator_approves(client, expert, administrator, pilot_index):
    proposal = ProposalFactory(status=ProposalStatus.ACCEPTED)
    client.force_login(expert)
    client.post(add_url(pilot_index), pilot_form(proposals=[proposal], action="action-submit"))
    pilot = PilotPage.objects.get()
    state = WorkflowState.objects.get(object_id=str(pilot.pk))
    assert state.workflow.name == PILOT_REVIEW_WORKFLOW
    assert state.status == WorkflowState.STATUS_IN_PROGRESS
    assert not pilot.live
    task_state = state.current_task_state
    assert list(task_state.task.specific.groups.values_list("name", flat=True)) == ["Administrators"]
    # The expert cannot approve their own submission.
    approve = reverse("wagtailadmin_pages:workflow_action", args=[pilot.pk, "approve", task_state.pk])
    assert client.post(approve, {"comment": "Self-approved"}).status_code in (302, 403)
    pilot.refresh_from_db()
    assert not pilot.live

    client.force_login(administrator)
    response = client.post(approve, {"comment": "Good"})
    assert response.status_code in (200, 302)
    pilot.refresh_from_db()
    assert pilot.live
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.PILOTING


def test_administrators_create_and_publish_with_linked_proposals(client, administrator, pilot_index):
    accepted = [ProposalFactory(status=ProposalStatus.ACCEPTED) for _ in range(2)]
    client.force_login(administrator)
    response = client.post(add_url(pilot_index), pilot_form(proposals=accepted, action="action-publish"))
    assert response.status_code == 302
    pilot = PilotPage.objects.get()
    assert pilot.live
    assert set(pilot.proposals.values_list("pk", flat=True)) == {p.pk for p in accepted}
    assert [p.name for p in pilot.series.all()] == ["PM2.5"]
    for proposal in accepted:
        proposal.refresh_from_db()
        assert proposal.status == ProposalStatus.PILOTING


def test_the_chooser_offers_only_accepted_or_later_public_proposals(client, administrator, pilot_index):
    accepted = ProposalFactory(status=ProposalStatus.ACCEPTED, title="Accepted one about dust")
    ProposalFactory(status=ProposalStatus.PUBLISHED, title="Still only published")
    ProposalFactory(status=ProposalStatus.ACCEPTED, title="Hidden by moderators", is_hidden=True)
    client.force_login(administrator)
    response = client.get(reverse("pilot_proposal_chooser:choose") + "?multiple=1")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Accepted one about dust" in html
    assert "Still only published" not in html
    assert "Hidden by moderators" not in html
    search = client.get(reverse("pilot_proposal_chooser:choose_results") + "?q=dust&multiple=1").content.decode()
    assert "Accepted one about dust" in search
    chosen = client.get(reverse("pilot_proposal_chooser:chosen", args=[accepted.pk]))
    assert chosen.status_code == 200


def test_a_published_proposal_cannot_be_linked_by_posting_its_id(client, administrator, pilot_index):
    published = ProposalFactory(status=ProposalStatus.PUBLISHED)
    client.force_login(administrator)
    response = client.post(add_url(pilot_index), pilot_form(proposals=[published], action="action-publish"))
    assert response.status_code == 200  # the form comes back with the error
    assert not PilotPage.objects.exists()


def test_the_edit_form_has_a_proposal_chooser(client, administrator, make_pilot):
    pilot = make_pilot(proposals=[ProposalFactory(status=ProposalStatus.ACCEPTED)])
    client.force_login(administrator)
    html = client.get(reverse("wagtailadmin_pages:edit", args=[pilot.pk])).content.decode()
    assert "Proposals this pilot answers" in html
    assert reverse("pilot_proposal_chooser:choose") in html


# --- the set-up: experts' permissions and the review workflow -------------------------------------------


def test_the_data_migration_gives_experts_the_admin():
    experts = Group.objects.get(name="Experts")
    assert experts.permissions.filter(codename="access_admin").exists()
    administrators = Group.objects.get(name="Administrators")
    assert administrators.permissions.filter(codename="change_pilotfeedback").exists()


def test_setting_up_the_index_grants_draft_rights_and_assigns_the_workflow(pilot_index):
    experts = Group.objects.get(name="Experts")
    codenames = set(
        GroupPagePermission.objects.filter(group=experts, page=pilot_index).values_list(
            "permission__codename", flat=True
        )
    )
    assert codenames == {"add_page", "change_page"}
    assert WorkflowPage.objects.get(page=pilot_index).workflow.name == PILOT_REVIEW_WORKFLOW
    set_up_pilot_index(pilot_index)  # again: nothing doubles
    assert GroupPagePermission.objects.filter(group=experts, page=pilot_index).count() == 2
    assert Workflow.objects.filter(name=PILOT_REVIEW_WORKFLOW).count() == 1


def test_an_index_created_in_the_admin_is_set_up(client, administrator, home):
    client.force_login(administrator)
    response = client.post(
        reverse("wagtailadmin_pages:add", args=["pilots", "pilotindexpage", home.pk]),
        nested_form_data({"title": "Pilots", "slug": "pilots", "intro": "", "action-publish": "1"}),
    )
    assert response.status_code == 302
    index = PilotIndexPage.objects.get()
    assert WorkflowPage.objects.get(page=index).workflow.name == PILOT_REVIEW_WORKFLOW
    assert GroupPagePermission.objects.filter(group__name="Experts", page=index).count() == 2


def test_two_series_cannot_share_a_name(client, administrator, pilot_index):
    client.force_login(administrator)
    data = pilot_form(action="action-publish")
    data.update(
        nested_form_data(
            {
                "series": inline_formset(
                    [
                        {"name": "PM2.5", "unit": "µg/m³", "description": ""},
                        {"name": " pm2.5 ", "unit": "", "description": ""},
                    ]
                )
            }
        )
    )
    response = client.post(add_url(pilot_index), data)
    assert response.status_code == 200
    assert "Another series of this pilot already has this name." in response.content.decode()
    assert not PilotPage.objects.exists()


def test_the_import_button_is_in_the_page_listing_for_administrators_only(client, administrator, expert, make_pilot):
    pilot = make_pilot()
    import_url = reverse("pilots_import_results", args=[pilot.pk])
    explore = reverse("wagtailadmin_explore", args=[pilot.get_parent().pk])
    client.force_login(administrator)
    assert import_url in client.get(explore).content.decode()
    client.force_login(expert)
    listing = client.get(explore)
    assert listing.status_code == 200
    assert import_url not in listing.content.decode()
