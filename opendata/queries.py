"""What the public may read, defined once: the API, the datasets and the statistics page all start here.

Hidden and withdrawn proposals, hidden or removed comments, pilots and challenges that are not live or not
public, and co-design sessions that are unpublished or hang on such a page never leave these querysets, so no
count, facet or file built on them can reveal them.
"""

from django.db.models import Count, DateTimeField, IntegerField, Max, OuterRef, Prefetch, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone
from wagtail.models import Page

from accounts.models import Role
from challenges.models import ChallengeDecision, ChallengePage, ChallengePilot, ChallengeStage, Shortlisting
from codesign.models import Registration, RegistrationStatus, Session, WalkIn
from pilots.models import PilotMetric, PilotPage, PilotProposal, ResultDataPoint, ResultSeries
from proposals.models import Area, Assessment, Category, Comment, Proposal, ProposalPhoto, StatusChange
from sensors.models import DailyRollup, SensorSite


def areas():
    return Area.objects.select_related("parent").order_by("pk")


def categories():
    return Category.objects.order_by("pk")


# The public columns of a proposal, in the order the dataset writes them. The API reads the same rows: plain
# values are a fraction of the cost of model instances with four related objects each.
PROPOSAL_COLUMNS = (
    "id",
    "title",
    "description",
    "status",
    "category__slug",
    "area__slug",
    "area__parent__slug",
    "latitude",
    "longitude",
    "author__display_name",
    "author__role",
    "channel",
    "vote_count",
    "comment_count",
    "created_at",
    "updated_at",
)


def proposals():
    """Public proposals: not hidden by a moderator, not withdrawn by their author."""
    return Proposal.objects.public()


def proposal_rows():
    return proposals().values(*PROPOSAL_COLUMNS)


def photos_of(proposal_ids) -> dict[int, list[dict]]:
    """The photos of these proposals in their order, in one query."""
    photos: dict[int, list[dict]] = {pk: [] for pk in proposal_ids}
    rows = (
        ProposalPhoto.objects.filter(proposal_id__in=proposal_ids)
        .order_by("proposal_id", "position", "id")
        .values("proposal_id", "image", "thumbnail", "alt_text", "width", "height")
    )
    for row in rows:
        photos[row["proposal_id"]].append(row)
    return photos


def status_changes():
    """Timeline steps of public proposals (a withdrawal never shows: withdrawn proposals are not public)."""
    return StatusChange.objects.filter(proposal__in=Proposal.objects.public()).select_related("proposal")


def official_answers():
    """Comments an administrator marked as the district's official answer, on public proposals."""
    return Comment.objects.filter(
        proposal__in=Proposal.objects.public(),
        is_official_answer=True,
        is_hidden=False,
        is_removed=False,
        author_role=Role.ADMINISTRATOR,
    ).select_related("author")


def assessments():
    return Assessment.objects.filter(proposal__in=Proposal.objects.public()).select_related("expert")


def pilot_pages():
    """Live pilot pages without a view restriction: drafts and private pages never appear."""
    return PilotPage.objects.live().public()


def pilots():
    return pilot_pages().select_related("area", "category").prefetch_related("partners", "phases", "metrics", "series")


def pilot_proposal_ids(pilot_ids) -> dict[int, list[int]]:
    """The public proposals each pilot answers, in one query."""
    links: dict[int, list[int]] = {pk: [] for pk in pilot_ids}
    rows = (
        PilotProposal.objects.filter(page_id__in=pilot_ids, proposal__in=Proposal.objects.public())
        .values_list("page_id", "proposal_id")
        .order_by("page_id", "proposal_id")
    )
    for page_id, proposal_id in rows:
        links[page_id].append(proposal_id)
    return links


def metrics():
    return PilotMetric.objects.filter(page__in=pilot_pages()).select_related("page")


def series():
    return ResultSeries.objects.filter(page__in=pilot_pages()).select_related("page")


def series_points():
    return ResultDataPoint.objects.filter(series__page__in=pilot_pages()).select_related("series", "series__page")


def in_area(queryset, area: Area, field: str = "area"):
    """Rows in ``area`` or, for a district, in any of its neighbourhoods (the list page's rule).

    A subquery of area ids rather than an OR across the join, so the database can use the area index.
    """
    return queryset.filter(**{f"{field}__in": Area.objects.filter(Q(pk=area.pk) | Q(parent=area)).values("pk")})


# --- challenges ----------------------------------------------------------------------------------------


def challenge_pages():
    """Live challenge pages without a view restriction."""
    return ChallengePage.objects.live().public()


def challenges():
    return (
        challenge_pages()
        .select_related("decision")
        .prefetch_related(
            "areas",
            "categories",
            "partners",
            "decision__dongs",
            Prefetch("stages", queryset=ChallengeStage.objects.order_by("start", "pk")),
            Prefetch(
                "pilot_links",
                queryset=ChallengePilot.objects.filter(pilot__in=pilot_pages()).order_by("sort_order", "pk"),
                to_attr="public_pilot_links",
            ),
            Prefetch("stage_changes", to_attr="timeline"),
            Prefetch(
                "shortlist",
                queryset=Shortlisting.objects.filter(proposal__in=proposals()).order_by("created_at", "pk"),
                to_attr="public_shortlist",
            ),
        )
    )


