"""Nothing a visitor may not see reaches an anonymous visitor.

Drafts, unpublished stories, stories scheduled to go live, expired stories, stories behind a
password or a login, stories under a private index, and the unpublished changes (a newer
draft, a scheduled revision) of published stories: none shows as a page, in the story index
and its filtered lists, the home page's latest stories and awards, search results and
suggestions, the feeds, the sitemap, the related, previous and next stories of other
stories, or JSON-LD. Nor through an answer cached before the story was hidden.

Each hidden story carries its own word in its title, intro, body, address and a tag, and
shares the category, a tag and the dates of the visible stories, so that every list that
leaked it would show it. Answers are parsed as a reader parses them.
"""

import datetime
import io
import json
import xml.etree.ElementTree as ET
from unittest import mock

import pytest
from bs4 import BeautifulSoup
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from wagtail.models import PageViewRestriction
from wagtail.test.utils.form_data import nested_form_data, rich_text, streamfield

from accolades.models import Award, Person
from stories.models import StoryPage

pytestmark = pytest.mark.django_db

HIDDEN = ("draft", "unpublished", "scheduled", "expired", "password", "login")
# Published stories whose newer, unpublished version (a draft, a scheduled revision) holds
# the word.
CHANGED = ("revised", "rescheduled")
WORDS = {kind: f"okapi{kind}" for kind in HIDDEN + CHANGED}
# The visible stories, newest first: the hidden ones are dated between the first two, so that
# they would be previous or next to one of them, and among the newest.
VISIBLE = ["Wombat after", "Wombat rescheduled", "Wombat revised", "Wombat before"]
DAYS = {"Wombat before": 1, "Wombat revised": 3, "Wombat rescheduled": 4, "Wombat after": 5}
HIDDEN_DAY = 2

LISTS = [
    "/",
    "/news/",
    "/news/category/research/",
    "/news/tag/wombats/",
    "/news/2025/",
    "/news/category/research/tag/wombats/2025/",
    "/news/feed/rss/",
    "/news/feed/atom/",
    "/news/category/research/feed/rss/",
    "/news/category/research/feed/atom/",
    "/sitemap.xml",
    "/search/?q=wombat",
    "/search/?q=wombat&category=research&year=2025",
    # No results: the search then offers the latest stories.
    "/search/?q=aardvark",
    "/search/suggest/?q=womb",
]


def readable(response):
    """Everything a reader of the answer can see, as its parser reads it, in lower case: the
    text and attribute values of HTML (and the JSON-LD in it, decoded), the text and
    attributes of XML, the strings of JSON, and where a redirect leads."""
    content_type = response.get("Content-Type", "")
    pieces = [response.get("Location", "")]
    if content_type.startswith("application/json"):
        pieces += json_strings(json.loads(response.content))
    elif "xml" in content_type:
        for element in ET.fromstring(response.content).iter():
            pieces += [element.text or "", element.tail or "", *element.attrib.values()]
    elif content_type.startswith("text/html"):
        soup = BeautifulSoup(response.content, "html.parser")
        pieces += soup.strings
        for element in soup.find_all(True):
            for value in element.attrs.values():
                pieces += value if isinstance(value, list) else [value]
        for script in soup.select('script[type="application/ld+json"]'):
            pieces += json_strings(json.loads(script.string))
    return " ".join(pieces).lower()


def json_strings(data):
    if isinstance(data, dict):
        return [s for key, value in data.items() for s in [key, *json_strings(value)]]
    if isinstance(data, list):
        return [s for value in data for s in json_strings(value)]
    return [str(data)]


def story_text(word):
    """A hidden story's title, address, intro and body, each with its word."""
    return {
        "title": f"Wombat {word}",
        "slug": f"{word}-story",
        "intro": f"Wombat intro {word}.",
        "body": [{"type": "paragraph", "value": f"<p>Wombat body {word}.</p>"}],
    }


def publish_scheduled(at):
    """Run the command as cron would at the given moment."""
    with mock.patch("django.utils.timezone.now", return_value=at):
        call_command("publish_scheduled", stdout=io.StringIO())


