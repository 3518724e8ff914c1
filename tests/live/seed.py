"""Fills the database of the test servers: ``python -m tests.live.seed N`` prints JSON with what it made.

It runs in its own process, against the servers' database, because the test process's own database is a
different one (pytest-django's), which the servers cannot see.
"""

import json
import sys


def main(voters: int = 3, proposals: int = 1) -> dict:
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.test import Client

    from tests.factories import ProposalFactory, ResidentFactory, UserFactory

    # Each seeding adds to the same database: number new users after the ones already there.
    start = get_user_model().objects.count() + 1
    UserFactory.reset_sequence(start)
    ResidentFactory.reset_sequence(start, force=True)

    def session(user) -> str:
        client = Client()
        client.force_login(user)
        return client.cookies["sessionid"].value

    proposal = ProposalFactory(title="Bus shelter without a roof at the market stop")
    others = [ProposalFactory() for _ in range(proposals - 1)]
    author_session = session(proposal.author)
    return {
        "proposal": proposal.pk,
        "proposals": [proposal.pk, *(other.pk for other in others)],
        "author": {"id": proposal.author_id, "session": author_session},
        "voters": [{"id": user.pk, "session": session(user)} for user in ResidentFactory.create_batch(voters)],
    }


if __name__ == "__main__":
    print(json.dumps(main(*(int(arg) for arg in sys.argv[1:3]))))
