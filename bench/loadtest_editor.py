"""The editor of the load test (bench/loadtest.py), in a process of its own.

Run as `python -m bench.loadtest_editor <site URL> <seconds> <every>` with the server's
environment (the same settings, database and cache). Once ready it prints "ready", and
from then on, every `every` seconds for `seconds`, it adds a story under the story index and
publishes it as an editor does (save_revision().publish(), through the same database and
cache as the server, so the server learns of it only as it would of a publication in the
admin), then asks the home page and the story index through the server, as an anonymous
visitor, until the new story's title is on them. Prints one line of JSON: for each
publication, how long the publication took, how long after it the story showed on each
page (null: not within POLL_LIMIT_SECONDS), how many of those requests failed and how
many were answered without the story (stale).
"""

import json
import os
import sys
import time
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "site_config.settings.production")
django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.contrib.auth.models import Group  # noqa: E402
from django.utils import timezone  # noqa: E402

from home.management.commands.ensure_roles import MODERATORS  # noqa: E402
from stories.models import StoryIndexPage, StoryPage  # noqa: E402

POLL_LIMIT_SECONDS = 30
# Between two requests for a page that does not show the story yet: short beside the one
# second that a story may take to show, long enough not to add much to the load.
POLL_PAUSE_SECONDS = 0.02
# The last publication comes at least this long before the load ends, to be seen under it.
LOAD_AFTER_LAST_PUBLICATION_SECONDS = 2


def publish(index, editor, number, run_id):
    """A new story, published; its title. Dated today, it is the newest story, so it heads
    the home page's latest stories and the index's first page."""
    title = f"[Synthetic] Load test story {number} of run {run_id}"
    story = StoryPage(
        title=title,
        slug=f"load-test-{run_id}-{number}",
        intro="A synthetic story published during the load test.",
        date=timezone.localdate(),
        # As the admin creates a page: a draft first, then its revision is published.
        live=False,
    )
    index.add_child(instance=story)
    story.save_revision(user=editor, log_action=True).publish(user=editor)
    return title


def seconds_until_shown(url, title, published_at):
    """Seconds from the publication to the first answer of `url` that shows `title` (None:
    not within the limit), how many of the answers were errors, and how many did not show
    it: every request is sent after the publication, so each of those was stale."""
    errors = stale = 0
    while time.monotonic() - published_at < POLL_LIMIT_SECONDS:
        try:
            with urllib.request.urlopen(url, timeout=POLL_LIMIT_SECONDS) as response:
                if title in response.read().decode():
                    return time.monotonic() - published_at, errors, stale
                stale += 1
        except OSError:  # urllib's HTTPError and URLError among them
            errors += 1
        time.sleep(POLL_PAUSE_SECONDS)
    return None, errors, stale


def main():
    site_url, seconds, every = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
    index = StoryIndexPage.objects.get()
    pages = {"home": f"{site_url}/", "index": f"{site_url}{index.url}"}
    # A moderator: editors of the Editors group submit stories for review, not publish them.
    editor, _ = get_user_model().objects.get_or_create(username="loadtest-editor")
    editor.groups.add(Group.objects.get(name=MODERATORS))
    run_id = uuid.uuid4().hex[:6]
    publications = []
    # The load starts now (bench/loadtest.py waits for this line).
    print("ready", flush=True)
    load_ends_at = time.monotonic() + seconds
    with ThreadPoolExecutor(len(pages)) as pool:
        while time.monotonic() + every + LOAD_AFTER_LAST_PUBLICATION_SECONDS <= load_ends_at:
            time.sleep(every)
            started = time.monotonic()
            title = publish(index, editor, len(publications) + 1, run_id)
            published_at = time.monotonic()
            polls = pool.map(
                seconds_until_shown,
                pages.values(),
                [title] * len(pages),
                [published_at] * len(pages),
            )
            publication = {
                "publish_seconds": published_at - started,
                "poll_errors": 0,
                "stale_answers": 0,
            }
            for page, (seconds_to_show, errors, stale) in zip(pages, polls, strict=True):
                publication[page] = seconds_to_show
                publication["poll_errors"] += errors
                publication["stale_answers"] += stale
            publications.append(publication)
    print(json.dumps(publications))


if __name__ == "__main__":
    main()
