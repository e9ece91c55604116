"""Cached answers that stay right: every entry is filed under the content's generation, a
number that changes whenever anything visitors can see changes.

Publishing, unpublishing, moving or deleting a page, a change of privacy or of sites, of
an image or a document (`watch_files()`), and a change to any model an app registers with
`watch()` start a new generation, so the next request computes its answers afresh; the old
entries are never read again and expire. With the default local-memory cache each process
keeps its own entries, but the generation is a file that every process on the machine reads
(CONTENT_GENERATION_FILE): a change made by one gunicorn worker, or by a command such as
publish_scheduled, is seen by every worker on its next request. A site served by several
machines sets REDIS_URL, and they share one cache and one generation.

The same changes purge a CDN in front of the site (when WAGTAILFRONTENDCACHE configures
one) of the addresses that can show them: see purge_frontend_cache().
"""

import hashlib
import os
import pickle
import threading
import time
import uuid
from collections import OrderedDict
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from wagtail.contrib.frontend_cache.utils import PurgeBatch
from wagtail.models import Page, PageViewRestriction, Site
from wagtail.signals import page_published, page_slug_changed, page_unpublished, post_page_move

GENERATION_KEY = "content-generation"
# Entries of a past generation are never read; this only bounds how long they take space.
TIMEOUT_SECONDS = 60 * 60

# Functions that name more addresses to purge for a change: see purge_also().
_purge_sources = []


# What the request being served has read from the cache, read once a request (a thread
# serves one request at a time): the content's generation, so that a page's pieces are all
# filed under one, and entries that several parts of a page ask for (the main menu, the
# privacy restrictions). Outside a request nothing is remembered: every read is afresh.
_this_request = threading.local()
_MISSING = object()


def _request_started(**kwargs):
    _this_request.generation = None
    _this_request.values = {}


def _request_finished(**kwargs):
    _this_request.__dict__.clear()


def generation():
    return getattr(_this_request, "generation", None) or _remember_generation(_read_generation())


def _remember_generation(current):
    if hasattr(_this_request, "generation"):  # in a request
        _this_request.generation = current
    return current


def read(key, default=None):
    """The cache's entry under `key`, or `default`: asked of the cache once a request.

    `key` ends with the content's generation, as every caller's does: with Redis the entry
    is also read from this process's copies (LocalCopies), which only that keeps right."""
    values = getattr(_this_request, "values", None)
    if values is None:
        return cache.get(key, default)
    if key not in values:
        values[key] = _read_shared(key)
    return default if values[key] is _MISSING else values[key]


def keep(key, value, timeout=TIMEOUT_SECONDS):
    """Put `value` in the cache under `key`, and remember it for the rest of the request."""
    _keep_shared(key, value, timeout)
    remember(key, value)


class LocalCopies:
    """Copies, in this process, of the entries it has read from or put in a cache that the
    processes share (Redis), for entries filed under the content's generation: the same key
    always holds the same value (a change starts a new generation, and with it new keys),
    so a copy is as right as the entry, and reading it spares a round trip to Redis. A story
    page rendered from its pieces read seven such entries (its site, the top-level pages,
    two routes, the site settings, two pieces); with the copies it asks Redis only for the
    generation and Wagtail's own entry of the sites' root paths, and took 2.3-3.3 ms of CPU
    in-process instead of 4.2-5.3.

    A copy is kept pickled, as the cache keeps it, so that each read has objects of its own
    (a route's pages are changed by the request that reads them); for LOCAL_COPY_SECONDS
    at most, so that it outlives its entry in the shared cache by that much at most; and
    within LOCAL_COPIES_BYTES, the least recently read going first.
    """

    def __init__(self):
        self._copies = OrderedDict()  # key: (monotonic time it expires at, pickled value)
        self._size = 0
        self._lock = threading.Lock()  # gunicorn's threads share a worker's copies

    def get(self, key):
        with self._lock:
            found = self._copies.get(key)
            if found is None:
                return _MISSING
            if found[0] < time.monotonic():
                self._drop(key)
                return _MISSING
            self._copies.move_to_end(key)
        return pickle.loads(found[1])

    def put(self, key, value, timeout):
        budget = settings.LOCAL_COPIES_BYTES
        pickled = pickle.dumps(value, pickle.HIGHEST_PROTOCOL)
        expires = time.monotonic() + min(timeout, LOCAL_COPY_SECONDS)
        with self._lock:
            self._drop(key)
            self._copies[key] = (expires, pickled)
            self._size += len(pickled)
            while self._size > budget:
                self._drop(next(iter(self._copies)))

    def clear(self):
        with self._lock:
            self._copies.clear()
            self._size = 0

    def _drop(self, key):
        if (found := self._copies.pop(key, None)) is not None:
            self._size -= len(found[1])


