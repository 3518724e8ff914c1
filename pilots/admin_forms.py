"""The pilot page's admin form: checks across the inline panels that a single field cannot see."""

from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminPageForm


class PilotPageForm(WagtailAdminPageForm):
    def is_valid(self):
        valid = super().is_valid()
        series = self.formsets.get("series")
        if series is None:
            return valid
        seen = set()
        for form in series.forms:
            data = getattr(form, "cleaned_data", None) or {}
            if not data or data.get("DELETE"):
                continue
            # CSV rows name their series, so two series with one name would make an import ambiguous.
            name = (data.get("name") or "").strip().casefold()
            if name in seen:
                form.add_error("name", _("Another series of this pilot already has this name."))
                valid = False
            seen.add(name)
        return valid
