"""Django's Redis cache backend, with one redis-py client and connection per thread, that
keeps the site up while Redis is down.

Django 5.2's RedisCacheClient.get_client() makes a new redis.Redis for every cache call,
and each one builds its table of response callbacks (hundreds of entries): about 70 µs of
CPU a call, a millisecond for a page that asks the cache a dozen times. So one is kept for
each thread (gunicorn's worker threads: four a worker), with a connection of its own
(single_connection_client): a client that takes a connection from its pool for every
command checks that nothing is waiting to be read on it, and gives it back, which was a
tenth of the CPU of a page served from the cache (0.22-0.25 -> 0.19-0.22 ms in-process).
A client made before a fork (gunicorn's master) is not used after it: its connection is
the parent's.

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
import os
import time

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError
from redis.retry import Retry

OUTAGE_SECONDS = 5

logger = logging.getLogger(__name__)

# When Redis may be asked again, for every thread of the process: (time.monotonic()).
_unreachable_until = 0.0


class PerThreadRedisCacheClient(RedisCacheClient):
    # Django's cache handler gives each thread a backend of its own, and so a client of
    # its own.
    def __init__(self, servers, **options):
        # A connection that Redis closed (a restart, its timeout for idle clients) fails the
        # command sent on it: sent again once, at once, on a new connection, before Redis
        # is taken to be down. (A client that shares its pool checks each connection it
        # takes, and opens a new one for a closed one.)
        options.setdefault("retry", Retry(NoBackoff(), 1, supported_errors=(RedisConnectionError,)))
        super().__init__(servers, **options)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        slot = (self._get_connection_pool(write), os.getpid())
        if (client := self._clients.get(slot)) is None:
            client = self._clients[slot] = self._client(
                connection_pool=slot[0], single_connection_client=True
            )
        return client


class RedisCache(DjangoRedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = PerThreadRedisCacheClient

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
