"""The detail page and the fragments the live updates refetch: what each visitor sees, in few queries."""

import io

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from PIL import Image

from proposals.models import Assessment, CostRange, ProposalPhoto, ProposalStatus, Recommendation, StatusChange
from tests.factories import CommentFactory, ExpertFactory, ProposalFactory, ResidentFactory, VoteFactory

pytestmark = pytest.mark.django_db


def jpeg_bytes(size=(40, 30)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 120, 40)).save(buffer, format="JPEG")
    return buffer.getvalue()


def detail(client, proposal):
    return client.get(reverse("proposals:detail", args=[proposal.pk]))


def test_detail_shows_text_status_area_and_every_partial_root(client):
    proposal = ProposalFactory(description="The lamp is **broken** since March.\n\n- dark\n- unsafe")
    response = detail(client, proposal)
    assert response.status_code == 200
    html = response.content.decode()
    assert "<strong>broken</strong>" in html
    assert "<li>dark</li>" in html
    assert "Published" in html
    # area and category in the reader's language, the neighbourhood with its district
    assert f"{proposal.category.name_en} · Seongdong-gu {proposal.area.name_en}" in html
    for root in ("vote-panel", "comments", "status-timeline", "assessments"):
        assert f'id="{root}-{proposal.pk}"' in html
    # the live-update socket refetches each fragment when it (re)connects
    assert f'ws-connect="/ws/proposals/{proposal.pk}/"' in html
    for name in ("fragment_vote", "fragment_comments", "fragment_timeline", "fragment_assessments"):
        assert reverse(f"proposals:{name}", args=[proposal.pk]) in html


def test_description_markup_is_sanitised(client):
    # The form refuses HTML; older or imported text still renders safely.
    proposal = ProposalFactory(
        description="<img src=x onerror=alert(1)> [x](javascript:alert(1)) <script>alert(2)</script>"
    )
    html = detail(client, proposal).content.decode()
    assert "<img src=x" not in html
    assert 'href="javascript' not in html
    assert "<script>alert(2)" not in html
    assert "&lt;script&gt;" in html


def test_map_point_and_text_link_when_the_proposal_has_one(client):
    proposal = ProposalFactory(latitude="37.544600", longitude="127.055700")
    response = detail(client, proposal)
    html = response.content.decode()
    assert response.context["map_points"] == [
        {
            "id": proposal.pk,
            "title": proposal.title,
            "lat": 37.5446,
            "lng": 127.0557,
            "url": proposal.get_absolute_url(),
        }
    ]
    assert 'id="proposal-map"' in html and "<noscript>" in html and "openstreetmap.org/?mlat=37.544600" in html


def test_no_map_without_a_point(client):
    html = detail(client, ProposalFactory()).content.decode()
    assert 'id="proposal-map"' not in html and "leaflet.js" not in html


def test_photos_show_as_thumbnails_linking_to_the_full_image(client):
    proposal = ProposalFactory()
    photo = ProposalPhoto(proposal=proposal, alt_text="The broken lamp post at dusk")
    photo.image.save("full.jpg", ContentFile(jpeg_bytes()), save=False)
    photo.thumbnail.save("thumb.jpg", ContentFile(jpeg_bytes()), save=False)
    photo.width, photo.height = 40, 30
    photo.save()
    html = detail(client, proposal).content.decode()
    assert f'<a href="{photo.image.url}"><img src="{photo.thumbnail.url}"' in html
    assert 'alt="The broken lamp post at dusk (photo 1 of 1, opens full size)"' in html


def test_timeline_shows_status_changes_with_official_answers(client, administrator):
    proposal = ProposalFactory(status=ProposalStatus.ACCEPTED)
    StatusChange.objects.create(proposal=proposal, from_status="published", to_status="under_review")
    StatusChange.objects.create(
        proposal=proposal,
        from_status="under_review",
        to_status="accepted",
        changed_by=administrator,
        official_response="We will install **two** lights in May.",
    )
    html = detail(client, proposal).content.decode()
    timeline = html.split(f'id="status-timeline-{proposal.pk}"')[1].split("</section>")[0]
    assert "Under review" in timeline and "Accepted" in timeline
    assert "We will install <strong>two</strong> lights in May." in timeline
    assert "Official answer" in timeline


