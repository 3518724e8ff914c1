"""Wagtail's rich-text reference handlers, made tolerant of ids that cannot exist (``home/rich_text.py``).

Registered in place of Wagtail's own (``home/wagtail_hooks.py``). Wagtail expands a stored ``<a linktype="page"
id="…">`` by looking the id up, and only a *missing* object is expected: ``id="abc"`` raised ``ValueError``, and an
id beyond the database's integer range an overflow, so the page answered 500. Here such ids are missing objects,
rendered the way Wagtail renders a deleted one; ``is_valid`` is also what ``home.rich_text`` checks on save.
"""

from wagtail.documents.rich_text import DocumentLinkHandler
from wagtail.images.formats import get_image_formats
from wagtail.images.rich_text import ImageEmbedHandler
from wagtail.rich_text.pages import PageLinkHandler

from .rich_text import is_database_id


class TolerantReferences:
    """Mixin for Wagtail's entity handlers that look a stored id up: an impossible id is a missing object."""

    @classmethod
    def is_valid(cls, attrs: dict) -> bool:
        return is_database_id(cls.get_model(), attrs.get("id"))

    @classmethod
    def get_instance(cls, attrs: dict):
        if not cls.is_valid(attrs):
            raise cls.get_model().DoesNotExist
        return super().get_instance(attrs)

    @classmethod
    def get_many(cls, attrs_list: list[dict]) -> list:
        valid = [position for position, attrs in enumerate(attrs_list) if cls.is_valid(attrs)]
        found = super().get_many([attrs_list[position] for position in valid]) if valid else []
        instances = [None] * len(attrs_list)
        for position, instance in zip(valid, found, strict=True):
            instances[position] = instance
        return instances


class TolerantPageLinkHandler(TolerantReferences, PageLinkHandler):
    """Renders a page link whose id is impossible as a link without a target, like one to a deleted page."""


class TolerantDocumentLinkHandler(TolerantReferences, DocumentLinkHandler):
    """Renders a document link whose id is impossible as a link without a target, like one to a deleted document."""


class TolerantImageEmbedHandler(TolerantReferences, ImageEmbedHandler):
    """Renders an image whose id is impossible, or whose format is unknown, as an empty image, like a deleted one."""

    @classmethod
    def is_valid(cls, attrs: dict) -> bool:
        known_formats = {image_format.name for image_format in get_image_formats()}
        return super().is_valid(attrs) and attrs.get("format") in known_formats


# Every stored reference Wagtail looks up by id, by tag and type.
TOLERANT_LINK_HANDLERS = {"page": TolerantPageLinkHandler, "document": TolerantDocumentLinkHandler}
TOLERANT_EMBED_HANDLERS = {"image": TolerantImageEmbedHandler}
