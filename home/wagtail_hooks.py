"""Admin wiring for pages: keep the rich-text editor open on page links whose stored id is not a number.

Wagtail's ``PageLinkElementHandler`` looks the stored id up with ``Page.objects.get(id=…)`` and only catches
``Page.DoesNotExist``, so ``id="abc"`` raised ``ValueError`` and the edit and preview views answered 500.
New drafts cannot store such ids any more (``home.rich_text.CheckedRichTextBlock``); this handler covers
values stored before, showing them as broken links the editor must choose again.
"""

from wagtail import hooks
from wagtail.admin.rich_text.converters.contentstate import link_entity
from wagtail.admin.rich_text.converters.html_to_contentstate import (
    ExternalLinkElementHandler,
    PageLinkElementHandler,
)

from .rich_text import DATABASE_ID


class TolerantPageLinkElementHandler(PageLinkElementHandler):
    def get_attribute_data(self, attrs):
        if not DATABASE_ID.fullmatch(attrs.get("id", "")):
            # A broken page link; saving it again is refused until the editor chooses a page.
            return {"id": None, "url": None, "parentId": None}
        return super().get_attribute_data(attrs)


@hooks.register("register_rich_text_features", order=100)
def tolerate_malformed_page_links(features):
    # Runs after Wagtail's own "link" rule (order 0) and replaces it with the same rule and a tolerant handler.
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