@pytest.fixture
def add_story(make_story, category):
    """A story in the category, tagged "wombats", dated that day of March 2025; with a word,
    its text is the word's (story_text) and the word is a tag too. Published unless
    live=False."""

    def add(day, *, title=None, word=None, live=True, **fields):
        if word:
            fields = story_text(word) | fields
            title = fields.pop("title")
        story = make_story(
            title, live=live, date=datetime.date(2025, 3, day), category=category, **fields
        )
        # Read again, as the editor's next change would: make_story's copy does not know
        # of its publication.
        story = StoryPage.objects.get(pk=story.pk)
        story.tags.add("wombats", *filter(None, [word]))
        revision = story.save_revision()
        if live:
            revision.publish()
        return story

    return add


def change(story, word, **fields):
    """A new revision of the story, with its word in every field but the address, made
    from the story as the database has it (as the editor makes it)."""
    story = StoryPage.objects.get(pk=story.pk)
    text = story_text(word)
    del text["slug"]
    for name, value in (text | fields).items():
        setattr(story, name, value)
    story.tags.add(word)
    return story.save_revision()


def restrict(page, restriction_type):
    PageViewRestriction.objects.create(
        page=page, restriction_type=restriction_type, password="secret"
    )


@pytest.fixture
def stories(home_page, add_story):
    """The visible stories by title, and one story of each hidden or changed kind by kind;
    the home page shows the latest three stories, and an award for each story that links
    to it."""
    now = timezone.now()
    later = now + datetime.timedelta(days=30)
    visible = {title: add_story(day, title=title) for title, day in DAYS.items()}
    kinds = {
        "draft": add_story(HIDDEN_DAY, word=WORDS["draft"], live=False),
        "unpublished": add_story(HIDDEN_DAY, word=WORDS["unpublished"]),
        "scheduled": add_story(HIDDEN_DAY, word=WORDS["scheduled"], live=False, go_live_at=later),
        "expired": add_story(
            HIDDEN_DAY, word=WORDS["expired"], expire_at=now + datetime.timedelta(hours=1)
        ),
        "password": add_story(HIDDEN_DAY, word=WORDS["password"]),
        "login": add_story(HIDDEN_DAY, word=WORDS["login"]),
        "revised": visible["Wombat revised"],
        "rescheduled": visible["Wombat rescheduled"],
    }
    kinds["unpublished"].unpublish()
    # Published with a go-live date to come: approved, and live only once it comes.
    kinds["scheduled"].get_latest_revision().publish()
    restrict(kinds["password"], PageViewRestriction.PASSWORD)
    restrict(kinds["login"], PageViewRestriction.LOGIN)
    change(kinds["revised"], WORDS["revised"])
    change(kinds["rescheduled"], WORDS["rescheduled"], go_live_at=later).publish()
    # Cron, once the expiry date has passed (and long before the go-live dates).
    publish_scheduled(now + datetime.timedelta(hours=2))

    show_on_home(home_page, [*visible.values(), *kinds.values()])
    return {"visible": visible, **kinds}


def show_on_home(home_page, stories):
    """The home page's sections: the latest three stories, and an award for each of these
    stories that links to it."""
    person = Person.objects.create(name="A. Researcher")
    awards = [
        Award.objects.create(person=person, title=f"Prize {number}", story=story)
        for number, story in enumerate(stories)
    ]
    home_page.body = [
        {"type": "latest_stories", "value": {"heading": "Latest", "count": 3}},
        {"type": "accolades", "value": {"heading": "Awards", "awards": [a.pk for a in awards]}},
    ]
    home_page.save_revision().publish()


def soup(response):
    return BeautifulSoup(response.content, "html.parser")


def card_titles(response):
    return [a.get_text() for a in soup(response).select(".card__title a")]


def feed_titles(response):
    root = ET.fromstring(response.content)
    entries = root.iter("item") if root.tag == "rss" else root.iter(f"{ATOM}entry")
    return [entry.findtext("title") or entry.findtext(f"{ATOM}title") for entry in entries]


ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
# What an anonymous visitor gets at a hidden story's address: 404 for a page that is not
# live, the password form, the login page, and the published version of a changed story.
ANSWERS = {
    "draft": 404,
    "unpublished": 404,
    "scheduled": 404,
    "expired": 404,
    "password": 200,
    "login": 302,
    "revised": 200,
    "rescheduled": 200,
}


def story_words(word):
    """What of a hidden story's own text would show it: its title, intro and body (its
    address may show in a password form or a login link back to it)."""
    return [f"wombat {word}", f"intro {word}", f"body {word}"]


