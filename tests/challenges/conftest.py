"""Challenge fixtures: the page tree, a challenge factory with dated stages, and the pilot fixtures."""

import datetime

import pytest
from django.utils import timezone

from challenges.models import ChallengeIndexPage, ChallengePage, ChallengePilot, ChallengeStage
from challenges.stages import STAGE_ORDER
from tests.factories import CategoryFactory, DongFactory
from tests.pilots.conftest import home, make_pilot, pilot_index  # noqa: F401 - shared page-tree fixtures


@pytest.fixture
def challenge_index(home):  # noqa: F811
    index = ChallengeIndexPage(title="Challenges", slug="challenges", intro="What the district asks.")
    home.add_child(instance=index)
    index.save_revision().publish()
    return index


def stage_rows(call_from: int = -5, call_to: int = 20) -> list[ChallengeStage]:
    """Five stages that follow each other; discovery runs from ``call_from`` to ``call_to`` days from today."""
    today = timezone.localdate()
    rows, start = [], call_from
    for position, stage in enumerate(STAGE_ORDER):
        end = call_to if position == 0 else start + 29
        rows.append(
            ChallengeStage(
                stage=stage,
                start=today + datetime.timedelta(days=start),
                end=today + datetime.timedelta(days=end),
                description=f"What happens in {stage}.",
            )
        )
        start = end + 1
    return rows


@pytest.fixture
def make_challenge(challenge_index):
    def make(*, areas=None, categories=None, stages=None, pilots=(), publish=True, **fields):
        count = ChallengePage.objects.count()
        fields.setdefault("title", f"Safer nights {count + 1}")
        fields.setdefault("slug", f"challenge-{count + 1}")
        fields.setdefault("theme", "Safer streets")
        fields.setdefault("question", "Where do you feel unsafe walking home at night?")
        challenge = ChallengePage(live=False, **fields)
        challenge.stages = stages if stages is not None else stage_rows()
        challenge.pilot_links = [ChallengePilot(pilot=pilot) for pilot in pilots]
        challenge.areas = areas if areas is not None else [DongFactory().parent]
        challenge.categories = categories if categories is not None else [CategoryFactory()]
        challenge_index.add_child(instance=challenge)
        if publish:
            challenge.save_revision().publish()
        else:
            challenge.save_revision()
        return ChallengePage.objects.get(pk=challenge.pk)

    return make


@pytest.fixture
def challenge(make_challenge):
    return make_challenge()


@pytest.fixture
def dong(challenge):
    """A neighbourhood inside the challenge's district."""
    return DongFactory()
