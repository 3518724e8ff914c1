"""A socket does not outlive its session (issue 15, point 4).

On logout, deactivation, a password change, a role change or an erased account, every socket of that
person is closed (4401, which htmx does not retry); and a push to a private group re-checks the session
first, so a lost close message still never delivers a bell to a signed-out person.
"""

import pytest
from channels.db import database_sync_to_async as sync_to_async
from channels.layers import get_channel_layer
from django.test import Client
from django.urls import reverse

from accounts.models import Role, User
from accounts.services import erase_account, set_role
from livinglab.live import push_message
from tests.factories import AdministratorFactory, ProposalFactory, ResidentFactory

from .test_consumers import fragments, socket

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]

CLOSED_4401 = {"type": "websocket.close", "code": 4401}


def signed_in(user) -> tuple[Client, bytes]:
    client = Client()
    client.force_login(user)
    return client, f"sessionid={client.cookies['sessionid'].value}".encode()


async def open_sockets(cookie: bytes, proposal_pk: int):
    bell = socket("/ws/notifications/", cookie=cookie)
    page = socket(f"/ws/proposals/{proposal_pk}/", cookie=cookie)
    for communicator in (bell, page):
        connected, _ = await communicator.connect()
        assert connected
    return bell, page


async def assert_closed_4401(*communicators):
    for communicator in communicators:
        assert await communicator.receive_output(timeout=5) == CLOSED_4401
        await communicator.wait()


@pytest.fixture
def person_with_session():
    person, proposal = ResidentFactory(), ProposalFactory()
    client, cookie = signed_in(person)
    return person, proposal, client, cookie


async def test_logout_closes_the_bell_and_the_page_sockets(person_with_session):
    person, proposal, client, cookie = person_with_session
    bell, page = await open_sockets(cookie, proposal.pk)
    response = await sync_to_async(client.post)(reverse("account_logout"))
    assert response.status_code == 302
    await assert_closed_4401(bell, page)


async def test_deactivation_closes_the_sockets(person_with_session):
    person, proposal, _client, cookie = person_with_session
    bell, page = await open_sockets(cookie, proposal.pk)

    def deactivate():
        fresh = User.objects.get(pk=person.pk)
        fresh.is_active = False
        fresh.save()

    await sync_to_async(deactivate)()
    await assert_closed_4401(bell, page)


async def test_a_password_change_closes_the_sockets(person_with_session):
    person, proposal, _client, cookie = person_with_session
    bell, page = await open_sockets(cookie, proposal.pk)

    def change_password():
        fresh = User.objects.get(pk=person.pk)
        fresh.set_password("a-completely-new-passphrase")
        fresh.save()

    await sync_to_async(change_password)()
    await assert_closed_4401(bell, page)


async def test_a_role_change_closes_the_sockets(person_with_session):
    person, proposal, _client, cookie = person_with_session
    bell, page = await open_sockets(cookie, proposal.pk)
    await sync_to_async(lambda: set_role(User.objects.get(pk=person.pk), Role.EXPERT, expertise="Lighting"))()
    await assert_closed_4401(bell, page)


async def test_erasing_the_account_closes_the_sockets(person_with_session):
    person, proposal, _client, cookie = person_with_session
    bell, page = await open_sockets(cookie, proposal.pk)
    await sync_to_async(lambda: erase_account(User.objects.get(pk=person.pk)))()
    await assert_closed_4401(bell, page)


async def test_saving_a_profile_keeps_the_sockets_open(person_with_session):
    """Only rights end sessions: a new display name does not, and the bell still rings afterwards."""
    person, proposal, _client, cookie = person_with_session
    bell, page = await open_sockets(cookie, proposal.pk)
    await sync_to_async(lambda: User.objects.filter(pk=person.pk).first().save(update_fields=["display_name"]))()
    await get_channel_layer().group_send(f"user-{person.pk}", push_message(fragments("1 unread")))
    assert await bell.receive_from(timeout=5) == "<p id='x'>1 unread</p>"
    await bell.disconnect()
    await page.disconnect()


async def test_a_private_push_rechecks_the_session_even_when_the_close_was_lost(person_with_session):
    """The session ends without any close message (its row is deleted): the next bell push closes instead."""
    person, _proposal, client, cookie = person_with_session
    bell = socket("/ws/notifications/", cookie=cookie)
    assert (await bell.connect())[0]
    await sync_to_async(client.session.delete)()
    await get_channel_layer().group_send(f"user-{person.pk}", push_message(fragments("secret")))
    assert await bell.receive_output(timeout=5) == CLOSED_4401


async def test_a_private_push_rechecks_a_deactivation_done_without_saving_the_user(person_with_session):
    """A bulk update (Wagtail's own bulk deactivation writes rows directly) is caught at the next push."""
    person, _proposal, _client, cookie = person_with_session
    bell = socket("/ws/notifications/", cookie=cookie)
    assert (await bell.connect())[0]
    await sync_to_async(lambda: User.objects.filter(pk=person.pk).update(is_active=False))()
    await get_channel_layer().group_send(f"user-{person.pk}", push_message(fragments("secret")))
    assert await bell.receive_output(timeout=5) == CLOSED_4401


async def test_the_admin_bulk_deactivation_closes_the_sockets(person_with_session):
    """Wagtail's bulk "set active state" writes the rows in one query; its replacement still tells the sockets."""
    person, proposal, _client, cookie = person_with_session
    bell, page = await open_sockets(cookie, proposal.pk)

    def deactivate_in_bulk():
        admin = Client()
        admin.force_login(AdministratorFactory(is_superuser=True, is_staff=True))
        url = reverse("wagtail_bulk_action", args=("accounts", "user", "set_active_state"))
        return admin.post(f"{url}?id={person.pk}&next=/admin/", {"mark_as_active": "False"}).status_code

    assert await sync_to_async(deactivate_in_bulk)() == 302
    assert not (await sync_to_async(User.objects.get)(pk=person.pk)).is_active
    await assert_closed_4401(bell, page)
