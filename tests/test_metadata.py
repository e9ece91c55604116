"""What pages tell search engines and link previews: canonical address, description,
OpenGraph, Twitter cards, JSON-LD, the sitemap and robots.txt. Read from the HTML as a
crawler reads it."""

import datetime
import json
import xml.etree.ElementTree as ElementTree
from urllib.parse import urlsplit
from urllib.robotparser import RobotFileParser

import pytest
from bs4 import BeautifulSoup
from django.core.cache import cache
from django.utils import timezone
from wagtail.images.models import Image
from wagtail.images.tests.utils import get_test_image_file
from wagtail.models import PageViewRestriction

from accolades.models import AccoladesPage
from home.models import ContentPage
from site_config.models import SiteSettings

pytestmark = pytest.mark.django_db

SITE_NAME = "Example University of Science"
ROOT = "http://localhost"  # The test Site's hostname and port, which page URLs use.


@pytest.fixture(autouse=True)
def empty_cache():
    """Wagtail caches renditions by image id, and ids come round again after a test's
    rollback: a rendition cached by an earlier test would stand in for this test's image."""
    cache.clear()


@pytest.fixture
def site_settings(home_page):
    settings = SiteSettings.for_site(home_page.get_site())
    settings.site_name = SITE_NAME
    settings.short_name = "EUS"
    settings.social_links = [
        ("link", {"platform": "x", "url": "https://x.example/eus", "label": ""}),
        ("link", {"platform": "youtube", "url": "https://youtube.example/eus", "label": ""}),
    ]
    settings.save()
    return settings


@pytest.fixture
def pages(home_page, story_index, make_story, category, site_settings):
    """One page of every kind, with the fields their metadata comes from."""
    story_index.intro = "Stories from   our\ncampus."
    story_index.save_revision().publish()
    image = Image.objects.create(title="Campus", file=get_test_image_file(size=(1600, 900)))
    story = make_story(
        "A new lab opens",
        slug="new-lab",
        intro="The lab studies the sea.",
        date=datetime.date(2025, 3, 14),
        category=category,
        hero_image=image,
        hero_image_alt="The lab at dawn",
    )
    story.tags.add("oceans", "labs")
    story.save_revision().publish()
    accolades = AccoladesPage(title="Rankings & Accolades", slug="rankings", intro="Our rankings.")
    home_page.add_child(instance=accolades)
    accolades.save_revision().publish()
    about = ContentPage(
        title="About",
        slug="about",
        intro="Who we are.",
        seo_title="About the university",
        search_description="Founded by the sea in 1991.",
    )
    home_page.add_child(instance=about)
    about.save_revision().publish()
    return {
        "home": home_page,
        "index": story_index,
        "story": story,
        "accolades": accolades,
        "content": about,
    }


def get_soup(client, url, status=200):
    response = client.get(url)
    assert response.status_code == status, url
    return BeautifulSoup(response.content, "html.parser")


def meta_values(soup, key):
    """Every value given for a meta name (Twitter, description) or property (OpenGraph)."""
    tags = soup.find_all("meta", attrs={"name": key}) + soup.find_all("meta", property=key)
    return [tag["content"] for tag in tags]


def meta(soup, key):
    values = meta_values(soup, key)
    assert len(values) == 1, (key, values)
    return values[0]


def canonical(soup):
    links = soup.find_all("link", rel="canonical")
    assert len(links) == 1
    return links[0]["href"]


def json_ld(soup):
    return [json.loads(s.string) for s in soup.find_all("script", type="application/ld+json")]


# Per kind: path, title for previews, description, OpenGraph type, number of JSON-LD scripts.
EXPECTED = {
    "home": ("/", SITE_NAME, None, "website", 1),
    "index": ("/news/", "News & Stories", "Stories from our campus.", "website", 0),
    "story": ("/news/new-lab/", "A new lab opens", "The lab studies the sea.", "article", 1),
    "accolades": ("/rankings/", "Rankings & Accolades", "Our rankings.", "website", 0),
    # The editor's SEO title and search description win over the title and intro.
    "content": ("/about/", "About the university", "Founded by the sea in 1991.", "website", 0),
}


