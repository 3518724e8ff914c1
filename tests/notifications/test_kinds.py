"""Issue 9 point 13: replies, @mentions, news on followed proposals, proposals in an expert's field, and
per-kind, per-channel settings."""

import pytest
from django.core import mail
from django.urls import reverse

from accounts.mentions import mentioned_user_ids
from notifications.models import ChannelSetting, Follow, Notification, NotificationKind, NotificationPreference
from proposals import services
from tests.factories import CategoryFactory, CommentFactory, ExpertFactory, ProposalFactory, ResidentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    """Run a service as a request would: its after-commit receivers and tasks run at once."""

    def call(function, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return function(*args, **kwargs)

    return call


def kinds_for(user):
    return sorted(Notification.objects.filter(recipient=user).values_list("kind", flat=True))


def test_a_reply_tells_the_parents_author_once_and_followers_hear_of_a_new_comment(run):
    proposal = ProposalFactory()
    parent = CommentFactory(proposal=proposal)
    follower, replier = ResidentFactory(), ResidentFactory()
    Follow.objects.create(user=follower, proposal=proposal)
    Follow.objects.create(user=parent.author, proposal=proposal)
    run(services.post_comment, proposal, author=replier, body="I agree with you completely.", parent=parent)
    assert kinds_for(parent.author) == [NotificationKind.REPLY]
    assert kinds_for(follower) == [NotificationKind.FOLLOWED_COMMENT]
    assert kinds_for(replier) == []


def test_a_mention_tells_the_person_named(run):
    mina = ResidentFactory(display_name="Mina")
    proposal = ProposalFactory()
    run(services.post_comment, proposal, author=ResidentFactory(), body="@mina what do you think of this?")
    notification = Notification.objects.get(recipient=mina)
    assert notification.kind == NotificationKind.MENTION
    assert "mentioned you" in notification.text


def test_unknown_ambiguous_blocked_and_email_like_names_mention_nobody():
    ResidentFactory(display_name="Kim")
    ResidentFactory(display_name="kim")
    blocked = ResidentFactory(display_name="Spammer")
    blocked.blocked_at = blocked.date_joined
    blocked.save()
    hana = ResidentFactory(display_name="한아")
    assert mentioned_user_ids("@Nobody @Kim @Spammer write to me at someone@한아") == set()
    assert mentioned_user_ids("@한아 please look") == {hana.pk}
    assert mentioned_user_ids("@한아 myself", exclude=hana.pk) == set()


def test_a_mention_in_markup_is_stored_as_plain_text_and_shown_escaped(run, client):
    mina = ResidentFactory(display_name="Mina")
    proposal = ProposalFactory(title="Lights & <shadows> in the alley")
    run(services.post_comment, proposal, author=ResidentFactory(display_name="Jun"), body="@Mina look at this")
    client.force_login(mina)
    html = client.get(reverse("notifications:list")).content.decode()
    assert "Lights &amp; &lt;shadows&gt; in the alley" in html
    assert "<shadows>" not in html


def test_commenting_follows_the_proposal_unless_turned_off(run):
    proposal = ProposalFactory()
    keen, quiet = ResidentFactory(), ResidentFactory()
    NotificationPreference.objects.create(user=quiet, follow_on_comment=False)
    run(services.post_comment, proposal, author=keen, body="I walk past this every day.")
    run(services.post_comment, proposal, author=quiet, body="Same here, it is dangerous.")
    assert Follow.objects.filter(user=keen, proposal=proposal).exists()
    assert not Follow.objects.filter(user=quiet, proposal=proposal).exists()


def test_an_assessment_tells_followers_but_not_the_expert(run):
    proposal = ProposalFactory(status="under_review")
    follower, expert = ResidentFactory(), ExpertFactory()
    Follow.objects.create(user=follower, proposal=proposal)
    Follow.objects.create(user=expert, proposal=proposal)
    run(
        services.submit_assessment,
        proposal,
        expert=expert,
        feasibility=3,
        cost_range="under_10m",
        risks="",
        recommendation="pilot",
        text="A simple fix the district can make within weeks.",
    )
    assert kinds_for(follower) == [NotificationKind.FOLLOWED_ASSESSMENT]
    assert kinds_for(expert) == []


def test_a_new_proposal_tells_the_experts_of_its_field_only(run):
    safety, other = CategoryFactory(), CategoryFactory()
    in_field, elsewhere, without_fields = ExpertFactory(), ExpertFactory(), ExpertFactory()
    in_field.expert_categories.set([safety])
    elsewhere.expert_categories.set([other])
    proposal = ProposalFactory.build(category=safety)
    run(
        services.submit_proposal,
        author=ResidentFactory(),
        title="Crumbling stairs near the school",
        description="The concrete stairs are breaking apart and children use them daily.",
        category=safety,
        area=proposal.area if proposal.area.pk else ProposalFactory().area,
    )
    assert kinds_for(in_field) == [NotificationKind.FIELD_PROPOSAL]
    assert kinds_for(elsewhere) == [] and kinds_for(without_fields) == []


def test_turning_a_kind_off_on_the_site_and_on_by_email(run):
    proposal = ProposalFactory()
    follower = ResidentFactory()
    Follow.objects.create(user=follower, proposal=proposal)
    ChannelSetting.objects.create(user=follower, kind="followed_comment", channel="in_app", enabled=False)
    ChannelSetting.objects.create(user=follower, kind="followed_comment", channel="email", enabled=True)
    mail.outbox.clear()
    run(services.post_comment, proposal, author=ResidentFactory(), body="The light is still broken today.")
    assert kinds_for(follower) == []
    assert [m.to for m in mail.outbox] == [[follower.email]]
    assert "commented on" in mail.outbox[0].subject


def test_the_settings_page_shows_labels_and_saves_each_cell(client, resident):
    client.force_login(resident)
    response = client.get(reverse("notifications:preferences"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Someone mentioned you" in html and "E-mail" in html and "On the site" in html
    assert ">followed_comment<" not in html
    client.post(reverse("notifications:preferences"), {"mention__in_app": "on", "follow_on_comment": "on"})
    off = set(ChannelSetting.objects.filter(user=resident, enabled=False).values_list("kind", "channel"))
    assert ("mention", "email") in off and ("reply", "in_app") in off
    assert ("mention", "in_app") not in off
    # A moderator's warning always reaches the site, whatever the form says.
    assert ("moderation_warning", "in_app") not in off


def test_role_only_kinds_are_offered_to_their_roles_only(client, resident, expert):
    client.force_login(resident)
    html = client.get(reverse("notifications:preferences")).content.decode()
    assert "New proposal in your field" not in html and "New abuse report" not in html
    client.force_login(expert)
    assert "New proposal in your field" in client.get(reverse("notifications:preferences")).content.decode()


def test_the_settings_page_needs_a_sign_in(client):
    response = client.get(reverse("notifications:preferences"))
    assert response.status_code == 302
