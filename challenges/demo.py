"""Demo challenges modelled on Seongdong-gu's and Guro-gu's living labs, at different stages.

- Seongdong-gu: smart shelters and smart security lights, in evaluation, linked to the demo shelter and
  security-light pilots;
- Guro-gu: IoT facility-safety sensors and fine dust around schools, with its decision recorded;
- digital inclusion for older residents, in discovery, its call for problems open today.

Every move goes through the services (shortlisting, stage changes, the decision), so the demo has the same
audit rows, timelines and events as real use. Attaching existing demo proposals to a challenge sets the
foreign key directly: in real use it is chosen when the proposal is submitted. Idempotent (matched by slug).
"""

import datetime
from decimal import Decimal

from django.utils import timezone

from accounts.models import Role
from home.models import HomePage
from livinglab.demo import build_index_and_children, builder, load
from pilots.models import PilotPage
from proposals.models import Area, Category, Proposal, ProposalStatus

from .models import ChallengeIndexPage, ChallengePage, ChallengePartner, ChallengePilot, ChallengeStage
from .services import SHORTLISTABLE_STATUSES, change_stage, record_decision, shortlist_proposal
from .stages import STAGE_ORDER, Stage

DATA = load(__file__, "challenges")
PROPOSALS_PER_CHALLENGE = 8


def build_index(home: HomePage) -> ChallengeIndexPage:
    index = ChallengeIndexPage.objects.child_of(home).first()
    if index is None:
        index = ChallengeIndexPage(**DATA["index"])
        home.add_child(instance=index)
        index.save_revision().publish()
        # The challenges lead the menu: first among the home page's children.
        first = home.get_children().first()
        if first is not None and first.pk != index.pk:
            index.move(first, pos="left")
    return index


def _stages(spec: dict) -> list[ChallengeStage]:
    today = timezone.localdate()
    return [
        ChallengeStage(
            stage=stage,
            start=today + datetime.timedelta(days=start),
            end=today + datetime.timedelta(days=end),
            description=DATA["stage_descriptions"][stage],
        )
        for stage, (start, end) in zip(STAGE_ORDER, spec["offsets"], strict=True)
    ]


def _attach_proposals(challenge: ChallengePage, spec: dict, pilots: list[PilotPage]) -> list[Proposal]:
    """The pilots' own proposals, then the most supported open ones in the challenge's areas and categories."""
    from_pilots = list(Proposal.objects.public().filter(pilot_links__page__in=pilots, challenge__isnull=True))
    areas = Area.objects.filter(slug__in=spec["areas"])
    others = list(
        Proposal.objects.public()
        .filter(challenge__isnull=True, area__parent__in=areas, category__slug__in=spec["categories"])
        .filter(status__in=[ProposalStatus.PUBLISHED, ProposalStatus.UNDER_REVIEW])
        .exclude(pk__in=[p.pk for p in from_pilots])
        .order_by("-vote_count", "pk")[: max(0, PROPOSALS_PER_CHALLENGE - len(from_pilots))]
    )
    chosen = from_pilots + others
    Proposal.objects.filter(pk__in=[p.pk for p in chosen]).update(challenge=challenge)
    for proposal in chosen:
        proposal.challenge = challenge
    return chosen


def build_challenge(index: ChallengeIndexPage, spec: dict, *, admin) -> ChallengePage | None:
    if ChallengePage.objects.child_of(index).filter(slug=spec["slug"]).exists():
        return None
    pilots = list(PilotPage.objects.filter(slug__in=spec["pilots"]))
    challenge = ChallengePage(
        title=spec["title"],
        slug=spec["slug"],
        theme=spec["theme"],
        question=spec["question"],
        budget=spec["budget"],
        budget_line=spec["budget_line"],
        body=[("paragraph", f"<p>{spec['question']}</p>")],
    )
    challenge.stages = _stages(spec)
    challenge.partners = [ChallengePartner(**partner) for partner in spec["partners"]]
    challenge.pilot_links = [ChallengePilot(pilot=pilot) for pilot in pilots]
    challenge.areas = list(Area.objects.filter(slug__in=spec["areas"]))
    challenge.categories = list(Category.objects.filter(slug__in=spec["categories"]))
    index.add_child(instance=challenge)
    challenge.save_revision(user=admin).publish(user=admin)
    challenge = ChallengePage.objects.get(pk=challenge.pk)

    proposals = _attach_proposals(challenge, spec, pilots)
    if admin is None:
        return challenge
    if spec["stage"] != Stage.DISCOVERY:
        # The pilots' proposals and the two most supported others went on to co-design.
        piloted = [p for p in proposals if p.status in (ProposalStatus.ACCEPTED, ProposalStatus.PILOTING)]
        others = [p for p in proposals if p not in piloted and p.status in SHORTLISTABLE_STATUSES][:2]
        for proposal in piloted + others:
            shortlist_proposal(challenge, proposal, by=admin, note=DATA["shortlist_note"])
    while challenge.current_stage != spec["stage"] and challenge.next_stage:
        change_stage(challenge, to_stage=challenge.next_stage, by=admin, note=DATA["stage_note"])
    decision = spec.get("decision")
    if decision:
        record_decision(
            challenge,
            by=admin,
            outcome=decision["outcome"],
            dongs=list(Area.objects.filter(slug__in=decision["dongs"])),
            reasons=decision["reasons"],
            evidence_note=decision["evidence_note"],
            budget_consequence=decision["budget_consequence"],
            budget_amount=Decimal(decision["budget_amount"]),
        )
    return challenge


@builder(order=30)
def build(*, users: dict, stdout=None) -> ChallengeIndexPage | None:
    return build_index_and_children(
        HomePage.objects.first(),
        build_index=build_index,
        build_child=build_challenge,
        specs=DATA["challenges"],
        admin=users.get(Role.ADMINISTRATOR),
        label="Challenges",
        stdout=stdout,
    )
