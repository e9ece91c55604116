"""Production: settings from the environment only, the deployment checks, media in a bucket,
CDN purging, gzip, the health check and far-future caching of static files.

Settings are read once per process, so each configuration is tried in a fresh interpreter
with its own environment."""

import gzip
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION = {
    "SECRET_KEY": "a-very-long-random-secret-key-for-this-test-only-0123456789abcdef",
    "ALLOWED_HOSTS": "www.example.edu",
}
# Variables this project reads (by prefix): each test starts from an environment without them.
OWN_VARIABLES = (
    "DJANGO_SETTINGS_MODULE", "SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_", "REDIS_URL",
    "WAGTAILADMIN_", "AWS_", "CLOUDFLARE_", "FRONTEND_CACHE_", "STATIC_ROOT", "SECURE_",
    "OPENSEARCH_URL", "ELASTICSEARCH_URL", "LOGIN_", "TRUSTED_PROXY_COUNT", "CSP_",
)  # fmt: skip
TEN_YEARS = 10 * 365 * 24 * 60 * 60


def run(args, settings="production", **env):
    environment = {k: v for k, v in os.environ.items() if not k.startswith(OWN_VARIABLES)}
    environment.update(DJANGO_SETTINGS_MODULE=f"site_config.settings.{settings}", **env)
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=environment, capture_output=True, text=True,
        timeout=120,
    )  # fmt: skip


