"""The request's Wagtail site, with its root page, from the cache; and views of one site.

Wagtail finds the site of every page it serves with a query by host and port
(Site.find_for_request), then reads the site's root page as its own type with another,
where routing starts. Both change only when a site or the home page does, which starts a
new content generation (site_config.content_cache: sites are watched, the home page is
published): so they are kept in the cache for the generation, under the host and port.

Kept whether or not the pieces of pages are (FRAGMENT_CACHE_SECONDS): like the main menu,
the site is what routing needs, not a piece of what a page shows, and reading it afresh
for every page rendered whole took about a tenth of its CPU.

Only for the pages that Wagtail serves to anonymous visitors: other views need no root
page, and an editor's admin shows the root page's draft state (its draft title, whether it
has unpublished changes), which a draft save changes without a new generation. Wagtail
keeps the site it found on the request, as request._wagtail_site, which
Site.find_for_request reads before it queries: that is where it is put here.
"""

import hashlib
from functools import wraps

from django.http import Http404
from django.http.request import split_domain_port
from wagtail.models import Site

from .content_cache import cached
from .page_cache import is_anonymous, view_name


class SiteFromCacheMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if view_name(request) == "wagtail_serve" and is_anonymous(request):
            request._wagtail_site = site_for(request)
        return self.get_response(request)


def site_for(request):
    # The host as Wagtail reads it (any port in the header aside), checked against
    # ALLOWED_HOSTS first: a host the site does not serve is refused (400), not filed.
    hostname = split_domain_port(request.get_host())[0]
    address = hashlib.sha256(f"{hostname}:{request.get_port()}".encode()).hexdigest()

    def find():
        return with_specific_root(Site.find_for_request(request))

    return cached(f"site:{address}", find)


def with_specific_root(site):
    if site is not None:
        # The root page's `specific` is kept with it (a cached property, in its __dict__).
        site.root_page.specific  # noqa: B018
    return site


def site_required(view):
    """A visitor's view of one site's content: not found on a host that no site answers to
    (where no site is the default), as Wagtail's own pages are."""

    @wraps(view)
    def view_of_a_site(request, *args, **kwargs):
        if Site.find_for_request(request) is None:
            raise Http404("No site answers to this address.")
        return view(request, *args, **kwargs)

    return view_of_a_site
