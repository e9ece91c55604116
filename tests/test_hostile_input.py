"""Hostile text is shown as text wherever it is shown.

Classic XSS payloads, a JSON-LD breakout, the end of a CDATA section, template syntax,
Unicode line separators and control characters go into everything an editor writes (page
titles, a story's intro, rich text as the rich text editor saves it, the fields of every
block, link addresses, categories, tags, people, awards, the site's name) and everything a
visitor sends (search queries, filters, page numbers). Every answer that shows them is
parsed as a browser or reader parses it: no element, attribute or script is injected, no
link leads to javascript:, JSON and XML still parse, and the text reads back as written.
"""

import io
import json
import re
import xml.etree.ElementTree as ET
from html import unescape
from urllib.parse import parse_qs

import pytest
from bs4 import BeautifulSoup
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from wagtail.admin.rich_text import get_rich_text_editor_widget
from wagtail.images.models import Image
from wagtail.images.tests.utils import get_test_image_file
from wagtail.models import Page
from wagtail.test.utils.form_data import nested_form_data, streamfield

from accolades.models import AccoladesPage, Award, Person
from site_config.blocks import RICH_TEXT_FEATURES
from site_config.models import SiteSettings
from stories.models import StoryCategory, StoryPage

pytestmark = pytest.mark.django_db

PAYLOADS = {
    "script": "<script>alert(1)</script>",
    "attribute breakout": '"><img src=x onerror=alert(1)>',
    "xss locator": "'';!--\"<XSS>=&{()}",
    "json-ld breakout": "</script><script>alert(1)</script>",
    "cdata end": "]]>",
    "template syntax": "{{ 7*7 }}{% debug %}",
    "line separators": "a\u2028b\u2029c",
    "control characters": "a\x01b\x08c\x0bd\x0ce\x1bf\x1fg\x7fh",
}
# An address an editor may enter (a valid URL), full of markup.
MARKUP_URL = "https://example.org/?q=\"><svg/onload=alert(1)>&x='onmouseover='alert(1)"
# Addresses no link may lead to: the admin refuses them, the rich text editor drops them.
SCRIPT_URLS = [
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    " javascript:alert(1)",
    "java\tscript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "vbscript:msgbox(1)",
]
UNSAFE_SCHEME = re.compile(r"^(javascript|vbscript|data):")
LINK_ATTRIBUTES = ("href", "src", "action", "formaction", "srcset", "xlink:href")
SITE_SCRIPT = "search/suggest.js"
# Characters XML 1.0 cannot hold: the feeds show a space instead.
NOT_IN_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")


def normal(text):
    """Text with its runs of whitespace as one space: how pages fold it in places (the
    meta description, search snippets), and how a browser shows it anyway."""
    return " ".join(text.split())


def editor_rich_text(text, urls=()):
    """Rich text as the rich text editor saves it when an editor types `text`, then adds a
    link to each of `urls` (its contentstate, converted by Wagtail as a save does)."""
    blocks = [{"key": "typed", "type": "unstyled", "text": text}]
    entities = {}
    for number, url in enumerate(urls):
        blocks.append(
            {
                "key": f"link{number}",
                "type": "unstyled",
                "text": f"link {number}",
                "entityRanges": [{"offset": 0, "length": len(f"link {number}"), "key": number}],
            }
        )
        entities[str(number)] = {"type": "LINK", "mutability": "MUTABLE", "data": {"url": url}}
    for block in blocks:
        block.setdefault("entityRanges", [])
        block |= {"depth": 0, "inlineStyleRanges": []}
    widget = get_rich_text_editor_widget(features=RICH_TEXT_FEATURES)
    return widget.converter.to_database_format(
        json.dumps({"blocks": blocks, "entityMap": entities})
    )


