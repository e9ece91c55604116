import os
import tempfile
from pathlib import Path

from .base import *  # noqa: F403
from .base import BASE_DIR

SECRET_KEY = "test-only-not-secret"
ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]
WAGTAILADMIN_BASE_URL = "http://testserver"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MEDIA_ROOT = BASE_DIR / "test-results" / "media"
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# The content generation's file for this test run alone: another run on the machine (or a
# server started with `make run`) changing its own generation must not empty this run's
# cache between the requests a test counts. tests/conftest.py removes it at the end.
# (A process a test starts is given the run's file in the environment.)
CONTENT_GENERATION_FILE = os.environ.get("CONTENT_GENERATION_FILE") or str(
    Path(tempfile.gettempdir()) / f"university-tests-content-generation-{os.getpid()}"
)
