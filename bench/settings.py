"""Settings for the benchmark: the shared settings with DEBUG off, as in production.

The database comes from DATABASE_URL as everywhere; bench/run.py points it at a scratch
database (never the development db.sqlite3).
"""

from site_config.settings.base import *  # noqa: F403

DEBUG = False
SECRET_KEY = "bench-only-not-secret"
# The Django test client's host name.
ALLOWED_HOSTS = ["testserver"]
# The scale benchmark measures the work of rendering each page (its "cold cache" rows empty
# the content cache too): with the anonymous page cache on, every warm row would time a
# cache hit instead. The HTTP benchmark (bench/http_bench.py) measures the page cache.
PAGE_CACHE_SECONDS = 0
# And the pieces of pages kept until the content changes (site_config/content_cache.py):
# every row renders its page whole, reading its stories (the pagination of the index, for
# one); only the lists that read every story, the menu and the site settings are cached.
FRAGMENT_CACHE_SECONDS = 0
