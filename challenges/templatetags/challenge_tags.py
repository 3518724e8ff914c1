"""``{% current_challenges %}``: the challenges with their stages, for the home page (which cannot import us)."""

from django import template

from ..models import ChallengeIndexPage, ChallengePage

register = template.Library()


@register.inclusion_tag("challenges/includes/current_challenges.html")
def current_challenges(limit: int = 6):
    challenges = list(ChallengePage.objects.live().public().for_cards()[:limit])
    index = ChallengeIndexPage.objects.live().first()
    return {"challenges": challenges, "index": index}