def test_assessments_are_shown_apart_from_the_discussion(client):
    proposal = ProposalFactory()
    expert = ExpertFactory(display_name="Dr. Kim")
    Assessment.objects.create(
        proposal=proposal,
        expert=expert,
        feasibility=4,
        cost_range=CostRange.UNDER_10M,
        risks="Wiring under the road.",
        recommendation=Recommendation.PILOT,
        text="A solar lamp would fix this quickly and cheaply.",
    )
    html = detail(client, proposal).content.decode()
    assessments = html.split(f'id="assessments-{proposal.pk}"')[1].split("</section>")[0]
    discussion = html.split(f'id="comments-{proposal.pk}"')[1].split("</section>")[0]
    assert "Dr. Kim" in assessments and "4 of 5" in assessments and "Pilot it" in assessments
    assert "Under ₩10 million" in assessments and "Wiring under the road." in assessments
    assert "Dr. Kim" not in discussion


def test_discussion_shows_replies_role_badges_removed_placeholder_and_escapes(client):
    proposal = ProposalFactory()
    expert = ExpertFactory(display_name="Engineer Park")
    top = CommentFactory(proposal=proposal, body="<b>Me too</b>, every night.")
    CommentFactory(proposal=proposal, parent=top, author=expert, author_role="expert", body="I can look at it.")
    CommentFactory(proposal=proposal, body="Something I regret", is_removed=True)
    html = detail(client, proposal).content.decode()
    assert "&lt;b&gt;Me too&lt;/b&gt;" in html
    reply_section = html.split('class="comment-replies"')[1]
    assert "Engineer Park" in reply_section and '<span class="badge badge-expert">Expert</span>' in reply_section
    assert "This comment was removed by its author." in html
    assert "Something I regret" not in html


def test_hidden_comment_is_not_rendered_for_the_public_but_its_author_sees_why(client):
    proposal = ProposalFactory()
    comment = CommentFactory(proposal=proposal, body="Buy cheap watches here", is_hidden=True, hidden_reason="Spam")
    assert "Buy cheap watches here" not in detail(client, proposal).content.decode()
    client.force_login(comment.author)
    html = detail(client, proposal).content.decode()
    assert "Buy cheap watches here" in html
    assert "A moderator hid this comment: Spam" in html


def test_hidden_proposal_is_404_for_the_public_and_shows_the_reason_to_its_author(client, resident, administrator):
    proposal = ProposalFactory(is_hidden=True, hidden_reason="Personal data in the photo")
    assert detail(client, proposal).status_code == 404
    client.force_login(resident)
    assert detail(client, proposal).status_code == 404
    client.force_login(proposal.author)
    response = detail(client, proposal)
    assert response.status_code == 200
    assert "A moderator hid this proposal: Personal data in the photo" in response.content.decode()
    client.force_login(administrator)
    assert detail(client, proposal).status_code == 200


def test_hidden_proposal_fragments_are_404_for_the_public(client):
    proposal = ProposalFactory(is_hidden=True, hidden_reason="Spam")
    for name in ("fragment_vote", "fragment_comments", "fragment_timeline", "fragment_assessments"):
        assert client.get(reverse(f"proposals:{name}", args=[proposal.pk])).status_code == 404


def test_withdrawn_proposal_still_has_its_page_but_no_vote_button(client, resident):
    proposal = ProposalFactory(status=ProposalStatus.WITHDRAWN)
    client.force_login(resident)
    html = detail(client, proposal).content.decode()
    assert "Voting is closed for this proposal." in html
    assert reverse("proposals:vote", args=[proposal.pk]) not in html


def test_unknown_and_non_numeric_ids_are_404(client):
    assert client.get("/proposals/999999/").status_code == 404
    assert client.get("/proposals/abc/").status_code == 404
    assert client.get("/proposals/1.5/").status_code == 404
    assert client.get("/proposals/-1/").status_code == 404
    assert client.get("/proposals/comments/xyz/edit/").status_code == 404


def test_author_sees_edit_and_withdraw_only_while_allowed(client):
    proposal = ProposalFactory()
    client.force_login(proposal.author)
    html = detail(client, proposal).content.decode()
    assert reverse("proposals:edit", args=[proposal.pk]) in html
    assert reverse("proposals:withdraw", args=[proposal.pk]) in html
    VoteFactory(proposal=proposal)
    proposal.vote_count = 1
    proposal.save()
    html = detail(client, proposal).content.decode()
    assert reverse("proposals:edit", args=[proposal.pk]) not in html
    assert reverse("proposals:withdraw", args=[proposal.pk]) in html


def test_others_do_not_see_the_authors_buttons(client, resident):
    proposal = ProposalFactory()
    client.force_login(resident)
    html = detail(client, proposal).content.decode()
    assert reverse("proposals:edit", args=[proposal.pk]) not in html
    assert reverse("proposals:withdraw", args=[proposal.pk]) not in html
    assert reverse("proposals:report", args=[proposal.pk]) in html


