"""Rich text that cannot break the editor: references to pages, documents and images are checked on save.

Draftail stores a page link as ``<a linktype="page" id="…">`` with whatever id the posted entity data held.
Wagtail's editor and renderer look the id up as a number, so a crafted draft with ``id="abc"`` made the
administrator's edit and preview of that page answer 500 (issue 15 point 7). ``CheckedRichTextBlock`` refuses
such a value with a validation error, so the draft is never stored; ``home/wagtail_hooks.py`` keeps the editor
open for values stored before this check.
"""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.rich_text.rewriters import FIND_A_TAG, FIND_EMBED_TAG, extract_attrs

# Reference types whose id Wagtail looks up as a database key.
ID_LINKTYPES = {"page", "document"}
ID_EMBEDTYPES = {"image"}
DATABASE_ID = re.compile(r"[1-9][0-9]{0,18}")


def invalid_references(html: str) -> list[str]:
    """The ``type:id`` of every page/document link and image embed whose id is not a database id."""
    problems = []
    for pattern, kind, id_types in (
        (FIND_A_TAG, "linktype", ID_LINKTYPES),
        (FIND_EMBED_TAG, "embedtype", ID_EMBEDTYPES),
    ):
        for match in pattern.finditer(html or ""):
            attrs = extract_attrs(match.group(1))
            reference_type = attrs.get(kind)
            if reference_type is None:
                continue
            identifier = attrs.get("id", "")
            if reference_type not in id_types or not DATABASE_ID.fullmatch(identifier):
                problems.append(f"{reference_type}:{identifier}")
    return problems


def validate_rich_text_references(html: str) -> None:
    problems = invalid_references(html)
    if problems:
        raise ValidationError(
            _("This text links to something that does not exist (%(references)s). Choose the link again."),
            code="invalid_rich_text_reference",
            params={"references": ", ".join(problems[:5])},
        )


class CheckedRichTextBlock(blocks.RichTextBlock):
    """Wagtail's rich text block, refusing links and embeds whose ids are not real database ids."""

    def clean(self, value):
        value = super().clean(value)
        validate_rich_text_references(value.source)
        return value
