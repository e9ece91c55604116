"""Pages run the same number of SQL queries with 10 stories as with 200 (DESIGN.md: "Listing
and home pages use a fixed number of SQL queries however many stories exist")."""

import io

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from stories.models import StoryPage

pytestmark = pytest.mark.django_db

PAGES = {
    "home page": lambda story: "/",
    "story index": lambda story: "/news/",
    "story page": lambda story: story.url,
    # A word of synthetic bodies only, so that every hit is a story at either size: the
    # search page runs a query for each page type among its hits (at most a handful).
    "search": lambda story: "/search/?q=methodology",
}


def grow_to(count):
    """Add synthetic stories until the site has `count` stories."""
    missing = count - StoryPage.objects.count()
    call_command("generate_stories", count=missing, stdout=io.StringIO())
    assert StoryPage.objects.count() == count


def captured_queries(client, url):
    # The first request fills the caches (site root paths, settings) at either size alike.
    assert client.get(url).status_code == 200
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return [query["sql"] for query in captured]


def what_grew(fewer, more):
    """The queries of the bigger site that the smaller one did not run as often."""
    shapes = {}
    for sql in more:
        shapes[sql[:160]] = shapes.get(sql[:160], 0) + 1
    for sql in fewer:
        shapes[sql[:160]] = shapes.get(sql[:160], 0) - 1
    return "\n".join(f"{n:+d} x {shape}" for shape, n in shapes.items() if n)


@pytest.mark.parametrize("page", PAGES)
def test_queries_do_not_grow_with_the_number_of_stories(page, demo_site, client):
    grow_to(10)
    # A demo story: the same page at both sizes, its neighbours and related stories aside.
    story = StoryPage.objects.order_by("path").first()
    url = PAGES[page](story)
    with_10 = captured_queries(client, url)
    grow_to(200)
    with_200 = captured_queries(client, url)

    print(f"{page} ({url}): {len(with_10)} queries with 10 stories, {len(with_200)} with 200")
    assert len(with_200) == len(with_10), what_grew(with_10, with_200)