LOCAL_COPY_SECONDS = 60
local_copies = LocalCopies()


def _read_shared(key):
    """The cache's entry under `key`, a key that holds the generation, or _MISSING."""
    if not settings.LOCAL_COPIES_BYTES:
        return cache.get(key, _MISSING)
    value = local_copies.get(key)
    if value is _MISSING:
        value = cache.get(key, _MISSING)
        if value is not _MISSING:
            local_copies.put(key, value, LOCAL_COPY_SECONDS)
    return value


def _keep_shared(key, value, timeout):
    cache.set(key, value, timeout)
    if settings.LOCAL_COPIES_BYTES:
        local_copies.put(key, value, timeout)


def remember(key, value):
    """Remember `value` as the entry under `key` for the rest of the request being served,
    without putting it in the cache: what holds for this request alone."""
    if (values := getattr(_this_request, "values", None)) is not None:
        values[key] = value


def _read_generation():
    if GENERATION_FILE := settings.CONTENT_GENERATION_FILE:
        try:
            return Path(GENERATION_FILE).read_text()
        except FileNotFoundError:
            _start_generation()
            return Path(GENERATION_FILE).read_text()
    current = cache.get(GENERATION_KEY)
    if current is None:
        current = uuid.uuid4().hex
        # add(), not set(): two processes starting at once agree on the first one's value.
        cache.add(GENERATION_KEY, current, timeout=None)
        current = cache.get(GENERATION_KEY, current)
    return current


def generation_and_entry(key):
    """The content's generation and the cache's entry under `key`, in one call to the cache
    (one round trip to Redis): for an entry that holds the generation it was made in."""
    if settings.CONTENT_GENERATION_FILE or getattr(_this_request, "generation", None):
        return generation(), cache.get(key)
    found = cache.get_many([GENERATION_KEY, key])
    current = found.get(GENERATION_KEY)
    return (_remember_generation(current) if current else generation()), found.get(key)


def _start_generation():
    new = uuid.uuid4().hex
    if hasattr(_this_request, "generation"):
        # A change made by this request (an editor's): what it reads next is afresh.
        _this_request.generation = None
    if GENERATION_FILE := settings.CONTENT_GENERATION_FILE:
        # Written aside, then renamed over the old file: a reader gets the whole old
        # generation or the whole new one. (Not the file's modification time: its clock
        # ticks in milliseconds, and two changes in one tick would read as one.)
        written = Path(f"{GENERATION_FILE}.{new}")
        written.write_text(new)
        os.replace(written, GENERATION_FILE)
    else:
        # Never dropped, as a cache that goes on without Redis while it is down drops
        # writes (site_config.redis_cache): pages cached before the change would be served
        # again after the outage. The change fails instead.
        set_surely = getattr(cache, "set_surely", cache.set)
        set_surely(GENERATION_KEY, new, timeout=None)


def new_generation(instance=None, **kwargs):
    _start_generation()
    # The signals come inside the change's transaction (the admin publishes in one): a
    # request that reads the database before the commit would file what it saw, the old
    # content, under the new generation. Another generation at the commit leaves it behind.
    transaction.on_commit(_start_generation)
    if getattr(settings, "WAGTAILFRONTENDCACHE", None):
        purge_frontend_cache(instance, **kwargs)


def cached(key, compute, timeout=TIMEOUT_SECONDS):
    """compute()'s value, computed once per generation of the content."""
    key = f"{key}:{generation()}"
    value = read(key, _MISSING)
    if value is _MISSING:
        value = compute()
        keep(key, value, timeout)
    return value


def watch(*models):
    """Start a new generation whenever one of these models is saved or deleted."""
    for model in models:
        post_save.connect(new_generation, sender=model, dispatch_uid=f"content-{model.__name__}")
        post_delete.connect(
            new_generation, sender=model, dispatch_uid=f"content-del-{model.__name__}"
        )


def watch_files(*models):
    """As watch(), for the image and document models, whose changes pages show: a replaced
    image's file and renditions are deleted (so a page kept from before would show broken
    images), a new focal point crops it anew, a document's new file has a new address.

    Not when one is added, which no page shows yet, nor when Wagtail saves the size or hash
    it measured of a file on its first use.
    """
    for model in models:
        post_save.connect(_file_saved, sender=model, dispatch_uid=f"content-file-{model.__name__}")
        post_delete.connect(
            new_generation, sender=model, dispatch_uid=f"content-file-del-{model.__name__}"
        )


