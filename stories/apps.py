from django.apps import AppConfig


class StoriesConfig(AppConfig):
    name = "stories"
    verbose_name = "News & Stories"

    def ready(self):
        from site_config import content_cache

        from .models import StoryCategory

        content_cache.watch(StoryCategory)
        content_cache.purge_also(lists_to_purge)


def lists_to_purge(page):
    """The story index that lists this story, or is this page, and its feeds: the site-wide
    ones and every category's, since a story may have just left a category. Every index,
    for a change to a record (a category's name is on its stories' cards and feed entries).
    Its filtered lists are too many to purge: they expire from the CDN by themselves.
    """
    from .feeds import FEED_TYPES
    from .models import StoryCategory, StoryIndexPage, StoryPage

    if page is None:
        indexes = StoryIndexPage.objects.all()
    elif isinstance(page, StoryIndexPage):
        indexes = [page]
    elif isinstance(page, StoryPage):
        indexes = StoryIndexPage.objects.parent_of(page)
    else:
        return []
    categories = [None, *StoryCategory.objects.all()]
    urls = []
    for index in indexes:
        urls.append(index.get_full_url())
        urls += [
            index.feed_url(None, kind, category) for kind in FEED_TYPES for category in categories
        ]
    return urls
