"""The HTTP benchmark (`make bench-http`): the production configuration under load.

For SQLite (local-memory cache) and then PostgreSQL with Redis: migrate a fresh scratch
database, load the demo content and generate synthetic stories, count each address's SQL
queries in-process (bench/http_queries.py), then serve it with gunicorn and
site_config/gunicorn.conf.py on 127.0.0.1 and load each address with wrk for a fixed time:
with the page cache on, with it off (PAGE_CACHE_SECONDS=0), and with the pieces of pages
off as well (FRAGMENT_CACHE_SECONDS=0). Prints one table, the targets, the workers' memory
and the machine's facts. See bench/README.md.
"""

import json
import os
import runpy
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from importlib import metadata
from pathlib import Path

import redis

from bench import run
from bench.run import machine, postgres_version
from bench.run import run as manage

ROOT = Path(__file__).resolve().parent.parent
# The configuration as the servers read it (it takes WEB_CONCURRENCY and the like from the
# environment, which the servers share).
GUNICORN = runpy.run_path(str(ROOT / "site_config" / "gunicorn.conf.py"))
LUA_REPORT = ROOT / "bench" / "wrk_report.lua"
SCRATCH = Path(os.environ.get("BENCH_HTTP_SCRATCH", "/tmp/university-httpbench"))
SQLITE_FILE = SCRATCH / "db.sqlite3"
POSTGRES_DATABASE = os.environ.get("BENCH_HTTP_POSTGRES_DATABASE", "university_httpbench")
# Emptied before the PostgreSQL run: never database 0, where a developer's cache may live.
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/12")
STORIES = int(os.environ.get("BENCH_HTTP_STORIES", "10000"))
# A hero image on every story, as a university's news has, taking turns among this many
# synthetic pictures: a page of cards shows a dozen or so different ones.
IMAGES = int(os.environ.get("BENCH_HTTP_IMAGES", "50"))
# BENCH_HTTP_STORIES=300 BENCH_HTTP_SECONDS=2 checks the benchmark itself in about 5 minutes.
SECONDS = int(os.environ.get("BENCH_HTTP_SECONDS", "10"))
DATABASES = os.environ.get("BENCH_HTTP_DATABASES", "sqlite,postgresql").split(",")
# Enough connections to keep both cores busy while some requests wait on the database,
# few enough that latency is not mostly queueing; two wrk threads take little CPU.
CONNECTIONS = 8
WRK_THREADS = 2
WARM_UP_SECONDS = 2
TICKS = os.sysconf("SC_CLK_TCK")

# The servers, each the production configuration with these settings: as it is; without
# the page cache, so that every request renders its page from the pieces kept until the
# content changes (content_cache.Fragment, the routes, the site); and without those pieces
# either, so that every page is rendered whole: only the lists that read every story (the
# menu, the index's counts) and the site settings come from the cache.
SERVERS = {
    "cached": ("page cache on", {}),
    "pieces": ("page cache off", {"PAGE_CACHE_SECONDS": "0"}),
    "rendered": (
        "page cache and pieces off",
        {"PAGE_CACHE_SECONDS": "0", "FRAGMENT_CACHE_SECONDS": "0"},
    ),
}
# (key, label, server, address)
ROWS = [
    ("static", "static CSS (whitenoise)", "cached", "static"),
    ("healthz", "/healthz/", "cached", "healthz"),
    ("home_warm", "home, page cache warm", "cached", "home"),
    ("home_pieces", "home, from its pieces", "pieces", "home"),
    ("index_pieces", "index p. 1, from pieces", "pieces", "index_first"),
    ("story_pieces", "story, from its pieces", "pieces", "story"),
    ("search", "search ?q=ocean", "pieces", "search"),
    ("home_cold", "home, rendered whole", "rendered", "home"),
    ("index_first", "index p. 1, rendered", "rendered", "index_first"),
    ("index_last", "index last p., rendered", "rendered", "index_last"),
    ("story", "story page, rendered", "rendered", "story"),
]
MB = 1024 * 1024


def log(message):
    print(message, file=sys.stderr, flush=True)


def ensure_wrk():
    if shutil.which("wrk"):
        return
    if os.geteuid() != 0:
        raise SystemExit(
            "The HTTP benchmark needs wrk, the HTTP load tool: install the Debian package "
            "`wrk` (sudo apt-get install wrk) and run it again."
        )
    log("== installing wrk (apt-get)")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
    subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True, env=env)


