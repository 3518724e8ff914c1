"""Editorial pages: the home page and plain standard pages (about, how it works, privacy)."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.fields import StreamField
from wagtail.models import Page
from wagtail.search import index

from proposals.models import Proposal

from .blocks import BaseStreamBlock


class HomePage(Page):
    """The front door: what the living lab is, the latest proposals and the running pilots."""

    intro = models.CharField(_("introduction"), max_length=300, blank=True)
    body = StreamField(BaseStreamBlock(), verbose_name=_("body"), blank=True, use_json_field=True)

    content_panels = Page.content_panels + [FieldPanel("intro"), FieldPanel("body")]
    search_fields = Page.search_fields + [index.SearchField("intro"), index.SearchField("body")]

    parent_page_types = ["wagtailcore.Page"]
    max_count = 1

    class Meta:
        verbose_name = _("home page")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["latest_proposals"] = Proposal.objects.public().for_list()[:6]
        return context


class StandardPage(Page):
    """A page of text and images: how the lab works, privacy, contact."""

    intro = models.CharField(_("introduction"), max_length=300, blank=True)
    body = StreamField(BaseStreamBlock(), verbose_name=_("body"), blank=True, use_json_field=True)

    content_panels = Page.content_panels + [FieldPanel("intro"), FieldPanel("body")]
    search_fields = Page.search_fields + [index.SearchField("intro"), index.SearchField("body")]

    parent_page_types = ["home.HomePage", "home.StandardPage"]
    subpage_types = ["home.StandardPage"]

    class Meta:
        verbose_name = _("standard page")
