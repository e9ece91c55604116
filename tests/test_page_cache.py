"""Anonymous visitors get pages from the cache, with no SQL query, and never a stale one;
editors, previews, private pages and anything personal never go through it
(site_config/page_cache.py). A CDN in front is purged of what a change can show
(site_config/content_cache.py)."""

import datetime
import gzip
import os
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest
from bs4 import BeautifulSoup
from django.conf import settings as django_settings
from django.core.files.storage import default_storage
from django.middleware.csrf import get_token
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from wagtail.contrib.frontend_cache.backends import BaseBackend
from wagtail.images.rect import Rect
from wagtail.models import PageViewRestriction

from accolades.models import AccoladesPage, Award
from home.models import ContentPage, HomePage
from site_config import content_cache
from site_config.models import SiteSettings
from stories.models import StoryCategory, StoryIndexPage, StoryPage
from tests.test_images import make_image

pytestmark = pytest.mark.django_db

SITE = "http://localhost"


def titles(response):
    """The titles of the story cards (and related stories) on a page, of the entries of a
    feed."""
    if "xml" in response["Content-Type"]:
        return [e.text for e in ET.fromstring(response.content).iter() if e.tag.endswith("title")]
    soup = BeautifulSoup(response.content, "html.parser")
    return [a.get_text() for a in soup.select(".card__title a, #related-stories ~ ul a")]


@pytest.fixture
def site(home_page):
    """The site with its settings: the first request would create them, a change of content
    that starts a new generation, so the second request would not be a hit."""
    SiteSettings.for_site(home_page.get_site())
    return home_page


@pytest.mark.parametrize(
    "url", ["/", "/news/", "/news/a-story/", "/news/feed/rss/", "/sitemap.xml", "/robots.txt"]
)
def test_a_second_anonymous_request_is_a_hit_without_a_query(
    client, site, make_story, url, django_assert_num_queries
):
    make_story("A story")
    first = client.get(url)
    assert first.status_code == 200
    assert first["X-Cache"] == "miss"

    with django_assert_num_queries(0):
        second = client.get(url)
    assert second["X-Cache"] == "hit"
    assert second.content == first.content
    assert second["Content-Type"] == first["Content-Type"]


def test_cached_answers_say_who_may_keep_them(client, site, make_story, settings):
    settings.PAGE_CACHE_SECONDS = 120
    make_story("A story")
    for response in (client.get("/news/"), client.get("/news/")):
        directives = {d.strip() for d in response["Cache-Control"].split(",")}
        assert directives == {"public", "max-age=0", "s-maxage=120", "must-revalidate"}
        assert "Cookie" in response["Vary"]
        assert response["ETag"]
        assert not response.cookies


def test_a_browser_revalidating_gets_not_modified_from_the_cache(
    client, site, django_assert_num_queries
):
    etag = client.get("/")["ETag"]
    with django_assert_num_queries(0):
        response = client.get("/", headers={"if-none-match": etag})
    assert response.status_code == 304
    assert client.get("/", headers={"if-none-match": '"other"'}).status_code == 200


def test_head_is_answered_from_the_cache_of_get(client, site, django_assert_num_queries):
    client.get("/")
    with django_assert_num_queries(0):
        response = client.head("/")
    assert response.status_code == 200 and response["X-Cache"] == "hit"