class HostileSite:
    """A site whose every field holds the payload, each after its own name ("headline: …"),
    so that where it shows can be told. No name ends another, so none is found for another.
    """

    def __init__(self, payload, home, index, make_story):
        self.payload = payload
        self.settings = SiteSettings.for_site(home.get_site())
        self.settings.site_name = self.text("sitename")
        self.settings.short_name = self.text("abbr")  # 40 characters at most
        self.settings.save()
        index.title, index.intro = self.text("indextitle"), self.text("indexintro")
        index.save_revision().publish()

        self.category = StoryCategory.objects.create(name=self.text("category"))
        image = Image.objects.create(title="Campus", file=get_test_image_file())
        self.neighbour = make_story(
            "Neighbour wombat",
            slug="neighbour",
            intro=self.text("neighbour", "wombat"),
            category=self.category,
        )
        self.story = make_story(
            self.text("headline", "wombat"),
            slug="hostile-story",
            intro=self.text("summary", "wombat"),
            category=self.category,
            hero_image=image,
            hero_image_alt=self.text("herodesc"),
            date=self.neighbour.date.replace(day=2),
            body=self.story_body(image),
        )
        for story in (self.neighbour, self.story):
            story = StoryPage.objects.get(pk=story.pk)
            story.tags.add(self.text("tag"))
            story.save_revision().publish()
        self.tag = self.story.tags.get()

        person = Person.objects.create(
            # A short name: an honorific holds 40 characters (PostgreSQL enforces it).
            honorific=self.text("hon"),
            name=self.text("person"),
            role=self.text("role"),
            profile_url=MARKUP_URL,
        )
        award = Award.objects.create(
            person=person,
            title=self.text("award"),
            awarding_body=self.text("awardbody"),
            year=2025,
            description=self.text("awarddesc"),
            story=self.story,
        )
        home.body = self.home_body(award)
        home.save_revision().publish()
        accolades = AccoladesPage(
            title=self.text("accpage"), slug="accolades", intro=self.text("accintro")
        )
        home.add_child(instance=accolades)
        accolades.save_revision().publish()

    def text(self, name, suffix=""):
        return f"{name}: {self.payload} {suffix}".rstrip(" ")

    def story_body(self, image):
        return [
            {"type": "heading", "value": {"text": self.text("subhead"), "level": "h2"}},
            {
                "type": "paragraph",
                "value": editor_rich_text(self.text("para"), [MARKUP_URL, *SCRIPT_URLS]),
            },
            {
                "type": "image",
                "value": {
                    "image": {
                        "image": image.pk,
                        "alt_text": self.text("picalt"),
                        "decorative": False,
                    },
                    "caption": self.text("caption"),
                },
            },
            {
                "type": "quote",
                "value": {"quote": self.text("quotation"), "attribution": self.text("attribution")},
            },
            {
                "type": "call_to_action",
                "value": {
                    "heading": self.text("ctahead"),
                    "text": self.text("ctatext"),
                    "link": {"page": None, "url": MARKUP_URL, "label": self.text("button")},
                },
            },
        ]

    def home_body(self, award):
        ranking = {
            "name": self.text("ranking"),
            "year": 2025,
            "positions": [{"rank": 1, "scope": self.text("scope")}],
            "publisher_note": self.text("publisher"),
            "source_url": MARKUP_URL,
        }
        distinction = {
            "title": self.text("distinction"),
            "year": 2025,
            "awarding_body": self.text("distbody"),
            "source_url": MARKUP_URL,
        }
        fact = {
            "figure": self.text("figure"),
            "label": self.text("label"),
            "detail": self.text("detail"),
            "source": self.text("source"),
            "year": 2025,
        }
        sections = {
            "latest_stories": {
                "heading": self.text("latesthead"),
                "intro": self.text("latestintro"),
                "count": 3,
            },
            "rankings": {
                "heading": self.text("rankhead"),
                "intro": self.text("rankintro"),
                "items": [
                    {"type": "ranking", "value": ranking},
                    {"type": "distinction", "value": distinction},
                ],
            },
            "facts": {"heading": self.text("factshead"), "facts": [fact]},
            "accolades": {"heading": self.text("awardshead"), "awards": [award.pk]},
            "statement": {
                "heading": self.text("statementhead"),
                "text": editor_rich_text(self.text("statement"), [MARKUP_URL]),
                "link": {"page": None, "url": MARKUP_URL, "label": self.text("statementlink")},
            },
        }
        return [{"type": kind, "value": value} for kind, value in sections.items()]

    def shown(self, names):
        """The fields of these names as a page should show them."""
        return [normal(self.text(name)) for name in names]