def django_env(database_url, server="cached"):
    """The environment of the production configuration on this machine, over plain HTTP."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "site_config.settings.production",
        "SECRET_KEY": "http-bench-only-not-secret",
        # testserver: the Django test client of bench/http_queries.py.
        "ALLOWED_HOSTS": "127.0.0.1,testserver",
        "SECURE_SSL_REDIRECT": "false",
        "WAGTAILADMIN_BASE_URL": "http://127.0.0.1",
        "DATABASE_URL": database_url,
        "STATIC_ROOT": str(SCRATCH / "static"),
        "MEDIA_ROOT": str(SCRATCH / "media"),
        "PYTHONWARNINGS": "ignore:No directory at:UserWarning",
    }
    # A request log costs CPU that the rows would count.
    env.pop("GUNICORN_ACCESS_LOG", None)
    if database_url.startswith("postgres"):
        env["REDIS_URL"] = REDIS_URL
    else:
        env.pop("REDIS_URL", None)
    for name in ("PAGE_CACHE_SECONDS", "FRAGMENT_CACHE_SECONDS"):
        env.pop(name, None)
    env.update(SERVERS[server][1])
    return env


def fresh_sqlite():
    return run.fresh_sqlite(SQLITE_FILE)


def fresh_postgres():
    client = redis.Redis.from_url(REDIS_URL)
    if client.connection_pool.connection_kwargs.get("db", 0) == 0:
        raise SystemExit("BENCH_REDIS_URL must name a Redis database other than 0: it is emptied.")
    client.flushdb()
    return run.fresh_postgres(POSTGRES_DATABASE)


def prepare(name, database_url):
    env = django_env(database_url)
    log(
        f"== {name}: migrate, load the demo content, generate {STORIES:,} stories"
        f" with {IMAGES} pictures"
    )
    manage(["manage.py", "migrate", "--noinput", "-v", "0"], env)
    manage(["manage.py", "load_demo_content"], env)
    generate = ["generate_stories", "--count", str(STORIES), "--images", str(IMAGES)]
    manage(["manage.py", *generate], env)


def count_queries(database_url, server):
    output = manage(["-m", "bench.http_queries"], django_env(database_url, server))
    return json.loads(output.splitlines()[-1])


# -- the server and its processes -------------------------------------------------------


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def proc_stat(pid):
    """The fields of /proc/<pid>/stat after the command name (field 3 is index 0)."""
    text = Path(f"/proc/{pid}/stat").read_text()
    return text[text.rindex(")") + 2 :].split()


def worker_pids(master):
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if int(proc_stat(entry.name)[1]) == master:
                    pids.append(int(entry.name))
            except (FileNotFoundError, ProcessLookupError):
                continue  # it ended while we looked
    return sorted(pids)


def cpu_seconds(master):
    """User + system CPU time of the master and its workers, those that have ended too (the
    master's cutime and cstime count every worker it has reaped)."""
    fields = proc_stat(master)
    ticks = sum(int(value) for value in fields[11:15])
    for pid in worker_pids(master):
        try:
            ticks += sum(int(value) for value in proc_stat(pid)[11:13])
        except FileNotFoundError:
            continue
    return ticks / TICKS


def memory(pid):
    """(RSS, USS) in MB: all its resident memory, and the part that is its own alone (not
    shared with the master and the other workers)."""
    values = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]:
        key, value = line.split(":")
        values[key] = int(value.split()[0]) * 1024
    return values["Rss"] / MB, (values["Private_Clean"] + values["Private_Dirty"]) / MB


class Server:
    """gunicorn with the project's configuration, on a free port of 127.0.0.1."""

    def __init__(self, name, env):
        self.name = name
        self.port = free_port()
        self.log_path = SCRATCH / f"gunicorn-{name.replace(' ', '-').replace(',', '')}.log"
        with self.log_path.open("w") as log_file:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "-c", "site_config/gunicorn.conf.py"]
                + ["site_config.wsgi"],
                cwd=ROOT,
                env={**env, "BIND": f"127.0.0.1:{self.port}"},
                stdout=log_file,
                stderr=subprocess.STDOUT,
            )
        self.wait_until_ready()
        self.memory_at_start = [memory(pid) for pid in worker_pids(self.process.pid)]

    def url(self, path):
        return f"http://127.0.0.1:{self.port}{path}"

    def wait_until_ready(self, seconds=90):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            try:
                with urllib.request.urlopen(self.url("/healthz/"), timeout=5):
                    pass
                if len(worker_pids(self.process.pid)) >= GUNICORN["workers"]:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        self.stop()
        log(self.log_path.read_text()[-3000:])
        raise SystemExit(f"gunicorn ({self.name}) did not start: see {self.log_path}")

    def cpu_seconds(self):
        return cpu_seconds(self.process.pid)

    def stop(self):
        """Memory of the workers at the end, then a graceful stop."""
        at_end = [memory(pid) for pid in worker_pids(self.process.pid)]
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=60)
        return at_end

    def workers_replaced(self):
        """Workers started after the first ones (after max_requests), as gunicorn logged."""
        booted = self.log_path.read_text().count("Booting worker with pid")
        return booted - len(self.memory_at_start)


