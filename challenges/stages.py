"""The states of a challenge and of its decision, and the one table of moves between stages.

Kept apart from the models so that rules, forms and templates can name them without importing the pages.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Stage(models.TextChoices):
    DISCOVERY = "discovery", _("Discovery")
    CODESIGN = "codesign", _("Co-design")
    PILOT = "pilot", _("Pilot")
    EVALUATION = "evaluation", _("Evaluation")
    DECISION = "decision", _("Decision")


STAGE_ORDER: tuple[str, ...] = tuple(Stage.values)
# The one transition table: administrators move a challenge one stage on (``change_stage``). The last move,
# evaluation → decision, is made only by recording the decision (``record_decision``), which closes it.
STAGE_TRANSITIONS: dict[str, tuple[str, ...]] = {
    Stage.DISCOVERY: (Stage.CODESIGN,),
    Stage.CODESIGN: (Stage.PILOT,),
    Stage.PILOT: (Stage.EVALUATION,),
}
# Proposals are shortlisted for co-design while problems are gathered or co-design runs.
SHORTLIST_STAGES = (Stage.DISCOVERY, Stage.CODESIGN)


def stage_label(stage: str) -> str:
    return str(Stage(stage).label) if stage in Stage.values else str(stage)


class PartnerRole(models.TextChoices):
    DISTRICT = "district", _("District office")
    UNIVERSITY = "university", _("University or research institute")
    COMPANY = "company", _("Company")
    RESIDENTS = "residents", _("Residents' association")
    OTHER = "other", _("Other")


class DecisionOutcome(models.TextChoices):
    SCALE_DISTRICT = "scale_district", _("Scale district-wide")
    SCALE_DONGS = "scale_dongs", _("Scale to named neighbourhoods")
    ADAPT = "adapt", _("Adapt and pilot again")
    STOP = "stop", _("Stop")


SCALE_OUTCOMES = (DecisionOutcome.SCALE_DISTRICT, DecisionOutcome.SCALE_DONGS)
