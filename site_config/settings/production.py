"""Production: everything from the environment, secure by default."""

from importlib.util import find_spec

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import ALLOWED_HOSTS, DATABASES, SECRET_KEY, SECURE_CSP, env_bool, env_str

if not SECRET_KEY:
    raise ImproperlyConfigured("SECRET_KEY must be set in the environment.")
if not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must be set (comma-separated host names).")

DEBUG = False

# Each worker keeps its database connection for a minute instead of opening one per
# request; base.py turns on the health check that replaces a connection gone stale.
DATABASES["default"]["CONN_MAX_AGE"] = int(env_str("DATABASE_CONN_MAX_AGE", "60"))

# The admin's address in moderation emails and links: the site's first host unless set.
WAGTAILADMIN_BASE_URL = env_str("WAGTAILADMIN_BASE_URL", f"https://{ALLOWED_HOSTS[0]}")
if WAGTAILADMIN_BASE_URL.startswith(("https://.", "https://*")):
    raise ImproperlyConfigured(
        "WAGTAILADMIN_BASE_URL must be set when the first of ALLOWED_HOSTS is a pattern."
    )

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Hashed names (site.3f2a1b.css) that whitenoise serves with a ten-year, immutable
    # Cache-Control, and gzip copies it sends to browsers that accept them. Needs
    # `manage.py collectstatic` before the server starts.
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# Uploaded images and documents go to an S3-compatible bucket when one is named, so that
# app servers keep no state. django-storages and boto3 read AWS_ACCESS_KEY_ID and
# AWS_SECRET_ACCESS_KEY from the environment themselves (or use the machine's role).
if AWS_STORAGE_BUCKET_NAME := env_str("AWS_STORAGE_BUCKET_NAME"):
    if not (find_spec("storages") and find_spec("boto3")):
        raise ImproperlyConfigured(
            "AWS_STORAGE_BUCKET_NAME is set but django-storages and boto3 are not "
            "installed: pip install '.[s3]'."
        )
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": AWS_STORAGE_BUCKET_NAME,
            "endpoint_url": env_str("AWS_S3_ENDPOINT_URL") or None,
            "region_name": env_str("AWS_S3_REGION_NAME") or None,
            "custom_domain": env_str("AWS_S3_CUSTOM_DOMAIN") or None,
            # Plain, lasting addresses: signed ones expire after an hour, and cached
            # pages would keep showing images through links that no longer work.
            "querystring_auth": False,
            # Two uploads of "photo.jpg" must not replace each other: Wagtail relies on
            # the storage to give the second one a new name.
            "file_overwrite": False,
        },
    }
    # Images are then shown from the bucket's address: the Content-Security-Policy allows
    # it. Without a custom domain that address depends on the service and its addressing
    # style, so any HTTPS image is allowed (scripts and frames stay the site's own).
    custom_domain = env_str("AWS_S3_CUSTOM_DOMAIN")
    SECURE_CSP["img-src"].append(f"https://{custom_domain}" if custom_domain else "https:")

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
# Load balancers check app servers over plain HTTP: a redirect would read as a failure.
SECURE_REDIRECT_EXEMPT = [r"^healthz/$"]
SECURE_HSTS_SECONDS = int(env_str("SECURE_HSTS_SECONDS", "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
if not SECURE_HSTS_PRELOAD:
    # Preloading binds every subdomain of the university's domain to HTTPS in browsers for
    # months: a decision for whoever runs the domain, opted into with SECURE_HSTS_PRELOAD.
    SILENCED_SYSTEM_CHECKS = ["security.W021"]
SESSION_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_SECURE = True
CSRF_COOKIE_HTTPONLY = True
