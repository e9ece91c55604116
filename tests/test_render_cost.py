"""With the page cache off, a page is rendered for every request, but the pieces that every
visitor sees alike (a page's body, a story's page below its header, the index's cards and
filters) come from the cache, filed under the content's generation
(site_config.content_cache.Fragment): a change shows at once, a preview never reads or
leaves one."""

import pickle
import time

import pytest
from bs4 import BeautifulSoup
from django.core.cache import cache
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from wagtail.models.sites import SITE_ROOT_PATHS_CACHE_KEY

from accolades.models import AccoladesPage, Award
from site_config import content_cache
from site_config.models import SiteSettings
from stories.models import STORIES_PER_PAGE, StoryCategory, StoryIndexPage, StoryPage

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def page_cache_off(settings):
    settings.PAGE_CACHE_SECONDS = 0


@pytest.fixture
def research_site(demo_site):
    """The demo site with its settings made (the first request would make them, starting a
    new generation) and an older Research story."""
    SiteSettings.for_site(demo_site.get_site())
    index = StoryIndexPage.objects.child_of(demo_site).get()
    research = StoryCategory.objects.create(name="Research")
    older = StoryPage(title="Older research", intro="An older story.", category=research)
    index.add_child(instance=older)
    older.save_revision().publish()
    return index, research, older


@pytest.fixture(params=[0, 1024 * 1024], ids=["shared cache alone", "with local copies"])
def local_copies(request, settings):
    """The pieces read from the shared cache alone (the local-memory cache, as in
    development), and through each process's copies of them (as with Redis)."""
    settings.LOCAL_COPIES_BYTES = request.param
    content_cache.local_copies.clear()
    yield
    content_cache.local_copies.clear()


def get(client, url):
    """The page's text and how many SQL queries it took."""
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode(), len(captured)


def text_of(client, url):
    return BeautifulSoup(get(client, url)[0], "html.parser").get_text()


def urls_of(older):
    return ["/", "/news/", "/news/category/research/", older.url, AccoladesPage.objects.get().url]


def test_a_second_request_reads_the_pieces_from_the_cache_and_shows_the_same(client, research_site):
    for url in urls_of(research_site[2]):
        first, first_queries = get(client, url)
        second, second_queries = get(client, url)
        assert second == first, url
        assert second_queries < first_queries, url


def test_a_published_story_shows_at_once_in_every_piece_and_goes_at_once(
    client, research_site, local_copies
):
    index, research, older = research_site
    urls = urls_of(older)[:4]
    for url in urls:
        get(client, url)
        assert "New research" not in text_of(client, url), url

    new = StoryPage(title="New research", intro="A new story.", category=research, live=False)
    index.add_child(instance=new)
    new.save_revision().publish()
    for url in urls:
        assert "New research" in text_of(client, url), url

    new.refresh_from_db()
    new.unpublish()
    for url in urls:
        assert "New research" not in text_of(client, url), url


def test_a_changed_record_shows_at_once(client, research_site, local_copies):
    award = Award.objects.first()
    category = research_site[1]
    for url in ("/", AccoladesPage.objects.get().url, "/news/"):
        get(client, url)
        get(client, url)

    award.title = "A renamed award"
    award.save()
    category.name = "Discoveries"
    category.save()
    assert "A renamed award" in text_of(client, "/")
    assert "A renamed award" in text_of(client, AccoladesPage.objects.get().url)
    assert "Discoveries" in text_of(client, "/news/")

    # The site's settings, which every page's header and footer show.
    site_settings = SiteSettings.objects.get()
    site_settings.phone = "+852 0000 0000"
    site_settings.save()
    for url in ("/", "/news/", research_site[2].url):
        assert "+852 0000 0000" in text_of(client, url), url


def test_a_preview_neither_reads_nor_leaves_a_piece(client, research_site):
    older = research_site[2]
    get(client, older.url)
    older.intro = "The draft's intro."
    older.body = [("paragraph", "<p>The draft's body.</p>")]

    preview = older.make_preview_request().content.decode()
    assert "The draft's intro." in preview and "The draft's body." in preview

    visitor = text_of(client, older.url)
    assert "An older story." in visitor
    assert "The draft's" not in visitor


def test_each_page_and_filter_of_the_index_has_its_own_pieces(client, research_site):
    index, research, _ = research_site
    now = timezone.localdate()
    for n in range(STORIES_PER_PAGE):
        story = StoryPage(title=f"Filler {n}", intro="A filler.", date=now, live=False)
        index.add_child(instance=story)
        story.save_revision().publish()

    def cards(url):
        soup = BeautifulSoup(get(client, url)[0], "html.parser")
        return [a.get_text() for a in soup.select(".card__title a")]

    def selected_category(url):
        soup = BeautifulSoup(get(client, url)[0], "html.parser")
        option = soup.select_one("#filter-category option[selected]")
        return option and option.get_text()

    for _ in range(2):
        first, second = cards("/news/"), cards("/news/?page=2")
        assert first and second and not set(first) & set(second)
        assert cards("/news/category/research/") == ["Older research"]
        assert selected_category("/news/") is None
        assert selected_category("/news/category/research/") == "Research"


def site_queries(client, url, **headers):
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url, headers=headers).status_code == 200, url
    return [q["sql"] for q in captured if 'FROM "wagtailcore_site"' in q["sql"]]


