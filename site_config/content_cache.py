"""Cached answers that stay right: every entry is filed under the content's generation, a
number that changes whenever anything visitors can see changes.

Publishing, unpublishing, moving or deleting a page, a change of privacy or of sites, and
a change to any model an app registers with `watch()` start a new generation, so the next
request computes its answers afresh; the old entries are never read again and expire.
With the default local-memory cache each process keeps its own entries and generation,
so a change made in one process is seen by another only when its entries expire: a site
served by several processes sets REDIS_URL, and they share one cache.
"""

import uuid

from django.core.cache import cache
from django.db.models.signals import post_delete, post_save
from wagtail.models import Page, PageViewRestriction, Site
from wagtail.signals import page_published, page_unpublished, post_page_move

GENERATION_KEY = "content-generation"
# Entries of a past generation are never read; this only bounds how long they take space.
TIMEOUT_SECONDS = 60 * 60


def generation():
    current = cache.get(GENERATION_KEY)
    if current is None:
        current = uuid.uuid4().hex
        # add(), not set(): two processes starting at once agree on the first one's value.
        cache.add(GENERATION_KEY, current, timeout=None)
        current = cache.get(GENERATION_KEY, current)
    return current


def new_generation(**kwargs):
    cache.set(GENERATION_KEY, uuid.uuid4().hex, timeout=None)


def cached(key, compute):
    """compute()'s value, computed once per generation of the content."""
    return cache.get_or_set(f"{key}:{generation()}", compute, TIMEOUT_SECONDS)


def watch(*models):
    """Start a new generation whenever one of these models is saved or deleted."""
    for model in models:
        post_save.connect(new_generation, sender=model, dispatch_uid=f"content-{model.__name__}")
        post_delete.connect(
            new_generation, sender=model, dispatch_uid=f"content-del-{model.__name__}"
        )


def connect_page_signals():
    for signal in (page_published, page_unpublished, post_page_move):
        signal.connect(new_generation, dispatch_uid=f"content-{id(signal)}")
    # Deleting a page sends post_delete for its own class, which may be any page type.
    post_delete.connect(_page_deleted, dispatch_uid="content-page-deleted")
    watch(PageViewRestriction, Site)


def _page_deleted(sender, **kwargs):
    if issubclass(sender, Page):
        new_generation()
