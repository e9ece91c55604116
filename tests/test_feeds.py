"""RSS 2.0 and Atom feeds of the latest 20 visible stories, site-wide and per category."""

import datetime
import xml.etree.ElementTree as ET

import pytest
from bs4 import BeautifulSoup
from django.utils import timezone
from django.utils.html import escape
from wagtail.models import PageViewRestriction

from stories.models import StoryCategory, StoryPage
from tests.conftest import queries_per_request

pytestmark = pytest.mark.django_db

SITE = "http://localhost"
ATOM = "{http://www.w3.org/2005/Atom}"


def rss(client, url):
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/rss+xml; charset=utf-8"
    root = ET.fromstring(response.content)
    assert root.tag == "rss" and root.get("version") == "2.0"
    (channel,) = root.findall("channel")
    return channel


def atom(client, url):
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/atom+xml; charset=utf-8"
    root = ET.fromstring(response.content)
    assert root.tag == f"{ATOM}feed"
    return root


def rss_titles(channel):
    return [item.findtext("title") for item in channel.findall("item")]


def atom_titles(feed):
    return [entry.findtext(f"{ATOM}title") for entry in feed.findall(f"{ATOM}entry")]


@pytest.fixture
def research_story(make_story, category):
    story = make_story(
        "Research story", category=category, date=datetime.date(2025, 3, 4), intro="Found it."
    )
    story.tags.add("ai")
    story.save_revision().publish()
    return story


def test_rss_feed_follows_rss_2(client, research_story):
    channel = rss(client, "/news/feed/rss/")
    assert channel.findtext("title") == "News & Stories"
    assert channel.findtext("link") == f"{SITE}/news/"
    assert channel.findtext("description")
    (item,) = channel.findall("item")
    assert item.findtext("title") == "Research story"
    assert item.findtext("link") == f"{SITE}/news/research-story/"
    assert item.findtext("description") == "Found it."
    assert item.findtext("pubDate").startswith("Tue, 04 Mar 2025 00:00:00 +0800")
    guid = item.find("guid")
    assert guid.text == f"urn:uuid:{research_story.translation_key}"
    assert guid.get("isPermaLink") == "false"
    assert [c.text for c in item.findall("category")] == ["Research", "ai"]


def test_atom_feed_follows_atom(client, research_story):
    feed = atom(client, "/news/feed/atom/")
    assert feed.findtext(f"{ATOM}title") == "News & Stories"
    assert feed.findtext(f"{ATOM}id") == f"{SITE}/news/"
    assert feed.findtext(f"{ATOM}updated")
    # Atom needs an author for the feed when its entries name none.
    assert feed.find(f"{ATOM}author/{ATOM}name").text
    self_link = feed.find(f"{ATOM}link[@rel='self']")
    assert self_link.get("href") == f"{SITE}/news/feed/atom/"

    (entry,) = feed.findall(f"{ATOM}entry")
    assert entry.findtext(f"{ATOM}title") == "Research story"
    assert entry.find(f"{ATOM}link").get("href") == f"{SITE}/news/research-story/"
    assert entry.findtext(f"{ATOM}id") == f"urn:uuid:{research_story.translation_key}"
    assert entry.findtext(f"{ATOM}published") == "2025-03-04T00:00:00+08:00"
    research_story.refresh_from_db()
    updated = datetime.datetime.fromisoformat(entry.findtext(f"{ATOM}updated"))
    assert updated == research_story.last_published_at
    summary = entry.find(f"{ATOM}summary")
    assert summary.get("type") == "html" and summary.text == "Found it."
    assert [c.get("term") for c in entry.findall(f"{ATOM}category")] == ["Research", "ai"]


def test_every_atom_entry_has_an_updated_date(client, make_story, story_index):
    make_story("Published")
    # A page made live without being published has no last publication date.
    story_index.add_child(instance=StoryPage(title="Imported", intro="Old."))
    feed = atom(client, "/news/feed/atom/")
    entries = feed.findall(f"{ATOM}entry")
    assert len(entries) == 2
    assert all(entry.findtext(f"{ATOM}updated") for entry in entries)


def test_feeds_hold_the_latest_twenty_stories_newest_first(client, make_story):
    start = datetime.date(2025, 1, 1)
    for n in range(25):
        make_story(f"Story {n:02d}", date=start + datetime.timedelta(days=n))
    newest_first = [f"Story {n:02d}" for n in range(24, 4, -1)]
    assert rss_titles(rss(client, "/news/feed/rss/")) == newest_first
    assert atom_titles(atom(client, "/news/feed/atom/")) == newest_first


def test_a_category_feed_holds_only_that_category(client, make_story, category):
    campus = StoryCategory.objects.create(name="Campus")
    make_story("Lab news", category=category)
    make_story("Campus news", category=campus)
    make_story("No category")

    channel = rss(client, "/news/category/research/feed/rss/")
    assert rss_titles(channel) == ["Lab news"]
    assert channel.findtext("title") == "News & Stories: Research"
    assert channel.findtext("link") == f"{SITE}/news/category/research/"
    assert atom_titles(atom(client, "/news/category/campus/feed/atom/")) == ["Campus news"]
    assert len(rss_titles(rss(client, "/news/feed/rss/"))) == 3


