"""Demo proposals: about 200 local problems across the demo neighbourhoods, in Korean and English.

Each proposal comes from a template of a realistic local problem placed at a landmark of its dong, with
votes from generated demo residents, a discussion with replies, expert assessments and a status history
that matches its state. Rows are written with ``bulk_create`` (fast, and no notifications go out for
made-up activity); the few moderation steps go through the services so they reach the audit log.

``build`` is idempotent: demo residents are looked up before they are created, and proposals are only
generated when no demo resident has filed one yet.
"""

import random
from datetime import timedelta
from decimal import Decimal
from itertools import product

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from accounts.models import ROLE_GROUPS, Role, User
from livinglab.demo import builder, load

from . import services
from .models import (
    Area,
    Assessment,
    Category,
    Comment,
    CostRange,
    Proposal,
    ProposalStatus,
    Recommendation,
    StatusChange,
    Vote,
    transition_path,
)

SEED = 20261126
PROPOSAL_COUNT = 200
RESIDENT_COUNT = 60
RESIDENT_EMAIL = "resident{:02d}@demo.livinglab.example"
EXPERT_EMAIL = "expert{:02d}@demo.livinglab.example"

TEXTS = load(__file__, "proposals")
# Share of proposals in each state; each state is reached along the proposals' own transition table.
STATUS_MIX = [(ProposalStatus(status), share) for status, share in TEXTS["status_mix"]]
PLACES = TEXTS["places"]


def _statuses(rng: random.Random, count: int) -> list[str]:
    statuses = []
    for status, share in STATUS_MIX:
        statuses += [status] * round(share * count)
    statuses = (statuses + [ProposalStatus.PUBLISHED] * count)[:count]
    rng.shuffle(statuses)
    return statuses


def _demo_residents(rng: random.Random) -> list[User]:
    emails = [RESIDENT_EMAIL.format(n) for n in range(1, RESIDENT_COUNT + 1)]
    existing = {u.email: u for u in User.objects.filter(email__in=emails)}
    areas = list(Area.objects.filter(parent__isnull=False).order_by("slug"))
    # One unusable password hash for all: these accounts exist to vote and comment, not to sign in.
    unusable = make_password(None)
    missing = []
    for n, email in enumerate(emails, start=1):
        if email in existing:
            continue
        name = (
            TEXTS["english_names"][n % len(TEXTS["english_names"])] + f" {n}"
            if n % 6 == 0
            else f"{rng.choice(TEXTS['surnames'])}{rng.choice(TEXTS['given_names'])}"
        )
        missing.append(
            User(
                email=email,
                display_name=name,
                role=Role.RESIDENT,
                password=unusable,
                home_area=areas[n % len(areas)] if areas else None,
            )
        )
    created = User.objects.bulk_create(missing)
    EmailAddress.objects.bulk_create(
        [EmailAddress(user=u, email=u.email, verified=True, primary=True) for u in created]
    )
    existing.update({u.email: u for u in created})
    return [existing[email] for email in emails]


def _demo_experts(main_expert: User | None) -> list[User]:
    experts = [main_expert] if main_expert else []
    group = Group.objects.filter(name=ROLE_GROUPS[Role.EXPERT]).first()
    unusable = make_password(None)
    for n, spec in enumerate(TEXTS["experts"], start=1):
        expert, created = User.objects.get_or_create(
            email=EXPERT_EMAIL.format(n),
            defaults={
                "display_name": spec["name"],
                "role": Role.EXPERT,
                "expertise": spec["expertise"],
                "organisation": spec["organisation"],
                "password": unusable,
            },
        )
        if created:
            EmailAddress.objects.create(user=expert, email=expert.email, verified=True, primary=True)
            if group:
                expert.groups.add(group)
        experts.append(expert)
    return experts


def _point(rng: random.Random, area: Area) -> tuple[Decimal | None, Decimal | None]:
    if rng.random() < 0.2:
        return None, None
    bounds = settings.PROPOSAL_MAP_BOUNDS
    lat = min(max(float(area.latitude) + rng.uniform(-0.004, 0.004), bounds["south"]), bounds["north"])
    lng = min(max(float(area.longitude) + rng.uniform(-0.005, 0.005), bounds["west"]), bounds["east"])
    return Decimal(f"{lat:.6f}"), Decimal(f"{lng:.6f}")


@builder(order=10)
def build(*, users: dict, stdout) -> None:
    """Create the demo proposals and everything around them, unless they already exist."""
    rng = random.Random(SEED)
    with transaction.atomic():
        residents = _demo_residents(rng)
        administrator = users.get(Role.ADMINISTRATOR)
        experts = _demo_experts(users.get(Role.EXPERT))
        if Proposal.objects.filter(author__email__in=[r.email for r in residents]).exists():
            stdout.write("Demo proposals already exist; nothing added.")
            return
        dongs = {a.slug: a for a in Area.objects.filter(slug__in=PLACES)}
        categories = {c.slug: c for c in Category.objects.all()}
        if not dongs or not categories:
            stdout.write("No demo areas or categories; skipping demo proposals.")
            return
        _build_proposals(
            rng, residents=residents, experts=experts, administrator=administrator, users=users, dongs=dongs,
            categories=categories, stdout=stdout,
        )  # fmt: skip