def in_fresh_process(code, *args, settings="production", **env):
    """What `code` prints as JSON in a new interpreter with these settings and variables;
    `json` and Django's `settings` are imported for it."""
    prelude = "import json\nfrom django.conf import settings\n"
    result = run(["-c", prelude + code, *args], settings, **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def production_settings(*names, **env):
    """The named settings as a process with the production settings and `env` has them."""
    code = f"print(json.dumps({{name: getattr(settings, name) for name in {names!r}}}))"
    return in_fresh_process(code, **{**PRODUCTION, **env})


def production_responses(requests, **env):
    """Status and headers of each (path, secure, headers) request, sent through the test
    client in a process with the production settings and these variables."""
    code = (
        "import sys, django\ndjango.setup()\nfrom django.test import Client\nresponses = []\n"
        "for path, secure, headers in json.loads(sys.argv[1]):\n"
        "    response = Client().get(path, secure=secure, headers=headers)\n"
        "    responses.append([response.status_code, dict(response.headers)])\n"
        "print(json.dumps(responses))"
    )
    env = {**PRODUCTION, "ALLOWED_HOSTS": "www.example.edu,testserver", **env}
    return in_fresh_process(code, json.dumps(requests), **env)


def test_production_refuses_to_start_without_a_secret_key():
    result = run(["manage.py", "check"], ALLOWED_HOSTS="www.example.edu")
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_production_refuses_to_start_without_allowed_hosts():
    result = run(["manage.py", "check"], SECRET_KEY=PRODUCTION["SECRET_KEY"])
    assert result.returncode != 0
    assert "ALLOWED_HOSTS must be set" in result.stderr


def test_production_passes_the_deployment_checks():
    result = run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        **PRODUCTION,
        DATABASE_URL="postgres://university@db.internal:5432/university",
        REDIS_URL="redis://cache.internal:6379/0",
        CLOUDFLARE_ZONE_ID="zone",
        CLOUDFLARE_BEARER_TOKEN="token",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_defaults():
    found = production_settings(
        "DEBUG", "DATABASES", "CACHES", "WAGTAILADMIN_BASE_URL", "STORAGES",
        "WAGTAILSEARCH_BACKENDS", "WAGTAILFRONTENDCACHE",
    )  # fmt: skip
    assert found["DEBUG"] is False
    database = found["DATABASES"]["default"]
    assert database["ENGINE"] == "django.db.backends.sqlite3"
    assert database["CONN_MAX_AGE"] == 60
    assert database["CONN_HEALTH_CHECKS"] is True
    assert found["CACHES"]["default"]["BACKEND"] == (
        "django.core.cache.backends.locmem.LocMemCache"
    )
    assert found["WAGTAILADMIN_BASE_URL"] == "https://www.example.edu"
    assert found["STORAGES"] == {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    assert found["WAGTAILSEARCH_BACKENDS"] == {"default": {"BACKEND": "search.backends"}}
    assert found["WAGTAILFRONTENDCACHE"] == {}


def test_production_services_from_the_environment():
    found = production_settings(
        "DATABASES", "CACHES", "WAGTAILADMIN_BASE_URL", "WAGTAILSEARCH_BACKENDS",
        DATABASE_URL="postgres://university:pw@db.internal:5432/university",
        DATABASE_CONN_MAX_AGE="300",
        REDIS_URL="redis://cache.internal:6379/2",
        WAGTAILADMIN_BASE_URL="https://cms.example.edu",
        OPENSEARCH_URL="https://search.internal:9200",
    )  # fmt: skip
    database = found["DATABASES"]["default"]
    assert database["ENGINE"] == "django.db.backends.postgresql"
    assert (database["HOST"], database["NAME"]) == ("db.internal", "university")
    assert database["CONN_MAX_AGE"] == 300
    cache = found["CACHES"]["default"]
    assert cache["BACKEND"] == "site_config.redis_cache.RedisCache"
    assert cache["LOCATION"] == "redis://cache.internal:6379/2"
    # A Redis that stops answering costs a request a second, not a worker for ever.
    assert cache["OPTIONS"] == {"socket_connect_timeout": 1, "socket_timeout": 1}
    assert found["WAGTAILADMIN_BASE_URL"] == "https://cms.example.edu"
    search = found["WAGTAILSEARCH_BACKENDS"]["default"]
    assert search["BACKEND"] == "wagtail.search.backends.opensearch2"
    assert search["URLS"] == ["https://search.internal:9200"]


def test_admin_address_is_required_when_the_first_host_is_a_pattern():
    result = run(["manage.py", "check"], **{**PRODUCTION, "ALLOWED_HOSTS": ".example.edu"})
    assert result.returncode != 0
    assert "WAGTAILADMIN_BASE_URL must be set" in result.stderr


BUCKET = {
    "AWS_STORAGE_BUCKET_NAME": "university-media",
    "AWS_S3_ENDPOINT_URL": "https://objects.example.net",
    "AWS_S3_REGION_NAME": "eu-central-1",
    "AWS_S3_CUSTOM_DOMAIN": "media.example.edu",
}


def test_media_go_to_the_bucket_when_one_is_named(tmp_path):
    # Settings only name the storage class, so empty stand-ins for the [s3] extra's
    # packages are enough to choose it; the real ones need not be installed here.
    for package in ("storages", "boto3"):
        (tmp_path / package).mkdir()
        (tmp_path / package / "__init__.py").touch()
    storages = production_settings("STORAGES", **BUCKET, PYTHONPATH=str(tmp_path))["STORAGES"]
    assert storages["default"] == {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": "university-media",
            "endpoint_url": "https://objects.example.net",
            "region_name": "eu-central-1",
            "custom_domain": "media.example.edu",
            "querystring_auth": False,
            "file_overwrite": False,
        },
    }
    # Static files stay with whitenoise.
    assert storages["staticfiles"]["BACKEND"].startswith("whitenoise.")


def test_a_bucket_without_the_s3_extra_stops_the_start_with_a_clear_error():
    # Hide the packages, whether or not this machine has them.
    code = (
        "import sys\nsys.modules.update(storages=None, boto3=None)\nimport django\ndjango.setup()"
    )
    result = run(["-c", code], **PRODUCTION, **BUCKET)
    assert result.returncode != 0
    assert "ImproperlyConfigured: AWS_STORAGE_BUCKET_NAME is set but django-storages" in (
        result.stderr
    )


def test_cdn_purging_is_configured_from_the_environment():
    backends = in_fresh_process(
        "from wagtail.contrib.frontend_cache.utils import get_backends\n"
        "print(json.dumps({name: [type(backend).__name__, vars(backend)]"
        " for name, backend in get_backends().items()}))",
        settings="test",
        CLOUDFLARE_ZONE_ID="0123abcd",
        CLOUDFLARE_BEARER_TOKEN="secret-token",
        FRONTEND_CACHE_PURGE_URL="http://127.0.0.1:6081",
    )
    cloudflare_class, cloudflare = backends["cloudflare"]
    assert cloudflare_class == "CloudflareBackend"
    assert cloudflare["cloudflare_zoneid"] == "0123abcd"
    assert cloudflare["cloudflare_token"] == "secret-token"
    http_class, http = backends["http"]
    assert http_class == "HTTPBackend"
    assert (http["cache_scheme"], http["cache_netloc"]) == ("http", "127.0.0.1:6081")


def test_a_cloudflare_zone_without_a_token_stops_the_start():
    result = run(["manage.py", "check"], settings="test", CLOUDFLARE_ZONE_ID="0123abcd")
    assert result.returncode != 0
    assert "CLOUDFLARE_ZONE_ID needs CLOUDFLARE_BEARER_TOKEN" in result.stderr


@pytest.mark.django_db
def test_pages_are_gzipped_for_browsers_that_accept_it(client, home_page):
    plain = client.get("/")
    assert plain.status_code == 200
    assert "Content-Encoding" not in plain
    assert b"</html>" in plain.content

    compressed = client.get("/", headers={"accept-encoding": "gzip, deflate, br"})
    assert compressed["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in compressed["Vary"]
    assert len(compressed.content) < len(plain.content) / 2
    assert gzip.decompress(compressed.content) == plain.content


@pytest.mark.django_db
def test_health_check_answers_without_database_or_session(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/healthz/")
    assert response.status_code == 200
    assert response.content == b"ok"
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert "no-store" in response["Cache-Control"]
    # No session was read (it would add Vary: Cookie) nor written.
    assert "Cookie" not in response.get("Vary", "")
    assert not response.cookies
    assert client.post("/healthz/").status_code == 405


def test_workers_inherit_the_urls_and_the_cache_backend_from_gunicorns_master():
    """gunicorn loads the application in its master before forking (preload_app) and
    replaces each worker after GUNICORN_MAX_REQUESTS requests: what the application imports
    as it loads, a new worker has at once instead of importing it at its first request."""
    code = (
        "import sys\nfrom site_config.wsgi import application\n"
        "print(json.dumps({name: name in sys.modules for name in sys.argv[1:]}))"
    )
    modules = ["site_config.urls", "wagtail.admin.urls", "site_config.redis_cache", "redis"]
    imported = in_fresh_process(code, *modules, **PRODUCTION, REDIS_URL="redis://127.0.0.1:6379/15")
    assert imported == dict.fromkeys(modules, True)


def test_production_serves_hashed_static_files_for_ten_years(tmp_path):
    collected = run(
        ["manage.py", "collectstatic", "--noinput"], **PRODUCTION, STATIC_ROOT=str(tmp_path)
    )
    assert collected.returncode == 0, collected.stderr
    hashed = json.loads((tmp_path / "staticfiles.json").read_text())["paths"]["css/site.css"]
    assert hashed != "css/site.css"

    (status, headers), (_, gzipped), (_, unhashed) = production_responses(
        [
            [f"/static/{hashed}", True, {}],
            [f"/static/{hashed}", True, {"accept-encoding": "gzip"}],
            ["/static/css/site.css", True, {}],
        ],
        STATIC_ROOT=str(tmp_path),
    )
    assert status == 200
    assert headers["Cache-Control"] == f"max-age={TEN_YEARS}, public, immutable"
    assert gzipped["Content-Encoding"] == "gzip"
    # A name without its hash may change content at any time: browsers ask again soon.
    assert unhashed["Cache-Control"] == "max-age=60, public"


def test_production_health_check_answers_plain_http():
    """Load balancers check app servers over plain HTTP; visitors are sent to HTTPS."""
    (health, _), (page, headers) = production_responses(
        [["/healthz/", False, {}], ["/", False, {}]]
    )
    assert health == 200
    assert page == 301
    assert headers["Location"] == "https://testserver/"


def test_production_cookies_are_secure_and_http_only():
    found = production_settings(
        "SESSION_COOKIE_SECURE", "SESSION_COOKIE_HTTPONLY", "CSRF_COOKIE_SECURE",
        "CSRF_COOKIE_HTTPONLY",
    )  # fmt: skip
    assert all(found.values()), found


def test_production_answers_carry_the_security_headers():
    (status, headers), (_, robots) = production_responses(
        [["/healthz/", True, {}], ["/robots.txt", True, {}]]
    )
    assert status == 200
    for answer in (headers, robots):
        assert answer["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
        assert answer["X-Frame-Options"] == "DENY"
        assert answer["X-Content-Type-Options"] == "nosniff"
        assert answer["Referrer-Policy"] == "strict-origin-when-cross-origin"
        assert answer["Cross-Origin-Opener-Policy"] == "same-origin"
        assert "camera=()" in answer["Permissions-Policy"]
        policy = answer["Content-Security-Policy"]
        assert policy.startswith("default-src 'self'; img-src 'self'; ")
        assert "frame-ancestors 'none'" in policy
        assert "unsafe-inline" not in policy and "unsafe-eval" not in policy


def test_security_settings_from_the_environment():
    found = production_settings(
        "SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS", "AXES_FAILURE_LIMIT",
        "LOGIN_COOLOFF_MINUTES", "TRUSTED_PROXY_COUNT", "SECURE_CSP",
        SECURE_HSTS_SECONDS="600", SECURE_HSTS_INCLUDE_SUBDOMAINS="false",
        LOGIN_FAILURE_LIMIT="10", LOGIN_COOLOFF_MINUTES="60", TRUSTED_PROXY_COUNT="2",
        CSP_EMBED_ORIGINS="https://www.youtube-nocookie.com",
    )  # fmt: skip
    assert found["SECURE_HSTS_SECONDS"] == 600
    assert found["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is False
    assert (found["AXES_FAILURE_LIMIT"], found["LOGIN_COOLOFF_MINUTES"]) == (10, 60)
    assert found["TRUSTED_PROXY_COUNT"] == 2
    assert found["SECURE_CSP"]["frame-src"] == ["'self'", "https://www.youtube-nocookie.com"]


def test_a_login_limit_of_zero_stops_the_start():
    result = run(["manage.py", "check"], **PRODUCTION, LOGIN_FAILURE_LIMIT="0")
    assert result.returncode != 0
    assert "LOGIN_FAILURE_LIMIT and LOGIN_COOLOFF_MINUTES must be 1 or more" in result.stderr


@pytest.mark.parametrize(
    "custom_domain, image_source",
    [("media.example.edu", "https://media.example.edu"), ("", "https:")],
)
def test_images_from_a_bucket_are_allowed_by_the_policy(tmp_path, custom_domain, image_source):
    for package in ("storages", "boto3"):
        (tmp_path / package).mkdir()
        (tmp_path / package / "__init__.py").touch()
    bucket = {**BUCKET, "AWS_S3_CUSTOM_DOMAIN": custom_domain}
    policy = production_settings("SECURE_CSP", **bucket, PYTHONPATH=str(tmp_path))["SECURE_CSP"]
    assert policy["img-src"] == ["'self'", image_source]
    # Scripts still come from the site alone.
    assert policy["default-src"] == ["'self'"]