_MEASURED_FIELDS = {"file_size", "file_hash"}


def _file_saved(instance, created=False, update_fields=None, **kwargs):
    if created or (update_fields and set(update_fields) <= _MEASURED_FIELDS):
        return
    new_generation(instance, **kwargs)


def purge_also(urls_for):
    """Have urls_for(page) name more addresses to purge from the CDN on a change.

    `page` is the page that changed (published, unpublished, moved, made private), or None
    when a record that any page may show changed (a watched model, a site). The function
    returns full URLs: the feeds that list a story, a page that shows every award.
    """
    if urls_for not in _purge_sources:
        _purge_sources.append(urls_for)


def purge_frontend_cache(
    instance=None, instance_before=None, parent_page_before=None, url_path_before=None, **kwargs
):
    """Purge from the CDN, once the change is committed, the addresses that can show it.

    A page's change: the page (at its old address too, after a move or a new slug), every
    page under it when it was made private, its ancestors (the index that lists a story,
    the home page), and what purge_also() functions name. A record's change: the sites'
    home pages and what those functions name. Other pages that show a change (a story's
    related stories, a filtered list of stories, the main menu on every page, the old
    addresses of the pages under a moved one) get it when the CDN's copy expires:
    page_cache sends s-maxage=PAGE_CACHE_SECONDS.
    """
    batch = PurgeBatch()
    if isinstance(instance, PageViewRestriction):
        changed = instance.page.specific_deferred
        batch.add_pages(changed.get_descendants())
    elif isinstance(instance, Page):
        changed = instance.specific_deferred
    else:
        changed = None

    if changed is None:
        batch.add_pages(site.root_page for site in Site.objects.select_related("root_page"))
    else:
        batch.add_pages(changed.get_ancestors(inclusive=True))
    if instance_before:
        batch.add_page(instance_before)
    if url_path_before:
        batch.add_page(Page(url_path=url_path_before))
        batch.add_pages(parent_page_before.get_ancestors(inclusive=True))
    for urls_for in _purge_sources:
        batch.add_urls(urls_for(changed))
        if parent_page_before:
            batch.add_urls(urls_for(parent_page_before.specific_deferred))
    transaction.on_commit(batch.purge)


def connect_page_signals():
    request_started.connect(_request_started, dispatch_uid="content-request-started")
    request_finished.connect(_request_finished, dispatch_uid="content-request-finished")
    for signal in (page_published, page_unpublished, post_page_move, page_slug_changed):
        signal.connect(new_generation, dispatch_uid=f"content-{id(signal)}")
    # Deleting a page sends post_delete for its own class, which may be any page type.
    post_delete.connect(_page_deleted, dispatch_uid="content-page-deleted")
    watch(PageViewRestriction, Site)


def _page_deleted(sender, **kwargs):
    # No purge: a live page is unpublished before it is deleted (Wagtail's pre_delete
    # handler), which purged it already, and a draft was never served.
    if issubclass(sender, Page):
        _start_generation()


class Fragment:
    """A piece of a page that every visitor sees alike (a page's body, its lists of story
    cards), rendered once per generation of the content and site, then read from the cache.

    `html` is the piece as rendered before, or None: then the page renders it, reading what
    it needs only then, and keep()s it. A preview is never read from nor kept in the cache:
    it shows a draft. The template tag {% cached_fragment %} renders or reads one.
    """

    def __init__(self, request, *key):
        site = Site.find_for_request(request) if request is not None else None
        if not pieces_kept(request) or site is None:
            self.key, self.html = None, None
            return
        # The site: a page's links to another site's pages are written in full. Hashed:
        # the key's parts may hold any text.
        parts = hashlib.sha256(repr(key).encode()).hexdigest()
        self.key = f"fragment:{parts}:{site.pk}:{generation()}"
        html = _read_shared(self.key)
        self.html = None if html is _MISSING else html

    def keep(self, html):
        if self.key is not None:
            _keep_shared(self.key, html, settings.FRAGMENT_CACHE_SECONDS)


def pieces_kept(request):
    """Whether the pieces of this request's page are read from and kept in the cache: not
    for a preview (it shows a draft), nor when FRAGMENT_CACHE_SECONDS turns them off."""
    return bool(settings.FRAGMENT_CACHE_SECONDS) and not getattr(request, "is_preview", False)
