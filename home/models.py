from django.db import models
from wagtail.admin.panels import FieldPanel
from wagtail.fields import StreamField
from wagtail.models import Page
from wagtail.search import index

from site_config.blocks import GeneralContentBlock

from .blocks import HomePageBodyBlock


class HomePage(Page):
    """The root of a site: its body is a column of sections the editors arrange."""

    body = StreamField(HomePageBodyBlock(), blank=True)

    content_panels = Page.content_panels + [FieldPanel("body")]
    search_fields = Page.search_fields + [index.SearchField("body")]

    parent_page_types = ["wagtailcore.Page"]
    subpage_types = ["stories.StoryIndexPage", "accolades.AccoladesPage", "home.ContentPage"]

    class Meta:
        verbose_name = "home page"


class ContentPage(Page):
    """About, Sustainability and other pages of text and media; they may nest."""

    intro = models.TextField(blank=True)
    body = StreamField(GeneralContentBlock(), blank=True)

    content_panels = Page.content_panels + [FieldPanel("intro"), FieldPanel("body")]
    search_fields = Page.search_fields + [index.SearchField("intro"), index.SearchField("body")]

    parent_page_types = ["home.HomePage", "home.ContentPage"]
    subpage_types = ["home.ContentPage"]

    class Meta:
        verbose_name = "content page"