def _build_proposals(rng, *, residents, experts, administrator, users, dongs, categories, stdout) -> None:
    now = timezone.now()
    threshold = max(1, settings.PROPOSAL_REVIEW_THRESHOLD)
    proposals, plans = _plan_proposals(rng, residents=residents, experts=experts, users=users, dongs=dongs,
                                       categories=categories, now=now, threshold=threshold)  # fmt: skip
    Proposal.objects.bulk_create(proposals)
    votes, changes, comments, assessments = [], [], [], []
    for proposal, plan in zip(proposals, plans, strict=True):
        span = max((now - plan["created_at"]).total_seconds(), 3600)
        votes += [
            Vote(
                user=voter, proposal=proposal, created_at=plan["created_at"] + timedelta(seconds=rng.uniform(60, span))
            )
            for voter in plan["voters"]
        ]
        changes += _timeline(
            rng, proposal, plan["created_at"], now=now, threshold=threshold, administrator=administrator
        )
        comments += _comments_for(rng, proposal, plan, residents, experts, administrator, now)
        assessments += _assessments_for(rng, proposal, experts, created_at=plan["created_at"], span=span)
    Vote.objects.bulk_create(votes)
    StatusChange.objects.bulk_create(changes)
    _save_comments(proposals, comments)
    Assessment.objects.bulk_create(assessments)
    hidden = _moderate(rng, proposals, comments, administrator)
    stdout.write(
        f"Demo proposals: {len(proposals)} proposals, {len(votes)} votes, {len(comments)} comments, "
        f"{len(assessments)} assessments, {len(changes)} status changes, {hidden} moderated items."
    )


def _plan_proposals(rng, *, residents, experts, users, dongs, categories, now, threshold) -> tuple[list, list]:
    """Unsaved proposals, one per (problem, dong, landmark) drawn, with who votes and when each was filed."""
    main_resident = users.get(Role.RESIDENT)
    voters_pool = residents + [u for u in (main_resident, *experts) if u is not None]
    combos = [
        (problem, slug, place)
        for problem, slug, place in product(TEXTS["problems"], dongs, range(3))
        if problem["category"] in categories and place < len(PLACES[slug])
    ]
    rng.shuffle(combos)
    combos = combos[:PROPOSAL_COUNT]
    statuses = _statuses(rng, len(combos))
    proposals, plans = [], []
    for index, (problem, slug, place_index) in enumerate(combos):
        language = "ko" if rng.random() < 0.6 else "en"
        place = PLACES[slug][place_index][0 if language == "ko" else 1]
        author = main_resident if (main_resident and index % 40 == 0) else rng.choice(residents)
        status = statuses[index]
        created_at = now - timedelta(days=rng.uniform(2, 150), minutes=rng.randint(0, 600))
        candidates = [u for u in voters_pool if u.pk != author.pk]
        voters = rng.sample(candidates, max(0, _vote_total(rng, status, threshold, len(candidates))))
        latitude, longitude = _point(rng, dongs[slug])
        proposals.append(
            Proposal(
                title=problem[f"title_{language}"].format(place=place),
                description=problem[f"text_{language}"].format(place=place),
                category=categories[problem["category"]],
                area=dongs[slug],
                latitude=latitude,
                longitude=longitude,
                author=author,
                status=status,
                vote_count=len(voters),
                created_at=created_at,
            )
        )
        plans.append({"korean": language == "ko", "voters": voters, "created_at": created_at})
    return proposals, plans


def _vote_total(rng, status: str, threshold: int, candidates: int) -> int:
    """Few votes below the review threshold while published, enough to pass it once reviewed."""
    if status == ProposalStatus.PUBLISHED:
        return min(int(rng.paretovariate(1.3) * 3) - 3, threshold - 1, candidates)
    if status == ProposalStatus.WITHDRAWN:
        return rng.randint(0, 4)
    return rng.randint(min(threshold, candidates), candidates)