@pytest.mark.parametrize("kind", list(EXPECTED))
def test_every_page_kind_has_its_address_description_and_preview(client, pages, kind):
    path, title, description, og_type, json_ld_count = EXPECTED[kind]
    assert pages[kind].url == path
    soup = get_soup(client, path)

    assert canonical(soup) == f"{ROOT}{path}"
    assert meta(soup, "og:url") == f"{ROOT}{path}"
    assert meta(soup, "og:type") == og_type
    assert meta(soup, "og:title") == meta(soup, "twitter:title") == title
    assert meta(soup, "og:site_name") == SITE_NAME
    if description:
        assert meta(soup, "description") == description
        assert meta(soup, "og:description") == meta(soup, "twitter:description") == description
    else:
        assert meta_values(soup, "description") == meta_values(soup, "og:description") == []
    assert len(json_ld(soup)) == json_ld_count
    if kind != "story":
        assert meta(soup, "twitter:card") == "summary"
        assert meta_values(soup, "og:image") == meta_values(soup, "twitter:image") == []


def test_a_story_with_a_hero_image_previews_it_large(client, pages):
    soup = get_soup(client, pages["story"].url)
    image_url = meta(soup, "og:image")
    assert urlsplit(image_url).scheme == "http"
    assert image_url.startswith(f"{ROOT}/media/images/") and image_url.endswith(".jpg")
    assert (meta(soup, "og:image:width"), meta(soup, "og:image:height")) == ("1200", "630")
    assert meta(soup, "og:image:alt") == meta(soup, "twitter:image:alt") == "The lab at dawn"
    assert meta(soup, "twitter:card") == "summary_large_image"
    assert meta(soup, "twitter:image") == image_url


def test_a_long_intro_is_shortened_but_a_search_description_is_kept_whole(client, pages):
    story = pages["story"]
    story.intro = "word " * 100
    story.save_revision().publish()
    description = meta(get_soup(client, story.url), "description")
    assert len(description) == 160
    assert description.startswith("word word") and description.endswith("…")

    story.search_description = "chosen " * 40
    story.save_revision().publish()
    assert meta(get_soup(client, story.url), "description") == ("chosen " * 40).strip()


def test_a_story_is_a_news_article(client, pages):
    story = pages["story"]
    story.refresh_from_db()
    soup = get_soup(client, story.url)
    [article] = json_ld(soup)
    assert article.pop("dateModified") == story.last_published_at.isoformat()
    assert sorted(article.pop("keywords")) == ["labs", "oceans"]
    assert article == {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": "A new lab opens",
        "description": "The lab studies the sea.",
        "datePublished": "2025-03-14",
        "url": f"{ROOT}/news/new-lab/",
        "mainEntityOfPage": f"{ROOT}/news/new-lab/",
        "image": [meta(soup, "og:image")],
        "publisher": {
            "@type": "CollegeOrUniversity",
            "name": SITE_NAME,
            "alternateName": "EUS",
            "url": f"{ROOT}/",
            "sameAs": ["https://x.example/eus", "https://youtube.example/eus"],
        },
        "articleSection": "Research",
    }


def test_a_story_without_image_category_or_tags_leaves_them_out(client, pages, make_story):
    story = make_story("Plain story", slug="plain")
    [article] = json_ld(get_soup(client, story.url))
    assert {"image", "articleSection", "keywords"}.isdisjoint(article)
    assert article["headline"] == "Plain story"


def test_markup_in_a_title_cannot_escape_the_json_ld(client, pages, make_story):
    title = "</script><script>alert(1)</script>"
    intro = 'She said "yes" & left <b>early</b>.'
    story = make_story(title, slug="escape", intro=intro)
    response = client.get(story.url)
    html = response.content.decode()
    assert "</script><script>" not in html
    assert "<b>early" not in html

    soup = BeautifulSoup(html, "html.parser")
    [article] = json_ld(soup)
    assert article["headline"] == title
    assert article["description"] == intro
    assert meta(soup, "og:title") == title
    assert meta(soup, "description") == intro
    # The title made no script of its own: the only inline script is the JSON-LD.
    inline = [script for script in soup.find_all("script") if script.string]
    assert [script["type"] for script in inline] == ["application/ld+json"]