@pytest.fixture(params=PAYLOADS.values(), ids=PAYLOADS.keys())
def site(request, home_page, story_index, make_story):
    return HostileSite(request.param, home_page, story_index, make_story)


def parse_html(response):
    assert response.status_code in (200, 404), response.status_code
    assert response["Content-Type"].startswith("text/html")
    return BeautifulSoup(response.content, "html.parser")


def pieces(soup):
    """Every text and attribute value of a page, each as a browser shows it (whitespace
    folded)."""
    found = [normal(text) for text in soup.strings]
    for element in soup.find_all(True):
        for value in element.attrs.values():
            found += [normal(v) for v in (value if isinstance(value, list) else [value])]
    return found


def missing(soup, expected):
    """The expected texts that no text or attribute value of the page holds."""
    found = pieces(soup)
    return [text for text in expected if not any(text in piece for piece in found)]


def injected(soup):
    """What the page holds that its templates never write: scripts other than the site's
    own, event handler attributes, links that run script, elements no template uses."""
    problems = []
    for script in soup.find_all("script"):
        own_file = script.get("src", "").endswith(SITE_SCRIPT) and not script.string
        if not own_file and script.get("type") != "application/ld+json":
            problems.append(str(script))
    for element in soup.find_all(True):
        if element.name in ("xss", "svg", "iframe", "object", "embed") or (
            element.name == "img" and element.get("src") == "x"
        ):
            problems.append(str(element))
        for attribute, value in element.attrs.items():
            if attribute.lower().startswith("on"):
                problems.append(f"{element.name} {attribute}")
            if attribute in LINK_ATTRIBUTES:
                address = "".join(str(value).split()).lower()
                if UNSAFE_SCHEME.match(address):
                    problems.append(f"{element.name} {attribute}={value}")
    return problems


def json_ld(soup):
    return [
        json.loads(script.string) for script in soup.select('script[type="application/ld+json"]')
    ]


def test_pages_show_every_field_as_text(client, site):
    pages = {
        site.story.url: [
            "headline", "summary", "herodesc", "subhead", "para", "picalt", "caption",
            "quotation", "attribution", "ctahead", "ctatext", "button", "category", "tag",
            "indextitle", "sitename", "abbr",
        ],
        site.neighbour.url: ["headline", "summary", "category", "tag"],
        "/": [
            "headline", "summary", "category", "latesthead", "latestintro", "rankhead",
            "rankintro", "ranking", "scope", "publisher", "distinction", "distbody",
            "factshead", "figure", "label", "detail", "source", "awardshead", "hon",
            "person", "role", "award", "awardbody", "statementhead", "statement",
            "statementlink", "indextitle", "sitename",
        ],
        "/news/": ["indextitle", "indexintro", "headline", "summary", "category", "tag"],
        f"/news/category/{site.category.slug}/": ["category", "headline"],
        f"/news/tag/{site.tag.slug}/": ["tag", "headline"],
        "/news/2025/": ["headline"],
        "/accolades/": [
            "accpage", "accintro", "hon", "person", "role", "award", "awardbody",
            "awarddesc", "headline",
        ],
        "/search/?q=wombat": ["headline", "summary", "category"],
        f"/search/?q=wombat&category={site.category.slug}&year=2025": ["headline", "category"],
    }  # fmt: skip
    for url, names in pages.items():
        soup = parse_html(client.get(url))
        assert injected(soup) == [], url
        assert missing(soup, site.shown(names)) == [], url


