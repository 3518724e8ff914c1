"""Editorial pages: the home page and plain standard pages (about, how it works, privacy)."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.fields import StreamField
from wagtail.models import Page
from wagtail.search import index

from livinglab.view_restrictions import ViewRestrictionsKnown
from proposals.models import Proposal

from .blocks import BaseStreamBlock


class HomePage(ViewRestrictionsKnown, Page):
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


class StandardPage(ViewRestrictionsKnown, Page):
    """A page of text and images: how the lab works, privacy, contact.

    The children of the home page with the slugs ``terms`` and ``privacy`` are the terms of use and the
    privacy notice people accept (``home.legal``). Publishing one of them with "Ask everyone to agree again"
    raises its ``consent_version``, and every signed-in person accepts the new text before they next take part.
    """

    intro = models.CharField(_("introduction"), max_length=300, blank=True)
    body = StreamField(BaseStreamBlock(), verbose_name=_("body"), blank=True, use_json_field=True)
    ask_consent_again = models.BooleanField(
        _("ask everyone to agree again"),
        default=False,
        help_text=_(
            "Only for the terms of use and the privacy notice. Tick it when the change matters to the people "
            "who agreed (new data uses, new rules): publishing then asks everyone to read and accept this text "
            "again before they next take part. Leave it clear for a typo or layout fix."
        ),
    )
    # Raised by one each time the page is published with the box ticked (home.legal); never set by a form or
    # restored from a revision, so reverting a draft cannot lower it.
    consent_version = models.PositiveIntegerField(_("consent version"), default=0, editable=False)

    content_panels = Page.content_panels + [
        FieldPanel("intro"),
        FieldPanel("body"),
        FieldPanel("ask_consent_again"),
    ]
    search_fields = Page.search_fields + [index.SearchField("intro"), index.SearchField("body")]

    parent_page_types = ["home.HomePage", "home.StandardPage"]
    subpage_types = ["home.StandardPage"]

    class Meta:
        verbose_name = _("standard page")

    def with_content_json(self, content):
        # A revision carries the consent_version of the day it was saved; the live row's number is the truth.
        page = super().with_content_json(content)
        page.consent_version = self.consent_version
        return page