def test_the_cache_holds_each_body_compressed_once(client, site, make_story):
    make_story("A story")
    plain = client.get("/news/")
    compressed = client.get("/news/", headers={"accept-encoding": "gzip, br"})
    assert compressed["X-Cache"] == "hit"
    assert compressed["Content-Encoding"] == "gzip"
    assert gzip.decompress(compressed.content) == plain.content
    assert int(compressed["Content-Length"]) == len(compressed.content) < len(plain.content)
    assert "Accept-Encoding" in compressed["Vary"] and "Accept-Encoding" in plain["Vary"]
    # The same bytes every time: compressed when stored, not by GZipMiddleware for each
    # answer (it adds random bytes to every body it compresses).
    again = client.get("/news/", headers={"accept-encoding": "gzip"})
    assert again.content == compressed.content
    # A weak ETag, as GZipMiddleware gives a body it compresses; it still answers 304.
    assert compressed["ETag"] == f"W/{plain['ETag']}"
    headers = {"accept-encoding": "gzip", "if-none-match": compressed["ETag"]}
    assert client.get("/news/", headers=headers).status_code == 304
    # A client that does not take gzip gets the page as the view wrote it.
    plain_again = client.get("/news/")
    assert plain_again["X-Cache"] == "hit" and plain_again.content == plain.content
    assert not plain_again.has_header("Content-Encoding")
    assert int(plain_again["Content-Length"]) == len(plain.content)

    middleware = django_settings.MIDDLEWARE
    page_cache = middleware.index("site_config.page_cache.PageCacheMiddleware")
    assert middleware.index("django.middleware.gzip.GZipMiddleware") < page_cache
    assert page_cache < middleware.index("django.contrib.sessions.middleware.SessionMiddleware")


def test_the_key_holds_the_query_string_in_any_order(client, site, make_story):
    for n in range(13):
        make_story(f"Story {n:02d}", date=datetime.date(2025, 1, 1 + n))
    first_page = client.get("/news/")
    second_page = client.get("/news/?page=2")
    assert second_page["X-Cache"] == "miss"
    assert titles(second_page) == ["Story 00"]
    assert "Story 00" not in titles(first_page)

    assert client.get("/news/?page=2&utm=x")["X-Cache"] == "miss"
    assert client.get("/news/?utm=x&page=2")["X-Cache"] == "hit"


def test_the_key_holds_the_host(client, site):
    assert client.get("/", headers={"host": "localhost"})["X-Cache"] == "miss"
    assert client.get("/", headers={"host": "127.0.0.1"})["X-Cache"] == "miss"
    assert client.get("/", headers={"host": "localhost"})["X-Cache"] == "hit"


def test_an_editor_is_never_served_from_nor_stored_in_the_cache(
    client, site, make_story, django_user_model
):
    story = make_story("A story")
    client.get(story.url)  # an anonymous visit fills the cache
    editor = Client()
    editor.force_login(django_user_model.objects.create_superuser("editor", "", "pw"))

    for _ in range(2):
        response = editor.get(story.url)
        assert "X-Cache" not in response
        assert b"wagtail-userbar" in response.content
        assert {d.strip() for d in response["Cache-Control"].split(",")} == {"private", "no-cache"}

    anonymous = client.get(story.url)
    assert anonymous["X-Cache"] == "hit"
    assert b"wagtail-userbar" not in anonymous.content


def test_a_preview_is_neither_served_from_nor_stored_in_the_cache(client, site, make_story):
    story = make_story("Published title")
    client.get(story.url)  # the live page, cached
    story.title = "Draft title"

    # What the admin's preview views call: the page's own address, through the middleware.
    preview = story.make_preview_request()
    assert b"Draft title" in preview.content
    assert "X-Cache" not in preview

    visitor = client.get(story.url)
    assert visitor["X-Cache"] == "hit"
    assert b"Published title" in visitor.content and b"Draft title" not in visitor.content


def test_a_password_restricted_page_is_never_cached(client, site, make_story):
    story = make_story("Secret story", intro="The secret intro.")
    client.get(story.url)  # cached while it was public
    restriction = PageViewRestriction.objects.create(
        page=story, restriction_type=PageViewRestriction.PASSWORD, password="letmein"
    )

    for _ in range(2):
        response = client.get(story.url)
        assert response["X-Cache"] == "miss"
        assert b"The secret intro." not in response.content
        assert "no-store" in response["Cache-Control"]

    reader = Client()
    form = f"/_util/authenticate_with_password/{restriction.pk}/{story.pk}/"
    reader.post(form, {"password": "letmein", "return_url": story.url})
    for _ in range(2):
        response = reader.get(story.url)
        assert b"The secret intro." in response.content
        assert "X-Cache" not in response
    assert b"The secret intro." not in client.get(story.url).content


