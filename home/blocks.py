"""StreamField blocks shared by the site's pages (home, standard pages, pilot pages)."""

from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.images.blocks import ImageBlock

from .rich_text import CheckedRichTextBlock

RICH_TEXT_FEATURES = ["h2", "h3", "bold", "italic", "ol", "ul", "link", "document-link"]


class HeadingBlock(blocks.StructBlock):
    text = blocks.CharBlock(label=_("Heading"), max_length=120)
    level = blocks.ChoiceBlock(choices=[("h2", "H2"), ("h3", "H3")], default="h2", label=_("Level"))

    class Meta:
        icon = "title"
        template = "blocks/heading_block.html"
        label = _("Heading")


class CalloutBlock(blocks.StructBlock):
    """A highlighted box for a key message or a call to take part."""

    title = blocks.CharBlock(label=_("Title"), max_length=120)
    text = CheckedRichTextBlock(label=_("Text"), features=["bold", "italic", "link"])
    link_url = blocks.URLBlock(label=_("Link"), required=False)
    link_text = blocks.CharBlock(label=_("Link text"), max_length=60, required=False)

    class Meta:
        icon = "pick"
        template = "blocks/callout_block.html"
        label = _("Call-out")


class FigureBlock(blocks.StructBlock):
    image = ImageBlock(label=_("Image"))
    caption = blocks.CharBlock(label=_("Caption"), max_length=250, required=False)

    class Meta:
        icon = "image"
        template = "blocks/figure_block.html"
        label = _("Image with caption")


class BaseStreamBlock(blocks.StreamBlock):
    heading = HeadingBlock()
    paragraph = CheckedRichTextBlock(label=_("Paragraph"), features=RICH_TEXT_FEATURES, icon="pilcrow")
    figure = FigureBlock()
    callout = CalloutBlock()
    quote = blocks.BlockQuoteBlock(label=_("Quote"))