@pytest.mark.parametrize("kind", HIDDEN + CHANGED)
def test_a_hidden_story_or_change_is_not_served(client, stories, kind):
    response = client.get(f"/news/{stories[kind].slug}/")
    assert response.status_code == ANSWERS[kind]
    shown = readable(response)
    assert [text for text in story_words(WORDS[kind]) if text in shown] == []
    if kind == "password":
        assert soup(response).select_one("input[type=password]")
    if kind == "login":
        assert response["Location"].startswith("/_util/login/")
    if response.status_code != 404:
        # Nor kept by the page cache for the next visitor.
        assert client.get(f"/news/{stories[kind].slug}/").get("X-Cache") != "hit"


@pytest.mark.parametrize("kind", HIDDEN + CHANGED)
def test_no_list_feed_search_or_story_shows_a_hidden_story(client, stories, kind):
    urls = LISTS + [story.url for story in stories["visible"].values()]
    leaks = []
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        if WORDS[kind] in readable(response):
            leaks.append(url)
    assert leaks == []


@pytest.mark.parametrize("kind", HIDDEN + CHANGED)
def test_searching_for_a_hidden_storys_word_finds_nothing(client, stories, kind):
    word = WORDS[kind]
    page = soup(client.get("/search/", {"q": word}))
    assert page.select(".search-result") == []
    assert page.select_one(".no-results")
    # The latest stories the page offers instead are visible ones.
    assert [a.get_text() for a in page.select(".card__title a")] == VISIBLE[:4]
    assert client.get("/search/suggest/", {"q": word}).json()["suggestions"] == []


def test_lists_hold_exactly_the_visible_stories(client, stories):
    for url in LISTS[1:6]:
        response = client.get(url)
        assert card_titles(response) == VISIBLE, url
        assert soup(response).select_one(".result-count").get_text() == "4 stories", url
    index = soup(client.get("/news/"))
    # A tag or year that only hidden stories have is not offered as a filter.
    assert [o["value"] for o in index.select("#filter-tag option")] == ["", "wombats"]
    assert [o["value"] for o in index.select("#filter-year option")] == ["", "2025"]
    for word in WORDS.values():
        assert client.get(f"/news/tag/{word}/").status_code == 404

    home = soup(client.get("/"))
    assert [a.get_text() for a in home.select(".card__title a")] == VISIBLE[:3]
    # The awards link only to the stories visitors may read.
    story_links = {a["href"] for a in home.select(".award a")}
    assert story_links == {story.url for story in stories["visible"].values()}


def test_feeds_and_sitemap_hold_exactly_the_visible_stories(client, stories):
    for url in LISTS[6:10]:
        assert feed_titles(client.get(url)) == VISIBLE, url
    sitemap = ET.fromstring(client.get("/sitemap.xml").content)
    locations = {loc.text for loc in sitemap.iter(f"{SITEMAP}loc")}
    assert {loc for loc in locations if "/news/" in loc and loc.count("/") > 4} == {
        story.full_url for story in stories["visible"].values()
    }


def test_search_and_suggestions_find_exactly_the_visible_stories(client, stories):
    results = soup(client.get("/search/", {"q": "wombat"}))
    titles = [a.get_text() for a in results.select(".search-result__title a")]
    assert sorted(titles) == sorted(VISIBLE)
    assert results.select_one(".result-count").get_text().startswith("4 results")
    facets = [" ".join(a.get_text().split()) for a in results.select(".facet a")]
    assert facets == ["Research (4)", "2025 (4)"]
    suggestions = client.get("/search/suggest/", {"q": "womb"}).json()["suggestions"]
    assert sorted(s["title"] for s in suggestions) == sorted(VISIBLE)


def test_related_previous_and_next_stories_are_visible_ones(client, stories):
    visible = stories["visible"]
    for position, title in enumerate(VISIBLE):
        page = soup(client.get(visible[title].url))
        related = [a.get_text() for a in page.select("#related-stories ~ ul .card__title a")]
        assert related == [other for other in VISIBLE if other != title]
        newer = VISIBLE[position - 1] if position > 0 else None
        older = VISIBLE[position + 1] if position + 1 < len(VISIBLE) else None
        links = {rel: page.select_one(f".story-nav a[rel={rel}]") for rel in ("prev", "next")}
        shown = {rel: link and link["href"] for rel, link in links.items()}
        assert shown == {
            "prev": older and visible[older].url,
            "next": newer and visible[newer].url,
        }, title