def set_a_cookie(request, response):
    response.set_cookie("chosen", "yes")


def use_the_csrf_token(request, response):
    get_token(request)


@pytest.mark.parametrize("personalise", [set_a_cookie, use_the_csrf_token])
def test_an_answer_that_sets_a_cookie_is_not_cached(client, site, monkeypatch, personalise):
    serve = HomePage.serve

    def serve_personalised(self, request, *args, **kwargs):
        response = serve(self, request, *args, **kwargs)
        personalise(request, response)
        return response

    monkeypatch.setattr(HomePage, "serve", serve_personalised)
    for _ in range(2):
        response = client.get("/")
        assert response["X-Cache"] == "miss"
        assert response.cookies
        assert "public" not in response["Cache-Control"]


def test_a_page_not_found_is_not_cached(client, site):
    for _ in range(2):
        response = client.get("/no-such-page/")
        assert response.status_code == 404
        assert response["X-Cache"] == "miss"
        assert "private" in response["Cache-Control"]


@pytest.mark.parametrize("url", ["/search/?q=story", "/search/suggest/?q=sto", "/admin/login/"])
def test_search_suggestions_and_the_admin_pass_by_the_cache(client, site, make_story, url):
    make_story("A story")
    client.get(url)
    response = client.get(url)
    assert response.status_code == 200
    assert "X-Cache" not in response


def test_page_cache_seconds_zero_turns_it_off(client, site, settings):
    settings.PAGE_CACHE_SECONDS = 0
    client.get("/")
    response = client.get("/")
    assert "X-Cache" not in response
    assert "s-maxage" not in response.get("Cache-Control", "")


# Freshness: every list that shows a story shows it, or stops showing it, on the next request.


@pytest.fixture
def demo_with_research(demo_site):
    """The demo site, with a Research story that a new Research story will be related to."""
    index = StoryIndexPage.objects.child_of(demo_site).get()
    research = StoryCategory.objects.create(name="Research")
    older = StoryPage(title="Older research", intro="An older story.", category=research)
    index.add_child(instance=older)
    older.save_revision().publish()
    return index, research, older


def lists_of_research(older):
    year = timezone.localdate().year
    return [
        "/",
        "/news/",
        "/news/category/research/",
        f"/news/{year}/",
        "/news/feed/rss/",
        "/news/category/research/feed/atom/",
        older.url,
    ]