def decisions():
    """Recorded decisions of public challenges: a draft or private challenge's decision never leaves here."""
    return (
        ChallengeDecision.objects.filter(challenge__in=challenge_pages())
        .select_related("challenge")
        .prefetch_related("dongs", "challenge__areas")
    )


def evidence_pilots(evidence) -> list[dict]:
    """The pilots a decision's evidence snapshot names (entries with an id), whether public now or not."""
    pilots = evidence.get("pilots") if isinstance(evidence, dict) else None
    if not isinstance(pilots, list):
        return []
    return [p for p in pilots if isinstance(p, dict) and isinstance(p.get("id"), int)]


def challenge_proposal_ids(challenge_ids) -> dict[int, list[int]]:
    """The public proposals submitted into each challenge, in one query."""
    links: dict[int, list[int]] = {pk: [] for pk in challenge_ids}
    rows = proposals().filter(challenge_id__in=challenge_ids).order_by("challenge_id", "pk")
    for challenge_id, proposal_id in rows.values_list("challenge_id", "pk"):
        links[challenge_id].append(proposal_id)
    return links


def public_pilot_ids(pilot_ids) -> set[int]:
    return set(pilot_pages().filter(pk__in=list(pilot_ids)).values_list("pk", flat=True))


# --- co-design sessions --------------------------------------------------------------------------------


def session_pages():
    """The pages sessions may hang on: live and public (a draft challenge's sessions stay out)."""
    return Page.objects.live().public()


def sessions():
    """Published sessions of public pages, with their attendance counts (checked-in registrations, walk-ins).

    The counts are subqueries rather than joins: a join across registrations and walk-ins would multiply them.
    Only registrations that kept their seat count; the online link is never read.
    """
    checked_in = (
        Registration.objects.filter(
            session=OuterRef("pk"), status=RegistrationStatus.REGISTERED, checked_in_at__isnull=False
        )
        .order_by()
        .values("session")
        .annotate(n=Count("pk"))
        .values("n")
    )
    walk_ins = WalkIn.objects.filter(session=OuterRef("pk")).order_by().values("session").annotate(n=Sum("count"))
    zero = Value(0, output_field=IntegerField())
    return (
        Session.objects.filter(is_published=True, page__in=session_pages())
        .defer("online_url")
        .annotate(
            checked_in=Coalesce(Subquery(checked_in, output_field=IntegerField()), zero),
            walk_in_total=Coalesce(Subquery(walk_ins.values("n"), output_field=IntegerField()), zero),
            counts_changed_at=_counts_changed_at(),
        )
    )


def _counts_changed_at():
    """When a session's seats or attendance last changed: the latest registration move or walk-in count.

    Feeds ``Last-Modified``. Unchecking someone leaves no time behind; the body's ``ETag`` still changes.
    """
    registration = Registration.objects.filter(session=OuterRef("pk")).order_by()
    moved = Greatest(
        "created_at",
        Coalesce("promoted_at", "created_at"),
        Coalesce("cancelled_at", "created_at"),
        Coalesce("checked_in_at", "created_at"),
    )
    last_move = registration.annotate(moved=moved).values("session").annotate(last=Max("moved")).values("last")
    last_walk_in = (
        WalkIn.objects.filter(session=OuterRef("pk")).order_by().values("session").annotate(last=Max("recorded_at"))
    )
    return Greatest(
        Coalesce(Subquery(last_move, output_field=DateTimeField()), "created_at"),
        Coalesce(Subquery(last_walk_in.values("last"), output_field=DateTimeField()), "created_at"),
    )


def session_proposal_ids(session_ids) -> dict[int, list[int]]:
    """The public proposals each session produced, in one query."""
    links: dict[int, list[int]] = {pk: [] for pk in session_ids}
    through = Session.proposals.through
    rows = through.objects.filter(session_id__in=session_ids, proposal__in=proposals()).order_by(
        "session_id", "proposal_id"
    )
    for session_id, proposal_id in rows.values_list("session_id", "proposal_id"):
        links[session_id].append(proposal_id)
    return links


def ended_sessions(now=None):
    """Sessions that are over: only they have attendance to count."""
    return sessions().filter(ends_at__lte=now or timezone.now())


# --- sensors -------------------------------------------------------------------------------------------


def sensor_sites():
    """Sensor sites of public pilots."""
    return SensorSite.objects.filter(pilot__in=pilot_pages()).select_related("area")


def daily_rollups():
    """Daily rollups of the streams at public pilots' sites."""
    return DailyRollup.objects.filter(stream__site__pilot__in=pilot_pages()).select_related("stream", "stream__site")
