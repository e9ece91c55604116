"""Django's Redis cache backend, with one redis-py client per connection pool, that keeps
the site up while Redis is down.

Django 5.2's RedisCacheClient.get_client() makes a new redis.Redis for every cache call,
and each one builds its table of response callbacks (hundreds of entries): about 70 µs of
CPU a call, a millisecond for a page that asks the cache a dozen times. A redis.Redis may
be shared between threads (each command takes a connection from the pool and gives it
back), so one is kept per pool. After a fork (gunicorn's workers) redis-py's pool notices
the new process and opens connections of its own.

While Redis cannot be reached or answers amiss (refused, no answer within the socket
timeout, an answer that is not Redis's, an error of Redis's own), the site goes on without
it, as it would with no cache: a read finds nothing and a write is dropped, so every page
is rendered afresh from the database, slower and never stale. Redis is then left alone
for OUTAGE_SECONDS, so that requests do not each wait out the timeout, and tried again.
One write must not be dropped: the new content generation that announces a change
(site_config.content_cache), without which pages cached before the outage would be served
again after it. It goes through set_surely(), which fails, and the change with it (the
editor is told, and nothing is half-saved: site_config.atomic_admin).
"""

import logging
import time

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient
from redis.exceptions import RedisError

OUTAGE_SECONDS = 5

logger = logging.getLogger(__name__)

# When Redis may be asked again, for every thread of the process: (time.monotonic()).
_unreachable_until = 0.0


class SharedRedisCacheClient(RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        if (client := self._clients.get(pool)) is None:
            # Two threads may make one each at first: both work, one is kept.
            client = self._clients[pool] = self._client(connection_pool=pool)
        return client


class RedisCache(DjangoRedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = SharedRedisCacheClient

    def get(self, key, default=None, version=None):
        return _unless_unreachable(default, super().get, key, default, version=version)

    def get_many(self, keys, version=None):
        return _unless_unreachable({}, super().get_many, keys, version=version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        _unless_unreachable(None, super().set, key, value, timeout, version=version)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return _unless_unreachable(False, super().add, key, value, timeout, version=version)

    def delete(self, key, version=None):
        return _unless_unreachable(False, super().delete, key, version=version)

    def set_surely(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        """set(), raising while Redis cannot be reached rather than dropping the value."""
        super().set(key, value, timeout, version=version)


def _unless_unreachable(fallback, call, *args, **kwargs):
    """call()'s answer, or `fallback` while Redis cannot be reached."""
    global _unreachable_until
    if time.monotonic() < _unreachable_until:
        return fallback
    try:
        return call(*args, **kwargs)
    except RedisError as error:
        _unreachable_until = time.monotonic() + OUTAGE_SECONDS
        logger.error(
            "Redis cannot be reached (%s): the site goes on without its cache, and asks "
            "again in %s seconds.",
            error,
            OUTAGE_SECONDS,
        )
        return fallback
