"""The seed and push steps of ``make prod-check`` (deploy/prod_check.py), run under the production settings it checks.

``prod_seed.py`` builds the pages, one area, one category and one proposal by an account without a usable
password, and prints the proposal's URL and id as JSON on its last line.

``prod_seed.py push PK MARKUP`` sends ``MARKUP`` to the sockets of proposal ``PK`` through production's
``livinglab.live.broadcast`` (the channel layer of the settings, Redis when ``REDIS_URL`` is set), every half
second until it is stopped, for at most a minute.
"""

import json
import sys
import time
from pathlib import Path

import django

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
django.setup()

from django.conf import settings  # noqa: E402  (needs the settings configured above)
from django.contrib.auth import get_user_model  # noqa: E402

from home import demo  # noqa: E402
from livinglab.live import broadcast, proposal_group, push_message  # noqa: E402
from proposals.models import Proposal  # noqa: E402


def seed() -> dict:
    demo.build_pages()
    area = demo.build_areas()[-1]
    category = demo.build_categories()[0]
    author = get_user_model().objects.create_user(email="prod-check@example.org", display_name="Prod check")
    proposal = Proposal.objects.create(
        title="Dark alley behind the market",
        description="The street lights behind the market are out every night.",
        category=category,
        area=area,
        author=author,
    )
    return {"proposal": proposal.get_absolute_url(), "proposal_id": proposal.pk}


def push(proposal_id: int, markup: str, seconds: float = 60) -> None:
    message = push_message({code: markup for code, _name in settings.LANGUAGES})
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        print("sent" if broadcast([(proposal_group(proposal_id), message)]) else "failed", flush=True)
        time.sleep(0.5)


if __name__ == "__main__":
    if sys.argv[1:2] == ["push"]:
        push(int(sys.argv[2]), sys.argv[3])
    else:
        print(json.dumps(seed()))
