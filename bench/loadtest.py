"""The load test (`make loadtest`): visitors and an editor at once, on the production setup.

On a scratch PostgreSQL database with Redis as the cache (as production runs): migrate,
load the demo content and generate synthetic stories, then serve it with gunicorn and
site_config/gunicorn.conf.py on 127.0.0.1 (bench/http_bench.py's Server) and send it, with
wrk, the home page, the story index, a story and a search (bench/loadtest.lua) in two
phases of LOADTEST_SECONDS each:

- visitors: 64 visitors, each waiting 0.5 to 1.5 s between two pages (a person reading
  takes far longer), the load the targets are for;
- saturation: 64 connections that each ask again the moment they are answered, as many
  requests as the server can take: what it does when it is overwhelmed.

In both, an editor in another process publishes a story every few seconds and watches for
it on the home page and the index as a visitor (bench/loadtest_editor.py). Prints, phase by
phase, throughput, latency, errors, how soon each publication showed and whether any
answer was stale, and the workers' memory; then stops the server and drops the scratch
database. Exits with status 1 when a request failed or an answer was stale in either
phase, or when no story was published or one never showed.
See bench/README.md.
"""

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import redis

from bench import http_bench, run
from bench.http_bench import Server, django_env, ensure_wrk, memory, server_facts, worker_pids
from bench.run import machine, postgres_version
from bench.run import run as manage

ROOT = Path(__file__).resolve().parent.parent
LUA_SCRIPT = ROOT / "bench" / "loadtest.lua"
SCRATCH = Path(os.environ.get("LOADTEST_SCRATCH", "/tmp/university-loadtest"))
POSTGRES_DATABASE = os.environ.get("LOADTEST_POSTGRES_DATABASE", "university_load")
# Emptied at the start and the end: never database 0, where a developer's cache may live.
# Empty: the local-memory cache of each worker, with the content generation in a file.
REDIS_URL = os.environ.get("LOADTEST_REDIS_URL", "redis://127.0.0.1:6379/13")
STORIES = int(os.environ.get("LOADTEST_STORIES", "3000"))
# LOADTEST_SECONDS=10 checks the load test itself in about two minutes.
SECONDS = int(os.environ.get("LOADTEST_SECONDS", "60"))
PUBLISH_EVERY_SECONDS = float(os.environ.get("LOADTEST_PUBLISH_EVERY", "5"))
CONNECTIONS = 64
WRK_THREADS = 2
# wrk's arguments for bench/loadtest.lua: each phase's name and the visitors' pause between
# two pages, in milliseconds (none: ask again at once).
PHASES = {"visitors": "pause=500-1500", "saturation": None}
WARM_UP_SECONDS = 5
# A request unanswered this long counts as a timeout error.
WRK_TIMEOUT_SECONDS = 10
# For the visitors' phase; the saturation phase's delays are mostly the requests' wait in
# the server's queue, reported as they are.
FRESHNESS_TARGET_SECONDS = 1.0
EDITOR_GRACE_SECONDS = 60
ROWS = ("home", "index_first", "story", "search")
# The pages on which the editor watches for each new story (bench/loadtest_editor.py).
PAGES_WATCHED = ("home", "index")

# http_bench's helpers keep their files (collected static files, uploads, the server's log)
# in its scratch directory: this test's own, so that it never touches the benchmark's.
http_bench.SCRATCH = SCRATCH

log = http_bench.log


def redis_client():
    client = redis.Redis.from_url(REDIS_URL)
    if client.connection_pool.connection_kwargs.get("db", 0) == 0:
        raise SystemExit("LOADTEST_REDIS_URL must name a Redis database other than 0.")
    return client


def server_env(database_url):
    env = django_env(database_url)
    if REDIS_URL:
        env["REDIS_URL"] = REDIS_URL
    else:
        env.pop("REDIS_URL", None)
        # The server's workers and the editor learn of changes from one file.
        env["CONTENT_GENERATION_FILE"] = str(SCRATCH / "content-generation")
    return env


