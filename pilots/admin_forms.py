"""The pilot page's admin form: checks across the inline panels that a single field cannot see."""

from anyascii import anyascii
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminPageForm

SLUG_LENGTH = 50


def ascii_slug(title: str) -> str:
    """A short, readable ASCII slug: Korean titles are romanised rather than percent-encoded in the URL."""
    slug = slugify(anyascii(title or ""))
    if len(slug) > SLUG_LENGTH:
        slug = slug[:SLUG_LENGTH].rsplit("-", 1)[0] or slug[:SLUG_LENGTH]
    return slug or "pilot"


class PilotPageForm(WagtailAdminPageForm):
    def clean_slug(self):
        slug = self.cleaned_data.get("slug") or ""
        if self.instance.first_published_at is not None:
            return slug  # a published address stays as it is
        if not slug.isascii():
            slug = ascii_slug(self.cleaned_data.get("title") or slug)
        return self._past_abandoned_drafts(slug)

    def _past_abandoned_drafts(self, slug: str) -> str:
        """Autosave stores a draft as soon as an "add page" form is touched; one left behind (never
        published) must not block the slug of the page made next. A live page's slug still conflicts."""
        if self.parent_page is None:
            return slug
        siblings = self.parent_page.get_children()
        if self.instance.pk:
            siblings = siblings.exclude(pk=self.instance.pk)
        taken = dict(siblings.filter(slug__startswith=slug).values_list("slug", "first_published_at"))
        if slug not in taken or taken[slug] is not None:
            return slug
        number = 2
        while f"{slug}-{number}" in taken:
            number += 1
        return f"{slug}-{number}"

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
