"""Django's Redis cache backend, with one redis-py client per connection pool.

Django 5.2's RedisCacheClient.get_client() makes a new redis.Redis for every cache call,
and each one builds its table of response callbacks (hundreds of entries): about 70 µs of
CPU a call, a millisecond for a page that asks the cache a dozen times. A redis.Redis may
be shared between threads (each command takes a connection from the pool and gives it
back), so one is kept per pool. After a fork (gunicorn's workers) redis-py's pool notices
the new process and opens connections of its own.
"""

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient


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
