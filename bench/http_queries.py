"""The HTTP benchmark's addresses, and the SQL queries each one costs (bench/http_bench.py).

Run as `python -m bench.http_queries` with the environment of the gunicorn server it stands
for (production settings, the same database and cache, PAGE_CACHE_SECONDS on or off). It
asks each address in-process with Django's test client, through the whole middleware stack,
and prints one line of JSON: the addresses, and for each its queries in the steady state
that the load test measures (the third request in a row, the caches warm) and with the
cache emptied first, as after a publish.
"""

import json
import math
import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "site_config.settings.production")
django.setup()

from django.core.cache import cache  # noqa: E402
from django.db import connection  # noqa: E402
from django.templatetags.static import static  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402

from stories.models import STORIES_PER_PAGE, StoryIndexPage, StoryPage  # noqa: E402

SEARCH_QUERY = "ocean"


def addresses():
    index = StoryIndexPage.objects.get()
    count = index.stories().count()
    story = StoryPage.objects.child_of(index).order_by("path")[count // 2]
    return {
        # A hashed name from collectstatic's manifest, as the pages link to it.
        "static": static("css/site.css"),
        "healthz": "/healthz/",
        "home": "/",
        "index_first": index.url,
        "index_last": f"{index.url}?page={math.ceil(count / STORIES_PER_PAGE)}",
        "story": story.url,
        "search": f"{reverse('search:search')}?q={SEARCH_QUERY}",
    }


def count_queries(client, url):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, headers={"accept-encoding": "gzip"})
    return response.status_code, len(captured)


def main():
    client = Client(raise_request_exception=False)
    rows = {}
    for row, url in addresses().items():
        client.get(url)
        client.get(url)
        status, steady = count_queries(client, url)
        cache.clear()
        _, cold = count_queries(client, url)
        rows[row] = {"url": url, "status": status, "steady": steady, "cold": cold}
    print(json.dumps(rows))


if __name__ == "__main__":
    main()
