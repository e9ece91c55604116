from .base import *  # noqa: F403
from .base import env_str

DEBUG = True
# A development key only: production.py refuses to start without SECRET_KEY.
SECRET_KEY = env_str("SECRET_KEY", "dev-only-not-secret-7c1f0b8e")
ALLOWED_HOSTS = ["localhost", "127.0.0.1", "[::1]"]
EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
