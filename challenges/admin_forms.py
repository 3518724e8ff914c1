"""The challenge page's admin form: checks across the stages that a single field cannot see."""

from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminPageForm

from .stages import STAGE_ORDER, Stage, stage_label


def stage_errors(stages: list[dict]) -> dict[int, dict[str, str]]:
    """Errors per stage row (by its index in ``stages``) and field: reversed dates, a stage twice, overlaps,
    or stages out of their order (discovery first, decision last). Rows are dicts with stage/start/end."""
    errors: dict[int, dict[str, str]] = {}
    seen: dict[str, int] = {}
    for position, row in enumerate(stages):
        if row["end"] < row["start"]:
            errors.setdefault(position, {})["end"] = str(_("A stage cannot end before it starts."))
        if row["stage"] in seen:
            errors.setdefault(position, {})["stage"] = str(
                _("“%(stage)s” is already a stage of this challenge.") % {"stage": stage_label(row["stage"])}
            )
        seen.setdefault(row["stage"], position)
    ordered = sorted(
        ((position, row) for position, row in enumerate(stages) if row["stage"] in STAGE_ORDER),
        key=lambda item: STAGE_ORDER.index(item[1]["stage"]),
    )
    for (_before_pos, before), (position, after) in zip(ordered, ordered[1:], strict=False):
        if before["stage"] == after["stage"]:
            continue
        if after["start"] <= before["end"]:
            errors.setdefault(position, {}).setdefault(
                "start",
                str(
                    _("“%(stage)s” must start after “%(previous)s” ends (%(end)s): stages follow each other.")
                    % {
                        "stage": stage_label(after["stage"]),
                        "previous": stage_label(before["stage"]),
                        "end": before["end"].isoformat(),
                    }
                ),
            )
    return errors


class ChallengePageForm(WagtailAdminPageForm):
    def is_valid(self):
        valid = super().is_valid()
        formset = self.formsets.get("stages")
        if formset is None:
            return valid
        forms, rows = [], []
        for form in formset.forms:
            data = getattr(form, "cleaned_data", None) or {}
            if not data or data.get("DELETE") or not all(data.get(key) for key in ("stage", "start", "end")):
                continue
            forms.append(form)
            rows.append(data)
        for position, fields in stage_errors(rows).items():
            for field, message in fields.items():
                if field not in forms[position].errors:
                    forms[position].add_error(field, message)
            valid = False
        if rows and Stage.DISCOVERY not in {row["stage"] for row in rows}:
            self.add_error(None, _("Give the discovery stage its dates: that is when residents bring problems."))
            valid = False
        return valid
