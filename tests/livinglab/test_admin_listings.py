"""The admin's lists read as words: no raw keys ("resident", "under_review"), no "True", "False" or "None"."""

import re

import pytest

from tests.factories import CommentFactory, ExpertFactory, ProposalFactory, ResidentFactory

pytestmark = pytest.mark.django_db

LISTS = (
    "/admin/users/",
    "/admin/livinglab/proposals/",
    "/admin/livinglab/comments/",
    "/admin/livinglab/reports/",
    "/admin/livinglab/areas/",
    "/admin/livinglab/categories/",
    "/admin/pilots/feedback/",
    "/admin/snippets/codesign/session/",
    "/admin/snippets/codesign/labparticipant/",
    "/admin/snippets/sensors/source/",
)
RAW = re.compile(r">\s*(True|False|None|resident|expert|administrator|moderator|desk_staff|under_review)\s*<")


@pytest.mark.parametrize("path", LISTS)
def test_admin_lists_show_no_raw_values(client, administrator, path):
    proposal = ProposalFactory(author=ResidentFactory(), status="under_review")
    CommentFactory(proposal=proposal, author=ExpertFactory())
    client.force_login(administrator)
    response = client.get(path)
    assert response.status_code == 200, path
    cells = RAW.findall(response.content.decode())
    assert not cells, f"{path}: {cells}"


def test_a_yes_no_column_says_yes_or_no_to_a_screen_reader(client, administrator):
    CommentFactory(proposal=ProposalFactory())
    client.force_login(administrator)
    html = client.get("/admin/livinglab/comments/").content.decode()
    assert re.search(r'class="w-sr-only">\s*No\s*<', html)