def prepare(env):
    log(f"== migrate, load the demo content, generate {STORIES:,} stories, collectstatic")
    manage(["manage.py", "migrate", "--noinput", "-v", "0"], env)
    manage(["manage.py", "load_demo_content"], env)
    manage(["manage.py", "generate_stories", "--count", str(STORIES)], env)
    manage(["manage.py", "collectstatic", "--noinput", "--clear", "-v", "0"], env)
    # The HTTP benchmark's addresses: the story is the index's middle one.
    program = "import json; from bench.http_queries import addresses as a; print(json.dumps(a()))"
    addresses = json.loads(manage(["-c", program], env).splitlines()[-1])
    return [addresses[row] for row in ROWS]


def drop_postgres(database):
    with psycopg.connect(f"{run.POSTGRES_SERVER}/postgres", autocommit=True) as server:
        server.execute(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")


def workers_rss(server):
    """{worker pid: resident memory in MB}."""
    return {pid: memory(pid)[0] for pid in worker_pids(server.process.pid)}


def wrk(server, paths, seconds, pause=None):
    command = [
        "wrk",
        f"-t{WRK_THREADS}",
        f"-c{CONNECTIONS}",
        f"-d{seconds}s",
        "--timeout",
        f"{WRK_TIMEOUT_SECONDS}s",
        # As browsers ask: the pages come gzipped (GZipMiddleware).
        "-H",
        "Accept-Encoding: gzip",
        "-s",
        str(LUA_SCRIPT),
        server.url("/"),
        "--",
        *paths,
        *([pause] if pause else []),
    ]
    result = subprocess.run(command, capture_output=True, text=True, check=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


def load_and_publish(server, paths, env, pause):
    """wrk for SECONDS while the editor publishes: (wrk's results, the publications)."""
    editor = subprocess.Popen(
        [sys.executable, "-m", "bench.loadtest_editor", server.url("")]
        + [str(SECONDS), str(PUBLISH_EVERY_SECONDS)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        # The load starts with the editor's schedule, once the editor has set Django up.
        ready = editor.stdout.readline().strip() == "ready"
        result = wrk(server, paths, SECONDS, pause) if ready else None
        # The editor stops publishing before the load ends; only its last story's requests
        # (bench/loadtest_editor.py's POLL_LIMIT_SECONDS at most) may still be running.
        output, errors = editor.communicate(timeout=EDITOR_GRACE_SECONDS)
    finally:
        if editor.poll() is None:
            editor.kill()
            editor.wait()
    if editor.returncode or not ready:
        log(errors)
        raise SystemExit(f"the editor (bench/loadtest_editor.py) failed: {editor.returncode}")
    return result, json.loads(output.strip().splitlines()[-1])


def seconds(value):
    return "never" if value is None else f"{value:.2f}"


def verdict(passed):
    return "met" if passed else "MISSED"


def print_publications(publications):
    if not publications:
        print("publications: none (the load was too short for one)")
        return
    print(
        f"publications: {len(publications)}, one every {PUBLISH_EVERY_SECONDS:g} s or so; "
        "seconds from publish() returning to the first answer showing the story:"
    )
    for page in PAGES_WATCHED:
        delays = [publication[page] for publication in publications]
        worst = None if None in delays else max(delays)
        print(f"  {page:5}: {', '.join(seconds(delay) for delay in delays)}; max {seconds(worst)}")
    publish_times = [publication["publish_seconds"] for publication in publications]
    print("  publish() itself took " + ", ".join(f"{value:.2f}" for value in publish_times) + " s")


def report_phase(name, pause, result, publications):
    """Print one phase's results; whether it passed (no errors, no stale answer, every story
    shown, within the target for the visitors)."""
    requests = result["requests"]
    duration = result["duration_us"] / 1e6
    wrk_errors = {key: result[key] for key in ("status", "connect", "read", "write", "timeout")}
    poll_errors = sum(publication["poll_errors"] for publication in publications)
    stale = sum(publication["stale_answers"] for publication in publications)
    delays = [publication[page] for publication in publications for page in PAGES_WATCHED]
    every_story_shown = bool(publications) and None not in delays
    no_errors = not any(wrk_errors.values()) and not poll_errors

    if pause:
        shortest, longest = pause.removeprefix("pause=").split("-")
        how = f"each waiting {int(shortest) / 1000:g} to {int(longest) / 1000:g} s between pages"
    else:
        how = "each asking again the moment it is answered"
    print(f"== {name}: {CONNECTIONS} connections on {WRK_THREADS} wrk threads, {how}")
    print(
        f"requests: {requests:,} in {duration:.1f} s = {requests / duration:,.0f} req/s; "
        f"latency p50 {result['p50_us'] / 1000:.0f} ms, p99 {result['p99_us'] / 1000:.0f} ms"
    )
    print(
        "errors: "
        + ", ".join(f"{key} {value}" for key, value in wrk_errors.items())
        + f" (status: answers other than 2xx/3xx); the editor's requests: {poll_errors}"
    )
    print_publications(publications)
    print(f"answers without a story published before they were asked for (stale): {stale}")
    print(f"zero errors: {verdict(no_errors)}; no stale answer: {verdict(not stale)}")
    shown_in_time = every_story_shown and max(delays) <= FRESHNESS_TARGET_SECONDS
    if pause:
        print(
            f"every story shown within {FRESHNESS_TARGET_SECONDS:g} s on both pages: "
            + verdict(shown_in_time)
        )
    print()
    return no_errors and not stale and every_story_shown and (shown_in_time or not pause)


def report(paths, phases, rss, replaced, load_at_start):
    """Print the results; whether the run passed."""
    backend = f"Redis ({REDIS_URL})" if REDIS_URL else "local memory, generation file"
    print(
        f"{STORIES:,} synthetic stories and the demo content on PostgreSQL, cache: {backend};\n"
        f"gunicorn on 127.0.0.1 with the production settings; {server_facts()}.\n"
        f"wrk: {SECONDS} s a phase after {WARM_UP_SECONDS} s of warm-up, "
        "Accept-Encoding: gzip, going round " + ", ".join(paths)
    )
    print()
    passed = [report_phase(name, PHASES[name], *outcome) for name, outcome in phases.items()]
    print("worker RSS, MB (pid: RSS):")
    for moment, measured in rss.items():
        print(f"  {moment:22}: " + ", ".join(f"{pid}: {mb:.0f}" for pid, mb in measured.items()))
    if replaced:
        print(f"  ({replaced} workers replaced after max_requests during the run)")
    print()
    print(machine(postgres_version(), load_at_start))
    return all(passed)


def main():
    started, load_at_start = time.perf_counter(), os.getloadavg()
    ensure_wrk()
    if REDIS_URL:
        redis_client().flushdb()
    SCRATCH.mkdir(parents=True, exist_ok=True)
    env = server_env(run.fresh_postgres(POSTGRES_DATABASE))
    try:
        paths = prepare(env)
        log(f"== gunicorn; {WARM_UP_SECONDS} s of warm-up")
        server = Server("load test", env)
        try:
            rss = {"at boot": workers_rss(server)}
            wrk(server, paths, WARM_UP_SECONDS)
            rss["after warm-up"] = workers_rss(server)
            phases = {}
            for name, pause in PHASES.items():
                log(f"== {name}: {SECONDS} s")
                phases[name] = load_and_publish(server, paths, env, pause)
                rss[f"after the {name}"] = workers_rss(server)
        finally:
            server.stop()
        if any(result["status"] or result["read"] for result, _ in phases.values()):
            log(f"the server's log, {server.log_path}:\n{server.log_path.read_text()[-3000:]}")
        ok = report(paths, phases, rss, server.workers_replaced(), load_at_start)
    finally:
        log("== cleaning up: the scratch database, Redis, the scratch directory")
        drop_postgres(POSTGRES_DATABASE)
        if REDIS_URL:
            redis_client().flushdb()
        shutil.rmtree(SCRATCH, ignore_errors=True)
    print(f"load test took {(time.perf_counter() - started) / 60:.1f} minutes")
    if not ok:
        sys.exit(1)


if __name__ == "__main__":
    main()
