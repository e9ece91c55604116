"""Settings shared by every environment.

Every value that differs between machines is read from an environment variable,
declared once here with its type and default; dev.py, test.py and production.py
only change what they must.
"""

import os
import tempfile
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

PROJECT_DIR = Path(__file__).resolve().parent.parent
BASE_DIR = PROJECT_DIR.parent


def env_str(name, default=""):
    return os.environ.get(name, default)


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}")


def env_list(name, default=()):
    value = os.environ.get(name)
    if not value:
        return list(default)
    return [item.strip() for item in value.split(",") if item.strip()]


DEBUG = False
SECRET_KEY = env_str("SECRET_KEY")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS")

INSTALLED_APPS = [
    # Our apps come first so their templates (404, 500, block previews) win.
    "site_config",
    "home",
    "stories",
    "accolades",
    "search",
    "wagtail.contrib.settings",
    "wagtail.contrib.redirects",
    "wagtail.contrib.routable_page",
    "wagtail.contrib.sitemaps",
    "wagtail.contrib.search_promotions",
    "wagtail_modeladmin",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "django_filters",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "axes",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Content-Security-Policy and Permissions-Policy (site_config/security.py), on every
    # answer but static files: above the page cache, so pages from the cache get them too.
    "site_config.security.SecurityHeadersMiddleware",
    # Compresses HTML for clients that accept gzip. Above everything that reads or writes
    # the body, so it compresses last; below whitenoise, which serves static files already
    # compressed. Since Django 4.2 each response gets up to 100 random bytes in its gzip
    # header, so the size of a page no longer gives away its secrets (the CSRF token) to
    # a BREACH attack; Django masks that token anew on every response as well.
    "django.middleware.gzip.GZipMiddleware",
    # Anonymous visitors' pages from the cache. Below GZipMiddleware, so it stores bodies
    # as views write them (and compressed once besides, for clients that accept gzip);
    # above the session, CSRF and messages middleware, so it sees the cookies they set and
    # a hit runs none of them.
    "site_config.page_cache.PageCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    # An anonymous visitor's site and its root page from the cache (site_config/sites.py).
    "site_config.sites.SiteFromCacheMiddleware",
    # Each change made in the admin in one transaction, all of it or nothing
    # (site_config/atomic_admin.py). Below everything but django-axes, so it wraps the view.
    "site_config.atomic_admin.AtomicAdminChangesMiddleware",
    # Turns a refused login into the lockout page; last, as django-axes asks.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "site_config.urls"
WSGI_APPLICATION = "site_config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PROJECT_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "wagtail.contrib.settings.context_processors.settings",
            ],
        },
    },
]