def test_only_administrators_get_the_status_form_and_only_experts_the_assessment_form(
    client, resident, expert, administrator
):
    proposal = ProposalFactory(status=ProposalStatus.UNDER_REVIEW)
    status_url = reverse("proposals:status", args=[proposal.pk])
    assess_url = reverse("proposals:assess", args=[proposal.pk])
    client.force_login(resident)
    html = detail(client, proposal).content.decode()
    assert status_url not in html and assess_url not in html
    client.force_login(expert)
    html = detail(client, proposal).content.decode()
    assert status_url not in html and assess_url in html
    client.force_login(administrator)
    response = detail(client, proposal)
    html = response.content.decode()
    assert status_url in html and assess_url not in html
    assert [value for value, _label in response.context["status_form"].fields["to_status"].choices] == [
        "accepted",
        "rejected",
    ]


def test_anonymous_visitors_are_invited_to_log_in_to_vote_and_comment(client):
    proposal = ProposalFactory()
    html = detail(client, proposal).content.decode()
    assert "Log in to support it" in html and "Log in to join the discussion" in html
    assert 'name="csrfmiddlewaretoken"' not in html.split(f'id="vote-panel-{proposal.pk}"')[1].split("</section>")[0]


def _thread(proposal, count):
    for index in range(count):
        top = CommentFactory(proposal=proposal, author=ResidentFactory())
        if index % 2:
            CommentFactory(proposal=proposal, parent=top, author=ExpertFactory(), author_role="expert")


@pytest.mark.parametrize("comments", [5, 20])
def test_detail_query_count_does_not_grow_with_the_discussion(client, django_assert_num_queries, comments):
    proposal = ProposalFactory(latitude="37.55", longitude="127.03")
    _thread(proposal, comments)
    # proposal, photos, timeline, assessments, comments, replies
    with django_assert_num_queries(6):
        response = detail(client, proposal)
    assert response.content.decode().count('class="comment') >= comments


@pytest.mark.parametrize("comments", [5, 20])
def test_detail_query_count_for_a_signed_in_resident(client, resident, django_assert_num_queries, comments):
    proposal = ProposalFactory()
    _thread(proposal, comments)
    client.force_login(resident)
    # the anonymous six, plus session, user, has-voted, is-following and the two permission lookups of
    # Wagtail's user bar
    with django_assert_num_queries(12):
        detail(client, proposal)


@pytest.mark.parametrize(
    "name,root",
    [
        ("fragment_vote", "vote-panel"),
        ("fragment_comments", "comments"),
        ("fragment_timeline", "status-timeline"),
        ("fragment_assessments", "assessments"),
    ],
)
def test_fragments_return_just_their_partial_with_its_root_id(client, name, root):
    proposal = ProposalFactory()
    response = client.get(reverse(f"proposals:{name}", args=[proposal.pk]))
    assert response.status_code == 200
    html = response.content.decode().strip()
    assert f'id="{root}-{proposal.pk}"' in html
    assert "<html" not in html and "<body" not in html


def test_vote_fragment_reflects_the_users_vote(client, resident):
    proposal = ProposalFactory(vote_count=1)
    VoteFactory(proposal=proposal, user=resident)
    client.force_login(resident)
    html = client.get(reverse("proposals:fragment_vote", args=[proposal.pk])).content.decode()
    assert "Withdraw my support" in html
    assert f'<strong id="vote-count-{proposal.pk}">1</strong>' in html


def test_fragments_only_answer_get(client):
    proposal = ProposalFactory()
    assert client.post(reverse("proposals:fragment_vote", args=[proposal.pk])).status_code == 405


@pytest.mark.parametrize("comments", [5, 20])
def test_comments_fragment_query_count_does_not_grow(client, django_assert_num_queries, comments):
    proposal = ProposalFactory()
    _thread(proposal, comments)
    # proposal, comments, replies
    with django_assert_num_queries(3):
        response = client.get(reverse("proposals:fragment_comments", args=[proposal.pk]))
    assert response.content.decode().count('class="comment') >= comments


def test_pages_answer_head_requests(client):
    proposal = ProposalFactory()
    assert client.head(reverse("proposals:list")).status_code == 200
    assert client.head(proposal.get_absolute_url()).status_code == 200


def _top_level_ids(html: str) -> list[int]:
    import re

    return [int(pk) for pk in re.findall(r'<article id="comment-(\d+)" class="comment(?! comment-reply)', html)]