def test_a_visitors_site_and_home_page_come_from_the_cache_until_they_change(client, research_site):
    home = research_site[0].get_parent().specific
    for url in urls_of(research_site[2]):
        site_queries(client, url)
        assert site_queries(client, url) == [], url

    # The home page's new title, at once: its publication starts a new generation.
    home.seo_title = "Renamed home"
    home.save_revision().publish()
    assert site_queries(client, "/") != []
    assert "<title>Renamed home" in client.get("/").content.decode()

    # The site's new name, at once: the page's own address is written with it.
    site = home.get_site()
    site.hostname = "news.example.edu"
    site.save()
    with override_settings(ALLOWED_HOSTS=["news.example.edu"]):
        response = client.get("/", headers={"host": "news.example.edu"})
    canonical = BeautifulSoup(response.content, "html.parser").select_one("link[rel=canonical]")
    assert canonical["href"] == "http://news.example.edu/"


def test_an_editor_finds_the_site_in_the_database(client, research_site, django_user_model):
    editor = django_user_model.objects.create_superuser("editor", password="password")
    client.force_login(editor)
    url = research_site[2].url
    client.get(url)
    assert site_queries(client, url) != []


def test_with_the_pieces_off_the_site_still_comes_from_the_cache(client, research_site, settings):
    # Routing needs it for every page, and only a change of sites or of the home page, which
    # starts a new generation, changes it.
    settings.FRAGMENT_CACHE_SECONDS = 0
    for url in urls_of(research_site[2]):
        site_queries(client, url)
        assert site_queries(client, url) == [], url


def test_with_the_pieces_off_the_route_to_a_top_level_page_still_comes_from_the_cache(
    client, research_site, settings
):
    # As the site: every page under the story index is reached through it.
    settings.FRAGMENT_CACHE_SECONDS = 0
    index, _, older = research_site

    def finds_the_index(url):
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200, url
        return [q for q in captured if '"any_private"' in q["sql"]]

    for url in (index.url, older.url, "/news/category/research/"):
        finds_the_index(url)
        assert finds_the_index(url) == [], url

    index.title = "Stories"
    index.save_revision().publish()
    assert finds_the_index(older.url), "a publication starts afresh"
    assert "Stories" in text_of(client, index.url)


@pytest.fixture
def cache_reads(monkeypatch):
    """The keys read from the cache, one by one, as the test goes (with Redis, each read is
    a round trip)."""
    reads = []
    read = cache.get

    def counting_get(key, *args, **kwargs):
        reads.append(key)
        return read(key, *args, **kwargs)

    monkeypatch.setattr(cache, "get", counting_get)
    return reads


def test_a_page_reads_the_sites_root_paths_once(client, research_site, settings, cache_reads):
    # Every link needs them (Page.get_url_parts); Wagtail keeps them on the request, which
    # the main menu's links, in an inclusion tag's template, must be given.
    settings.FRAGMENT_CACHE_SECONDS = 0
    for url in urls_of(research_site[2]):
        client.get(url)
        cache_reads.clear()
        client.get(url)
        assert cache_reads.count(SITE_ROOT_PATHS_CACHE_KEY) == 1, url


def test_with_the_pieces_off_every_page_is_rendered_whole(client, research_site, settings):
    for url in urls_of(research_site[2]):
        get(client, url)
        with_pieces, with_pieces_queries = get(client, url)
        settings.FRAGMENT_CACHE_SECONDS = 0
        whole, whole_queries = get(client, url)
        assert get(client, url)[1] == whole_queries > with_pieces_queries, url
        assert whole == with_pieces, url
        settings.FRAGMENT_CACHE_SECONDS = 300


def test_with_local_copies_a_page_asks_the_shared_cache_only_for_what_wagtail_keeps(
    client, research_site, settings, cache_reads
):
    # The generation, which the copies are filed under, is read from the cache too with
    # Redis; here, from the generation file.
    settings.LOCAL_COPIES_BYTES = 1024 * 1024
    content_cache.local_copies.clear()
    for url in urls_of(research_site[2]):
        # A story's route is kept from its second request on, with its pieces shown.
        first = get(client, url)[0]
        get(client, url)
        cache_reads.clear()
        assert get(client, url)[0] == first, url
        assert cache_reads == [SITE_ROOT_PATHS_CACHE_KEY], url
    content_cache.local_copies.clear()


def test_local_copies_keep_within_their_size_and_time(settings, monkeypatch):
    copies = content_cache.LocalCopies()
    one = len(pickle.dumps("a" * 100, pickle.HIGHEST_PROTOCOL))
    settings.LOCAL_COPIES_BYTES = 2 * one
    for key in ("first", "second"):
        copies.put(key, key[0] * 100, timeout=300)
    copies.get("first")  # read last: the second goes first
    copies.put("third", "t" * 100, timeout=300)
    assert copies.get("second") is content_cache._MISSING
    assert copies.get("first") == "f" * 100
    assert copies.get("third") == "t" * 100

    now = time.monotonic()
    copies.put("short", "s" * 100, timeout=5)
    copies.put("long", "l" * 100, timeout=3600)
    monkeypatch.setattr(content_cache.time, "monotonic", lambda: now + 6)
    assert copies.get("short") is content_cache._MISSING
    assert copies.get("long") == "l" * 100
    # Never longer than LOCAL_COPY_SECONDS, whatever the entry's own time in the cache.
    monkeypatch.setattr(
        content_cache.time, "monotonic", lambda: now + content_cache.LOCAL_COPY_SECONDS + 1
    )
    assert copies.get("long") is content_cache._MISSING