# -- load ---------------------------------------------------------------------------------


def wrk(url, seconds):
    command = ["wrk", f"-t{WRK_THREADS}", f"-c{CONNECTIONS}", f"-d{seconds}s", "--timeout", "10s"]
    # As browsers ask: the pages come gzipped (GZipMiddleware), the CSS precompressed.
    command += ["-H", "Accept-Encoding: gzip", "-s", str(LUA_REPORT), url]
    result = subprocess.run(command, capture_output=True, text=True, check=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


def load(server, path):
    wrk(server.url(path), WARM_UP_SECONDS)
    cpu_before = server.cpu_seconds()
    result = wrk(server.url(path), SECONDS)
    cpu = server.cpu_seconds() - cpu_before
    requests = result["requests"]
    errors = {k: result[k] for k in ("connect", "read", "write", "status", "timeout")}
    return {
        "rps": requests / (result["duration_us"] / 1e6),
        "p50": result["p50_us"] / 1000,
        "p99": result["p99_us"] / 1000,
        "cpu_ms": cpu * 1000 / requests if requests else None,
        "bytes": result["bytes"] / requests if requests else None,
        "requests": requests,
        "errors": {k: v for k, v in errors.items() if v},
    }


def bench_database(name, database_url):
    prepare(name, database_url)
    results, servers = {}, {}
    for server_key, (description, _) in SERVERS.items():
        queries = count_queries(database_url, server_key)
        label = f"{name}, {description}"
        log(f"== {label}: gunicorn, {SECONDS} s a row")
        server = Server(label, django_env(database_url, server_key))
        try:
            for key, row_label, row_server, address in ROWS:
                if row_server != server_key:
                    continue
                log(f"   {row_label}: {queries[address]['url']}")
                results[key] = load(server, queries[address]["url"])
                results[key]["queries"] = queries[address]
        finally:
            at_end = server.stop()
        servers[server_key] = {
            "label": label,
            "start": server.memory_at_start,
            "end": at_end,
            "replaced": server.workers_replaced(),
        }
    static_rps = results["static"]["rps"]
    for result in results.values():
        result["ratio"] = result["rps"] / static_rps if static_rps else None
    return {"rows": results, "servers": servers}


# -- report -------------------------------------------------------------------------------


def number(value, digits=1):
    if value is None:
        return "n/a"
    return f"{value:,.0f}" if value >= 100 else f"{value:.{digits}f}"


def table(results):
    header = [
        "",
        "database",
        "req/s",
        "p50 ms",
        "p99 ms",
        "CPU ms/req",
        "SQL/req",
        "bytes",
        "x static",
    ]
    body = []
    for key, label, _, _ in ROWS:
        for n, (name, result) in enumerate(results.items()):
            row = result["rows"][key]
            queries = row["queries"]
            flag = " !" if row["errors"] or queries["status"] != 200 else ""
            body.append(
                [
                    label if n == 0 else "",
                    name,
                    number(row["rps"]),
                    number(row["p50"]),
                    number(row["p99"]),
                    number(row["cpu_ms"], 2),
                    f"{queries['steady']} ({queries['cold']})",
                    f"{row['bytes']:,.0f}" if row["bytes"] else "n/a",
                    f"{row['ratio']:.2f}{flag}",
                ]
            )
    widths = [max(len(line[i]) for line in [header, *body]) for i in range(len(header))]
    lines = [header, ["-" * width for width in widths], *body]
    return "\n".join(
        "  ".join(
            text.ljust(width) if i < 2 else text.rjust(width)
            for i, (text, width) in enumerate(zip(line, widths, strict=True))
        ).rstrip()
        for line in lines
    )


def verdict(value, unit, target, ok):
    if value is None:
        return f"nothing answered (target {target}): MISSED"
    return f"{value:.1f}{unit} (target {target}): {'met' if ok(value) else 'MISSED'}"


def targets(results):
    out = []
    for name, result in results.items():
        rows = result["rows"]
        ratio = rows["home_warm"]["ratio"]
        out.append(
            f"{name}: home, page cache warm, req/s against the static file's: "
            + verdict(ratio, "x", ">= 0.7x", lambda value: value >= 0.7)
        )
        # Uncached: the page rendered whole, as the first visitor after a publication finds
        # it; and, apart, the same page from its pieces, as every later visitor does until
        # the next publication (the index's last page is not measured from its pieces).
        for key, pieces_key, limit in (
            ("home_cold", "home_pieces", 15),
            ("index_first", "index_pieces", 10),
            ("index_last", None, 10),
            ("story", "story_pieces", 10),
        ):
            label = next(label for k, label, _, _ in ROWS if k == key)
            line = f"{name}: {label}, CPU a request: " + verdict(
                rows[key]["cpu_ms"], " ms", f"< {limit} ms", lambda v, n=limit: v < n
            )
            if pieces_key:
                pieces = rows[pieces_key]["cpu_ms"]
                line += f"; from its pieces: {number(pieces)} ms" + (
                    " (under the target)" if pieces is not None and pieces < limit else ""
                )
            out.append(line)
        largest = max(rss for server in result["servers"].values() for rss, _ in server["end"])
        out.append(
            f"{name}: largest worker at the end, RSS: "
            + verdict(largest, " MB", "< 150 MB", lambda value: value < 150)
        )
    return "\n".join(out)


def memory_report(results):
    def listing(measured):
        return ", ".join(f"{rss:.0f}/{uss:.0f}" for rss, uss in measured)

    out = []
    for result in results.values():
        for server in result["servers"].values():
            replaced = server["replaced"]
            out.append(
                f"{server['label']}: at start {listing(server['start'])}; "
                f"at the end {listing(server['end'])}"
                + (f" ({replaced} replaced after max_requests)" if replaced else "")
            )
    return "\n".join(out)


def errors(results):
    out = []
    for name, result in results.items():
        for key, row in result["rows"].items():
            if row["errors"]:
                out.append(f"{name}, {key}: wrk counted {row['errors']} of {row['requests']:,}")
            if row["queries"]["status"] != 200:
                out.append(f"{name}, {key}: answered {row['queries']['status']} in-process")
    return "\n".join(out)


def server_facts():
    wrk_version = subprocess.run(["wrk", "-v"], capture_output=True, text=True).stdout
    return (
        f"gunicorn {metadata.version('gunicorn')}, {GUNICORN['workers']} "
        f"{GUNICORN['worker_class']} workers x {GUNICORN['threads']} threads "
        f"(site_config/gunicorn.conf.py); {wrk_version.split()[1]}"
    )


def main():
    started, load_at_start = time.perf_counter(), os.getloadavg()
    ensure_wrk()
    SCRATCH.mkdir(parents=True, exist_ok=True)
    log("== collectstatic")
    manage(
        ["manage.py", "collectstatic", "--noinput", "--clear", "-v", "0"],
        django_env(fresh_sqlite()),
    )
    fresh = {"sqlite": ("SQLite", fresh_sqlite), "postgresql": ("PostgreSQL", fresh_postgres)}
    results = {}
    for database in DATABASES:
        name, make_fresh = fresh[database]
        results[name] = bench_database(name, make_fresh())
    print(
        f"{STORIES:,} synthetic stories, each with a hero image ({IMAGES} pictures), and the "
        "demo content; gunicorn on 127.0.0.1 with the "
        "production settings\n(SQLite with the local-memory cache; PostgreSQL with Redis). "
        f"wrk, {CONNECTIONS} connections, {WRK_THREADS} threads, "
        f"{WARM_UP_SECONDS} s warm-up then {SECONDS} s a row,\nAccept-Encoding: gzip. "
        "CPU: the gunicorn master and workers (not the database, Redis or wrk). SQL: queries\n"
        "per request as the row asks (cache warm), and in brackets with the cache emptied, "
        'counted in-process. "!": errors, see below.\n'
    )
    print(table(results))
    print()
    print("Targets (reported, not enforced):")
    print(targets(results))
    print()
    print("Worker memory, MB RSS/USS (USS: its own pages, not shared with the master) per worker:")
    print(memory_report(results))
    if problems := errors(results):
        print()
        print(problems)
    print()
    print(server_facts())
    print(machine(postgres_version(), load_at_start))
    print(f"benchmark took {(time.perf_counter() - started) / 60:.1f} minutes")


if __name__ == "__main__":
    main()
