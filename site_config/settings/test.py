from .base import *  # noqa: F403
from .base import BASE_DIR

SECRET_KEY = "test-only-not-secret"
ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]
WAGTAILADMIN_BASE_URL = "http://testserver"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MEDIA_ROOT = BASE_DIR / "test-results" / "media"
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
