"""Issue 9 point 15: the moderation panel, blocking, and the admin dashboard's counts."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from wagtail.models import ModelLogEntry

from accounts.models import Role
from notifications.models import Notification, NotificationKind
from proposals import services
from proposals.models import Comment, Proposal, Report
from tests.factories import CommentFactory, ProposalFactory, ResidentFactory, UserFactory

pytestmark = pytest.mark.django_db

QUEUE = "/admin/livinglab/moderation/"
ACT = "/admin/livinglab/moderation/act/"


class ModeratorFactory(UserFactory):
    role = Role.MODERATOR


@pytest.fixture
def moderator(db):
    user = ModeratorFactory(display_name="Moderator Min")
    assert user.groups.filter(name="Moderators").exists()
    return user


def report(item, reason="Insulting language", reporter=None):
    reporter = reporter or ResidentFactory()
    target = {"proposal": item} if isinstance(item, Proposal) else {"comment": item}
    return services.report_content(reporter=reporter, reason=reason, **target)


# --- the queue -------------------------------------------------------------------------------------------


def test_moderator_sees_each_reported_item_once_with_its_count_and_reasons(client, moderator):
    proposal = ProposalFactory(title="Dark alley behind the market")
    comment = CommentFactory(body="You are all idiots <b>here</b>")
    report(proposal, reason="It names a private person")
    report(proposal, reason="Personal data in the text")
    report(comment, reason="Insulting language")
    client.force_login(moderator)
    response = client.get(QUEUE)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count(f'id="reported-proposal-{proposal.pk}"') == 1
    assert "reported by 2 people" in html
    assert "It names a private person" in html and "Personal data in the text" in html
    # The comment's text is shown escaped, in context of its proposal.
    assert "You are all idiots &lt;b&gt;here&lt;/b&gt;" in html
    assert comment.proposal.title in html
    # Human labels, never stored keys.
    assert "(Resident)" in html and "(resident)" not in html


def test_the_queue_costs_the_same_queries_for_two_or_eight_items(client, moderator, django_assert_num_queries):
    client.force_login(moderator)
    for _ in range(2):
        report(ProposalFactory())
    report(CommentFactory())
    client.get(QUEUE)  # warm caches (Wagtail's menu, site)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get(QUEUE)
    for _ in range(3):
        report(ProposalFactory())
        report(CommentFactory(parent=CommentFactory()))
    with django_assert_num_queries(len(few.captured_queries)):
        response = client.get(QUEUE)
    assert response.content.decode().count('class="moderation-item"') == 9


def test_resolved_reports_leave_the_queue(client, moderator, administrator):
    proposal = ProposalFactory()
    first = report(proposal)
    services.dismiss_report(first, by=administrator)
    client.force_login(moderator)
    assert f"reported-proposal-{proposal.pk}" not in client.get(QUEUE).content.decode()


def test_resident_and_expert_cannot_open_the_panel(client, resident, expert):
    client.force_login(resident)
    assert client.get(QUEUE, follow=True).status_code == 403
    client.force_login(expert)
    response = client.get(QUEUE)
    assert response.status_code in (302, 403)
    assert b"moderation-queue" not in response.content


def test_anonymous_visitor_is_sent_to_sign_in(client):
    response = client.get(QUEUE)
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"] or "/admin/login/" in response["Location"]


# --- actions -------------------------------------------------------------------------------------------


def act(client, item, action, reason=""):
    kind = "proposal" if isinstance(item, Proposal) else "comment"
    return client.post(ACT, {"kind": kind, "pk": item.pk, "action": action, "reason": reason})


def test_moderator_hides_a_reported_proposal_with_a_reason(client, moderator):
    proposal = ProposalFactory()
    report(proposal)
    client.force_login(moderator)
    response = act(client, proposal, "hide", "Names a private person")
    assert response.status_code == 302
    proposal.refresh_from_db()
    assert proposal.is_hidden and proposal.hidden_reason == "Names a private person"
    assert not Report.objects.filter(proposal=proposal, resolved_at__isnull=True).exists()
    assert ModelLogEntry.objects.filter(action="livinglab.proposal.hide", user_id=moderator.pk).exists()


def test_hiding_without_a_reason_is_refused_and_nothing_changes(client, moderator):
    comment = CommentFactory()
    report(comment)
    client.force_login(moderator)
    response = act(client, comment, "hide", "")
    assert response.status_code == 302
    comment.refresh_from_db()
    assert not comment.is_hidden
    assert Report.objects.filter(comment=comment, resolved_at__isnull=True).exists()
    messages = [str(m) for m in client.get(QUEUE).context["messages"]]
    assert any("reason" in m for m in messages)


def test_moderator_restores_a_hidden_comment(client, moderator, administrator):
    comment = CommentFactory()
    services.hide_comment(comment, by=administrator, reason="Rude")
    client.force_login(moderator)
    assert comment.body[:40] in client.get(QUEUE + "?tab=hidden").content.decode()
    act(client, comment, "restore")
    comment.refresh_from_db()
    assert not comment.is_hidden


def test_dismissing_closes_every_open_report_and_keeps_the_item(client, moderator):
    comment = CommentFactory()
    report(comment)
    report(comment)
    client.force_login(moderator)
    act(client, comment, "dismiss")
    comment.refresh_from_db()
    assert not comment.is_hidden
    assert Report.objects.filter(comment=comment, resolved_at__isnull=True).count() == 0
    assert ModelLogEntry.objects.filter(action="livinglab.report.dismiss", user_id=moderator.pk).exists()


def test_warning_tells_the_author_the_reason_and_closes_the_reports(
    client, moderator, django_capture_on_commit_callbacks
):
    comment = CommentFactory()
    report(comment)
    client.force_login(moderator)
    with django_capture_on_commit_callbacks(execute=True):
        act(client, comment, "warn", "Please keep it polite & kind <3")
    note = Notification.objects.get(recipient=comment.author, kind=NotificationKind.MODERATION_WARNING)
    assert "Please keep it polite & kind <3" in note.text
    assert note.url.endswith(f"#comment-{comment.pk}")
    assert not Report.objects.filter(comment=comment, resolved_at__isnull=True).exists()
    # The text is stored raw and escaped wherever it shows.
    client.force_login(comment.author)
    html = client.get(reverse("notifications:list")).content.decode()
    assert "Please keep it polite &amp; kind &lt;3" in html


def test_residents_cannot_use_the_moderation_actions(client, resident):
    comment = CommentFactory()
    client.force_login(resident)
    response = client.post(ACT, {"kind": "comment", "pk": comment.pk, "action": "hide", "reason": "x"}, follow=True)
    assert response.status_code == 403
    comment.refresh_from_db()
    assert not comment.is_hidden


def test_administrators_and_moderators_are_told_about_new_reports(
    moderator, administrator, resident, django_capture_on_commit_callbacks
):
    proposal = ProposalFactory()
    with django_capture_on_commit_callbacks(execute=True):
        report(proposal)
    told = set(Notification.objects.filter(kind=NotificationKind.NEW_REPORT).values_list("recipient_id", flat=True))
    assert told == {moderator.pk, administrator.pk}
    assert resident.pk not in told


def test_moderators_may_not_change_a_proposals_status(moderator):
    proposal = ProposalFactory()
    with pytest.raises(services.ActionRefused) as refused:
        services.change_status(proposal, to_status="under_review", by=moderator)
    assert refused.value.status == 403


# --- blocking ------------------------------------------------------------------------------------------


@pytest.fixture
def blocked(client, moderator):
    """A resident whose comment was reported, blocked by the moderator through the panel."""
    comment = CommentFactory(body="Spam spam spam, buy now")
    report(comment)
    client.force_login(moderator)
    act(client, comment, "block", "Posts advertising again and again")
    person = comment.author
    person.refresh_from_db()
    return person


def test_blocking_through_the_panel_is_audited_and_listed(client, blocked, moderator):
    assert blocked.is_blocked and blocked.blocked_reason == "Posts advertising again and again"
    entry = ModelLogEntry.objects.get(action="livinglab.account.block")
    assert entry.user_id == moderator.pk and entry.object_id == str(blocked.pk)
    assert blocked.get_full_name() in client.get(QUEUE + "?tab=blocked").content.decode()


def test_blocked_person_reads_but_every_action_is_a_clear_403(client, blocked):
    other = ProposalFactory()
    comment = CommentFactory(proposal=other)
    client.force_login(blocked)
    assert client.get(other.get_absolute_url()).status_code == 200
    attempts = [
        client.post(reverse("proposals:vote", args=[other.pk])),
        client.post(reverse("proposals:comment", args=[other.pk]), {"body": "Hello again, friends"}),
        client.post(reverse("proposals:report", args=[other.pk]), {"reason": "I dislike it"}),
        client.post(reverse("proposals:comment_report", args=[comment.pk]), {"reason": "I dislike it"}),
        client.post(
            reverse("proposals:create"),
            {
                "title": "Another advert here",
                "description": "Buy now buy now buy now buy now",
                "category": other.category_id,
                "area": other.area_id,
            },
        ),
    ]
    for response in attempts:
        assert response.status_code == 403, response
        assert "blocked" in response.content.decode()
    assert not other.votes.exists()
    assert other.comments.count() == 1
    assert not Report.objects.filter(reporter=blocked).exists()
    assert not Proposal.objects.filter(author=blocked).exists()


def test_an_unblocked_person_takes_part_again(client, blocked, moderator):
    client.force_login(moderator)
    response = client.post(reverse("proposals_moderation_unblock", args=[blocked.pk]))
    assert response.status_code == 302
    blocked.refresh_from_db()
    assert not blocked.is_blocked
    assert ModelLogEntry.objects.filter(action="livinglab.account.unblock", user_id=moderator.pk).exists()
    other = ProposalFactory()
    client.force_login(blocked)
    assert (
        client.post(reverse("proposals:comment", args=[other.pk]), {"body": "Sorry, I was wrong."}).status_code == 302
    )
    assert Comment.objects.filter(author=blocked, proposal=other).exists()


def test_a_blocked_person_is_told_why_on_every_page_they_read(client, blocked):
    other = ProposalFactory()
    client.force_login(blocked)
    for url in (other.get_absolute_url(), "/proposals/"):
        html = client.get(url).content.decode()
        assert 'class="callout callout-warning blocked-notice"' in html
        # The moderator's reason, closed as a sentence before the rest of the message.
        assert "Your account is blocked from taking part: Posts advertising again and again. You can" in html
    assert 'class="comment-form' not in client.get(other.get_absolute_url()).content.decode()


def test_the_refusal_page_says_it_once(client, blocked):
    client.force_login(blocked)
    response = client.get(reverse("proposals:create"))
    assert response.status_code == 403
    assert response.content.decode().count("Your account is blocked from taking part") == 1


def test_people_who_may_take_part_see_no_blocked_notice(client, blocked, moderator, resident):
    other = ProposalFactory()
    client.post(reverse("proposals_moderation_unblock", args=[blocked.pk]))  # the fixture left the moderator in
    for person in (blocked, resident):
        client.force_login(person)
        html = client.get(other.get_absolute_url()).content.decode()
        assert "blocked-notice" not in html
        assert 'class="comment-form' in html
    client.logout()
    assert "blocked-notice" not in client.get(other.get_absolute_url()).content.decode()


def test_a_reason_that_ends_a_sentence_is_not_given_a_second_stop(blocked):
    blocked.blocked_reason = "Spam, again!"
    assert "taking part: Spam, again! You can" in blocked.blocked_message
    blocked.blocked_reason = ""
    assert "taking part: repeated breaches of the site's rules. You can" in blocked.blocked_message


def test_moderators_cannot_block_administrators_or_themselves(client, moderator, administrator):
    own = CommentFactory(author=moderator, author_role=Role.MODERATOR)
    admins = CommentFactory(author=administrator, author_role=Role.ADMINISTRATOR)
    client.force_login(moderator)
    act(client, own, "block", "testing")
    act(client, admins, "block", "testing")
    moderator.refresh_from_db()
    administrator.refresh_from_db()
    assert not moderator.is_blocked and not administrator.is_blocked
    assert not ModelLogEntry.objects.filter(action="livinglab.account.block").exists()


def test_a_resident_cannot_block_anyone(client, resident):
    victim = ResidentFactory()
    from accounts.services import block_user

    with pytest.raises(services.ActionRefused):
        block_user(victim, by=resident, reason="I do not like them")
    victim.refresh_from_db()
    assert not victim.is_blocked


# --- the dashboard ------------------------------------------------------------------------------------


def test_administrators_dashboard_counts_reports_decisions_and_assessments(client, administrator):
    report(ProposalFactory())
    report(CommentFactory())
    ProposalFactory(status="under_review")
    ProposalFactory(status="under_review")
    client.force_login(administrator)
    html = client.get("/admin/").content.decode()
    assert "2 reported items await moderation" in html
    assert "2 proposals await a status decision" in html
    assert "2 proposals under review have no expert assessment yet" in html


def test_moderators_dashboard_shows_the_reports_only(client, moderator):
    report(ProposalFactory())
    client.force_login(moderator)
    html = client.get("/admin/").content.decode()
    assert "1 reported item awaits moderation" in html
    assert "await a status decision" not in html


def test_the_moderators_group_exists_with_admin_access():
    group = Group.objects.get(name="Moderators")
    assert group.permissions.filter(codename="access_admin").exists()


def test_comment_listing_shows_role_labels_not_keys(client, administrator):
    CommentFactory(body="A perfectly fine comment")
    client.force_login(administrator)
    html = client.get("/admin/livinglab/comments/").content.decode()
    assert "A perfectly fine comment" in html
    assert ">Resident<" in html.replace("\n", "").replace(" ", "") or "Resident</td>" in html
    assert ">resident<" not in html.replace(" ", "").replace("\n", "")
