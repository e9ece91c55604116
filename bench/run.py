"""The scale benchmark (`make bench`): the site at 10,000 and 100,000 stories.

For SQLite and then PostgreSQL: migrate a fresh scratch database, load the demo content,
generate 10,000 synthetic stories and measure (bench/measure.py), grow to 100,000 and
measure again. Then print one table and the machine's facts. See bench/README.md.
"""

import json
import os
import platform
import sqlite3
import subprocess
import sys
import time
from importlib import metadata
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
SQLITE_FILE = Path(os.environ.get("BENCH_SQLITE_FILE", "/tmp/university-bench.sqlite3"))
POSTGRES_SERVER = os.environ.get("BENCH_POSTGRES_SERVER", "postgres://postgres@127.0.0.1:5432")
POSTGRES_DATABASE = "university_bench"
# BENCH_SIZES=300,600 makes a quick trial run of the benchmark itself.
SIZES = [int(size) for size in os.environ.get("BENCH_SIZES", "10000,100000").split(",")]
ROWS = [
    ("generate", "generate stories"),
    ("search", "search, 15 queries"),
    ("suggest", "suggestions, 10 prefixes"),
    ("home", "home page /"),
    ("home_cold", "home page, cold cache"),
    ("index_first", "index, first page"),
    ("index_first_cold", "index, first, cold cache"),
    ("index_middle", "index, middle page"),
    ("index_last", "index, last page"),
    ("index_category", "index, by category"),
    ("index_year", "index, by year"),
    ("index_category_year", "index, category + year"),
    ("story", "story page"),
    ("story_cold", "story page, cold cache"),
]


def log(message):
    print(message, file=sys.stderr, flush=True)


def django_env(database_url):
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DATABASE_URL": database_url,
        # Persistent connections, as a production server keeps them: the timings are the
        # pages' work, not connecting to the database.
        "DATABASE_CONN_MAX_AGE": "60",
        # whitenoise warns that collectstatic has not run: the benchmark serves no files.
        "PYTHONWARNINGS": "ignore:No directory at:UserWarning",
    }


def run(args, env):
    result = subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if result.returncode:
        log(result.stdout + result.stderr)
        raise SystemExit(f"{' '.join(args)} failed with exit code {result.returncode}")
    return result.stdout


def fresh_sqlite(path=SQLITE_FILE):
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return f"sqlite:///{path}"


def fresh_postgres(database=POSTGRES_DATABASE):
    with psycopg.connect(f"{POSTGRES_SERVER}/postgres", autocommit=True) as server:
        server.execute(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
        server.execute(f"CREATE DATABASE {database}")
    return f"{POSTGRES_SERVER}/{database}"


def bench_database(name, database_url):
    """Build the database up to each size and measure it: {size: results}."""
    env = django_env(database_url)
    log(f"== {name}: migrate and load the demo content")
    run(["manage.py", "migrate", "--noinput", "-v", "0"], env)
    run(["manage.py", "load_demo_content"], env)
    results, made = {}, 0
    for size in SIZES:
        log(f"== {name}: generate {size - made:,} stories")
        started = time.perf_counter()
        run(["manage.py", "generate_stories", "--count", str(size - made)], env)
        seconds = time.perf_counter() - started
        log(f"   {seconds:.0f} s, {(size - made) / seconds:,.0f} stories a second")
        log(f"== {name}: measure at {size:,} stories")
        measured = json.loads(run(["-m", "bench.measure"], env).splitlines()[-1])
        measured["generate"] = {"count": size - made, "seconds": seconds}
        results[size] = measured
        made = size
    return results


def milliseconds(value):
    if value == float("inf"):
        return "timeout"
    return f"{value:.0f}" if value >= 100 else f"{value:.1f}"


def cell(row, result):
    if row == "generate":
        count, seconds = result["generate"]["count"], result["generate"]["seconds"]
        return f"{count:,} in {seconds:.0f} s ({count / seconds:,.0f}/s)"
    measured = result["rows"].get(row)
    if measured is None:
        return "n/a"
    low, high = measured["queries"] or ("?", "?")
    queries = f"{low}" if low == high else f"{low}-{high}"
    flag = " !" if measured["not_ok"] else ""
    return f"{milliseconds(measured['p50'])} / {milliseconds(measured['p95'])}  {queries}q{flag}"


def table(results):
    columns = [(name, size) for name in results for size in SIZES]
    header = ["", *(f"{name}, {size:,}" for name, size in columns)]
    body = [[label, *(cell(row, results[n][s]) for n, s in columns)] for row, label in ROWS]
    widths = [max(len(line[i]) for line in [header, *body]) for i in range(len(header))]
    lines = [header, ["-" * width for width in widths], *body]
    return "\n".join(
        "  ".join(text.ljust(width) for text, width in zip(line, widths, strict=True)).rstrip()
        for line in lines
    )


def notes(results):
    """What the table cannot say: the slowest search, last page against first, errors."""
    out = []
    for name, by_size in results.items():
        for size, result in by_size.items():
            rows = result["rows"]
            where = f"{name}, {size:,} stories"
            query, p50 = rows["search"]["slowest"]
            p50 = milliseconds(p50) + ("" if p50 == float("inf") else " ms")
            out.append(f"{where}: slowest search {query} (p50 {p50})")
            ratio = rows["index_last"]["p50"] / rows["index_first"]["p50"]
            verdict = "over the 2x limit" if ratio > 2 else "within 2x"
            out.append(f"{where}: index last page / first page p50 = {ratio:.2f} ({verdict})")
            for row, measured in rows.items():
                if measured and measured["not_ok"]:
                    out.append(f"{where}: {row} answered {measured['not_ok']}")
                if measured and measured["n"] < 30:
                    out.append(f"{where}: {row} timed over {measured['n']} requests only")
    return "\n".join(out)


def machine(postgres_version, load_at_start):
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    start = ", ".join(f"{value:.2f}" for value in load_at_start)
    return "\n".join(
        [
            f"cores: {os.cpu_count()} ({cpu})",
            f"Python {platform.python_version()}, Django {metadata.version('django')}, "
            f"Wagtail {metadata.version('wagtail')}",
            f"SQLite {sqlite3.sqlite_version}; PostgreSQL {postgres_version}",
            f"load average (1, 5, 15 min) at the start: {start}; at the end: {load}",
        ]
    )


def postgres_version():
    with psycopg.connect(f"{POSTGRES_SERVER}/postgres") as server:
        return server.execute("SHOW server_version").fetchone()[0]


def main():
    started, load_at_start = time.perf_counter(), os.getloadavg()
    results = {
        "SQLite": bench_database("SQLite", fresh_sqlite()),
        "PostgreSQL": bench_database("PostgreSQL", fresh_postgres()),
    }
    timeout = results["SQLite"][SIZES[0]]["timeout_ms"]
    print(
        f"Stories: {', '.join(f'{size:,}' for size in SIZES)} (the generate row includes start-up)"
    )
    print(
        "Milliseconds p50 / p95, then SQL queries per request. Measured in-process with "
        "django.test.Client\n(no HTTP server), DEBUG off, persistent database connections; "
        f"3 warm-ups, then 30 requests a row\n(search and suggestions: each query once to "
        f"warm up, then 30 requests across them); a request over\n{timeout:,} ms is "
        'abandoned and counts as "timeout"; "!" marks answers other than 200.\n'
    )
    print(table(results))
    print()
    print(notes(results))
    print()
    print(machine(postgres_version(), load_at_start))
    print(f"benchmark took {(time.perf_counter() - started) / 60:.1f} minutes")


if __name__ == "__main__":
    main()
