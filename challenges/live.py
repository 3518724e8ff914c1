"""Challenges' live pushes: the stage tracker (and, once decided, the decision), from the page's own partials.

Subscribed after commit in ``ChallengesConfig.ready()``; groups are ``challenge-<id>``.
"""

from livinglab.events import AFTER_COMMIT, Event, subscribe
from livinglab.live import broadcast, push_message, render_in_each_language

from .models import ChallengePage


def challenge_group(pk: int) -> str:
    return f"challenge-{int(pk)}"


def live_challenge(pk):
    if pk is None:
        return None
    return ChallengePage.objects.live().public().filter(pk=pk).first()


@subscribe(("challenge.stage_changed", "challenge.decided"), phase=AFTER_COMMIT)
def challenge_stage(event: Event) -> None:
    challenge = live_challenge(event.challenge_id)
    if challenge is None:
        return
    fragments = render_in_each_language(
        "challenges/includes/stage_tracker.html", {"page": challenge, "live": True, "swap_oob": True}
    )
    broadcast([(challenge_group(challenge.pk), push_message(fragments))])
