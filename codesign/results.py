"""Survey results: counts per option for every choice and scale question, and before/after side by side.

Free-text answers are counted, never shown here: they may name people, and administrators read them in the
admin's submissions listing. Each result carries what its chart needs and the same numbers for its table.
"""

import hashlib
from collections import Counter
from dataclasses import dataclass, field

from django.core.cache import cache
from django.db.models import Count, Max

from .models import CHOICE_FIELD_TYPES, SurveyAnswer, SurveyPage, SurveyPhase


@dataclass
class QuestionResult:
    key: str
    label: str
    field_type: str
    answered: int = 0
    options: list[tuple[str, int]] = field(default_factory=list)

    @property
    def is_choice(self) -> bool:
        return self.field_type in CHOICE_FIELD_TYPES

    @property
    def average(self) -> float | None:
        if self.field_type != "scale" or not self.answered:
            return None
        total = sum(int(option) * count for option, count in self.options)
        return round(total / self.answered, 2)

    def count_of(self, option: str) -> int:
        return dict(self.options).get(option, 0)

    @property
    def json_id(self) -> str:
        return f"result-{self.key}-data"

    @property
    def chart_data(self) -> dict:
        """What its bar chart draws (``js/charts.js``, ``data-result-chart``): the same numbers as its table."""
        return {"labels": [option for option, _count in self.options], "counts": [c for _o, c in self.options]}


def survey_results(survey: SurveyPage, answers=None) -> list[QuestionResult]:
    fields = list(survey.form_fields.all())
    if answers is None:
        answers = list(SurveyAnswer.objects.filter(page=survey).values_list("form_data", flat=True))
    results = []
    for question in fields:
        key = question.clean_name
        counts: Counter = Counter()
        answered = 0
        for data in answers:
            value = data.get(key)
            if value in (None, "", []):
                continue
            answered += 1
            if isinstance(value, list):
                counts.update(str(v) for v in value)
            else:
                counts[str(value)] += 1
        options = (
            [(option, counts.get(option, 0)) for option in question.option_labels()]
            if question.field_type in CHOICE_FIELD_TYPES
            else []
        )
        results.append(QuestionResult(key, question.label, question.field_type, answered, options))
    return results


@dataclass
class Comparison:
    label: str
    field_type: str
    before: QuestionResult
    after: QuestionResult

    @property
    def rows(self) -> list[tuple[str, int, int]]:
        return [
            (option, self.before.count_of(option), self.after.count_of(option))
            for option, _count in self.before.options
        ]

    @property
    def dom_id(self) -> str:
        return f"compare-{self.before.key}"

    @property
    def json_id(self) -> str:
        return f"{self.dom_id}-data"

    @property
    def chart_data(self) -> dict:
        return {
            "labels": [row[0] for row in self.rows],
            "before": [row[1] for row in self.rows],
            "after": [row[2] for row in self.rows],
        }


def live_surveys_about(page):
    return SurveyPage.objects.live().public().filter(subject_page_id=page.pk).order_by("pk")


COMPARISONS_TTL = 24 * 60 * 60


def before_after(page, surveys: list[SurveyPage] | None = None) -> list[Comparison]:
    """The choice and scale questions asked both before and after the pilot, matched by their question text.

    ``surveys``: the page's live surveys when the caller has read them already. Cached per pair of surveys
    as last published (their questions) and their answers' count and newest id: a new or deleted answer, or a
    survey published again, makes new comparisons; an unchanged pair costs one small query.
    """
    if surveys is None:
        surveys = list(live_surveys_about(page).filter(phase__in=[SurveyPhase.BEFORE, SurveyPhase.AFTER]))
    before = next((s for s in surveys if s.phase == SurveyPhase.BEFORE), None)
    after = next((s for s in surveys if s.phase == SurveyPhase.AFTER), None)
    if before is None or after is None:
        return []
    answers = SurveyAnswer.objects.filter(page_id__in=[before.pk, after.pk]).aggregate(n=Count("pk"), last=Max("pk"))
    described = repr(
        [(s.pk, s.last_published_at and s.last_published_at.isoformat()) for s in (before, after)]
        + [answers["n"], answers["last"]]
    )
    key = f"codesign:before-after:{page.pk}:{hashlib.sha256(described.encode()).hexdigest()[:24]}"
    comparisons = cache.get(key)
    if comparisons is None:
        comparisons = _compare(before, after)
        cache.set(key, comparisons, COMPARISONS_TTL)
    return comparisons


def _compare(before: SurveyPage, after: SurveyPage) -> list[Comparison]:
    after_results = {r.key: r for r in survey_results(after)}
    comparisons = []
    for result in survey_results(before):
        other = after_results.get(result.key)
        if result.is_choice and other is not None and other.field_type == result.field_type:
            comparisons.append(Comparison(result.label, result.field_type, result, other))
    return comparisons


def _result_data(result: QuestionResult) -> dict:
    return {"answered": result.answered, "average": result.average, "options": [list(o) for o in result.options]}


def survey_summary(page) -> dict:
    """``page``'s live surveys with their answer counts, and its before/after comparisons, as plain data.

    What a decision keeps as its survey evidence (JSON): it stays true when answers come in later.
    """
    surveys = list(live_surveys_about(page))
    counts = dict(
        SurveyAnswer.objects.filter(page_id__in=[s.pk for s in surveys])
        .values("page_id")
        .annotate(answers=Count("id"))
        .values_list("page_id", "answers")
    )
    return {
        "surveys": [{"id": s.pk, "title": s.title, "phase": s.phase, "answers": counts.get(s.pk, 0)} for s in surveys],
        "before_after": [
            {
                "question": comparison.label,
                "type": comparison.field_type,
                "before": _result_data(comparison.before),
                "after": _result_data(comparison.after),
            }
            for comparison in before_after(page)
        ],
    }
