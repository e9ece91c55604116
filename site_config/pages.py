"""What every page type of the site shares to serve a page in few SQL queries: privacy
restrictions read once a request, a child page read as its own type in one query, and the
site's top-level pages (the menu, the story index) read once for every tag that needs them.
"""

import hashlib
from functools import reduce
from operator import or_

from django.conf import settings
from django.db.models import Q
from django.http import Http404
from wagtail.models import Page, PageViewRestriction

from .content_cache import TIMEOUT_SECONDS, generation, keep, pieces_kept, read, remember
from .page_cache import is_anonymous


def restricted_paths(*, fresh=False):
    """The tree paths of the pages with a privacy restriction (usually none).

    Kept in the cache for the content's generation, which a change of restrictions ends;
    `fresh` reads them from the database, as the check of a served page does, and keeps
    that reading for the lists the rest of the request shows.
    """
    if fresh:
        paths = _read_restricted_paths()
        remember(_restricted_key(), paths)
        return paths
    paths = read(_restricted_key())
    if paths is None:
        paths = _read_restricted_paths()
        keep(_restricted_key(), paths)
    return paths


def _read_restricted_paths():
    return list(PageViewRestriction.objects.values_list("page__path", flat=True))


def restrictions_read(paths):
    """Keep, for the lists of the request, a reading of the privacy restrictions made
    another way (see HomePage.child_for_route)."""
    remember(_restricted_key(), paths)


def cached_route(request, parent, slug, *, with_pieces=True):
    """The child page that an anonymous visitor's route from `parent` by `slug` found in
    this generation of the content, with the privacy restrictions its route read (see
    SitePage.restricted_paths_read), or None. A change of pages or of their privacy starts
    a new generation. Editors (and previews) always read the database: they may see drafts.

    `with_pieces`: kept only while the pieces of pages are (FRAGMENT_CACHE_SECONDS), for a
    child read with less when its pieces come from the cache (a story). Otherwise (the home
    page's children) kept as the site is (site_config.sites): what routing needs on the way
    to every page, not a piece of one.
    """
    return read(_route_key(parent, slug)) if _route_kept(request, with_pieces) else None


def keep_route(request, parent, slug, child, *, with_pieces=True):
    if _route_kept(request, with_pieces):
        # With the pieces: as long as the fragments it is read with.
        timeout = settings.FRAGMENT_CACHE_SECONDS if with_pieces else TIMEOUT_SECONDS
        keep(_route_key(parent, slug), (child, parent.restricted_paths_read), timeout)


def _route_kept(request, with_pieces):
    kept = pieces_kept(request) if with_pieces else not getattr(request, "is_preview", False)
    return is_anonymous(request) and kept


def _route_key(parent, slug):
    # Hashed: the slug comes from the address, which may hold anything.
    return f"route:{parent.pk}:{hashlib.sha256(slug.encode()).hexdigest()}:{generation()}"


def _restricted_key():
    return f"restricted-paths:{generation()}"


def private_pages_q():
    """The pages under a privacy restriction: as Wagtail's PageQuerySet.public() excludes
    them, with the restrictions read once a request instead of once a list."""
    paths = restricted_paths()
    # Excluding pk__in=[] excludes nothing, and adds nothing to the SQL.
    return reduce(or_, (Q(path__startswith=path) for path in paths), Q(pk__in=[]))


def is_under(page, paths):
    """Whether the page is one of the pages at these tree paths, or under one."""
    return any(page.path.startswith(path) for path in paths)


def public(pages):
    """These pages without the private ones (PageQuerySet.public(), see private_pages_q)."""
    return pages.exclude(private_pages_q())


def top_level_pages(site):
    """The live, public children of the site's root page, for the main menu and the story
    feeds: cached, as finding a page's children scans the tree (every story under the
    index). The home page's route fills the cache when it finds it empty, from a reading
    of its children it needs then (HomePage.child_for_route)."""
    pages = read(_top_level_key(site))
    if pages is None:
        pages = list(public(site.root_page.get_children().live()))
        keep_top_level_pages(site, pages)
    return pages


def has_top_level_pages(site):
    return read(_top_level_key(site)) is not None


def keep_top_level_pages(site, pages):
    keep(_top_level_key(site), pages)


def _top_level_key(site):
    return f"top-level-pages:{site.pk}:{generation()}"


class SitePage(Page):
    """The base of the site's page types.

    Serving a page checks its privacy restrictions: Wagtail reads the page's ancestors,
    then their restrictions. Most sites have no restriction at all, which one reading of
    every restriction shows (restricted_paths, kept for the lists of the request), or the
    route's first query (restricted_paths_read): then none applies. Where there are some,
    Wagtail's check runs as it always does.

    Routing to a child reads it as its own type at once (Wagtail reads the page, then its
    specific row), with select_related on the reverse one-to-one of each type allowed here.
    """

    class Meta:
        abstract = True

    # The paths of the private pages, when the route that reached this page has read them
    # (HomePage.child_for_route): set on each page of the route.
    restricted_paths_read = None

    def get_view_restrictions(self):
        paths = self.restricted_paths_read
        if paths is None:
            paths = restricted_paths(fresh=True)
        if not paths:
            return PageViewRestriction.objects.none()
        return super().get_view_restrictions()

    def route(self, request, path_components):
        if not path_components:
            return super().route(request, path_components)
        child = self.child_for_route(request, path_components[0])
        # As Page.route does: the child's get_parent() needs no query.
        child._cached_parent_obj = self
        child.restricted_paths_read = self.restricted_paths_read
        return child.route(request, path_components[1:])

    def child_for_route(self, request, slug):
        """The child page with this slug, as its own type; Http404 if there is none."""
        try:
            child = self.children_for_route().get(slug=slug)
        except Page.DoesNotExist as error:
            raise Http404 from error
        return self.as_specific(child)

    def children_for_route(self):
        """The children, with the row of their own type where it is a type allowed here."""
        # get_children() reads the tree's paths as a range, which their index serves.
        children = self.get_children()
        relations = self._child_relations().values()
        # select_related() with no names would follow every foreign key.
        return children.select_related(*relations) if relations else children

    def as_specific(self, child):
        """A child read by children_for_route() as its own type: from the row read with it,
        or, for a type no longer allowed here, as Wagtail reads it."""
        relation = self._child_relations().get(child.specific_class)
        return getattr(child, relation) if relation else child.specific

    @classmethod
    def _child_relations(cls):
        # Each child type's row is the reverse one-to-one of its parent link to Page.
        return {
            model: model._meta.model_name
            for model in cls.allowed_subpage_models()
            if model._meta.get_parent_list() == [Page]
        }
