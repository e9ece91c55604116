"""Settings for the benchmark: the shared settings with DEBUG off, as in production.

The database comes from DATABASE_URL as everywhere; bench/run.py points it at a scratch
database (never the development db.sqlite3).
"""

from site_config.settings.base import *  # noqa: F403

DEBUG = False
SECRET_KEY = "bench-only-not-secret"
# The Django test client's host name.
ALLOWED_HOSTS = ["testserver"]
