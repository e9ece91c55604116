"""The shortcuts that keep pages fast with 100,000 stories give the same answers as the
plain, slow queries.

Short lists of newest stories read only the stories from a date on, and a tag's pages of
the index too (stories.models.first_rows); other pages of the index read only the months
that hold them (StoryFacets.window); search ranks only the newest matches when too many
match (search.backends.best_matches); lists that read every story are cached until the
content changes (site_config.content_cache). Here the reach of the shortcuts is made tiny
(or the pages short), so that a handful of stories exercises them, edges, ties and
fallbacks included.
"""

import datetime
import json
import math

import pytest
from bs4 import BeautifulSoup
from django.db import connection, transaction
from django.db.models import Q
from wagtail.models import Page

import search.backends
import search.views
import stories.models
from stories.models import NEWEST_FIRST, StoryPage

pytestmark = pytest.mark.django_db

# Several stories a day, so that the edge of a date-bounded read falls inside a day.
DATES = [datetime.date(2024, 1, 1) + datetime.timedelta(days=n // 3) for n in range(31)]


@pytest.fixture
def tiny_reach(monkeypatch):
    monkeypatch.setattr(stories.models, "NEWEST_REACH", 2)
    monkeypatch.setattr(stories.models, "NEIGHBOUR_REACH", 2)
    monkeypatch.setattr(stories.models, "_reach", lambda stop: stop + 1)


@pytest.fixture
def archive(make_story, category, story_index):
    made = [
        make_story(f"Story {n}", date=date, category=category if n % 4 else None)
        for n, date in enumerate(DATES)
    ]
    make_story("A draft", live=False, date=DATES[-1])
    return made


def card_titles(response):
    soup = BeautifulSoup(response.content, "html.parser")
    return [a.get_text() for a in soup.select(".card__title a")]


def plain_order(queryset):
    return list(queryset.order_by(*NEWEST_FIRST).values_list("title", flat=True))


def test_every_page_of_the_index_matches_the_plain_sort(client, tiny_reach, archive, story_index):
    expected = plain_order(story_index.stories())
    pages = [expected[start : start + 12] for start in range(0, len(expected), 12)]
    for number, titles in enumerate(pages, start=1):
        assert card_titles(client.get(f"/news/?page={number}")) == titles, number


def test_a_categorys_pages_match_the_plain_sort(client, tiny_reach, archive, story_index, category):
    expected = plain_order(story_index.stories().filter(category=category))
    assert len(expected) > 12
    assert card_titles(client.get("/news/category/research/?page=2")) == expected[12:24]


@pytest.fixture
def years_of_stories(make_story, category, story_index):
    """Stories over two years, a few a month and some on the same day, a third of them
    without a category."""
    start = datetime.date(2023, 1, 1)
    dates = [start + datetime.timedelta(days=n * 11 - n % 2 * 11) for n in range(60)]
    return [
        make_story(f"Story {n}", date=date, category=category if n % 3 else None)
        for n, date in enumerate(dates)
    ]


@pytest.mark.parametrize("path", ["/news/", "/news/category/research/", "/news/2023/"])
def test_pages_read_from_their_months_match_the_plain_sort(
    client, monkeypatch, years_of_stories, story_index, category, path
):
    """Each page is read from the months that hold it (StoryFacets.window), every page of
    every list, with pages that start and end inside a month."""
    monkeypatch.setattr(stories.models, "STORIES_PER_PAGE", 5)

    # Not the way a tag's pages are read, which reads right without the months too.
    def edge(*args, **kwargs):
        raise AssertionError("a page was not read from its months")

    monkeypatch.setattr(stories.models.StoryFacets, "edge", edge)
    listed = story_index.stories()
    if "category" in path:
        listed = listed.filter(category=category)
    if "2023" in path:
        listed = listed.filter(date__year=2023)
    expected = plain_order(listed)
    pages = [expected[start : start + 5] for start in range(0, len(expected), 5)]
    assert len(pages) > 4
    for number, titles in enumerate(pages, start=1):
        assert card_titles(client.get(f"{path}?page={number}")) == titles, number


def test_newest_stories_match_the_plain_sort(tiny_reach, archive, category):
    visible = StoryPage.objects.visible()
    for count in (1, 3, 10):
        assert [s.title for s in visible.newest(count)] == plain_order(visible)[:count]
    # A list with fewer stories than asked for falls back to reading them all.
    uncategorised = visible.filter(category=None)
    assert [s.title for s in uncategorised.newest(50)] == plain_order(uncategorised)


def test_previous_and_next_match_the_plain_sort(client, tiny_reach, archive, story_index):
    order = plain_order(story_index.stories())
    for position in (0, 1, 2, 3, 15, len(order) - 1):
        story = StoryPage.objects.get(title=order[position])
        context = client.get(story.url).context
        newer = order[position - 1] if position else None
        older = order[position + 1] if position + 1 < len(order) else None
        assert getattr(context["previous_story"], "title", None) == older
        assert getattr(context["next_story"], "title", None) == newer


def test_previous_and_next_beyond_a_window_of_drafts(client, tiny_reach, make_story):
    """The stories between a story's edges may all be drafts (the edges count every
    story): then its neighbours are looked for among all."""
    day = datetime.date(2025, 3, 1)
    older = make_story("Older", date=day)
    for n in (5, 6, 7, 12, 13, 14):
        make_story(f"Draft {n}", live=False, date=day + datetime.timedelta(days=n))
    story = make_story("Between drafts", date=day + datetime.timedelta(days=10))
    newer = make_story("Newer", date=day + datetime.timedelta(days=20))

    context = client.get(story.url).context
    assert context["previous_story"].url == older.url
    assert context["next_story"].url == newer.url
    # A link shows the title of the story it leads to.
    page = BeautifulSoup(client.get(story.url).content, "html.parser")
    assert page.select_one("a[rel=prev]").get_text(" ", strip=True).endswith("Older")
    assert page.select_one("a[rel=next]").get_text(" ", strip=True).endswith("Newer")


def test_related_stories_match_the_plain_query(monkeypatch, make_story, category):
    """Related stories are looked for among the newest first (first_rows), then among all
    when fewer are found there; either way as the plain query finds them."""
    made = {}
    for day, title, in_category, tags in [
        (1, "Old tag", False, ["ocean"]),
        (2, "Old category", True, []),
        (3, "Subject", True, ["ocean"]),
        (4, "Unrelated a", False, ["robots"]),
        (5, "New tag", False, ["ocean"]),
        (6, "New category", True, []),
        (7, "Unrelated b", False, []),
        (8, "Unrelated c", False, []),
        (9, "Newest tag", False, ["ocean", "robots"]),
    ]:
        story = make_story(
            title, date=datetime.date(2025, 1, day), category=category if in_category else None
        )
        if tags:
            story.tags.add(*tags)
            story.save_revision().publish()
        made[title] = story

    for reach in range(1, 10):
        monkeypatch.setattr(stories.models, "NEWEST_REACH", reach)
        for title in ("Subject", "Unrelated a", "Old tag"):
            story = StoryPage.objects.get(pk=made[title].pk)
            siblings = StoryPage.objects.sibling_of(story, inclusive=False).visible()
            plain = plain_order(
                siblings.filter(
                    Q(category_id=story.category_id) | Q(tags__in=story.tags.all())
                    if story.category_id
                    else Q(tags__in=story.tags.all())
                ).distinct()
            )[:3]
            related, _, _ = story.story_lists()
            assert [story.title for story in related] == plain, (reach, title)

    # Found among the newest alone when they hold three: a tag shared with a story of the
    # newest is matched there.
    story = StoryPage.objects.get(pk=made["Subject"].pk)
    newest = story.related(datetime.date(2025, 1, 5))
    assert [related.title for related in newest] == ["Newest tag", "New category", "New tag"]


@pytest.fixture(params=["walk back from the newest", "sort the matches"])
def postgres_plan(request, monkeypatch):
    """Either way PostgreSQL may find the newest matches (search.backends.newest_entry_ids);
    SQLite answers the same to both."""
    always_walk = request.param == "walk back from the newest"
    cost = 0 if always_walk else math.inf
    monkeypatch.setattr(search.backends, "WALK_TEST_COST", {"text": cost, "autocomplete": cost})


def test_a_common_word_ranks_the_newest_matches_and_says_so(
    client, monkeypatch, make_story, story_index, postgres_plan
):
    monkeypatch.setattr(search.views, "MAX_RANKED", 3)
    for n in range(5):
        make_story(f"Telescope report {n}")
    response = client.get("/search/", {"q": "telescope"})
    soup = BeautifulSoup(response.content, "html.parser")
    shown = {a.get_text() for a in soup.select(".search-result__title a")}
    assert shown == {"Telescope report 2", "Telescope report 3", "Telescope report 4"}
    assert "More than 3 pages contain these words" in soup.select_one(".result-note").get_text()

    response = client.get("/search/", {"q": "telescope report 1"})
    assert [
        a.get_text()
        for a in BeautifulSoup(response.content, "html.parser").select(".search-result__title a")
    ] == ["Telescope report 1"]
    assert b"result-note" not in response.content


def test_the_index_shows_a_story_the_moment_it_is_published(client, make_story, category):
    make_story("First")
    assert card_titles(client.get("/news/")) == ["First"]
    assert client.get("/news/category/research/").status_code == 404  # no such story yet

    second = make_story("Second", category=category, live=False)
    assert card_titles(client.get("/news/")) == ["First"]
    second.save_revision().publish()
    assert card_titles(client.get("/news/")) == ["Second", "First"]
    assert card_titles(client.get("/news/category/research/")) == ["Second"]

    second.refresh_from_db()  # publish() worked on a copy: this one still says draft
    second.unpublish()
    assert card_titles(client.get("/news/")) == ["First"]
    assert client.get("/news/category/research/").status_code == 404


def test_renaming_a_category_shows_at_once(client, make_story, category):
    make_story("Filed", category=category)
    assert "Research" in client.get("/news/").content.decode()
    category.name = "Discoveries"
    category.save()
    assert "Discoveries" in client.get("/news/").content.decode()


def test_the_main_menu_follows_the_tree_at_once(client, home_page, story_index):
    def menu():
        soup = BeautifulSoup(client.get("/").content, "html.parser")
        return [a.get_text() for a in soup.select(".main-nav a")]

    story_index.show_in_menus = True
    story_index.save_revision().publish()
    assert menu() == [story_index.title]
    story_index.unpublish()
    assert menu() == []


def test_a_phrase_of_common_words_is_looked_for_in_the_newest_pages_with_its_words(
    client, monkeypatch, make_story, story_index, postgres_plan
):
    make_story("Ocean energy lab opens")
    for n in range(4):
        make_story(f"Energy from the ocean, part {n}")  # both words, not side by side
    monkeypatch.setattr(search.views, "MAX_RANKED", 3)
    response = client.get("/search/", {"q": '"ocean energy"'})
    soup = BeautifulSoup(response.content, "html.parser")
    assert not soup.select(".search-result__title a")
    assert "the newest 3 of them have none of these results" in soup.get_text()

    monkeypatch.setattr(search.views, "MAX_RANKED", 10)
    response = client.get("/search/", {"q": '"ocean energy"'})
    soup = BeautifulSoup(response.content, "html.parser")
    assert [a.get_text() for a in soup.select(".search-result__title a")] == [
        "Ocean energy lab opens"
    ]


def current_setting(name):
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting(%s)", [name])
        return cursor.fetchone()[0]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's planner settings")
def test_planner_settings_last_only_for_their_block():
    with transaction.atomic():  # as a caller's transaction, such as a test's, would
        with search.backends.planner_settings({"enable_seqscan": "off", "work_mem": "1MB"}):
            assert current_setting("enable_seqscan") == "off"
            assert current_setting("work_mem") == "1MB"
        assert current_setting("enable_seqscan") == "on"
        assert current_setting("work_mem") != "1MB"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's planner settings")
@pytest.mark.django_db(transaction=True)
def test_planner_settings_outside_a_transaction_end_with_their_own():
    with search.backends.planner_settings({"enable_seqscan": "off"}):
        assert current_setting("enable_seqscan") == "off"
    assert current_setting("enable_seqscan") == "on"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's planner estimates")
def test_the_planner_estimates_each_queryset_in_one_explain(make_story, story_index):
    for n in range(3):
        make_story(f"Estimated story {n}")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE wagtailcore_page")

    def estimate(queryset):
        return json.loads(queryset.explain(format="json"))[0]["Plan"]["Plan Rows"]

    pages = Page.objects.all()
    deep = Page.objects.filter(depth__gte=3)
    assert search.backends.explained_rows(pages, deep) == [estimate(pages), estimate(deep)]
    assert estimate(pages) > estimate(deep)


def test_pages_read_from_the_month_their_stories_reach_match_the_plain_sort(
    client, tiny_reach, make_story, category, story_index
):
    """A page of the index is read from the month in which its stories' count reaches it
    (stories.models.StoryFacets.edge), or to it from the other end: stories over several
    months and years, days at the months' edges, every filter, every page."""
    days = [datetime.date(2024, 11, 30), datetime.date(2024, 12, 1), datetime.date(2025, 1, 31)]
    days += [datetime.date(2025, month, day) for month in (2, 3, 4) for day in (1, 15, 28)]
    for n in range(45):
        story = make_story(
            f"Story {n}", date=days[n % len(days)], category=category if n % 2 else None
        )
        if n % 3 == 0:
            story.tags.add("ocean")
            story.save_revision().publish()

    every = story_index.stories()
    lists = {
        "": every,
        "category/research/": every.filter(category=category),
        "2025/": every.filter(date__year=2025),
        "category/research/2024/": every.filter(category=category, date__year=2024),
        "tag/ocean/": every.filter(tags__name="ocean"),
    }
    for address, listed in lists.items():
        expected = plain_order(listed)
        for number in range(1, math.ceil(len(expected) / 12) + 1):
            titles = expected[(number - 1) * 12 : number * 12]
            assert card_titles(client.get(f"/news/{address}?page={number}")) == titles, (
                address,
                number,
            )
