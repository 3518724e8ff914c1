"""The seed step of ``make prod-check`` (deploy/prod_check.py), run under the production settings it checks.

Builds the pages, one area, one category and one proposal by an account without a usable password, and
prints the proposal's URL as JSON on its last line.
"""

import json
import sys
from pathlib import Path

import django

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
django.setup()

from django.contrib.auth import get_user_model  # noqa: E402  (needs the settings configured above)

from home import demo  # noqa: E402
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
    return {"proposal": proposal.get_absolute_url()}


if __name__ == "__main__":
    print(json.dumps(seed()))
