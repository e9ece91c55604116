"""While Redis is down, visitors still get every page, rendered afresh, and a change of
content fails whole rather than leave pages stale (site_config/redis_cache.py).

Nothing listens on port 1 of this machine: a connection there is refused at once, as it is
to a Redis that has stopped. No Redis server is needed.
"""

import time

import pytest
import redis
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from wagtail.test.utils.form_data import nested_form_data, streamfield

from site_config import redis_cache
from site_config.models import SiteSettings
from stories.models import StoryPage

pytestmark = pytest.mark.django_db

DOWN = "redis://127.0.0.1:1/0"


@pytest.fixture
def redis_is_down(settings, monkeypatch, home_page):
    """Switch the cache to a Redis that cannot be reached, once the test's content is made
    (making it publishes, which needs the cache)."""
    # Made by the first request otherwise: a change of content.
    SiteSettings.for_site(home_page.get_site())

    def down():
        settings.CACHES = {
            "default": {
                "BACKEND": "site_config.redis_cache.RedisCache",
                "LOCATION": DOWN,
                "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
            }
        }
        settings.CONTENT_GENERATION_FILE = None

    monkeypatch.setattr(redis_cache, "_unreachable_until", 0.0)
    return down


@pytest.mark.parametrize(
    "url, shown",
    [
        ("/", b'href="/news/"'),
        ("/news/", b"A story"),
        ("/news/a-story/", b"A story"),
        ("/news/feed/rss/", b"A story"),
        ("/news/category/research/", b"A story"),
        ("/sitemap.xml", b"/news/a-story/"),
        ("/search/?q=story", b"A story"),
        ("/search/suggest/?q=sto", b"A story"),
    ],
)
def test_visitors_get_every_page_while_redis_is_down(
    client, make_story, category, redis_is_down, caplog, url, shown
):
    make_story("A story", category=category)
    redis_is_down()
    for _ in range(2):
        response = client.get(url)
        assert response.status_code == 200
        assert shown in response.content
        # Rendered afresh each time: nothing can be kept.
        assert response.get("X-Cache", "miss") == "miss"
    assert "Redis cannot be reached" in caplog.text


def test_a_page_shows_what_changed_during_the_outage(client, make_story, redis_is_down):
    make_story("Before")
    redis_is_down()
    assert b"Before" in client.get("/news/").content
    # A change made by other means than a publication (a direct edit of the database).
    StoryPage.objects.filter(title="Before").update(title="After")
    assert b"After" in client.get("/news/").content


def test_redis_is_asked_again_only_after_a_pause(client, make_story, redis_is_down, monkeypatch):
    make_story("A story")
    redis_is_down()
    asked = []
    get_client = redis_cache.PerThreadRedisCacheClient.get_client

    def counted(self, *args, **kwargs):
        asked.append(1)
        return get_client(self, *args, **kwargs)

    monkeypatch.setattr(redis_cache.PerThreadRedisCacheClient, "get_client", counted)
    client.get("/news/")
    client.get("/")
    client.get("/news/a-story/")
    # The first call failed; the rest went on without asking.
    assert len(asked) == 1

    later = time.monotonic() + redis_cache.OUTAGE_SECONDS + 1
    monkeypatch.setattr(redis_cache.time, "monotonic", lambda: later)
    client.get("/news/")
    assert len(asked) == 2


def test_a_publication_while_redis_is_down_fails_whole(
    client, make_story, redis_is_down, django_user_model
):
    """Publishing starts a new content generation, which must reach Redis: without it, the
    pages cached before the outage would be served, stale, once Redis is back. The editor
    gets an error, and the draft stays a draft (site_config/atomic_admin.py)."""
    draft = make_story("Embargoed news", live=False)
    editor = Client(raise_request_exception=False)
    editor.force_login(django_user_model.objects.create_superuser("editor", password="pw"))
    redis_is_down()
    form = nested_form_data(
        {
            "title": draft.title,
            "slug": draft.slug,
            "intro": draft.intro,
            "date": draft.date.isoformat(),
            "tags": "",
            "body": streamfield([]),
            "action-publish": "1",
        }
    )
    response = editor.post(reverse("wagtailadmin_pages:edit", args=(draft.pk,)), form)
    assert response.status_code == 500
    assert not StoryPage.objects.get(pk=draft.pk).live
    assert b"Embargoed news" not in client.get("/news/").content


def test_set_surely_raises_where_set_drops(redis_is_down):
    redis_is_down()
    cache.set("dropped", 1)
    assert cache.get("dropped", "nothing") == "nothing"
    with pytest.raises(redis.exceptions.ConnectionError):
        cache.set_surely("kept", 1)
