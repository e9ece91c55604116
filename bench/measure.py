"""Measure one database's pages in-process with Django's test client (no HTTP server).

Run by bench/run.py as `python -m bench.measure` with DATABASE_URL set; prints its results
as one line of JSON on standard output, progress on standard error.
"""

import json
import logging
import math
import os
import re
import sys
import time
from collections import Counter, defaultdict

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
django.setup()

from django.core.cache import cache  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.backends.signals import connection_created  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import NoReverseMatch, reverse  # noqa: E402
from django.utils.http import urlencode  # noqa: E402

from stories.management import synthetic  # noqa: E402
from stories.models import STORIES_PER_PAGE, StoryIndexPage, StoryPage  # noqa: E402

WARM_UPS = 3
REQUESTS = 30
# A request is abandoned after this long (answered 500), and not asked again; a row stops
# sampling once it has taken ROW_BUDGET_SECONDS. So the benchmark always ends.
TIMEOUT_SECONDS = 5
ROW_BUDGET_SECONDS = 20
TIMED_OUT = math.inf


def rare_word(number):
    """The made-up professor's name in synthetic story `number`: in a few bodies only."""
    story = synthetic.synthetic_story(1, number)
    text = " ".join(str(block["value"]) for block in story.body)
    return re.search(r"Professor (\w+)", text).group(1)


SEARCHES = [
    "research",  # the most frequent word: in nearly every story
    "ocean",
    "graphene",
    "logistics",  # the least frequent word of titles
    "university",
    "climate research",
    "quantum sensor",
    "coral biodiversity",
    '"ocean energy"',  # a phrase
    '"research university"',
    "methodology",  # words found in bodies only
    "volunteers",
    rare_word(1_000),  # in a handful of stories
    rare_word(9_000),
    "zyxwvut",  # in none: the page offers the latest stories instead
]
PREFIXES = ["re", "oc", "qua", "gra", "clim", "sust", "biodi", "robot", "unive", "lo"]


class Deadline:
    """Abandons a request's database work once it has run for TIMEOUT_SECONDS.

    PostgreSQL: statement_timeout on the session. SQLite: a progress handler, which SQLite
    calls every few thousand instructions and which interrupts the query when it says so.
    """

    at = math.inf  # no deadline outside requests: setting up the rows may take its time

    def __enter__(self):
        Deadline.at = time.monotonic() + TIMEOUT_SECONDS

    def __exit__(self, *exc_info):
        Deadline.at = math.inf

    @staticmethod
    def passed():
        return time.monotonic() > Deadline.at

    @classmethod
    def install(cls, sender, connection, **kwargs):
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET statement_timeout = %s", [f"{TIMEOUT_SECONDS}s"])
        elif connection.vendor == "sqlite":
            connection.connection.set_progress_handler(Deadline.passed, 10_000)


def timed_get(client, url):
    """(milliseconds, status) of one GET; TIMED_OUT milliseconds if it was abandoned."""
    before = time.perf_counter()
    with Deadline():
        response = client.get(url)
    elapsed = (time.perf_counter() - before) * 1000
    if response.status_code == 500 and elapsed >= TIMEOUT_SECONDS * 1000:
        return TIMED_OUT, "timeout"
    return elapsed, response.status_code


def percentile(samples, fraction):
    """Nearest-rank percentile: a value that was measured, never an interpolation."""
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


def measure(name, urls, warm_ups=WARM_UPS, requests=REQUESTS, cold=False):
    """Time `requests` GETs cycling through `urls`, after `warm_ups` untimed ones; with
    `cold`, the cache is emptied (untimed) before each, as after a publish."""
    client = Client(raise_request_exception=False)
    statuses = Counter()
    timed_out = set()
    for n in range(warm_ups):
        url = urls[n % len(urls)]
        if timed_get(client, url)[1] == "timeout":
            timed_out.add(url)
    samples, by_url = [], defaultdict(list)
    started = time.perf_counter()
    for n in range(requests):
        # Every address is timed at least once, however long that takes.
        if n >= len(urls) and time.perf_counter() - started > ROW_BUDGET_SECONDS:
            break
        url = urls[n % len(urls)]
        if cold:
            cache.clear()
        # A request that timed out once counts as timed out again, without waiting for it.
        elapsed, status = (TIMED_OUT, "timeout") if url in timed_out else timed_get(client, url)
        if status == "timeout":
            timed_out.add(url)
        statuses[status] += 1
        samples.append(elapsed)
        by_url[url].append(elapsed)
    # Counted apart from the timing, which capturing queries would slow down a little.
    queries = []
    for url in urls:
        if url not in timed_out:
            if cold:
                cache.clear()
            with CaptureQueriesContext(connection) as captured, Deadline():
                client.get(url)
            queries.append(len(captured))
    slowest = max(by_url, key=lambda url: percentile(by_url[url], 0.5))
    result = {
        "p50": percentile(samples, 0.5),
        "p95": percentile(samples, 0.95),
        "n": len(samples),
        "queries": [min(queries), max(queries)] if queries else None,
        "not_ok": {str(code): count for code, count in statuses.items() if code != 200},
        "slowest": [slowest, percentile(by_url[slowest], 0.5)],
    }
    print(f"  {name}: {json.dumps(result)}", file=sys.stderr)
    return result


def canonical(path, params):
    """Where the index sends these filters: it redirects query parameters to its addresses."""
    response = Client().get(path, params, follow=True)
    if response.redirect_chain:
        return response.redirect_chain[-1][0]
    return f"{path}?{urlencode(params)}"


def with_query(path, queries):
    return [f"{path}?{urlencode({'q': query})}" for query in queries]


def suggest_url():
    try:
        return reverse("search:suggest")
    except NoReverseMatch:
        return None


def main():
    # A request abandoned at its deadline is an error page, not a traceback worth printing.
    logging.getLogger("django.request").setLevel(logging.CRITICAL)
    connection_created.connect(Deadline.install)
    index = StoryIndexPage.objects.get()
    stories = index.stories()
    count = stories.count()
    last_page = math.ceil(count / STORIES_PER_PAGE)
    # The same story at either size: stories are only ever added after it.
    story = StoryPage.objects.child_of(index).order_by("path")[min(5_000, count // 2)]
    category = "synthetic-research"
    year = 2020

    rows = {}
    search = reverse("search:search")
    rows["search"] = measure("search", with_query(search, SEARCHES), warm_ups=len(SEARCHES))
    suggest = suggest_url()
    rows["suggest"] = suggest and measure(
        "suggest", with_query(suggest, PREFIXES), warm_ups=len(PREFIXES)
    )
    rows["home"] = measure("home", ["/"])
    rows["home_cold"] = measure("home, cold cache", ["/"], cold=True)
    rows["index_first"] = measure("index first page", [index.url])
    rows["index_first_cold"] = measure("index first page, cold cache", [index.url], cold=True)
    rows["index_middle"] = measure(
        "index middle page", [f"{index.url}?page={math.ceil(last_page / 2)}"]
    )
    rows["index_last"] = measure("index last page", [f"{index.url}?page={last_page}"])
    rows["index_category"] = measure(
        "index by category", [canonical(index.url, {"category": category})]
    )
    rows["index_year"] = measure("index by year", [canonical(index.url, {"year": year})])
    rows["index_category_year"] = measure(
        "index by category and year",
        [canonical(index.url, {"category": category, "year": year})],
    )
    rows["story"] = measure("story page", [story.url])
    rows["story_cold"] = measure("story page, cold cache", [story.url], cold=True)
    summary = {"stories": count, "timeout_ms": TIMEOUT_SECONDS * 1000, "rows": rows}
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