def test_the_home_page_describes_the_university_and_its_search(client, pages):
    [data] = json_ld(get_soup(client, "/"))
    assert data["@context"] == "https://schema.org"
    university, website = data["@graph"]
    assert university == {
        "@type": "CollegeOrUniversity",
        "name": SITE_NAME,
        "alternateName": "EUS",
        "url": f"{ROOT}/",
        "sameAs": ["https://x.example/eus", "https://youtube.example/eus"],
    }
    assert website == {
        "@type": "WebSite",
        "name": SITE_NAME,
        "url": f"{ROOT}/",
        "potentialAction": {
            "@type": "SearchAction",
            "target": f"{ROOT}/search/?q={{search_term_string}}",
            "query-input": "required name=search_term_string",
        },
    }
    # The search template is a working search address.
    target = urlsplit(website["potentialAction"]["target"].format(search_term_string="lab"))
    results = get_soup(client, f"{target.path}?{target.query}")
    assert results.find("a", string="A new lab opens")


@pytest.mark.parametrize("query", ["", "?q=lab", "?q=%3C%2Fscript%3E&page=1"])
def test_search_has_site_wide_tags_and_its_address_without_the_query(client, pages, query):
    soup = get_soup(client, f"/search/{query}")
    assert canonical(soup) == meta(soup, "og:url") == f"{ROOT}/search/"
    assert meta(soup, "og:type") == "website"
    assert meta(soup, "og:site_name") == meta(soup, "og:title") == SITE_NAME
    assert meta(soup, "twitter:card") == "summary"
    assert meta_values(soup, "description") == []
    assert json_ld(soup) == []


def test_not_found_claims_no_address(client, pages):
    soup = get_soup(client, "/no-such-page/", status=404)
    assert soup.find_all("link", rel="canonical") == []
    assert meta_values(soup, "og:url") == []
    assert meta(soup, "og:site_name") == SITE_NAME


def test_sitemap_lists_only_live_public_pages_with_their_dates(client, pages, make_story):
    draft = make_story("Draft", slug="draft", live=False)
    unpublished = make_story("Unpublished", slug="unpublished")
    unpublished.unpublish()
    protected = make_story("Protected", slug="protected")
    PageViewRestriction.objects.create(
        page=protected, restriction_type=PageViewRestriction.PASSWORD, password="secret"
    )
    # A restriction covers the pages below, too.
    members = ContentPage(title="Members", slug="members")
    pages["home"].add_child(instance=members)
    members.save_revision().publish()
    PageViewRestriction.objects.create(page=members, restriction_type=PageViewRestriction.LOGIN)
    under_members = ContentPage(title="Under members", slug="under-members")
    members.add_child(instance=under_members)
    under_members.save_revision().publish()

    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    namespace = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    entries = {
        url.find("s:loc", namespace).text: url.find("s:lastmod", namespace).text
        for url in ElementTree.fromstring(response.content).findall("s:url", namespace)
    }
    live = list(pages.values())
    assert set(entries) == {page.get_full_url() for page in live}
    for page in live:
        page.refresh_from_db()
        published = timezone.localdate(page.last_published_at)
        assert entries[page.get_full_url()] == published.isoformat()
    for hidden in (draft, unpublished, protected, members, under_members):
        assert not any(hidden.slug in location for location in entries)


def test_robots_txt_allows_the_site_but_not_admin_or_search(client, pages):
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    robots = RobotFileParser()
    robots.parse(response.content.decode().splitlines())
    for path in ("/", "/news/", "/news/new-lab/", "/about/"):
        assert robots.can_fetch("AnyBot", path), path
    for path in ("/admin/", "/admin/pages/", "/search/", "/search/?q=lab"):
        assert not robots.can_fetch("AnyBot", path), path
    assert robots.site_maps() == ["http://testserver/sitemap.xml"]
    assert client.get("/sitemap.xml").status_code == 200
