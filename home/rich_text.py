"""Rich text that cannot break the editor or a page: references to pages, documents and images are checked.

Draftail stores a page link as ``<a linktype="page" id="…">`` with whatever id the posted entity data held.
Wagtail's editor and renderer look the id up as a number, so a crafted draft with ``id="abc"`` made the
administrator's edit and preview of that page answer 500, and the same value in a rich-text *field* (a co-design
session's minutes) made the public page answer 500 (issue 15 point 7). The root is in Wagtail
(``docs/upstream/wagtail-richtext-bad-id.md``); here it is handled three ways:

- on save, every rich text refuses a reference whose id is not a database id of its model (or whose type is
  unknown): ``CheckedRichTextBlock`` in StreamFields (the block's validation, which the admin's forms run) and
  ``CheckedRichTextField`` for rich-text fields (a field validator, which model validation and the admin's forms
  run). ``tests/security/test_rich_text.py`` checks that every rich text of every model is one of these;
- on rendering, the handlers Wagtail expands stored references with are replaced (``home/rich_text_handlers.py``,
  registered in ``home/wagtail_hooks.py``) by ones that treat such an id as a missing object, as Wagtail already does for a deleted one: a link without
  its target, an image without its picture, never a 500, whatever was stored before or by whatever path;
- in the editor, the same values open as broken links and images (``home/wagtail_hooks.py``).
"""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.fields import RichTextField
from wagtail.rich_text import features
from wagtail.rich_text.rewriters import FIND_A_TAG, FIND_EMBED_TAG, extract_attrs

DATABASE_ID = re.compile(r"[1-9][0-9]{0,18}")


def is_database_id(model, identifier) -> bool:
    """Whether ``identifier`` can be a primary key of ``model`` in this database (digits, within the key's range)."""
    identifier = "" if identifier is None else str(identifier)
    if not DATABASE_ID.fullmatch(identifier):
        return False
    try:
        # The key's range validators: a number SQLite or PostgreSQL cannot hold fails the lookup with an error.
        model._meta.pk.run_validators(int(identifier))
    except ValidationError:
        return False
    return True


def invalid_references(html: str) -> list[str]:
    """The ``type:id`` of every link and embed that is not a reference Wagtail can render.

    That is a link or embed of a type nothing renders, and one whose handler (``home/rich_text_handlers.py``,
    registered in place of Wagtail's) finds its id impossible: a page or document link or an image embed whose
    id is not a database id of its model, or an image whose format is unknown.
    """
    problems = []
    for pattern, kind, registered in (
        (FIND_A_TAG, "linktype", features.get_link_types()),
        (FIND_EMBED_TAG, "embedtype", features.get_embed_types()),
    ):
        for match in pattern.finditer(html or ""):
            attrs = extract_attrs(match.group(1))
            reference_type = attrs.get(kind)
            if reference_type is None:
                continue
            handler = registered.get(reference_type)
            if handler is None or not getattr(handler, "is_valid", _any_reference)(attrs):
                problems.append(f"{reference_type}:{attrs.get('id', '')}")
    return problems


def _any_reference(attrs: dict) -> bool:
    # Handlers that do not look an id up (Wagtail's media embeds, by URL) accept what they are given.
    return True


def validate_rich_text_references(html) -> None:
    problems = invalid_references(getattr(html, "source", html))
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


class CheckedRichTextField(RichTextField):
    """Wagtail's rich-text field, refusing links and embeds whose ids are not real database ids.

    A field validator: the admin's forms and ``full_clean`` run it, before anything is stored.
    """

    default_validators = [validate_rich_text_references]
