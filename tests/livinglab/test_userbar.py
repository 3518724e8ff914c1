"""Issue 9 point 11: the Wagtail userbar floats over public pages only for administrators."""

import pytest

from home import demo

pytestmark = pytest.mark.django_db

USERBAR = "<wagtail-userbar"


@pytest.fixture
def home_url(db):
    return demo.build_pages().url


def test_expert_sees_no_userbar_on_public_pages(client, expert, home_url):
    client.force_login(expert)
    assert USERBAR not in client.get(home_url).content.decode()
    assert USERBAR not in client.get("/proposals/").content.decode()


def test_resident_and_visitor_see_no_userbar(client, resident, home_url):
    assert USERBAR not in client.get(home_url).content.decode()
    client.force_login(resident)
    assert USERBAR not in client.get(home_url).content.decode()


def test_administrator_keeps_the_userbar(client, administrator, home_url):
    client.force_login(administrator)
    assert USERBAR in client.get(home_url).content.decode()
