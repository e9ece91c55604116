from django import template
from wagtail.models import Site

from stories.models import StoryIndexPage

register = template.Library()


@register.inclusion_tag("stories/includes/feed_links.html", takes_context=True)
def story_feed_links(context):
    """Links to the site's story feeds, for pages other than the index to announce them."""
    request = context["request"]
    site = Site.find_for_request(request)
    story_index = site and StoryIndexPage.objects.in_site(site).live().public().first()
    return {"feeds": story_index.feed_links(request) if story_index else []}
