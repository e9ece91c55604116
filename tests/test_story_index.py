"""Visitors browse News & Stories: 12 a page, newest first, by category and year."""

import datetime

import pytest
from bs4 import BeautifulSoup

from stories.models import StoryCategory

pytestmark = pytest.mark.django_db


def titles(response):
    soup = BeautifulSoup(response.content, "html.parser")
    return [a.get_text() for a in soup.select(".card__title a")]


@pytest.fixture
def many_stories(make_story, category):
    # 30 stories: 2024 and 2025, every third one in the Research category.
    return [
        make_story(
            f"Story {n:02d}",
            date=datetime.date(2024 + n % 2, 1 + n % 12, 1 + n),
            category=category if n % 3 == 0 else None,
        )
        for n in range(30)
    ]


def test_index_lists_twelve_stories_a_page_newest_first(client, many_stories):
    first = client.get("/news/")
    assert first.status_code == 200
    dates = sorted((s.date for s in many_stories), reverse=True)
    shown = titles(first)
    assert len(shown) == 12
    by_title = {s.title: s.date for s in many_stories}
    assert [by_title[t] for t in shown] == dates[:12]

    pages = [shown] + [titles(client.get(f"/news/?page={n}")) for n in (2, 3)]
    assert [len(p) for p in pages] == [12, 12, 6]
    assert len({t for p in pages for t in p}) == 30


def test_pagination_links_keep_the_filters(client, make_story, category):
    for n in range(14):
        make_story(f"Research {n}", category=category)
    soup = BeautifulSoup(client.get("/news/?category=research").content, "html.parser")
    assert soup.select_one("a[rel=next]")["href"] == "?category=research&page=2"


def test_filter_by_category(client, many_stories, category):
    response = client.get(f"/news/?category={category.slug}")
    assert response.status_code == 200
    expected = {s.title for s in many_stories if s.category == category}
    assert set(titles(response)) == expected
    assert b"Research" in response.content


def test_filter_by_year_and_category_together(client, many_stories, category):
    response = client.get(f"/news/?category={category.slug}&year=2025")
    expected = {s.title for s in many_stories if s.category == category and s.date.year == 2025}
    assert expected and set(titles(response)) == expected


def test_filter_options_come_from_published_stories(client, make_story, category):
    StoryCategory.objects.create(name="Empty")
    make_story("Only draft", category=StoryCategory.objects.create(name="Drafts"), live=False)
    make_story("Published", category=category, date=datetime.date(2023, 5, 1))
    soup = BeautifulSoup(client.get("/news/").content, "html.parser")
    categories = [o.get_text() for o in soup.select("#filter-category option")]
    years = [o.get_text() for o in soup.select("#filter-year option")]
    assert categories == ["All categories", "Research"]
    assert years == ["All years", "2023"]


@pytest.mark.parametrize(
    "query",
    [
        "page=abc",
        "page=0",
        "page=-1",
        "page=99999",
        "page=1.5",
        "page=" + "9" * 40,
        "category=unknown",
        "category=%3Cscript%3E",
        "year=abcd",
        "year=1999",
        "year=" + "9" * 20,
        "year=２０２５",
    ],
)
def test_bad_parameters_get_a_not_found_page(client, make_story, category, query):
    make_story("In 2025", date=datetime.date(2025, 1, 1), category=category)
    response = client.get(f"/news/?{query}")
    assert response.status_code == 404
    assert b"can\xe2\x80\x99t find that page" in response.content


def test_repeated_and_empty_parameters_are_harmless(client, make_story):
    make_story("A story")
    assert client.get("/news/?page=2&page=1").status_code == 200
    assert client.get("/news/?category=&year=&page=").status_code == 200
    assert client.get("/news/?unknown=1").status_code == 200


def test_empty_index_says_so(client, story_index):
    response = client.get("/news/")
    assert response.status_code == 200
    assert b"No stories have been published yet." in response.content


def test_story_page_shows_its_date_intro_category_and_tags(client, make_story, category):
    story = make_story("Medical school", category=category, date=datetime.date(2025, 3, 4))
    story.tags.add("medicine")
    story.save_revision().publish()
    response = client.get(story.url)
    soup = BeautifulSoup(response.content, "html.parser")
    assert soup.find("h1").get_text() == "Medical school"
    assert soup.find("time")["datetime"] == "2025-03-04"
    assert "Intro of Medical school." in soup.get_text()
    assert soup.select_one(".tags").get_text(strip=True) == "medicine"
    category_link = soup.select_one(".story__section a[href*=category]")
    assert category_link["href"] == "/news/?category=research"
