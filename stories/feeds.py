"""RSS 2.0 and Atom feeds of the latest stories, with Django's syndication framework.

StoryIndexPage serves them from its own addresses and decides what they list. A feed
object is made for one request and one filter and holds them only for that request, so
one feed can never answer with another filter's stories.
"""

import datetime
import re

from django.contrib.syndication.views import Feed
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed
from django.utils.html import escape

FEED_LENGTH = 20
# Characters XML 1.0 cannot hold. An editor may paste one (Word's vertical tab marks a line
# break), and Django's feed writer then refuses the whole feed with an error: each becomes
# a space instead.
NOT_IN_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def xml_text(text):
    return NOT_IN_XML.sub(" ", text)


class StoryFeed(Feed):
    item_guid_is_permalink = False

    def __init__(self, request, *, stories, title, link, feed_url, description, author):
        self.request = request
        self.stories = stories
        self.title = xml_text(title)
        self.link = link
        self.feed_url = feed_url
        # RSS calls it the channel's description, Atom the feed's subtitle.
        self.description = self.subtitle = xml_text(description)
        # Atom requires an author for the feed when its entries name none.
        self.author_name = xml_text(author)

    def items(self):
        return self.stories.for_feed()[:FEED_LENGTH]

    def item_title(self, story):
        # Plain text in both formats (Django's default escapes it a second time, for old
        # readers): the XML writer escapes it once.
        return xml_text(story.title)

    def item_description(self, story):
        # Both formats read descriptions as HTML: the plain-text intro is escaped to stay text.
        return escape(xml_text(story.intro))

    def item_link(self, story):
        return story.get_full_url(self.request)

    def item_guid(self, story):
        # Stays the same when the story's title, slug or address changes.
        return f"urn:uuid:{story.translation_key}"

    def item_pubdate(self, story):
        midnight = datetime.time(tzinfo=timezone.get_current_timezone())
        return datetime.datetime.combine(story.date, midnight)

    def item_updateddate(self, story):
        # Atom requires <updated> on every entry, and Django writes it only when given one.
        return story.last_published_at or self.item_pubdate(story)

    def item_categories(self, story):
        category = [story.category.name] if story.category else []
        return [xml_text(name) for name in category + [tag.name for tag in story.tags.all()]]


class RssStoryFeed(StoryFeed):
    feed_type = Rss201rev2Feed
    label = "RSS"
    mime_type = "application/rss+xml"


class AtomStoryFeed(StoryFeed):
    feed_type = Atom1Feed
    label = "Atom"
    mime_type = "application/atom+xml"


# By the name their addresses end with: feed/rss/, feed/atom/.
FEED_TYPES = {"rss": RssStoryFeed, "atom": AtomStoryFeed}