def test_attributes_and_links_hold_the_text_as_written(client, site):
    story = parse_html(client.get(site.story.url))
    meta = {
        tag.get("property") or tag.get("name"): tag["content"]
        for tag in story.select("meta[content]")
    }
    assert meta["og:title"] == meta["twitter:title"] == site.story.title
    assert meta["description"] == meta["og:description"] == normal(site.story.intro)
    assert (
        meta["og:image:alt"] == story.select_one(".story__hero img")["alt"] == site.text("herodesc")
    )
    assert meta["og:site_name"] == site.text("sitename")
    assert story.select_one(".figure img")["alt"] == site.text("picalt")
    assert story.title.get_text() == f"{site.story.title} | {site.text('sitename')}"
    assert story.select_one(".site-header__short")["title"] == site.text("sitename")
    # The rich text's links: the valid address as typed, none to a script.
    rich_links = [a.get("href") for a in story.select(".rich-text a")]
    assert rich_links == [MARKUP_URL] + [None] * len(SCRIPT_URLS)
    assert story.select_one(".cta a")["href"] == MARKUP_URL

    home = parse_html(client.get("/"))
    assert {a["href"] for a in home.select(".claim__source a")} == {MARKUP_URL}
    assert home.select_one(".award__person a")["href"] == MARKUP_URL
    assert [a["href"] for a in home.select(".section--statement a")] == [MARKUP_URL, MARKUP_URL]

    index = parse_html(client.get(f"/news/category/{site.category.slug}/"))
    feed_titles = {link["title"] for link in index.select("link[rel=alternate]")}
    category_feeds = f"{site.text('indextitle')}: {site.text('category')}"
    assert feed_titles == {
        f"{title} ({kind})"
        for title in (site.text("indextitle"), category_feeds)
        for kind in ("RSS", "Atom")
    }
    assert index.h1.get_text() == category_feeds
    options = index.select("#filter-category option, #filter-tag option")
    assert [o.get_text() for o in options] == [
        "All categories",
        site.text("category"),
        "All tags",
        site.text("tag"),
    ]


def test_json_ld_parses_and_stays_in_its_script(client, site):
    story = parse_html(client.get(site.story.url))
    (article,) = json_ld(story)
    assert article["headline"] == site.story.title
    assert article["description"] == site.story.intro
    assert article["articleSection"] == site.text("category")
    assert article["keywords"] == [site.text("tag")]
    assert article["publisher"]["name"] == site.text("sitename")
    assert article["publisher"]["alternateName"] == site.text("abbr")

    home = parse_html(client.get("/"))
    ((institution, website),) = [data["@graph"] for data in json_ld(home)]
    assert institution["name"] == website["name"] == site.text("sitename")
    # Nothing of it can end its <script> element early, in any browser.
    for page in (story, home):
        for script in page.select('script[type="application/ld+json"]'):
            assert "<" not in script.string and "\u2028" not in script.string


def xml_text(text):
    return normal(NOT_IN_XML.sub(" ", text))


@pytest.mark.parametrize("kind", ["rss", "atom"])
def test_feeds_parse_and_hold_the_text(client, site, kind):
    atom = "{http://www.w3.org/2005/Atom}"
    prefix = atom if kind == "atom" else ""
    for path in ("/news/", f"/news/category/{site.category.slug}/"):
        response = client.get(f"{path}feed/{kind}/")
        assert response.status_code == 200, path
        root = ET.fromstring(response.content)
        feed = root if kind == "atom" else root.find("channel")
        title = xml_text(feed.findtext(f"{prefix}title"))
        assert xml_text(site.text("indextitle")) in title, path
        assert xml_text(site.text("sitename")) in title, path
        entry = next(feed.iter(f"{prefix}entry" if kind == "atom" else "item"))
        assert xml_text(entry.findtext(f"{prefix}title")) == xml_text(site.story.title)
        summary = entry.findtext(f"{prefix}summary" if kind == "atom" else "description")
        # The description is HTML to feed readers: the intro arrives escaped, to show as text.
        assert xml_text(unescape(summary)) == xml_text(site.story.intro)
        categories = [
            c.get("term") if kind == "atom" else c.text for c in entry.iter(f"{prefix}category")
        ]
        assert [xml_text(c) for c in categories] == [
            xml_text(site.text("category")),
            xml_text(site.text("tag")),
        ]


def test_sitemap_parses(client, site):
    sitemap = ET.fromstring(client.get("/sitemap.xml").content)
    locations = [
        loc.text for loc in sitemap.iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc")
    ]
    assert "http://localhost/news/hostile-story/" in locations


