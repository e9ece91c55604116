"""Each story links to up to three related stories and to the stories before and after it."""

import datetime

import pytest
from bs4 import BeautifulSoup
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from taggit.models import Tag
from wagtail.models import Page, PageViewRestriction

from home.models import HomePage
from site_config.content_cache import new_generation
from stories.models import StoryCategory, StoryIndexPage, StoryPage, StoryPageTag

pytestmark = pytest.mark.django_db


def soup_of(client, story):
    response = client.get(story.url)
    assert response.status_code == 200
    return BeautifulSoup(response.content, "html.parser")


def related_titles(client, story):
    return [a.get_text() for a in soup_of(client, story).select("#related-stories ~ ul a")]


def neighbours(client, story):
    soup = soup_of(client, story)
    return {rel: a["href"] for rel in ("prev", "next") if (a := soup.select_one(f"a[rel={rel}]"))}


def on(day):
    return datetime.date(2025, 1, day)


def tag(story, *names):
    story.tags.add(*names)
    story.save_revision().publish()
    return story


@pytest.fixture
def campus(db):
    return StoryCategory.objects.create(name="Campus")


def test_related_stories_share_the_category_or_a_tag_newest_first(
    client, make_story, category, campus
):
    story = tag(make_story("The story", category=category, date=on(10)), "ai", "ocean")
    make_story("Same category, old", category=category, date=on(1))
    tag(make_story("Shares a tag", category=campus, date=on(20)), "ocean")
    make_story("Same category, newer", category=category, date=on(15))
    tag(make_story("Shares both tags", date=on(5)), "ai", "ocean")
    make_story("Unrelated", category=campus, date=on(30))
    tag(make_story("Other tag", date=on(31)), "robots")

    assert related_titles(client, story) == [
        "Shares a tag",
        "Same category, newer",
        "Shares both tags",
    ]


def test_related_stories_are_visible_ones_only(client, make_story, category):
    story = tag(make_story("The story", category=category, date=on(1)), "ai")
    make_story("Visible", category=category, date=on(2))
    make_story("Draft", category=category, date=on(3), live=False)
    make_story("Unpublished", category=category, date=on(4)).unpublish()
    private = tag(make_story("Private", date=on(5)), "ai")
    PageViewRestriction.objects.create(
        page=private, restriction_type=PageViewRestriction.PASSWORD, password="secret"
    )
    assert related_titles(client, story) == ["Visible"]


def test_a_story_without_category_or_tags_has_no_related_section(client, make_story):
    story = make_story("Alone")
    make_story("Another")
    assert soup_of(client, story).select("#related-stories") == []


def test_a_story_is_never_related_to_itself(client, make_story, category):
    story = tag(make_story("Only one", category=category), "ai")
    assert soup_of(client, story).select("#related-stories") == []


def test_previous_and_next_follow_the_index_order(client, make_story, category):
    # Made in a shuffled order; two share a date, as the index breaks ties.
    for title, day in [("C", 3), ("A", 1), ("D", 3), ("E", 9), ("B", 2)]:
        make_story(title, date=on(day), category=category if title in "AE" else None)
    make_story("Draft", date=on(5), live=False)
    make_story("Unpublished", date=on(6)).unpublish()
    index_order = [
        a.get_text()
        for a in BeautifulSoup(client.get("/news/").content, "html.parser").select(".card__title a")
    ]
    assert index_order == ["E", "D", "C", "B", "A"]

    stories = {story.title: story for story in StoryPage.objects.live()}
    oldest_first = list(reversed(index_order))
    for before, story, after in zip(
        [None, *oldest_first], oldest_first, [*oldest_first[1:], None], strict=False
    ):
        expected = {}
        if before:
            expected["prev"] = stories[before].url
        if after:
            expected["next"] = stories[after].url
        assert neighbours(client, stories[story]) == expected, story


def test_a_lone_story_has_no_previous_or_next(client, make_story):
    story = make_story("Alone")
    assert neighbours(client, story) == {}
    assert soup_of(client, story).select("nav[aria-label='Previous and next stories']") == []


def test_stories_of_another_index_are_neither_related_nor_adjacent(client, make_story, category):
    story = make_story("Ours", category=category, date=on(10))
    other_home = HomePage(title="Other site", slug="other")
    Page.get_first_root_node().add_child(instance=other_home)
    other_index = StoryIndexPage(title="Other news", slug="news")
    other_home.add_child(instance=other_index)
    for day in (9, 11):
        theirs = StoryPage(title=f"Theirs {day}", intro="x", date=on(day), category=category)
        other_index.add_child(instance=theirs)
        theirs.save_revision().publish()

    assert related_titles(client, story) == []
    assert neighbours(client, story) == {}


def add_stories(story_index, category, count, start=0):
    """Published stories made directly, fast enough for hundreds: category, two tags each."""
    now = timezone.now()
    tags = [Tag.objects.get_or_create(name=name)[0] for name in ("ai", "ocean", "robots")]
    for n in range(start, start + count):
        story = StoryPage(
            title=f"Story {n}",
            intro="An intro.",
            date=datetime.date(2020, 1, 1) + datetime.timedelta(days=n),
            category=category if n % 2 else None,
            first_published_at=now,
            last_published_at=now,
        )
        story_index.add_child(instance=story)
        StoryPageTag.objects.bulk_create(
            StoryPageTag(content_object=story, tag=tags[(n + i) % 3]) for i in range(2)
        )


def test_a_story_page_takes_the_same_number_of_queries_however_many_stories(
    client, story_index, category, settings
):
    """No query per card or link: one related story of 2 stories, or three of 200."""
    # The page itself is measured, not the page cache's copy (which runs no query).
    settings.PAGE_CACHE_SECONDS = 0
    add_stories(story_index, category, 2)
    story = StoryPage.objects.get(title="Story 0")

    def queries(related):
        client.get(story.url)  # Makes the site's settings, which the first request creates.
        # The story is rendered afresh: its lists are read, not taken from the cached
        # fragment of its page (site_config.content_cache.Fragment).
        new_generation()
        with CaptureQueriesContext(connection) as captured:
            soup = soup_of(client, story)
        assert len(soup.select("#related-stories ~ ul li")) == related
        assert soup.select_one("a[rel=next]")["href"] == "/news/story-1/"
        return len(captured)

    few = queries(related=1)
    add_stories(story_index, category, 198, start=2)
    assert queries(related=3) == few
