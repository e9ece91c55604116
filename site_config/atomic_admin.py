"""Every change an editor makes in the admin is written whole or not at all.

Wagtail's page create view writes the page's row (add_child), then its revision, then
publishes it, each step in a transaction of its own; its edit view publishes the same
way. An error in between (the database, a signal receiver) would leave a page in the tree
without its revision, live when the editor chose Publish, or a new version live although
the editor was shown an error.

Django's ATOMIC_REQUESTS would run every view in a transaction, the visitors' pages too:
a transaction begun for every page view, and on SQLite, where transactions begin
IMMEDIATE (site_config/settings/base.py), every visitor's request would wait its turn for
the write lock. So only the admin's requests that may change something (any method but
GET, HEAD and OPTIONS) run in one transaction, rolled back when the answer is a server
error. A slow admin request then holds its transaction (and on SQLite the write lock)
until it ends.
"""

from django.db import transaction
from django.urls import reverse

READ_ONLY_METHODS = {"GET", "HEAD", "OPTIONS"}


class AtomicAdminChangesMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method in READ_ONLY_METHODS or not request.path.startswith(
            reverse("wagtailadmin_home")
        ):
            return self.get_response(request)
        with transaction.atomic():
            response = self.get_response(request)
            # Django has turned the view's exception into this answer already (at every
            # middleware), so no exception leaves the block to roll it back.
            if response.status_code >= 500:
                transaction.set_rollback(True)
        return response