def test_search_echoes_the_query_as_text_in_every_link(client, site, monkeypatch):
    # One result a page: two stories hold the words, so the results have a second page.
    monkeypatch.setattr("search.views.RESULTS_PER_PAGE", 1)
    query = f"wombat {site.payload}"
    soup = parse_html(client.get("/search/", {"q": query}))
    assert injected(soup) == []
    assert soup.select_one("#search-page-q")["value"] == query
    shown_query = soup.select_one("#site-search-q")["value"]
    assert shown_query.startswith("wombat")
    assert soup.title.get_text().startswith(f"Search: {shown_query}")
    assert f"“{shown_query}”" in soup.select_one(".result-count").get_text()
    # The search's address for search engines and link previews leaves the query out.
    assert soup.select_one("link[rel=canonical]")["href"] == "http://localhost/search/"
    assert soup.select_one("meta[property='og:url']")["content"] == "http://localhost/search/"
    links = soup.select(".pagination a, .facet a")
    assert len(links) == 3  # the next page, the category, the year
    for link in links:
        assert link["href"].startswith("?")
        assert parse_qs(link["href"][1:])["q"] == [shown_query]

    nothing = parse_html(client.get("/search/", {"q": f"aardvark {site.payload}"}))
    assert injected(nothing) == []
    assert nothing.select_one("#search-page-q")["value"] == f"aardvark {site.payload}"
    assert "No results for “aardvark" in nothing.select_one(".no-results").get_text()
    assert missing(nothing, site.shown(["headline"])) == []


def test_suggestions_are_json_with_the_titles_as_written(client, site):
    response = client.get("/search/suggest/", {"q": "wombat"})
    titles = [s["title"] for s in json.loads(response.content)["suggestions"]]
    assert site.story.title in titles
    answer = client.get("/search/suggest/", {"q": site.payload})
    assert response["Content-Type"] == answer["Content-Type"] == "application/json"
    assert "<" not in json.loads(answer.content)["query"]


@pytest.mark.parametrize("payload", PAYLOADS.values(), ids=PAYLOADS.keys())
def test_hostile_query_string_values_get_a_plain_not_found(
    client, story_index, make_story, payload
):
    make_story("A story", category=StoryCategory.objects.create(name="Research"))
    urls = [
        ("/news/", {"category": payload}),
        ("/news/", {"tag": payload}),
        ("/news/", {"year": payload}),
        ("/news/", {"page": payload}),
        ("/news/category/research/", {"page": payload}),
        ("/search/", {"q": "story", "category": payload}),
        ("/search/", {"q": "story", "year": payload}),
        ("/search/", {"q": "story", "page": payload}),
    ]
    for url, params in urls:
        response = client.get(url, params)
        assert response.status_code == 404, (url, params)
        assert injected(parse_html(response)) == [], (url, params)


@pytest.fixture
def moderator(story_index, django_user_model):
    """A moderator's admin, with the groups and workflow ensure_roles sets up."""
    call_command("ensure_roles", stdout=io.StringIO())
    user = django_user_model.objects.create_user("moderator", password="password")
    user.groups.add(Group.objects.get(name="Moderators"))
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize("url", SCRIPT_URLS)
def test_the_admin_refuses_a_link_that_runs_script(moderator, story_index, url):
    title = 'A story "><img src=x onerror=alert(1)>'
    data = nested_form_data(
        {
            "title": title,
            "slug": "a-story",
            "intro": "An intro.",
            "date": "2025-03-01",
            "tags": "",
            "body": streamfield(
                [
                    (
                        "call_to_action",
                        {
                            "heading": "Apply",
                            "text": "",
                            "link": {"page": "", "url": url, "label": "Go"},
                        },
                    )
                ]
            ),
            "go_live_at": "",
            "expire_at": "",
            "action-publish": "1",
        }
    )
    add_url = reverse("wagtailadmin_pages:add", args=("stories", "storypage", story_index.pk))
    response = moderator.post(add_url, data)
    assert response.status_code == 200
    assert not Page.objects.filter(slug="a-story").exists()
    form = BeautifulSoup(response.content, "html.parser")
    # What the editor typed is still there, as text.
    assert form.select_one("input[name=title]")["value"] == title
    # The body alone is refused, its link field said to be invalid (in the editor's data).
    assert list(response.context["form"].errors) == ["body"]
    assert "Enter a valid URL." in response.content.decode()

    person = moderator.post(
        "/admin/accolades/person/create/", {"name": "A. Person", "profile_url": url}
    )
    assert person.status_code == 200
    assert not Person.objects.exists()
