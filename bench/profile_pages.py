"""Where an uncached page's CPU time goes (issue 5): in-process, in the HTTP benchmark's
configuration, page by page.

    .venv/bin/python -m bench.profile_pages [--pages home,story] [--requests 200]
                                            [--profile 30] [--top 35] [--rebuild]

The first run builds a scratch SQLite database as `make bench-http` does (its helpers:
migrate, the demo content, BENCH_HTTP_STORIES synthetic stories, collectstatic) in
BENCH_PROFILE_SCRATCH (default /tmp/university-profile); later runs reuse it, --rebuild
makes it afresh. Then, with the production settings, the local-memory cache and
PAGE_CACHE_SECONDS=0 (every request renders its page, as the benchmark's "page cache off"
rows; with --server rendered, FRAGMENT_CACHE_SECONDS=0 as well: the "rendered" rows, every page
rendered whole), for each of the benchmark's addresses:

- CPU per request: time.process_time() around each of --requests requests, after warm-ups,
  through the whole middleware stack with Accept-Encoding: gzip; the median and the mean.
  In-process SQLite's own work counts, as it does in a gunicorn worker. "warm" is the
  steady state between two publications (the content cache holds its lists and fragments);
  "new generation" starts a new content generation before each request (untimed), as a
  publication does: the first visitor's cost after a change.
- a cProfile of --profile requests (warm), sorted by cumulative time, then by own time.

process_time counts only this process, so other work on the machine slows it little; for
before/after comparisons compare medians over many requests of one run each, on a quiet
machine.
"""

import argparse
import cProfile
import io
import json
import os
import pstats
import statistics
import sys
import time
from pathlib import Path

SCRATCH = Path(os.environ.get("BENCH_PROFILE_SCRATCH", "/tmp/university-profile"))
# The HTTP benchmark's helpers put the static and media files under their scratch folder:
# this one's, so that the two never share (or remove) each other's files.
os.environ["BENCH_HTTP_SCRATCH"] = str(SCRATCH)

from bench import http_bench, run  # noqa: E402

SQLITE_FILE = SCRATCH / "db.sqlite3"
PAGES = ["home", "index_first", "index_last", "story", "search"]
WARM_UPS = 5


def log(message):
    print(message, file=sys.stderr, flush=True)


def prepare(rebuild):
    """The scratch database's URL, built first when it is missing (or --rebuild)."""
    if SQLITE_FILE.exists() and not rebuild:
        return f"sqlite:///{SQLITE_FILE}"
    SCRATCH.mkdir(parents=True, exist_ok=True)
    database_url = run.fresh_sqlite(SQLITE_FILE)
    env = http_bench.django_env(database_url)
    log("== collectstatic")
    run.run(["manage.py", "collectstatic", "--noinput", "--clear", "-v", "0"], env)
    http_bench.prepare("SQLite", database_url)
    return database_url


def cpu_ms(client, url, requests, before_each=None):
    """CPU milliseconds of each of `requests` GETs of url (before_each() is not timed)."""
    samples = []
    for _ in range(requests):
        if before_each:
            before_each()
        started = time.process_time()
        response = client.get(url, headers={"accept-encoding": "gzip"})
        samples.append((time.process_time() - started) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"{url} answered {response.status_code}")
    return samples


def profile(client, url, requests, top):
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(requests):
        client.get(url, headers={"accept-encoding": "gzip"})
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("cumulative").print_stats(top)
    stats.sort_stats("tottime").print_stats(top)
    return out.getvalue()


def http(database_url, pages, server):
    """CPU per request of gunicorn under wrk, as `make bench-http` measures it (its Server and
    load(), BENCH_HTTP_SECONDS a row), on this scratch database, page cache off."""
    env = http_bench.django_env(database_url, server)
    env["CONTENT_GENERATION_FILE"] = str(SCRATCH / "content-generation")
    urls = json.loads(run.run(["-m", "bench.http_queries"], env).splitlines()[-1])
    server = http_bench.Server("profile", env)
    try:
        for page in ["healthz", *pages]:
            result = http_bench.load(server, urls[page]["url"])
            print(
                f"HTTP {page:<12} {result['cpu_ms']:6.2f} CPU ms/req  {result['rps']:7.1f} req/s"
                f"  {urls[page]['steady']} SQL/req  {urls[page]['url']}",
                flush=True,
            )
    finally:
        server.stop()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", default=",".join(PAGES), help="of: " + ", ".join(PAGES))
    parser.add_argument("--requests", type=int, default=200, help="timed requests a page")
    parser.add_argument("--profile", type=int, default=30, help="profiled requests; 0: none")
    parser.add_argument("--top", type=int, default=35, help="functions a profile lists")
    parser.add_argument("--rebuild", action="store_true", help="make the database afresh")
    parser.add_argument(
        "--http", action="store_true", help="also load the pages over HTTP, as make bench-http"
    )
    parser.add_argument(
        "--server",
        choices=["pieces", "rendered"],
        default="pieces",
        help="pages from their cached pieces, or rendered whole (the HTTP benchmark's servers)",
    )
    args = parser.parse_args()
    pages = args.pages.split(",")

    database_url = prepare(args.rebuild)
    if args.http:
        http(database_url, pages, args.server)
    os.environ.update(http_bench.django_env(database_url, args.server))
    # The content generation of this process alone (where the settings keep it in a file):
    # another process on the machine starting a generation would empty its caches.
    os.environ["CONTENT_GENERATION_FILE"] = str(SCRATCH / "content-generation")

    # Imported once the environment names the settings: this sets Django up.
    from django.test import Client

    from bench.http_queries import addresses
    from site_config.content_cache import new_generation

    urls = addresses()
    client = Client()
    rows = []
    for page in pages:
        url = urls[page]
        cpu_ms(client, url, WARM_UPS)
        warm = cpu_ms(client, url, args.requests)
        cold = cpu_ms(client, url, max(args.requests // 5, 10), before_each=new_generation)
        rows.append((page, url, warm, cold))
        if args.profile:
            print(f"\n===== {page}: {url}, {args.profile} requests, cache warm =====")
            print(profile(client, url, args.profile, args.top))

    print(
        f"\nCPU ms per request, in-process, production settings, "
        f"{http_bench.SERVERS[args.server][0]}, "
        f"SQLite in-process, {http_bench.STORIES:,} stories:"
    )
    print(f"{'page':<12} {'warm: median':>13} {'mean':>6} {'new generation: median':>23}  url")
    for page, url, warm, cold in rows:
        print(
            f"{page:<12} {statistics.median(warm):>13.2f} {statistics.mean(warm):>6.2f} "
            f"{statistics.median(cold):>23.2f}  {url}"
        )
    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    print(
        f"({args.requests} warm requests a page, {max(args.requests // 5, 10)} after a new "
        f"generation; load average now {load})"
    )


if __name__ == "__main__":
    main()