def test_a_long_discussion_loads_in_pages_that_keep_each_thread_whole(client):
    from proposals.templatetags.proposal_tags import COMMENTS_PAGE

    proposal = ProposalFactory()
    tops = [CommentFactory(proposal=proposal, author=ResidentFactory()) for _ in range(COMMENTS_PAGE + 5)]
    reply = CommentFactory(proposal=proposal, parent=tops[COMMENTS_PAGE - 1], author=ResidentFactory())
    html = detail(client, proposal).content.decode()
    assert _top_level_ids(html) == [c.pk for c in tops[:COMMENTS_PAGE]]
    assert f'id="comment-{reply.pk}"' in html  # the last shown thread comes with its reply
    # without JavaScript: a link to the page with more; with htmx: the section re-rendered with more
    more = f"?comments={2 * COMMENTS_PAGE}"
    assert f'href="{proposal.get_absolute_url()}{more}#comments-{proposal.pk}"' in html
    assert f'hx-get="{reverse("proposals:fragment_comments", args=[proposal.pk])}{more}"' in html
    everything = client.get(proposal.get_absolute_url(), {"comments": 2 * COMMENTS_PAGE}).content.decode()
    assert _top_level_ids(everything) == [c.pk for c in tops]
    assert "Show more comments" not in everything
    fragment = client.get(reverse("proposals:fragment_comments", args=[proposal.pk]), {"comments": 2 * COMMENTS_PAGE})
    assert _top_level_ids(fragment.content.decode()) == [c.pk for c in tops]


@pytest.mark.parametrize("asked", ["", "abc", "-5", "0", "999999"])
def test_the_comments_parameter_stays_within_bounds(client, asked):
    proposal = ProposalFactory()
    CommentFactory(proposal=proposal, author=ResidentFactory())
    assert client.get(proposal.get_absolute_url(), {"comments": asked}).status_code == 200


def test_visitors_pages_carry_no_comment_actions_while_the_author_sees_theirs(client):
    proposal = ProposalFactory()
    comment = CommentFactory(proposal=proposal, author=ResidentFactory())
    assert 'class="comment-actions"' not in detail(client, proposal).content.decode()
    client.force_login(comment.author)
    html = detail(client, proposal).content.decode()
    assert reverse("proposals:comment_edit", args=[comment.pk]) in html


def test_a_socket_refetch_is_204_until_something_happens_to_the_proposal(
    client, resident, settings, django_capture_on_commit_callbacks
):
    from proposals import services

    settings.PROPOSAL_PAGE_STAMPS = True  # one process here: its memory cache is shared by all it serves
    proposal = ProposalFactory()
    response = detail(client, proposal)
    stamp = response.context["page_version"]
    assert f"?v={stamp}" in response.content.decode()
    urls = [
        reverse(f"proposals:{name}", args=[proposal.pk])
        for name in ("fragment_vote", "fragment_comments", "fragment_timeline", "fragment_assessments")
    ]
    for url in urls:
        assert client.get(url, {"v": stamp}).status_code == 204
    assert client.get(proposal.get_absolute_url(), {"v": stamp}, HTTP_HX_REQUEST="true").status_code == 204
    with django_capture_on_commit_callbacks(execute=True):
        services.post_comment(proposal, author=resident, body="The lamp is still out tonight.")
    for url in urls:
        assert client.get(url, {"v": stamp}).status_code == 200
    answer = client.get(reverse("proposals:fragment_comments", args=[proposal.pk]), {"v": stamp})
    assert "The lamp is still out tonight." in answer.content.decode()


@pytest.mark.parametrize("stamp", ["", "not-a-stamp"])
def test_a_refetch_without_the_current_stamp_renders(client, settings, stamp):
    settings.PROPOSAL_PAGE_STAMPS = True
    proposal = ProposalFactory()
    detail(client, proposal)
    assert client.get(reverse("proposals:fragment_comments", args=[proposal.pk]), {"v": stamp}).status_code == 200
    # a plain (not htmx) request for the page ignores the stamp
    assert client.get(proposal.get_absolute_url(), {"v": stamp}).status_code == 200


def test_without_a_shared_cache_pages_carry_no_stamp_and_always_refetch(client, settings):
    # Several server processes with their own memory caches: a stamp in one would not see a vote in another.
    settings.PROPOSAL_PAGE_STAMPS = None
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    proposal = ProposalFactory()
    response = detail(client, proposal)
    assert response.context["page_version"] == ""
    assert "?v=" not in response.content.decode()
    assert client.get(reverse("proposals:fragment_vote", args=[proposal.pk]), {"v": "anything"}).status_code == 200