def test_feeds_of_unknown_or_hidden_categories_are_not_found(client, make_story, category):
    make_story("Draft", category=StoryCategory.objects.create(name="Drafts"), live=False)
    for url in (
        "/news/category/unknown/feed/rss/",
        "/news/category/drafts/feed/atom/",
        "/news/category/research/feed/rss/",
        "/news/category/%00/feed/rss/",
        "/news/feed/rss/extra/",
    ):
        assert client.get(url).status_code == 404, url


def test_an_empty_index_has_an_empty_feed(client, story_index):
    assert rss_titles(rss(client, "/news/feed/rss/")) == []
    assert atom(client, "/news/feed/atom/").findtext(f"{ATOM}updated")


def test_feeds_leave_out_drafts_private_and_unpublished_stories(client, make_story, category):
    make_story("Visible", category=category)
    make_story("Draft", category=category, live=False)
    make_story("Unpublished", category=category).unpublish()
    private = make_story("Private", category=category)
    PageViewRestriction.objects.create(
        page=private, restriction_type=PageViewRestriction.PASSWORD, password="secret"
    )
    revised = make_story("Revised", category=category)
    revised.title = "Unpublished title change"
    revised.save_revision()

    # Same date: the later published comes first.
    for url in ("/news/feed/rss/", "/news/category/research/feed/rss/"):
        assert rss_titles(rss(client, url)) == ["Revised", "Visible"]
    for url in ("/news/feed/atom/", "/news/category/research/feed/atom/"):
        assert atom_titles(atom(client, url)) == ["Revised", "Visible"]


def test_a_private_index_keeps_its_feeds_private(client, make_story, story_index):
    make_story("Members only")
    PageViewRestriction.objects.create(
        page=story_index, restriction_type=PageViewRestriction.PASSWORD, password="secret"
    )
    for url in ("/news/feed/rss/", "/news/feed/atom/"):
        response = client.get(url)
        assert b"Members only" not in response.content
        assert not response["Content-Type"].startswith("application/")


def test_hostile_titles_and_intros_stay_text(client, make_story):
    title = 'Q&A: </title><script>alert("x")</script> ]]> & <![CDATA[ ☃'
    intro = "Use <b>bold</b> & <i>italics</i> & \u2028 text"
    make_story(title, intro=intro)

    item = rss(client, "/news/feed/rss/").find("item")
    assert item.findtext("title") == title
    # Descriptions are HTML to feed readers: the intro arrives escaped, to show as text.
    assert item.findtext("description") == escape(intro)
    entry = atom(client, "/news/feed/atom/").find(f"{ATOM}entry")
    assert entry.findtext(f"{ATOM}title") == title
    assert entry.findtext(f"{ATOM}summary") == escape(intro)


def test_home_page_announces_the_site_wide_feeds(client, make_story, home_page):
    make_story("A story")
    soup = BeautifulSoup(client.get("/").content, "html.parser")
    links = [(a["type"], a["href"]) for a in soup.select("link[rel=alternate]")]
    assert links == [
        ("application/rss+xml", f"{SITE}/news/feed/rss/"),
        ("application/atom+xml", f"{SITE}/news/feed/atom/"),
    ]
    for _, url in links:
        assert client.get(url.removeprefix(SITE)).status_code == 200


def test_home_page_without_an_index_announces_no_feed(client, home_page):
    soup = BeautifulSoup(client.get("/").content, "html.parser")
    assert soup.select("link[rel=alternate]") == []


def test_feed_dates_use_the_sites_time_zone(client, make_story):
    make_story("Midnight", date=datetime.date(2025, 12, 31))
    pubdate = rss(client, "/news/feed/rss/").find("item").findtext("pubDate")
    parsed = datetime.datetime.strptime(pubdate, "%a, %d %b %Y %H:%M:%S %z")
    assert parsed.astimezone(timezone.get_current_timezone()).date() == datetime.date(2025, 12, 31)


def test_feeds_take_the_same_number_of_queries_however_many_stories(client, story_index, category):
    urls = ["/news/feed/rss/", "/news/feed/atom/", "/news/category/research/feed/atom/"]

    def add_stories(count):
        for n in range(count):
            story = StoryPage(title=f"Story {n}", intro="An intro.", category=category)
            story_index.add_child(instance=story)
            story.tags.add("ai", f"topic-{n}")
            story.save_revision().publish()

    def queries():
        client.get("/news/feed/rss/")  # Fills the site's caches, which the first request builds.
        return queries_per_request(client, urls)

    add_stories(3)
    few = queries()
    add_stories(22)
    assert queries() == few
