"""Visitors browse News & Stories: 12 a page, newest first, by category, tag and year.

Every filtered list has one clean address (/news/category/<slug>/tag/<slug>/<yyyy>/);
filters sent as query parameters, by the filter form or old links, are redirected there.
"""

import datetime

import pytest
from bs4 import BeautifulSoup
from django.core.exceptions import ValidationError
from wagtail.models import PageViewRestriction

from stories.models import StoryCategory, StoryPage
from tests.conftest import queries_per_request

pytestmark = pytest.mark.django_db

SITE = "http://localhost"


def soup_of(response):
    return BeautifulSoup(response.content, "html.parser")


def titles(response):
    return [a.get_text() for a in soup_of(response).select(".card__title a")]


def canonical(response):
    return soup_of(response).select_one("link[rel=canonical]")["href"]


def options(response, select_id):
    return [o.get_text() for o in soup_of(response).select(f"#{select_id} option")]


def tag(story, *names):
    """Tag a published story as an editor does: on the page, then publish."""
    story.tags.add(*names)
    story.save_revision().publish()
    return story


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


@pytest.fixture
def tagged_stories(make_story, category):
    """Stories across categories, tags and years, for the filters to combine."""
    campus = StoryCategory.objects.create(name="Campus")
    return {
        "research-ai-2025": tag(make_story("R AI 25", category=category), "ai"),
        "research-ai-2024": tag(
            make_story("R AI 24", category=category, date=datetime.date(2024, 3, 1)), "ai"
        ),
        "research-ocean-2025": tag(make_story("R Ocean 25", category=category), "ocean"),
        "campus-ai-2025": tag(make_story("C AI 25", category=campus), "ai", "ocean"),
        "untagged-2025": make_story("Untagged 25"),
    }


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


def test_pagination_links_are_the_filters_clean_addresses(client, make_story, category):
    for n in range(26):
        make_story(f"Research {n}", category=category)
    first = soup_of(client.get("/news/category/research/"))
    assert first.select_one("a[rel=next]")["href"] == "/news/category/research/?page=2"
    assert first.select_one("a[rel=prev]") is None

    second = soup_of(client.get("/news/category/research/?page=2"))
    # Page 1 is the list's own address, without ?page=1.
    assert second.select_one("a[rel=prev]")["href"] == "/news/category/research/"
    assert second.select_one("a[rel=next]")["href"] == "/news/category/research/?page=3"
    assert second.select_one(".pagination [aria-current=page]").get_text() == "Page 2 of 3"

    last = client.get("/news/category/research/?page=3")
    assert len(titles(last)) == 2
    assert soup_of(last).select_one("a[rel=next]") is None


def test_filter_by_category(client, many_stories, category):
    response = client.get(f"/news/category/{category.slug}/")
    assert response.status_code == 200
    expected = {s.title for s in many_stories if s.category == category}
    assert set(titles(response)) == expected
    assert soup_of(response).find("h1").get_text() == "News & Stories: Research"


def test_filter_by_year(client, many_stories):
    expected = {s.title for s in many_stories if s.date.year == 2024}
    shown = titles(client.get("/news/2024/")) + titles(client.get("/news/2024/?page=2"))
    assert len(shown) == len(expected) == 15
    assert set(shown) == expected


def test_filter_by_year_and_category_together(client, many_stories, category):
    response = client.get(f"/news/category/{category.slug}/2025/")
    expected = {s.title for s in many_stories if s.category == category and s.date.year == 2025}
    assert expected and set(titles(response)) == expected


def test_filter_by_tag(client, tagged_stories):
    response = client.get("/news/tag/ai/")
    assert response.status_code == 200
    assert set(titles(response)) == {"R AI 25", "R AI 24", "C AI 25"}
    assert soup_of(response).find("h1").get_text() == "News & Stories: tagged ai"


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("category/research/tag/ai/", {"R AI 25", "R AI 24"}),
        ("tag/ai/2025/", {"R AI 25", "C AI 25"}),
        ("category/research/tag/ai/2025/", {"R AI 25"}),
        ("category/research/tag/ocean/", {"R Ocean 25"}),
        ("category/campus/tag/ocean/2025/", {"C AI 25"}),
    ],
)
def test_filters_combine(client, tagged_stories, path, expected):
    response = client.get(f"/news/{path}")
    assert response.status_code == 200
    assert set(titles(response)) == expected
    assert canonical(response) == f"{SITE}/news/{path}"


def test_a_combination_without_stories_says_so(client, tagged_stories):
    response = client.get("/news/category/campus/2024/")
    assert response.status_code == 200
    assert titles(response) == []
    assert "No stories match these filters." in soup_of(response).get_text()


