from django.db import models
from django.db.models import Exists
from django.http import Http404
from wagtail.admin.panels import FieldPanel
from wagtail.fields import StreamField
from wagtail.models import Page, PageViewRestriction, Site
from wagtail.search import index

from site_config.blocks import GeneralContentBlock
from site_config.pages import (
    SitePage,
    cached_route,
    has_top_level_pages,
    is_under,
    keep_route,
    keep_top_level_pages,
    public,
    restricted_paths,
    restrictions_read,
)

from .blocks import HomePageBodyBlock


class HomePage(SitePage):
    """The root of a site: its body is a column of sections the editors arrange."""

    body = StreamField(HomePageBodyBlock(), blank=True)

    content_panels = Page.content_panels + [FieldPanel("body")]
    search_fields = Page.search_fields + [index.SearchField("body")]

    parent_page_types = ["wagtailcore.Page"]
    subpage_types = ["stories.StoryIndexPage", "accolades.AccoladesPage", "home.ContentPage"]

    class Meta:
        verbose_name = "home page"

    def child_for_route(self, request, slug):
        # The query tells as well whether any page at all is private: most often none is,
        # and then the pages of this route need no reading of privacy restrictions.
        children = self.children_for_route().annotate(
            any_private=Exists(PageViewRestriction.objects.all())
        )
        site = Site.find_for_request(request)
        # The main menu and the story feeds read the live, public children, which scans
        # the tree (every story under the index), then keep them until the content changes.
        # Until they have, all the children are read here, once for both.
        read_all = site and site.root_page_id == self.pk and not has_top_level_pages(site)
        found = None if read_all else cached_route(request, self, slug, with_pieces=False)
        if found is not None:
            child, self.restricted_paths_read = found
            if self.restricted_paths_read is not None:
                restrictions_read(self.restricted_paths_read)
            return child
        if read_all:
            children = list(children)
            child = next((child for child in children if child.slug == slug), None)
        else:
            child = children.filter(slug=slug).first()
        if child is None:
            raise Http404
        if not child.any_private:
            self.restricted_paths_read = []
            restrictions_read([])
        elif read_all:
            self.restricted_paths_read = restricted_paths(fresh=True)
        specific = self.as_specific(child)
        if read_all:
            for page in children:
                # Plain pages in the cache: the rows of their own types stay out.
                page._state.fields_cache.clear()
            private = self.restricted_paths_read
            shown = [page for page in children if page.live and not is_under(page, private)]
            keep_top_level_pages(site, shown)
        keep_route(request, self, slug, specific, with_pieces=False)
        return specific


class ContentPage(SitePage):
    """About, Sustainability and other pages of text and media; they may nest."""

    intro = models.TextField(blank=True)
    body = StreamField(GeneralContentBlock(), blank=True)

    content_panels = Page.content_panels + [FieldPanel("intro"), FieldPanel("body")]
    search_fields = Page.search_fields + [index.SearchField("intro"), index.SearchField("body")]

    parent_page_types = ["home.HomePage", "home.ContentPage"]
    subpage_types = ["home.ContentPage"]

    class Meta:
        verbose_name = "content page"

    def subpages(self):
        """The live, public pages under this one marked 'show in menus', in one query (the
        privacy restrictions were read to serve this one)."""
        return public(self.get_children().live().in_menu())
