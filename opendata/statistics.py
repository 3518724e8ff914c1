"""Public statistics, computed from ``opendata.queries`` so they can only count what the public may see.

The ``/stats/`` page and the API's ``/stats/`` endpoints call the same functions; each returns plain data
(lists of dicts with numbers and ISO dates) that a chart, a table and a JSON body can all use.
"""

import statistics as pystats
from datetime import timedelta

from django.db.models import Count, Min
from django.db.models.functions import TruncMonth

from challenges.stages import STAGE_ORDER, stage_label
from pilots.models import PilotStatus
from proposals.models import ProposalStatus, Vote

from . import queries

PUBLIC_STATUSES = [s for s in ProposalStatus.values if s != ProposalStatus.WITHDRAWN]


def _per_month(queryset):
    """(month, count) pairs of the rows of ``queryset`` by the month they were created in."""
    return (
        queryset.annotate(month=TruncMonth("created_at"))
        .values("month")
        .annotate(n=Count("pk"))
        .values_list("month", "n")
    )


def proposals_over_time() -> list[dict]:
    """Per month: new public proposals and the supporters (votes) they received that month."""
    proposals = _per_month(queries.proposals().order_by())
    votes = _per_month(Vote.objects.filter(proposal__in=queries.proposals().order_by().values("pk")))
    months: dict = {}
    for month, n in proposals:
        months.setdefault(month.date(), {"proposals": 0, "supporters": 0})["proposals"] = n
    for month, n in votes:
        months.setdefault(month.date(), {"proposals": 0, "supporters": 0})["supporters"] = n
    return [{"month": month.isoformat()[:7], **counts} for month, counts in sorted(months.items())]


def participation_by_dong() -> list[dict]:
    """Per neighbourhood (dong): public proposals, their supporters and comments, and distinct authors."""
    rows = (
        queries.proposals()
        .order_by()
        .values("area__slug", "area__name", "area__name_en")
        .annotate(
            proposals=Count("pk", distinct=True),
            authors=Count("author", distinct=True),
        )
    )
    supporters = dict(
        queries.proposals().order_by().values("area__slug").annotate(n=Count("votes")).values_list("area__slug", "n")
    )
    return sorted(
        (
            {
                "area": row["area__slug"],
                "name": row["area__name"],
                "name_en": row["area__name_en"],
                "proposals": row["proposals"],
                "authors": row["authors"],
                "supporters": supporters.get(row["area__slug"], 0),
            }
            for row in rows
        ),
        key=lambda row: (-row["proposals"], row["area"]),
    )


def answers() -> dict:
    """The share of public proposals with an official answer, and the median days it took to the first one.

    An official answer is a status change that carries an official response, or a comment an administrator
    marked as the official answer; the first of either counts.
    """
    first_response = dict(
        queries.status_changes()
        .exclude(official_response="")
        .order_by()
        .values("proposal_id")
        .annotate(first=Min("created_at"))
        .values_list("proposal_id", "first")
    )
    for proposal_id, first in (
        queries.official_answers()
        .order_by()
        .values("proposal_id")
        .annotate(first=Min("created_at"))
        .values_list("proposal_id", "first")
    ):
        if proposal_id not in first_response or first < first_response[proposal_id]:
            first_response[proposal_id] = first
    created = dict(queries.proposals().order_by().values_list("pk", "created_at"))
    waits = [first_response[pk] - created[pk] for pk in first_response if pk in created]
    days = [max(wait, timedelta(0)).total_seconds() / 86400 for wait in waits]
    total = len(created)
    return {
        "proposals": total,
        "answered": len(days),
        "share_answered": round(len(days) / total, 4) if total else None,
        "median_days_to_answer": round(pystats.median(days), 1) if days else None,
    }


def proposals_by_status() -> list[dict]:
    counts = dict(queries.proposals().order_by().values("status").annotate(n=Count("pk")).values_list("status", "n"))
    return [
        {"status": status, "label": str(ProposalStatus(status).label), "proposals": counts.get(status, 0)}
        for status in PUBLIC_STATUSES
    ]


def proposals_by_challenge_stage() -> list[dict]:
    """Per stage, in the cycle's order: published challenges now in it, and the public proposals they hold.

    Proposals outside any challenge, or in a challenge that is not published, are not counted here.
    """
    challenges = queries.challenge_pages()
    challenge_counts = dict(
        challenges.order_by().values("current_stage").annotate(n=Count("pk")).values_list("current_stage", "n")
    )
    proposal_counts = dict(
        queries.proposals()
        .filter(challenge__in=challenges.values("pk"))
        .order_by()
        .values("challenge__current_stage")
        .annotate(n=Count("pk"))
        .values_list("challenge__current_stage", "n")
    )
    return [
        {
            "stage": stage,
            "label": stage_label(stage),
            "challenges": challenge_counts.get(stage, 0),
            "proposals": proposal_counts.get(stage, 0),
        }
        for stage in STAGE_ORDER
    ]


def pilots_and_outcomes() -> list[dict]:
    """Per pilot status: how many pilots, and how many of their measured metrics met the target."""
    pilot_counts = dict(
        queries.pilot_pages().order_by().values("status").annotate(n=Count("pk")).values_list("status", "n")
    )
    metric_rows = queries.metrics().values("page__status", "actual", "target", "higher_is_better")
    met: dict[str, list[int]] = {status: [0, 0] for status in PilotStatus.values}
    for row in metric_rows:
        if row["actual"] is None:
            continue
        hit = row["actual"] >= row["target"] if row["higher_is_better"] else row["actual"] <= row["target"]
        met[row["page__status"]][0] += 1
        met[row["page__status"]][1] += int(hit)
    return [
        {
            "status": status,
            "label": str(PilotStatus(status).label),
            "pilots": pilot_counts.get(status, 0),
            "metrics_measured": met[status][0],
            "metrics_met": met[status][1],
        }
        for status in PilotStatus.values
    ]