def test_a_tagged_story_is_listed_once(client, make_story):
    tag(make_story("Twice tagged"), "ai", "robots")
    assert titles(client.get("/news/tag/ai/")) == ["Twice tagged"]


def test_tags_with_other_scripts_have_addresses(client, make_story):
    tag(make_story("醫學 story"), "醫學")
    response = client.get("/news/tag/%E9%86%AB%E5%AD%B8/")
    assert response.status_code == 200
    assert titles(response) == ["醫學 story"]


def test_every_list_names_its_one_clean_address(client, many_stories):
    expected = {
        "/news/": f"{SITE}/news/",
        "/news/?page=1": f"{SITE}/news/",
        "/news/?page=2": f"{SITE}/news/?page=2",
        "/news/?page=2&utm_source=mail": f"{SITE}/news/?page=2",
        "/news/category/research/": f"{SITE}/news/category/research/",
        "/news/2025/": f"{SITE}/news/2025/",
    }
    found = {}
    for url in expected:
        soup = soup_of(client.get(url))
        links = [link["href"] for link in soup.select("link[rel=canonical]")]
        assert links == [soup.select_one("meta[property='og:url']")["content"]], url
        found[url] = links[0]
    assert found == expected


@pytest.mark.parametrize(
    ("query", "target"),
    [
        ("category=research", "/news/category/research/"),
        ("year=2025", "/news/2025/"),
        ("category=research&year=2025", "/news/category/research/2025/"),
        ("year=2025&category=research&page=2", "/news/category/research/2025/?page=2"),
        ("tag=ai", "/news/tag/ai/"),
        ("year=2025&tag=ai&category=research", "/news/category/research/tag/ai/2025/"),
        ("category=&tag=&year=&page=", "/news/"),
        ("category=research&tag=&year=", "/news/category/research/"),
    ],
)
def test_filters_in_the_query_redirect_to_the_clean_address(client, tagged_stories, query, target):
    response = client.get(f"/news/?{query}")
    assert response.status_code == 301
    assert response["Location"] == target
    assert client.get(target.removesuffix("?page=2")).status_code == 200


def test_query_filters_add_to_the_address_filters(client, tagged_stories):
    response = client.get("/news/category/research/?year=2024")
    assert response.status_code == 301
    assert response["Location"] == "/news/category/research/2024/"


def test_the_filter_form_leads_to_clean_addresses(client, tagged_stories):
    form = soup_of(client.get("/news/")).select_one("form.filters")
    assert form["method"] == "get" and form["action"] == "/news/"
    assert [s["name"] for s in form.select("select")] == ["category", "tag", "year"]
    # What the browser sends when a visitor picks a tag and leaves the rest at "All".
    response = client.get(form["action"], {"category": "", "tag": "ocean", "year": ""})
    assert response["Location"] == "/news/tag/ocean/"
    response = client.get(response["Location"])
    assert set(titles(response)) == {"R Ocean 25", "C AI 25"}


def test_the_form_shows_what_is_chosen(client, tagged_stories):
    soup = soup_of(client.get("/news/category/research/tag/ai/2024/"))
    chosen = {s["name"]: s.select_one("option[selected]")["value"] for s in soup.select("select")}
    assert chosen == {"category": "research", "tag": "ai", "year": "2024"}
    assert soup.select_one(".filters__clear")["href"] == "/news/"


def test_filter_options_come_from_published_stories(client, make_story, category):
    StoryCategory.objects.create(name="Empty")
    make_story("Only draft", category=StoryCategory.objects.create(name="Drafts"), live=False)
    make_story("Published", category=category, date=datetime.date(2023, 5, 1))
    response = client.get("/news/")
    assert options(response, "filter-category") == ["All categories", "Research"]
    assert options(response, "filter-year") == ["All years", "2023"]


def test_tag_options_come_from_visible_stories_only(client, make_story):
    tag(make_story("Public"), "Zebra", "ai")
    tag(make_story("Will be private"), "secret-project")
    private = StoryPage.objects.get(title="Will be private")
    PageViewRestriction.objects.create(
        page=private, restriction_type=PageViewRestriction.PASSWORD, password="x"
    )
    tag(make_story("Unpublished later"), "withdrawn")
    StoryPage.objects.get(title="Unpublished later").unpublish()
    # A newer draft's tags are not public until it is published.
    public = StoryPage.objects.get(title="Public")
    public.tags.add("draft-only")
    public.save_revision()

    response = client.get("/news/")
    assert options(response, "filter-tag") == ["All tags", "ai", "Zebra"]
    for hidden in ("secret-project", "withdrawn", "draft-only"):
        assert client.get(f"/news/tag/{hidden}/").status_code == 404