# SQLite by default; DATABASE_URL switches to PostgreSQL (or anything dj-database-url reads).
DATABASES = {
    "default": dj_database_url.config(
        env="DATABASE_URL",
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(env_str("DATABASE_CONN_MAX_AGE", "0")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE transactions make concurrent writers (an editor publishing while the
    # search index updates) queue for the lock instead of failing with "database is locked".
    DATABASES["default"]["OPTIONS"] = {"transaction_mode": "IMMEDIATE", "timeout": 20}
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Wagtail's database search backend uses PostgreSQL full text search through this app.
    INSTALLED_APPS.append("django.contrib.postgres")

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Redis when REDIS_URL is set (production, several workers); local memory otherwise.
REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "site_config.redis_cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env_str("CACHE_KEY_PREFIX", "university"),
            # redis-py waits forever by default: a Redis that stops answering would hold
            # every worker. A cache answers in milliseconds or not at all, so a call fails
            # after a second instead. (A connection that Redis closed, on a restart, is
            # replaced by redis-py when it is next taken from the pool: no retry needed.)
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    CONTENT_GENERATION_FILE = None
    # Each worker keeps copies of the entries filed under the content's generation that it
    # has read from Redis, this many bytes at most (site_config.content_cache.LocalCopies).
    LOCAL_COPIES_BYTES = 8 * 1024 * 1024
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    # The cache is the process's own already.
    LOCAL_COPIES_BYTES = 0
    # Each process caches for itself, so the processes of one machine learn of a change
    # from this file instead (site_config/content_cache.py). Any path the server may write.
    CONTENT_GENERATION_FILE = env_str(
        "CONTENT_GENERATION_FILE",
        str(Path(tempfile.gettempdir()) / "university-site-content-generation"),
    )
# Anonymous visitors' pages are cached this many seconds, and a CDN may keep them as long
# between purges (site_config/page_cache.py); 0 turns the page cache off.
PAGE_CACHE_SECONDS = int(env_str("PAGE_CACHE_SECONDS", "300"))
if PAGE_CACHE_SECONDS < 0:
    raise ImproperlyConfigured("PAGE_CACHE_SECONDS must be 0 (off) or a number of seconds.")
# The pieces of pages kept until the content changes, and this long at most: what every
# visitor sees alike (bodies, a story below its header, the index's cards) and the pages
# an address leads through (site_config/content_cache.py). 0 turns them off: every page is
# then rendered whole (the benchmarks measure that); the site and the main menu, which
# routing and every page need, are still kept until the content changes.
FRAGMENT_CACHE_SECONDS = int(env_str("FRAGMENT_CACHE_SECONDS", "300"))
if FRAGMENT_CACHE_SECONDS < 0:
    raise ImproperlyConfigured("FRAGMENT_CACHE_SECONDS must be 0 (off) or a number of seconds.")

# A CDN or caching proxy in front of the site is purged through Wagtail's frontend cache
# backends: Cloudflare when its zone is set, and any cache that takes an HTTP PURGE of a
# page's address (Varnish and the like) when FRONTEND_CACHE_PURGE_URL is. Wagtail's app
# wagtail.contrib.frontend_cache is not installed: it adds only signal handlers that purge
# the published page alone, and its purge functions work without it.
WAGTAILFRONTENDCACHE = {}
if CLOUDFLARE_ZONE_ID := env_str("CLOUDFLARE_ZONE_ID"):
    if not env_str("CLOUDFLARE_BEARER_TOKEN"):
        # Purges run as background tasks, which log their errors rather than raise them:
        # without this check a missing token would only show as stale pages.
        raise ImproperlyConfigured("CLOUDFLARE_ZONE_ID needs CLOUDFLARE_BEARER_TOKEN.")
    WAGTAILFRONTENDCACHE["cloudflare"] = {
        "BACKEND": "wagtail.contrib.frontend_cache.backends.CloudflareBackend",
        "ZONEID": CLOUDFLARE_ZONE_ID,
        "BEARER_TOKEN": env_str("CLOUDFLARE_BEARER_TOKEN"),
    }
if FRONTEND_CACHE_PURGE_URL := env_str("FRONTEND_CACHE_PURGE_URL"):
    WAGTAILFRONTENDCACHE["http"] = {
        "BACKEND": "wagtail.contrib.frontend_cache.backends.HTTPBackend",
        "LOCATION": FRONTEND_CACHE_PURGE_URL,
    }

# Admin logins (Wagtail's /admin/login/) are counted by django-axes: after
# LOGIN_FAILURE_LIMIT failures at one account from one address, that account is refused
# from that address for LOGIN_COOLOFF_MINUTES, with a page that says so (429). Locking the
# account alone would let anyone lock an editor out; locking the address alone would lock
# every editor behind a campus's shared address because of one person's typos. A success
# before the limit starts the count afresh. `manage.py axes_reset_username <name>` unlocks.
AUTHENTICATION_BACKENDS = [
    "site_config.security.LoginLockoutBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_FAILURE_LIMIT = int(env_str("LOGIN_FAILURE_LIMIT", "5"))
LOGIN_COOLOFF_MINUTES = int(env_str("LOGIN_COOLOFF_MINUTES", "15"))
if AXES_FAILURE_LIMIT < 1 or LOGIN_COOLOFF_MINUTES < 1:
    raise ImproperlyConfigured("LOGIN_FAILURE_LIMIT and LOGIN_COOLOFF_MINUTES must be 1 or more.")
AXES_COOLOFF_TIME = timedelta(minutes=LOGIN_COOLOFF_MINUTES)
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "site_config.security.locked_out"
# The client's address behind TRUSTED_PROXY_COUNT proxies that append to X-Forwarded-For
# (load balancer, CDN); 0 trusts no header, as anyone can send one.
TRUSTED_PROXY_COUNT = int(env_str("TRUSTED_PROXY_COUNT", "0"))
AXES_CLIENT_IP_CALLABLE = "site_config.security.client_address"
# Only the failures the lockout needs are stored (and dropped after the cool-off), not a
# record of every editor's every login and address.
AXES_DISABLE_ACCESS_LOG = True

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = env_str("TIME_ZONE", "Asia/Hong_Kong")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "static_root")))
STATICFILES_DIRS = [PROJECT_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Wagtail
WAGTAIL_SITE_NAME = env_str("WAGTAIL_SITE_NAME", "University")
WAGTAILADMIN_BASE_URL = env_str("WAGTAILADMIN_BASE_URL", "http://127.0.0.1:8000")
# The database backend (SQLite FTS5, or PostgreSQL full text) unless OPENSEARCH_URL or
# ELASTICSEARCH_URL points to a cluster; `manage.py update_index` fills a new one.
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "search.backends"}}
if OPENSEARCH_URL := env_str("OPENSEARCH_URL"):
    WAGTAILSEARCH_BACKENDS["default"] = {
        "BACKEND": "wagtail.search.backends.opensearch2",
        "URLS": [OPENSEARCH_URL],
        "INDEX_PREFIX": env_str("SEARCH_INDEX_PREFIX", "university_"),
    }
elif ELASTICSEARCH_URL := env_str("ELASTICSEARCH_URL"):
    WAGTAILSEARCH_BACKENDS["default"] = {
        "BACKEND": "wagtail.search.backends.elasticsearch8",
        "URLS": [ELASTICSEARCH_URL],
        "INDEX_PREFIX": env_str("SEARCH_INDEX_PREFIX", "university_"),
    }
WAGTAIL_ENABLE_UPDATE_CHECK = False
WAGTAIL_GRAVATAR_PROVIDER_URL = None
# Uploaded images. Wagtail opens each upload with Willow and refuses, with a message, a
# file that is not an image, one whose content is not the format its extension says (a GIF
# named .jpg, HTML or SVG named .png), one over the size limit and one over the pixel limit
# (width x height x frames). No SVG: an SVG can carry scripts, and would be served from the
# site's own address.
WAGTAILIMAGES_EXTENSIONS = ["avif", "gif", "jpg", "jpeg", "png", "webp"]
WAGTAILIMAGES_MAX_UPLOAD_SIZE = 10 * 1024 * 1024
# 64 megapixels: more than most cameras' photos, far below what exhausts a worker's memory when
# renditions are made.
WAGTAILIMAGES_MAX_IMAGE_PIXELS = 64_000_000
# Wagtail's form, with the pixels read from the header before the image is decoded and
# broken image data refused with a message (site_config/uploads.py).
WAGTAILIMAGES_IMAGE_FORM_BASE = "site_config.uploads.ImageForm"
# Documents are checked by extension only: office documents, PDF and plain text, nothing a
# browser runs (no HTML, SVG, JavaScript). Wagtail serves them through its own view when
# they are stored on this machine (WAGTAILDOCS_SERVE_METHOD's default), as downloads but
# for PDF, with `Content-Security-Policy: default-src 'none'` and nosniff.
WAGTAILDOCS_EXTENSIONS = ["csv", "docx", "odt", "pdf", "pptx", "rtf", "txt", "xlsx"]
TAGGIT_CASE_INSENSITIVE = True

# Security headers. Django's own (SecurityMiddleware, XFrameOptionsMiddleware), in every
# configuration; production.py adds HSTS and secure cookies.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy of visitors' pages (site_config/security.py): the site's own files
# only. No public template has an inline script, event handler, <style> or style attribute;
# JSON-LD's <script type="application/ld+json"> is a data block, which browsers neither run
# nor check against script-src. Frames: the video services the embed block shows.
# Images from a bucket's domain are added by production.py.
CSP_EMBED_ORIGINS = env_list(
    "CSP_EMBED_ORIGINS", ["https://www.youtube.com", "https://player.vimeo.com"]
)
SECURE_CSP = {
    "default-src": ["'self'"],
    "img-src": ["'self'"],
    "frame-src": ["'self'", *CSP_EMBED_ORIGINS],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}
# The admin's (Wagtail needs its inline scripts and styles: see site_config/security.py).
# Its previews are framed by the admin itself, hence frame-ancestors 'self'.
SECURE_CSP_ADMIN = {
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'self'"],
}
# Browser features no page of the site uses, refused to it and to any frame in it; and no
# interest-based advertising (browsing-topics, and interest-cohort, its former name, which
# Chromium still reads). Fullscreen and autoplay stay allowed for embedded videos.
PERMISSIONS_POLICY = {
    feature: []
    for feature in (
        "accelerometer", "browsing-topics", "camera", "display-capture", "geolocation",
        "gyroscope", "hid", "interest-cohort", "magnetometer", "microphone", "midi", "payment",
        "serial", "usb", "xr-spatial-tracking",
    )
}  # fmt: skip
# A ranking or fact whose edition is older than this many years before the current one is
# listed under Reports → Claims to check (accolades/reports.py).
CLAIM_MAX_AGE_YEARS = 1
DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "WARNING")},
    # Background tasks (search and reference index updates) log their errors here
    # instead of raising them.
    "loggers": {"django_tasks": {"handlers": ["console"], "level": "WARNING"}},
}
