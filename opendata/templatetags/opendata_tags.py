from django import template
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

register = template.Library()

SERIES_LABELS = {
    "proposals": _("Proposals"),
    "supporters": _("Supporters"),
    "authors": _("Authors"),
    "pilots": _("Pilots"),
    "challenges": _("Challenges"),
    "metrics_measured": _("Metrics measured"),
    "metrics_met": _("Targets met"),
}
LABEL_TITLES = {"month": _("Month"), "label": _("Status"), "name": _("Neighbourhood")}


def _label(row: dict, label_key: str) -> str:
    if label_key == "name" and (get_language() or "").startswith("en") and row.get("name_en"):
        return row["name_en"]
    return str(row[label_key])


@register.simple_tag
def chart_data(rows: list[dict], label_key: str, keys: str, chart_id: str, label_title: str = "") -> dict:
    """One statistic as chart data and table rows, from the list of dicts ``opendata.statistics`` returns.

    ``label_title`` heads the label column when the label key's usual title does not fit (stages, not statuses).
    """
    names = keys.split(",")
    labels = [_label(row, label_key) for row in rows]
    return {
        "json_id": f"{chart_id}-data",
        "label_title": str(label_title or LABEL_TITLES[label_key]),
        "labels": labels,
        "series": [{"key": n, "label": str(SERIES_LABELS[n]), "values": [row[n] for row in rows]} for n in names],
        "table": [{"label": label, "values": [row[n] for n in names]} for label, row in zip(labels, rows, strict=True)],
    }
