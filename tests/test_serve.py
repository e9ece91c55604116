"""The production configuration as `make serve` and a deployment run it: gunicorn with
site_config/gunicorn.conf.py, the production settings, static files from whitenoise."""

import os
import re
import secrets
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import closing
from urllib.parse import quote

import psycopg
import pytest
from django.conf import settings
from django.db import connection

ROOT = settings.BASE_DIR


@pytest.fixture
def database_url(transactional_db, tmp_path):
    """A copy of the migrated test database that another process can open: the suite has
    run the migrations once already, and running them again would take most of a minute.
    (Transactional: PostgreSQL copies a database only while no one is connected to it.)"""
    if connection.vendor == "sqlite":
        copy = tmp_path / "db.sqlite3"
        connection.ensure_connection()
        with closing(sqlite3.connect(copy)) as target:
            connection.connection.backup(target)
        yield f"sqlite:///{copy}"
        return
    params = connection.settings_dict
    template, copy = params["NAME"], f"{params['NAME']}_serve"
    host, port = params["HOST"] or "127.0.0.1", params["PORT"] or 5432
    connection.close()
    with psycopg.connect(
        host=host,
        port=port,
        user=params["USER"],
        password=params["PASSWORD"],
        dbname="postgres",
        autocommit=True,
    ) as server:
        server.execute(f'DROP DATABASE IF EXISTS "{copy}" WITH (FORCE)')
        server.execute(f'CREATE DATABASE "{copy}" TEMPLATE "{template}"')
        user, password = quote(params["USER"]), quote(params["PASSWORD"] or "")
        yield f"postgres://{user}:{password}@{host}:{port}/{copy}"
        server.execute(f'DROP DATABASE "{copy}" WITH (FORCE)')


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def get(url):
    """(status, headers, body) of a GET, whatever the status."""
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.headers, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read().decode()


@pytest.fixture
def server(database_url, tmp_path):
    """gunicorn serving the demo site; yields (process, base URL, log file)."""
    port = free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "site_config.settings.production",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",
        "DATABASE_URL": database_url,
        "STATIC_ROOT": str(tmp_path / "static"),
        "MEDIA_ROOT": str(tmp_path / "media"),
        "BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": "2",
    }
    manage = [sys.executable, "manage.py"]
    # The two are independent: one writes the database, the other the static files.
    steps = [
        subprocess.Popen([*manage, "load_demo_content", "--if-empty"], cwd=ROOT, env=env),
        subprocess.Popen([*manage, "collectstatic", "--noinput", "-v", "0"], cwd=ROOT, env=env),
    ]
    assert [step.wait(timeout=120) for step in steps] == [0, 0]

    log = tmp_path / "gunicorn.log"
    with log.open("w") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "site_config/gunicorn.conf.py"]
            + ["site_config.wsgi"],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while process.poll() is None and time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"{base}/healthz/", timeout=5).close()
            break
        except OSError:
            time.sleep(0.1)
    else:
        process.kill()
        pytest.fail(f"gunicorn did not start:\n{log.read_text()}")
    yield process, base, log
    if process.poll() is None:
        process.kill()
        process.wait()


def test_gunicorn_serves_the_production_configuration_and_stops_cleanly(server):
    process, base, log = server

    status, _, body = get(f"{base}/healthz/")
    assert status == 200

    status, headers, home = get(f"{base}/")
    assert status == 200
    assert headers["X-Frame-Options"] == "DENY"  # production settings are in force
    assert "<h1" in home

    # The stylesheet under collectstatic's hashed name, from whitenoise, cached for good.
    stylesheet = re.search(r'href="(/static/css/site\.[0-9a-f]{12}\.css)"', home)
    assert stylesheet, "the home page links no hashed stylesheet"
    status, headers, css = get(base + stylesheet.group(1))
    assert status == 200
    assert headers["Content-Type"].startswith("text/css")
    assert "immutable" in headers["Cache-Control"]
    assert css.strip()

    # DEBUG is off: a missing page is the site's own 404 page, not Django's debug page.
    status, _, missing = get(f"{base}/no-such-page/")
    assert status == 404
    assert "We can’t find that page" in missing
    assert "URLconf" not in missing and "DEBUG = True" not in missing

    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=30) == 0
    output = log.read_text()
    assert "Shutting down: Master" in output
    assert "Traceback" not in output
