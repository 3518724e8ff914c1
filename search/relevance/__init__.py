"""The judged query set (queries.json) and the measures `manage.py search_eval` reports.

A judgment names what a resident expects by the demo data's own vocabulary (problem templates, places, dongs,
language) instead of database ids, so it survives a reload of the demo data. `label_proposals` recovers those
names from each proposal's title and area; `relevant_ids` turns a judgment into the set of proposal ids.
"""

import json
import math
import re
from dataclasses import dataclass
from pathlib import Path

JUDGMENTS_FILE = Path(__file__).with_name("queries.json")
DUPLICATES_FILE = Path(__file__).with_name("duplicates.json")
CUTOFF = 10


def load(path: Path = JUDGMENTS_FILE) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


@dataclass(frozen=True)
class Label:
    template: str | None
    lang: str | None
    place: str | None
    dong: str
    extra: str | None = None


def _title_patterns(judgments: dict) -> list[tuple[re.Pattern, str, str]]:
    patterns = []
    for key, titles in judgments["templates"].items():
        for lang, title in titles.items():
            regex = re.escape(title).replace(re.escape("{place}"), "(?P<place>.+)")
            patterns.append((re.compile(f"^{regex}$"), key, lang))
    return patterns


def label_proposals(judgments: dict, rows) -> dict[int, Label]:
    """Labels for (id, title, dong slug) rows: demo proposals by title pattern, extra ones by exact title."""
    patterns = _title_patterns(judgments)
    place_names = {(place[lang], lang): key for key, place in judgments["places"].items() for lang in ("ko", "en")}
    extras = {extra["title"]: extra["key"] for extra in judgments["extra_proposals"]}
    labels = {}
    for pk, title, dong in rows:
        if title in extras:
            labels[pk] = Label(None, None, None, dong, extra=extras[title])
            continue
        for pattern, template, lang in patterns:
            if match := pattern.match(title):
                labels[pk] = Label(template, lang, place_names.get((match["place"], lang)), dong)
                break
    return labels


def _matches(label: Label, clause: dict) -> bool:
    if "extra" in clause:
        return label.extra in clause["extra"]
    if label.extra is not None and "dongs" not in clause:
        return False
    checks = [
        ("templates", label.template),
        ("places", label.place),
        ("dongs", label.dong),
    ]
    if any(name in clause and value not in clause[name] for name, value in checks):
        return False
    return "lang" not in clause or clause["lang"] == label.lang


def relevant_ids(judgment: dict, labels: dict[int, Label]) -> set[int]:
    return {pk for pk, label in labels.items() if any(_matches(label, c) for c in judgment["relevant"])}


def recall_at(ranked: list[int], relevant: set[int], k: int = CUTOFF) -> float:
    """Share of the relevant proposals in the first k, out of at most k (a set of 30 cannot fit in 10)."""
    if not relevant:
        return 1.0
    return len(set(ranked[:k]) & relevant) / min(len(relevant), k)


def reciprocal_rank(ranked: list[int], relevant: set[int]) -> float:
    return next((1.0 / rank for rank, pk in enumerate(ranked, start=1) if pk in relevant), 0.0)


def ndcg_at(ranked: list[int], relevant: set[int], k: int = CUTOFF) -> float:
    """Binary-gain nDCG: 1 when the first k are all relevant (or all relevant ones come first)."""
    if not relevant:
        return 1.0
    gain = sum(1 / math.log2(rank + 1) for rank, pk in enumerate(ranked[:k], start=1) if pk in relevant)
    ideal = sum(1 / math.log2(rank + 1) for rank in range(1, min(len(relevant), k) + 1))
    return gain / ideal