def test_a_changed_storys_page_and_json_ld_show_its_published_version(client, stories):
    for kind in CHANGED:
        page = soup(client.get(stories[kind].url))
        (script,) = page.select('script[type="application/ld+json"]')
        article = json.loads(script.string)
        title = f"Wombat {kind}"
        assert (article["headline"], page.h1.get_text()) == (title, title)
        assert article["description"] == f"Intro of {title}."
        assert article["keywords"] == ["wombats"]


LATE = "okapilate"
HIDE = {
    "unpublished": lambda story: story.unpublish(),
    "password": lambda story: restrict(story, PageViewRestriction.PASSWORD),
    "login": lambda story: restrict(story, PageViewRestriction.LOGIN),
    # The story's expiry date passes, and cron runs.
    "expired": lambda story: publish_scheduled(timezone.now() + datetime.timedelta(days=2)),
    # The only page a story can be under, but for the home page.
    "private index": lambda story: restrict(story.get_parent(), PageViewRestriction.PASSWORD),
    "deleted": lambda story: story.delete(),
}


@pytest.fixture
def seen_story(home_page, add_story, client):
    """A story that every list, feed, search and story shows, as an anonymous visitor saw
    them: their answers are in the page cache, their lists in the content cache. Returns
    the story and the addresses visited."""
    visible = [add_story(day, title=title) for title, day in DAYS.items()]
    story = add_story(HIDDEN_DAY, word=LATE, expire_at=timezone.now() + datetime.timedelta(days=1))
    show_on_home(home_page, [*visible, story])
    urls = LISTS + [other.url for other in visible]
    assert [url for url in urls if LATE not in readable(client.get(url))] == []
    assert client.get("/news/")["X-Cache"] == "hit"
    return story, urls


@pytest.mark.parametrize("hide", HIDE.values(), ids=HIDE.keys())
def test_a_story_hidden_after_visitors_saw_it_leaves_every_answer(client, seen_story, hide):
    story, urls = seen_story
    hide(story)
    assert [url for url in urls if LATE in readable(client.get(url))] == []
    own = client.get(f"/news/{LATE}-story/")
    assert [text for text in story_words(LATE) if text in readable(own)] == []


@pytest.mark.parametrize("scheduled", [False, True], ids=["draft", "scheduled revision"])
def test_a_change_saved_after_visitors_saw_a_story_stays_unseen(client, seen_story, scheduled):
    story, urls = seen_story
    word = "okapichange"
    go_live_at = timezone.now() + datetime.timedelta(days=30) if scheduled else None
    revision = change(story, word, go_live_at=go_live_at)
    if scheduled:
        revision.publish()
    assert [url for url in urls if word in readable(client.get(url))] == []
    assert [url for url in urls if LATE not in readable(client.get(url))] == []


def test_an_editors_preview_of_a_change_never_reaches_visitors(
    client, home_page, add_story, django_user_model
):
    """A preview renders the draft through the same templates and caches as the page: what
    it renders must not be kept for visitors."""
    story = add_story(HIDDEN_DAY, title="Wombat previewed")
    # Published before the preview: a publication would start a new generation of the
    # caches, and leave behind whatever the preview kept.
    visible = add_story(DAYS["Wombat after"], title="Wombat after")
    editor = Client()
    editor.force_login(django_user_model.objects.create_superuser("editor", "", "password"))
    word = "okapipreview"
    text = story_text(word)
    data = nested_form_data(
        {
            "title": text["title"],
            "slug": story.slug,
            "intro": text["intro"],
            "date": story.date.isoformat(),
            "category": story.category_id,
            "tags": "wombats",
            "body": streamfield([("paragraph", rich_text(f"<p>Wombat body {word}.</p>"))]),
            "go_live_at": "",
            "expire_at": "",
        }
    )
    preview_url = reverse("wagtailadmin_pages:preview_on_edit", args=[story.pk])
    assert editor.post(preview_url, data).json()["is_valid"]
    assert word in readable(editor.get(preview_url))

    urls = LISTS + [story.url, visible.url]
    assert [url for url in urls if word in readable(client.get(url))] == []