def shown_in(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    return titles(response)


def test_a_published_story_shows_at_once_everywhere_and_goes_at_once(client, demo_with_research):
    index, research, older = demo_with_research
    urls = lists_of_research(older)
    accolades_url = AccoladesPage.objects.get().url
    for url in [*urls, accolades_url]:
        client.get(url)
        assert client.get(url)["X-Cache"] == "hit", url
        assert "New research" not in shown_in(client, url), url

    new = StoryPage(title="New research", intro="A new story.", category=research, live=False)
    index.add_child(instance=new)
    new.save_revision().publish()
    for url in urls:
        assert "New research" in shown_in(client, url), url
    # The accolades page does not list stories: it is rendered afresh, awards and all.
    accolades = client.get(accolades_url)
    assert accolades.status_code == 200 and accolades["X-Cache"] == "miss"
    text = BeautifulSoup(accolades.content, "html.parser").get_text()
    assert all(award.title in text for award in Award.objects.all())

    new.refresh_from_db()
    new.unpublish()
    for url in urls:
        assert "New research" not in shown_in(client, url), url


def test_an_awards_new_title_shows_on_the_home_page_at_once(client, demo_site):
    award = Award.objects.first()
    assert award.title in client.get("/").content.decode()
    assert client.get("/")["X-Cache"] == "hit"

    award.title = "A renamed award"
    award.save()
    response = client.get("/")
    assert response["X-Cache"] == "miss"
    assert "A renamed award" in response.content.decode()


# The CDN in front: purged of every address that can show a change, once it is committed.


class RecordingBackend(BaseBackend):
    purged = []

    def purge(self, url):
        self.purged.append(url)


@pytest.fixture
def cdn(settings):
    settings.WAGTAILFRONTENDCACHE = {"test": {"BACKEND": "tests.test_page_cache.RecordingBackend"}}
    RecordingBackend.purged = []
    return RecordingBackend.purged


FEEDS = [
    f"{SITE}/news/feed/rss/",
    f"{SITE}/news/feed/atom/",
    f"{SITE}/news/category/research/feed/rss/",
    f"{SITE}/news/category/research/feed/atom/",
]


def test_publishing_a_story_purges_it_its_lists_and_feeds_after_the_commit(
    demo_with_research, cdn, django_capture_on_commit_callbacks
):
    index, research, older = demo_with_research
    new = StoryPage(title="New research", slug="new-research", intro="New.", category=research)
    index.add_child(instance=new)
    with django_capture_on_commit_callbacks(execute=True):
        new.save_revision().publish()
        assert cdn == []  # not before the commit: the CDN would fetch the old page again

    assert set(cdn) == {
        f"{SITE}/news/new-research/",
        f"{SITE}/news/",
        f"{SITE}/",
        f"{SITE}/rankings-and-accolades/",
        *FEEDS,
    }


def test_unpublishing_a_story_purges_it_its_lists_and_feeds(
    demo_with_research, cdn, django_capture_on_commit_callbacks
):
    index, research, older = demo_with_research
    with django_capture_on_commit_callbacks(execute=True):
        older.unpublish()
    assert {older.full_url, f"{SITE}/news/", f"{SITE}/", *FEEDS} <= set(cdn)


def test_a_new_slug_or_a_move_purges_the_old_address_too(
    demo_site, cdn, django_capture_on_commit_callbacks
):
    about = ContentPage(title="About", slug="about")
    demo_site.add_child(instance=about)
    people = ContentPage(title="People", slug="people")
    about.add_child(instance=people)
    elsewhere = ContentPage(title="Elsewhere", slug="elsewhere")
    demo_site.add_child(instance=elsewhere)

    people.slug = "our-people"
    with django_capture_on_commit_callbacks(execute=True):
        people.save_revision().publish()
    assert {f"{SITE}/about/people/", f"{SITE}/about/our-people/", f"{SITE}/about/"} <= set(cdn)

    cdn.clear()
    with django_capture_on_commit_callbacks(execute=True):
        people.move(elsewhere, pos="last-child")
    assert {
        f"{SITE}/about/our-people/",
        f"{SITE}/about/",
        f"{SITE}/elsewhere/our-people/",
        f"{SITE}/elsewhere/",
        f"{SITE}/",
    } <= set(cdn)


def test_changing_an_award_purges_the_pages_that_show_records(
    demo_with_research, cdn, django_capture_on_commit_callbacks
):
    award = Award.objects.first()
    award.title = "A renamed award"
    with django_capture_on_commit_callbacks(execute=True):
        award.save()
    assert set(cdn) == {
        f"{SITE}/",
        f"{SITE}/rankings-and-accolades/",
        f"{SITE}/news/",
        *FEEDS,
    }


def test_making_a_page_private_purges_it_and_everything_under_it(
    demo_with_research, cdn, django_capture_on_commit_callbacks
):
    index, research, older = demo_with_research
    with django_capture_on_commit_callbacks(execute=True):
        PageViewRestriction.objects.create(page=index, restriction_type=PageViewRestriction.LOGIN)
    assert {f"{SITE}/news/", f"{SITE}{older.url}", f"{SITE}/", *FEEDS} <= set(cdn)
    assert {f"{SITE}{story.url}" for story in StoryPage.objects.all()} <= set(cdn)


def test_nothing_is_purged_without_a_cdn(demo_with_research, monkeypatch, settings):
    index, research, older = demo_with_research
    settings.WAGTAILFRONTENDCACHE = {}
    monkeypatch.setattr(content_cache, "purge_frontend_cache", lambda *args, **kwargs: 1 / 0)
    older.save_revision().publish()


def test_a_change_starts_another_generation_when_it_commits(
    demo_with_research, django_capture_on_commit_callbacks
):
    """A request between a change and its commit reads the old content and would file it
    under the change's new generation: the commit's generation leaves it behind."""
    index, research, older = demo_with_research
    with django_capture_on_commit_callbacks() as callbacks:
        older.save_revision().publish()
        before_the_commit = content_cache.generation()
    for callback in callbacks:
        callback()
    assert content_cache.generation() != before_the_commit


def test_a_change_made_by_another_process_empties_this_ones_page_cache(client, site, make_story):
    """Another gunicorn worker, or `manage.py publish_scheduled` run by cron, changes the
    content: with the default local-memory cache each process keeps its own pages, and
    learns of the change from the generation file they share."""
    make_story("A story")
    client.get("/news/")
    assert client.get("/news/")["X-Cache"] == "hit"

    subprocess.run(
        [
            sys.executable,
            "manage.py",
            "shell",
            "-c",
            "from site_config.content_cache import new_generation; new_generation()",
        ],
        cwd=django_settings.BASE_DIR,
        env={**os.environ, "CONTENT_GENERATION_FILE": django_settings.CONTENT_GENERATION_FILE},
        check=True,
    )
    assert client.get("/news/")["X-Cache"] == "miss"


# Images and documents: pages show their files, renditions and titles.


def image_addresses(response):
    soup = BeautifulSoup(response.content, "html.parser")
    sources = [img["src"] for img in soup.select("main img")]
    sources += [
        candidate.split()[0]
        for source in soup.select("main source")
        for candidate in source["srcset"].split(", ")
    ]
    return set(sources)


def test_a_replaced_image_shows_at_once_and_no_page_shows_its_deleted_files(
    client, site, make_story, django_user_model, django_capture_on_commit_callbacks
):
    hero = make_image("Lawn")
    make_story("Pictured", hero_image=hero, hero_image_alt="Students on the lawn")
    before = client.get("/news/pictured/")
    assert client.get("/news/pictured/")["X-Cache"] == "hit"
    old_addresses = image_addresses(before)
    assert old_addresses

    editor = Client()
    editor.force_login(django_user_model.objects.create_superuser("editor", "", "pw"))
    replacement = make_image("Quad", size=(1600, 1200))
    # Wagtail deletes the old renditions' files once the change is committed.
    with django_capture_on_commit_callbacks(execute=True):
        response = editor.post(
            reverse("wagtailimages:edit", args=(hero.pk,)),
            {
                "title": "Lawn",
                "file": replacement.file.open("rb"),
                "collection": hero.collection_id,
            },
        )
    assert response.status_code == 302, response.content.decode()[:2000]

    after = client.get("/news/pictured/")
    assert after["X-Cache"] == "miss"
    new_addresses = image_addresses(after)
    assert new_addresses and not new_addresses & old_addresses
    media = django_settings.MEDIA_URL
    assert all(default_storage.exists(url.removeprefix(media)) for url in new_addresses)
    assert not any(default_storage.exists(url.removeprefix(media)) for url in old_addresses)


def test_an_image_s_new_focal_point_shows_at_once(client, site, make_story):
    hero = make_image("Lawn")
    make_story("Pictured", hero_image=hero, hero_image_alt="Students on the lawn")
    before = image_addresses(client.get("/news/pictured/"))

    hero.set_focal_point(Rect(100, 900, 300, 1100))
    hero.save()
    after = client.get("/news/pictured/")
    assert after["X-Cache"] == "miss"
    assert image_addresses(after) != before


def test_an_upload_or_wagtail_measuring_a_file_starts_no_generation(site):
    """A new image is on no page yet; the size Wagtail measures on a file's first use
    changes nothing a page shows. Neither empties the caches."""
    before = content_cache.generation()
    image = make_image("New")
    image.file_size = None
    image.save(update_fields=["file_size"])
    image.get_file_size()
    assert content_cache.generation() == before

    image.title = "Renamed"
    image.save()
    assert content_cache.generation() != before