def _timeline(rng, proposal: Proposal, created_at, *, now, threshold: int, administrator) -> list[StatusChange]:
    """The status history that leads to the proposal's state, one step after another."""
    changes = [
        StatusChange(
            proposal=proposal,
            from_status="",
            to_status=ProposalStatus.PUBLISHED,
            changed_by=proposal.author,
            created_at=created_at,
        )
    ]
    step_at, previous = created_at, ProposalStatus.PUBLISHED
    for to_status in transition_path(ProposalStatus.PUBLISHED, proposal.status):
        step_at = step_at + timedelta(seconds=rng.uniform(0.1, 0.3) * (now - step_at).total_seconds())
        if to_status == ProposalStatus.WITHDRAWN:
            by, response = proposal.author, TEXTS["withdrawal_response"]
        elif to_status == ProposalStatus.UNDER_REVIEW and proposal.vote_count >= threshold:
            by, response = None, str(services.THRESHOLD_RESPONSE % {"threshold": threshold})
        else:
            by, response = administrator, TEXTS["official_answers"].get(to_status, TEXTS["review_response"])
        changes.append(
            StatusChange(
                proposal=proposal,
                from_status=previous,
                to_status=to_status,
                changed_by=by,
                official_response=response,
                created_at=step_at,
            )
        )
        previous = to_status
    return changes


def _assessments_for(rng, proposal: Proposal, experts: list, *, created_at, span: float) -> list[Assessment]:
    if proposal.status == ProposalStatus.WITHDRAWN or rng.random() >= 0.4:
        return []
    assessments = []
    for expert in rng.sample(experts, rng.randint(1, min(2, len(experts)))):
        text = rng.choice(TEXTS["assessments"])
        assessments.append(
            Assessment(
                proposal=proposal,
                expert=expert,
                feasibility=rng.randint(2, 5),
                cost_range=rng.choice(CostRange.values),
                risks=text["risks"],
                recommendation=rng.choice(Recommendation.values),
                text=text["text"],
                created_at=created_at + timedelta(seconds=rng.uniform(0.2, 0.9) * span),
            )
        )
    return assessments


def _save_comments(proposals: list[Proposal], comments: list[Comment]) -> None:
    """Top-level comments first (replies need their ids), then the proposals' comment counts."""
    top_level = [c for c in comments if c.parent is None]
    Comment.objects.bulk_create(top_level)
    replies = [c for c in comments if c.parent is not None]
    for reply in replies:
        reply.parent_id = reply.parent.pk
    Comment.objects.bulk_create(replies)
    counts = {}
    for comment in comments:
        counts[comment.proposal_id] = counts.get(comment.proposal_id, 0) + 1
    for proposal in proposals:
        proposal.comment_count = counts.get(proposal.pk, 0)
    Proposal.objects.bulk_update(proposals, ["comment_count"])


def _comments_for(rng, proposal, plan, residents, experts, administrator, now) -> list[Comment]:
    if proposal.status == ProposalStatus.WITHDRAWN:
        return []
    korean = plan["korean"]
    created_at = plan["created_at"]
    span = max((now - created_at).total_seconds(), 3600)
    comments = []
    for _ in range(rng.choice([0, 0, 1, 2, 2, 3, 4, 6])):
        author = rng.choice(residents)
        top = Comment(
            proposal=proposal,
            author=author,
            author_role=Role.RESIDENT,
            body=rng.choice(TEXTS["comments_ko" if korean else "comments_en"]),
            created_at=created_at + timedelta(seconds=rng.uniform(0.05, 0.6) * span),
        )
        comments.append(top)
        if rng.random() < 0.35:
            comments.append(
                Comment(
                    proposal=proposal,
                    parent=top,
                    author=rng.choice(residents),
                    author_role=Role.RESIDENT,
                    body=rng.choice(TEXTS["replies_ko" if korean else "replies_en"]),
                    created_at=top.created_at + timedelta(minutes=rng.randint(5, 600)),
                )
            )
    if experts and rng.random() < 0.25:
        comments.append(
            Comment(
                proposal=proposal,
                author=rng.choice(experts),
                author_role=Role.EXPERT,
                body=rng.choice(TEXTS["expert_comments"]),
                created_at=created_at + timedelta(seconds=rng.uniform(0.3, 0.8) * span),
            )
        )
    if administrator and proposal.status in TEXTS["official_answers"]:
        comments.append(
            Comment(
                proposal=proposal,
                author=administrator,
                author_role=Role.ADMINISTRATOR,
                body=TEXTS["official_answers"][proposal.status],
                is_official_answer=True,
                created_at=now - timedelta(days=1, seconds=rng.uniform(0, 3600)),
            )
        )
    return comments


def _moderate(rng, proposals, comments, administrator) -> int:
    """A few hidden items, through the services so the admin history shows them."""
    if administrator is None:
        return 0
    published = [p for p in proposals if p.status == ProposalStatus.PUBLISHED]
    hidden = 0
    for proposal in rng.sample(published, min(2, len(published))):
        services.hide_proposal(proposal, by=administrator, reason=TEXTS["hidden_proposal_reason"])
        hidden += 1
    resident_comments = [c for c in comments if c.author_role == Role.RESIDENT and c.parent is None]
    for comment in rng.sample(resident_comments, min(3, len(resident_comments))):
        services.hide_comment(comment, by=administrator, reason=TEXTS["hidden_comment_reason"])
        hidden += 1
    return hidden
