import os

from django.core.cache import caches
from django.core.wsgi import get_wsgi_application
from django.urls import reverse

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "site_config.settings.production")

application = get_wsgi_application()

# What Django would otherwise import at each worker's first request: the URLconf of every
# app (Wagtail's admin's included) and the cache's backend with its Redis client. gunicorn
# loads this module in its master before forking the workers (preload_app), and replaces a
# worker every GUNICORN_MAX_REQUESTS requests: imported here, each new worker inherits them
# instead of spending about 0.17 s of CPU on them (measured on the machine of the first
# section of bench/RESULTS.md) while its first visitor waits. Under the benchmark's load
# that was a twentieth of the CPU of a page served from the cache.
reverse("wagtailadmin_home")
caches["default"]
