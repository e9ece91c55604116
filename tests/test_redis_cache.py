"""The site with Redis as its cache, as production runs it (REDIS_URL): the machine's Redis
on 127.0.0.1:6379, database 14, emptied before and after each test."""

import pytest
import redis
from django.core.cache import cache

from site_config import content_cache
from site_config.models import SiteSettings
from stories.models import StoryPage

REDIS_URL = "redis://127.0.0.1:6379/14"


def redis_is_running():
    try:
        return redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.ConnectionError:
        return False


pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(not redis_is_running(), reason=f"no Redis answers at {REDIS_URL}"),
]


@pytest.fixture(autouse=True)
def redis_cache(settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "site_config.redis_cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "university-tests",
        }
    }
    # With Redis, the generation lives in the cache, shared by every machine.
    settings.CONTENT_GENERATION_FILE = None
    server = redis.Redis.from_url(REDIS_URL)
    server.flushdb()
    yield
    server.flushdb()


def test_values_go_to_redis_and_come_back(settings):
    cache.set("greeting", {"text": "hello"})
    assert cache.get("greeting") == {"text": "hello"}
    assert cache.add("greeting", "other") is False
    assert cache.get_many(["greeting", "missing"]) == {"greeting": {"text": "hello"}}
    assert redis.Redis.from_url(REDIS_URL).exists("university-tests:1:greeting")
    cache.delete("greeting")
    assert cache.get("greeting") is None


def test_one_redis_client_serves_every_call():
    client = cache._cache.get_client()
    assert cache._cache.get_client(write=True) is client
    cache.set("a", 1)
    assert cache._cache.get_client("a") is client


def test_a_connection_that_redis_closed_is_opened_again():
    # Each thread's client keeps one connection (redis_cache.PerThreadRedisCacheClient): a
    # restart of Redis, or its timeout for idle clients, closes it under the client.
    cache.set("greeting", "hello")
    client = cache._cache.get_client()
    closed = redis.Redis.from_url(REDIS_URL).client_kill_filter(_id=client.client_id())
    assert closed == 1
    assert cache.get("greeting") == "hello"
    assert cache._cache.get_client() is client


def test_a_page_is_served_from_redis_and_fresh_after_a_publication(
    client, make_story, django_assert_num_queries
):
    SiteSettings.for_site(make_story("First story").get_site())
    assert client.get("/news/")["X-Cache"] == "miss"
    with django_assert_num_queries(0):
        hit = client.get("/news/")
    assert hit["X-Cache"] == "hit"
    make_story("Second story")
    fresh = client.get("/news/")
    assert fresh["X-Cache"] == "miss"
    assert b"Second story" in fresh.content


def test_a_request_asks_redis_for_each_entry_once(client, make_story, monkeypatch):
    story = make_story("A story")
    SiteSettings.for_site(story.get_site())
    client.get(story.url)  # stores the page's pieces (site_config.content_cache.Fragment)
    content_cache.new_generation()
    asked = []
    client_class = type(cache._cache)
    get, get_many = client_class.get, client_class.get_many
    monkeypatch.setattr(
        client_class,
        "get",
        lambda self, key, default: asked.append([key]) or get(self, key, default),
    )
    monkeypatch.setattr(
        client_class, "get_many", lambda self, keys: asked.append(keys) or get_many(self, keys)
    )
    response = client.get(story.url)
    assert response["X-Cache"] == "miss" and b"A story" in response.content
    # The page cache's one round trip for the generation and the page; each of the story's
    # cached pieces is then looked for under that generation without asking for it again.
    for_generation = [
        keys for keys in asked if cache.make_key(content_cache.GENERATION_KEY) in keys
    ]
    assert len(for_generation) == 1
    assert len(asked) > 2
    # Nor is anything else of the site's asked for twice (Wagtail's own site paths aside).
    ours = [key for keys in asked for key in keys if "wagtail" not in key]
    assert len(ours) == len(set(ours)), ours


def test_a_workers_copies_give_way_to_a_change_made_by_another_process(
    client, make_story, settings
):
    # Each worker keeps copies of what it read from Redis under the content's generation
    # (content_cache.LocalCopies); another process's change starts a new generation in Redis.
    settings.PAGE_CACHE_SECONDS = 0
    settings.LOCAL_COPIES_BYTES = 1024 * 1024
    content_cache.local_copies.clear()
    story = make_story("A story")
    SiteSettings.for_site(story.get_site())
    # The story's pieces are kept at its first request, its route at its second.
    for _ in range(3):
        assert b"A story" in client.get(story.url).content

    StoryPage.objects.filter(pk=story.pk).update(title="A renamed story")
    cache.set(content_cache.GENERATION_KEY, "from-another-process", timeout=None)
    assert b"A renamed story" in client.get(story.url).content
    content_cache.local_copies.clear()