BAD_ADDRESSES = [
    "/news/?page=abc",
    "/news/?page=0",
    "/news/?page=-1",
    "/news/?page=99999",
    "/news/?page=1.5",
    "/news/?page=" + "9" * 40,
    "/news/?category=unknown",
    "/news/?category=%3Cscript%3E",
    "/news/?tag=unknown",
    "/news/?tag=%00",
    "/news/?category=" + "a" * 5000,
    "/news/?year=abcd",
    "/news/?year=1999",
    "/news/?year=" + "9" * 20,
    "/news/?year=２０２５",
    "/news/?year=02025",
    "/news/category/unknown/",
    "/news/category/drafts/",
    "/news/tag/unknown/",
    "/news/tag/%00/",
    "/news/category/%3Cscript%3E/",
    "/news/1999/",
    "/news/0000/",
    "/news/２０２５/",
    "/news/20251/",
    "/news/category/research/?page=2",
    "/news/category/research/tag/ai/",
    "/news/tag/ai/category/research/",
    "/news/2025/category/research/",
    "/news/category/research/category/research/",
    "/news/feed/",
    "/news/feed/json/",
    "/news/tag/ai/feed/rss/",
]


def test_bad_filters_and_pages_get_a_not_found_page(client, make_story, category):
    make_story("In 2025", date=datetime.date(2025, 1, 1), category=category)
    make_story("A draft", category=StoryCategory.objects.create(name="Drafts"), live=False)
    answers = {url: client.get(url) for url in BAD_ADDRESSES}
    assert {url: r.status_code for url, r in answers.items() if r.status_code != 404} == {}
    for response in answers.values():
        assert b"can\xe2\x80\x99t find that page" in response.content


def test_repeated_and_unknown_parameters_are_harmless(client, make_story):
    make_story("A story")
    assert client.get("/news/?page=2&page=1").status_code == 200
    assert client.get("/news/?unknown=1").status_code == 200
    assert client.get("/news/?category=&year=&page=", follow=True).status_code == 200


def test_empty_index_says_so(client, story_index):
    response = client.get("/news/")
    assert response.status_code == 200
    assert b"No stories have been published yet." in response.content


def test_the_index_announces_its_feeds(client, tagged_stories):
    def feeds(url):
        return [
            (link["type"], link["href"])
            for link in soup_of(client.get(url)).select("link[rel=alternate]")
        ]

    everything = [
        ("application/rss+xml", f"{SITE}/news/feed/rss/"),
        ("application/atom+xml", f"{SITE}/news/feed/atom/"),
    ]
    assert feeds("/news/") == everything
    assert feeds("/news/tag/ai/2025/") == everything
    assert feeds("/news/category/research/2025/") == everything + [
        ("application/rss+xml", f"{SITE}/news/category/research/feed/rss/"),
        ("application/atom+xml", f"{SITE}/news/category/research/feed/atom/"),
    ]


def test_story_page_shows_its_date_intro_category_and_tags(client, make_story, category):
    story = tag(
        make_story("Medical school", category=category, date=datetime.date(2025, 3, 4)),
        "medicine",
    )
    response = client.get(story.url)
    soup = soup_of(response)
    assert soup.find("h1").get_text() == "Medical school"
    assert soup.find("time")["datetime"] == "2025-03-04"
    assert "Intro of Medical school." in soup.get_text()
    assert soup.select_one(".tags").get_text(strip=True) == "medicine"
    assert soup.select_one(".tags a")["href"] == "/news/tag/medicine/"
    category_link = soup.select_one(".story__section a[href*=category]")
    assert category_link["href"] == "/news/category/research/"
    assert client.get(category_link["href"]).status_code == 200


def test_a_story_cannot_take_a_years_address(make_story):
    story = make_story("Looking back")
    story.slug = "2024"
    with pytest.raises(ValidationError) as error:
        story.full_clean()
    assert "slug" in error.value.message_dict
    story.slug = "2024-in-review"
    story.full_clean()


def test_lists_take_the_same_number_of_queries_however_many_stories(client, story_index, category):
    """One query per facet, a count and a page of cards: none per card, a few or twelve."""
    urls = ["/news/", "/news/category/research/", "/news/tag/ai/2025/"]

    def add_stories(count):
        for n in range(count):
            story = StoryPage(title=f"Story {n}", intro="An intro.", date=datetime.date(2025, 1, 1))
            story.category = category
            story_index.add_child(instance=story)
            tag(story, "ai", f"topic-{n % 5}")

    def queries():
        client.get("/news/")  # Fills the site's caches, which the first request builds.
        return queries_per_request(client, urls)

    add_stories(2)
    few = queries()
    add_stories(24)
    assert len(titles(client.get(urls[-1]))) == 12
    assert queries() == few
