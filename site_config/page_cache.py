"""Anonymous visitors' pages from the cache, never stale.

What is cached: the answer to an anonymous GET or HEAD of a page that Wagtail serves (its
feeds included: they are routes of the story index), of sitemap.xml and of robots.txt
(CACHED_VIEWS), if it is a plain 200 that sets no cookie, holds no CSRF token and does not
say private or no-cache (Wagtail says so for restricted pages, previews say private).
Nothing else is read from or stored in the cache: the search page and its suggestions, the
admin, documents, a logged-in editor's pages (any request with a session cookie: the
visitor who typed a page's password too), previews. PAGE_CACHE_SECONDS=0 turns it off.

Each answer is filed under its full address (scheme, host, path and sorted query string)
with the content's generation it was made in (site_config.content_cache), and served only
while that generation is the current one. Any publication, unpublication,
move, deletion, privacy or site change, or change to a watched record starts a new
generation, and with it an empty page cache. That is right for this site because one
publication changes many pages at once: the home page's latest stories, the story index
and its filtered lists and their page counts, the feeds, the related stories and the
previous and next links of other stories, the main menu of every page, the accolades page
(awards link to stories), the sitemap. Working out which of those one change touches would
be slow and easy to get wrong; starting afresh costs one rendering of each page visited
afterwards, while editors change content a few times a day and visitors read it all day.

Why a middleware and not Wagtail's before_serve_page hook: sitemap.xml and robots.txt are
not served by Wagtail, and by the time that hook runs Wagtail has already queried the
database to find the site and the page. Here a hit answers before the session and
authentication middleware, with one cache read (the generation and the page together)
and no SQL.
It sits below GZipMiddleware and stores each answer gzip-compressed, compressed once, when
stored, as a whole response ready to send (see entry()). A hit is answered compressed to a
client that accepts gzip (every browser), as GZipMiddleware would, without compressing it
again: compressing took half of a hit's work, and the entry is a fifth of the page's size,
for Redis to send; the rare client that does not accept gzip gets it decompressed.
GZipMiddleware adds random bytes to each answer it compresses, against BREACH attacks
that guess a secret in a page from its compressed size; a cached page holds no secret
(may_store refuses any answer with a CSRF token or a cookie), so it needs none.

Headers of a cached answer: `Cache-Control: public, max-age=0, s-maxage=<seconds>,
must-revalidate`, `Vary: Cookie` and an ETag. A browser asks again before it shows its copy
(answered 304 from the cache while the ETag still matches), so it never shows a stale one;
a CDN keeps its copy up to PAGE_CACHE_SECONDS, and is purged on the changes above
(content_cache.purge_frontend_cache). The answers of these views that are not cached (an
editor's, a 404) get `Cache-Control: private, no-cache` unless the view set its own.
X-Cache says hit or miss where the cache was asked.
"""

import gzip
import hashlib
from functools import lru_cache

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse
from django.urls import Resolver404, resolve
from django.utils.cache import (
    get_conditional_response,
    patch_cache_control,
    patch_vary_headers,
    set_response_etag,
)
from django.utils.http import urlencode
from django.utils.regex_helper import _lazy_re_compile
from django.utils.text import compress_string

from .content_cache import generation_and_entry

CACHED_VIEWS = {"wagtail_serve", "sitemap", "robots_txt"}
NOT_SHARED = {"private", "no-cache", "no-store"}
# As GZipMiddleware reads Accept-Encoding, and the shortest body it compresses.
ACCEPTS_GZIP = _lazy_re_compile(r"\bgzip\b")
SHORTEST_COMPRESSED = 200
# The request headers that may turn an answer into a 304 or a 412 (get_conditional_response);
# browsers send If-None-Match only for a page they hold a copy of.
CONDITIONAL_HEADERS = frozenset(
    ("HTTP_IF_MATCH", "HTTP_IF_NONE_MATCH", "HTTP_IF_MODIFIED_SINCE", "HTTP_IF_UNMODIFIED_SINCE")
)


class PageCacheMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        seconds = settings.PAGE_CACHE_SECONDS
        if not seconds or not serves_pages(request):
            return self.get_response(request)
        if not is_anonymous(request):
            return private(self.get_response(request))

        # The generation is read before the view reads the database: if content changes
        # while the page renders, the page is filed under the old generation, never read
        # again (and content_cache starts another generation when a change commits, for a
        # page read between the change and its commit).
        key = cache_key(request)
        current, stored = generation_and_entry(key)
        if stored is not None and stored[0] == current:
            response = cached_response(request, *stored[1:])
            response["X-Cache"] = "hit"
            if CONDITIONAL_HEADERS.isdisjoint(request.META):
                return response
            return get_conditional_response(request, etag=response.get("ETag"), response=response)

        response = self.get_response(request)
        if may_store(request, response):
            patch_cache_control(
                response, public=True, max_age=0, s_maxage=seconds, must_revalidate=True
            )
            patch_vary_headers(response, ["Cookie"])
            if not response.has_header("ETag"):
                set_response_etag(response)
            # An answer of a past generation under this address is replaced.
            cache.set(key, (current, *entry(response)), seconds)
        else:
            private(response)
        response["X-Cache"] = "miss"
        return response


def entry(response):
    """What the cache keeps of an answer: the answer as a hit sends it to a client that
    accepts gzip, and, if that one is compressed, its headers as the view wrote them, for the
    rare client that does not.

    The first is a whole HttpResponse, as Django's own cache middleware keeps: it comes back
    from the cache ready to send, without checking each of its headers again as building a
    response does (a seventh of a hit's time in a profile). It is what GZipMiddleware, above,
    would make of the answer, and then leave alone (it is encoded): compressed unless short,
    or no smaller compressed.
    """
    headers = dict(response.items())
    content = response.content
    if len(content) >= SHORTEST_COMPRESSED:
        smaller = compress_string(content)
        if len(smaller) < len(content):
            compressed = HttpResponse(smaller, headers=headers)
            compressed["Content-Length"] = str(len(smaller))
            compressed["Content-Encoding"] = "gzip"
            patch_vary_headers(compressed, ["Accept-Encoding"])
            if compressed["ETag"].startswith('"'):
                compressed["ETag"] = f"W/{compressed['ETag']}"  # the strong one is the plain body's
            return compressed, headers
    # GZipMiddleware, above, adds Vary: Accept-Encoding where it applies.
    return HttpResponse(content, headers=headers), None


def cached_response(request, ready, plain_headers):
    if plain_headers is None or ACCEPTS_GZIP.search(request.META.get("HTTP_ACCEPT_ENCODING", "")):
        return ready
    return HttpResponse(gzip.decompress(ready.content), headers=plain_headers)


def serves_pages(request):
    return request.method in ("GET", "HEAD") and view_name(request) in CACHED_VIEWS


def view_name(request):
    """The name of the view that the request's address leads to; None if it leads nowhere."""
    return _view_name(settings.ROOT_URLCONF, request.path_info)


@lru_cache(maxsize=1024)
def _view_name(urlconf, path):
    # Resolving an address walks the URL patterns: a tenth of a hit's work, done once for
    # each of the addresses visited most (the URL patterns never change while serving).
    # At most a thousand addresses, of at most gunicorn's 4 kB request line: a few MB
    # however many addresses a crawler or an attacker makes up.
    try:
        return resolve(path, urlconf).view_name
    except Resolver404:
        return None


def is_anonymous(request):
    # A preview renders a draft through the middleware with a dummy request for the page's
    # own address.
    return settings.SESSION_COOKIE_NAME not in request.COOKIES and not getattr(
        request, "is_dummy", False
    )


def cache_key(request):
    # Most addresses have no query string: none is parsed for them.
    query = request.META.get("QUERY_STRING") and urlencode(sorted(request.GET.lists()), doseq=True)
    address = f"{request.scheme}://{request.get_host()}{request.path}?{query}"
    # "page3": entries hold a whole answer since this version, unlike those of "page2".
    return f"page3:{hashlib.sha256(address.encode()).hexdigest()}"


def may_store(request, response):
    user = getattr(request, "user", None)
    directives = {
        directive.split("=")[0].strip().lower()
        for directive in response.get("Cache-Control", "").split(",")
    }
    return (
        response.status_code == 200
        and not response.streaming
        and not response.cookies
        and not request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
        and not (user and user.is_authenticated)
        and not directives & NOT_SHARED
        # A compressed body would go to clients that cannot read it: GZipMiddleware
        # belongs above this one.
        and not response.has_header("Content-Encoding")
    )


def private(response):
    if not response.has_header("Cache-Control"):
        patch_cache_control(response, private=True, no_cache=True)
    return response
