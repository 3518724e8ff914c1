"""The numbers behind the ``/stats/`` page, from the same functions the page uses."""

from ninja import Router

from ... import statistics
from ..params import NoParams, reject_unknown
from ..schemas import AnswerStats, DongCount, Error, MonthCount, PilotOutcome, StageCount, StatusCount

router = Router(tags=["statistics"])
RESPONSES = {400: Error, 429: Error}


@router.get("/stats/proposals-over-time/", response={200: list[MonthCount], **RESPONSES})
def proposals_over_time(request):
    reject_unknown(request, NoParams)
    return statistics.proposals_over_time()


@router.get("/stats/participation-by-dong/", response={200: list[DongCount], **RESPONSES})
def participation_by_dong(request):
    reject_unknown(request, NoParams)
    return statistics.participation_by_dong()


@router.get("/stats/answers/", response={200: AnswerStats, **RESPONSES})
def answers(request):
    reject_unknown(request, NoParams)
    return statistics.answers()


@router.get("/stats/proposals-by-status/", response={200: list[StatusCount], **RESPONSES})
def proposals_by_status(request):
    reject_unknown(request, NoParams)
    return statistics.proposals_by_status()


@router.get("/stats/proposals-by-challenge-stage/", response={200: list[StageCount], **RESPONSES})
def proposals_by_challenge_stage(request):
    reject_unknown(request, NoParams)
    return statistics.proposals_by_challenge_stage()


@router.get("/stats/pilots/", response={200: list[PilotOutcome], **RESPONSES})
def pilots_and_outcomes(request):
    reject_unknown(request, NoParams)
    return statistics.pilots_and_outcomes()
