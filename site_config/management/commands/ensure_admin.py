"""Create the first admin login, once.

The password comes from DJANGO_SUPERUSER_PASSWORD, or is generated and printed once:
it is never stored anywhere but as Django's password hash.
"""

import os
import secrets

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Create the superuser 'admin' when the site has no superuser yet."

    def add_arguments(self, parser):
        parser.add_argument("--username", default="admin")

    def handle(self, *args, username, **options):
        User = get_user_model()
        if User.objects.filter(is_superuser=True).exists():
            self.stdout.write("An admin login exists already: no new login created.")
            return
        password = os.environ.get("DJANGO_SUPERUSER_PASSWORD") or secrets.token_urlsafe(12)
        User.objects.create_superuser(username=username, email="", password=password)
        self.stdout.write(self.style.SUCCESS("Created the admin login:"))
        self.stdout.write(f"    user:     {username}")
        if "DJANGO_SUPERUSER_PASSWORD" in os.environ:
            self.stdout.write("    password: the value of DJANGO_SUPERUSER_PASSWORD")
        else:
            self.stdout.write(f"    password: {password}")
            self.stdout.write("Write it down: it is shown only this once.")
