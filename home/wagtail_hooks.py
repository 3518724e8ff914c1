"""Admin wiring for rich text: stored references that cannot break a page or the editor (``home/rich_text.py``).

Rendering: Wagtail's page link, document link and image embed handlers are replaced by tolerant ones
(``home/rich_text_handlers.py``), so an id that is not a database id renders like a deleted object instead of
raising ``ValueError``.

The editor: Wagtail's ``PageLinkElementHandler`` looks the stored id up with ``Page.objects.get(id=…)`` and
catches only ``Page.DoesNotExist``, so ``id="abc"`` raised ``ValueError`` and the edit and preview views answered
500; its ``ImageElementHandler`` does the same for images. New values cannot store such ids any more; these
handlers open values stored before as broken links and images, which the editor chooses again.
"""

from wagtail import hooks
from wagtail.admin.rich_text.converters.contentstate import link_entity
from wagtail.admin.rich_text.converters.contentstate_models import Entity
from wagtail.admin.rich_text.converters.html_to_contentstate import (
    ExternalLinkElementHandler,
    PageLinkElementHandler,
)
from wagtail.images.rich_text.contentstate import ImageElementHandler, image_entity

from .rich_text_handlers import (
    TOLERANT_EMBED_HANDLERS,
    TOLERANT_LINK_HANDLERS,
    TolerantImageEmbedHandler,
    TolerantPageLinkHandler,
)


class TolerantPageLinkElementHandler(PageLinkElementHandler):
    def get_attribute_data(self, attrs):
        if not TolerantPageLinkHandler.is_valid(attrs):
            # A broken page link; saved again, it is written without a target.
            return {"id": None, "url": None, "parentId": None}
        return super().get_attribute_data(attrs)


class TolerantImageElementHandler(ImageElementHandler):
    def create_entity(self, name, attrs, state, contentstate):
        if TolerantImageEmbedHandler.is_valid(attrs):
            return super().create_entity(name, attrs, state, contentstate)
        # A broken image: shown without a picture; saving it again is refused until the editor removes it.
        data = {"id": attrs.get("id"), "src": "", "alt": attrs.get("alt"), "format": attrs.get("format")}
        return Entity("IMAGE", "IMMUTABLE", data)


@hooks.register("register_rich_text_features", order=100)
def tolerate_malformed_references(features):
    # Runs after Wagtail's own registrations (order 0) and replaces them: the same rules, tolerant handlers.
    for handler in TOLERANT_LINK_HANDLERS.values():
        features.register_link_type(handler)
    for handler in TOLERANT_EMBED_HANDLERS.values():
        features.register_embed_type(handler)
    features.register_converter_rule(
        "contentstate",
        "link",
        {
            "from_database_format": {
                "a[href]": ExternalLinkElementHandler("LINK"),
                'a[linktype="page"]': TolerantPageLinkElementHandler("LINK"),
            },
            "to_database_format": {"entity_decorators": {"LINK": link_entity}},
        },
    )
    features.register_converter_rule(
        "contentstate",
        "image",
        {
            "from_database_format": {'embed[embedtype="image"]': TolerantImageElementHandler()},
            "to_database_format": {"entity_decorators": {"IMAGE": image_entity}},
        },
    )
