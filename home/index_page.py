"""The shape every index page shares: a title, a short introduction and one page of its kind under home."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.models import Page
from wagtail.search import index

from livinglab.view_restrictions import ViewRestrictionsKnown


class IndexPage(ViewRestrictionsKnown, Page):
    """An editor's front door to one kind of page (challenges, pilots): the list below it, introduced.

    Concrete index pages name their ``subpage_types`` and build their list in ``get_context``.
    """

    intro = models.CharField(_("introduction"), max_length=300, blank=True)

    content_panels = Page.content_panels + [FieldPanel("intro")]
    search_fields = Page.search_fields + [index.SearchField("intro")]

    parent_page_types = ["home.HomePage"]
    max_count = 1

    class Meta:
        abstract = True
