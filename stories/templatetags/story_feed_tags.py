from django import template
from wagtail.models import Site

from site_config.pages import top_level_pages
from stories.models import StoryIndexPage

register = template.Library()


@register.inclusion_tag("stories/includes/feed_links.html", takes_context=True)
def story_feed_links(context):
    """Links to the site's story feeds, for pages other than the index to announce them."""
    request = context["request"]
    site = Site.find_for_request(request)
    # A story index is always a child of the site's home page (its parent_page_types): the
    # pages the main menu reads, and keeps, hold it.
    pages = top_level_pages(site) if site else []
    story_index = next((page for page in pages if page.specific_class is StoryIndexPage), None)
    # specific_deferred: the feeds need the index's title, address and routes, not its intro.
    return {"feeds": story_index.specific_deferred.feed_links(request) if story_index else []}
