"""Every public page runs a fixed number of SQL queries, and no more than 12 (DESIGN.md:
"Listing and home pages use a fixed number of SQL queries however many stories exist"); the
search on PostgreSQL runs more, in its backend (SEARCH_PLANNING).

Each page is counted on a small site and on a large one: 10 and 200 stories (besides the
demo's three), every story with a hero image, 2 and 12 different images among them, 2 and 20
awards to people with a photo each, 1 and 4 images in a body. Counted with a cold cache
(tests.conftest.cold_queries): the first request after a publication, which reads again the
lists kept until the content changes (the menu, the index's counts and tags, Wagtail's site
paths). A first request before counting makes the images' renditions, as a page's first
visitor does; the counted one writes nothing.
"""

import io
import math
import uuid

import pytest
from django.core.management import call_command
from django.db import connection
from wagtail.models import PageViewRestriction

from accolades.models import Award, Person
from home.models import ContentPage, HomePage
from stories.management import synthetic
from stories.models import NEWEST_FIRST, STORIES_PER_PAGE, StoryCategory, StoryPage
from tests.conftest import cold_queries
from tests.test_images import make_image

pytestmark = pytest.mark.django_db

MOST_QUERIES = 12
# On PostgreSQL the search backend chooses the plan of its window of newest matches itself
# (search.backends.newest_entry_ids, not to be changed here): one EXPLAIN for the planner's
# two estimates, one statement setting two planner settings for the query, and one putting
# them back, in a caller's transaction such as a test's (outside a test, the query's own
# transaction ends them, and the page runs two more, not three).
SEARCH_PLANNING = 3 if connection.vendor == "postgresql" else 0

# Every page Wagtail serves runs these, in this order or interleaved with its own:
#   1. the site for the request's host, with its root page (Site.find_for_request),
#   2. the root page as a HomePage, where Wagtail's routing starts,
#   3. below the home page: the home page's children, each with the row of its own type,
#      and whether any page at all is private (HomePage.child_for_route); the main menu
#      and the story feeds take the live, public ones,
#   4. for a story: the story, with its category, its hero image and the dates its lists
#      start at (StoryIndexPage.child_for_route, StoryPage.for_route),
#   5. the site settings (header, footer, metadata),
#   6. every site's root path, for page addresses (Site.get_site_root_paths),
#   and for the home page itself, which no route reads the children of:
#   7. the privacy restrictions, to check the page's (SitePage.get_view_restrictions),
#   8. its live children, for the main menu and the story feeds.
# That is 6 queries for the home page, 5 for a page under it and 6 for a story; each
# page's own queries come on top. Were any page private, Wagtail's own check of the
# page's restrictions would add two or three (test_a_private_page_anywhere...).
BUDGET = {
    # 6, then: the latest stories section's "more stories" link (its PageChooserBlock),
    # the date of the 100th newest story (StoryPageQuerySet.newest; kept until the content
    # changes), the 3 newest stories as cards, their hero images' renditions; the accolades
    # section's awards with their people and photos (its ListBlock of AwardChooserBlocks,
    # read in bulk), the photos' renditions.
    "home": 12,
    # 5, then: the index's counts of stories by category and month (its categories and
    # years, the number of stories and the date the page starts at), its tags, the page's
    # stories as cards (their ids sorted in a subquery), their hero images' renditions.
    "index": 9,
    "index, middle page": 9,
    "index, last page": 9,
    "index, by category": 9,
    "index, by year": 9,
    # The same and the number of the tag's stories, which the counts by month do not hold.
    "index, by tag": 10,
    # 6, then: the story's tags, its related stories as cards, its previous and next
    # stories (one query), the renditions of its hero image and of the related stories'
    # images (one query: StoryPage.get_context). The lists, like the story itself, are
    # read in SQL written out (StoryPage.related, .neighbours, .for_route).
    "story": 10,
    # The same, and the images of the body, and their renditions (CaptionedImageBlock).
    "story, images in its body": 12,
    # 5, then: every award with its person and photo, the photos' renditions.
    "accolades": 7,
    # 5, then: the images of the body, their renditions, the pages under it for its menu.
    "content page": 8,
    # Not a page of Wagtail's: the privacy restrictions, the site, three queries of the
    # search backend (search.backends.best_matches: the window of the newest matches, the
    # ranked matches, the site's live pages among them; a fourth, the content types, once
    # a process), the category and year of every matching story, the stories of this page
    # of results with their categories, the hit logged for the admin's popular searches
    # (one UPDATE), the editors' promoted results, the site settings, the site paths, the
    # main menu. See SEARCH_PLANNING for PostgreSQL.
    "search": 12 + SEARCH_PLANNING,
}
INDEX_PAGES = [page for page in BUDGET if page.startswith("index")]


@pytest.fixture(autouse=True)
def no_page_cache(settings):
    # A cached page answers with no query at all (tests/test_page_cache.py): here the page
    # itself is measured.
    settings.PAGE_CACHE_SECONDS = 0


@pytest.fixture
def site(demo_site):
    """The demo site, its middle story filed and tagged so that it has related stories."""
    story = middle_demo_story()
    # Every synthetic story has this tag: three of them are related at either size.
    story.tags.add(synthetic.SYNTHETIC_TAG)
    story.category = StoryCategory.objects.create(name="Medicine")
    story.save_revision().publish()
    return demo_site


def middle_demo_story():
    return StoryPage.objects.exclude(title__startswith=synthetic.TITLE_PREFIX).order_by(
        *NEWEST_FIRST
    )[1]


def grow_to(count):
    """Add synthetic stories until the site has this many besides the demo's three, and
    give every story a hero image, taking turns among a few different images."""
    synthetic_stories = StoryPage.objects.filter(title__startswith=synthetic.TITLE_PREFIX)
    call_command("generate_stories", count=count - synthetic_stories.count(), stdout=io.StringIO())
    images = [make_image(f"Hero {n}", size=(480, 270)) for n in range(2 if count < 100 else 12)]
    for n, pk in enumerate(StoryPage.objects.order_by(*NEWEST_FIRST).values_list("pk", flat=True)):
        StoryPage.objects.filter(pk=pk).update(hero_image=images[n % len(images)])


def give_awards(count):
    """Exactly this many awards, each to a person with a photo of their own, all of them
    chosen for the home page's accolades section."""
    Award.objects.all().delete()
    awards = [
        Award.objects.create(
            person=Person.objects.create(
                name=f"Person {n}", photo=make_image(f"Photo {n}", size=(240, 240))
            ),
            title=f"Award {n}",
            year=2025,
        )
        for n in range(count)
    ]
    home = HomePage.objects.get()
    body = list(home.body.raw_data)
    for block in body:
        if block["type"] == "accolades":
            block["value"]["awards"] = [item(award.pk) for award in awards]
    home.body = body
    home.save_revision().publish()


def item(value):
    return {"type": "item", "value": value, "id": str(uuid.uuid4())}


def body_with_images(count):
    """A body of a paragraph and `count` images, as StreamField data."""
    blocks = [{"type": "paragraph", "value": "<p>A paragraph.</p>", "id": str(uuid.uuid4())}]
    for n in range(count):
        image = {"image": make_image(f"Body {n}", size=(640, 480)).pk, "alt_text": "A lab"}
        value = {"image": {**image, "decorative": False}, "caption": ""}
        blocks.append({"type": "image", "value": value, "id": str(uuid.uuid4())})
    return blocks


def index_urls():
    """Each kind of index page, as the site now is. The filters are the newest synthetic
    story's, which the same stories have at either size (generate_stories is seeded)."""
    newest = (
        StoryPage.objects.filter(title__startswith=synthetic.TITLE_PREFIX)
        .order_by(*NEWEST_FIRST)
        .first()
    )
    pages = math.ceil(StoryPage.objects.count() / STORIES_PER_PAGE)
    return {
        "index": "/news/",
        "index, middle page": f"/news/?page={(pages + 1) // 2}",
        "index, last page": f"/news/?page={pages}",
        "index, by category": f"/news/category/{newest.category.slug}/",
        "index, by year": f"/news/{newest.date.year}/",
        "index, by tag": f"/news/tag/{synthetic.SYNTHETIC_TAG}/",
    }


def counted(client, url):
    """The queries of a GET of url, cold, after a first GET has made its renditions."""
    assert client.get(url).status_code == 200, url
    queries = cold_queries(client, url)
    writes = [sql for sql in queries if not sql.lstrip().upper().startswith("SELECT")]
    assert not writes, f"{url} writes on every view: {writes}"
    return queries


def listed(queries):
    return "\n".join(f"{n}. {sql[:300]}" for n, sql in enumerate(queries, start=1))


def what_grew(fewer, more):
    """The queries of the bigger site that the smaller one did not run as often."""
    shapes = {}
    for sql in more:
        shapes[sql[:160]] = shapes.get(sql[:160], 0) + 1
    for sql in fewer:
        shapes[sql[:160]] = shapes.get(sql[:160], 0) - 1
    return "\n".join(f"{n:+d} x {shape}" for shape, n in shapes.items() if n)


def assert_budget(page, small, large):
    assert len(small) == BUDGET[page], f"{page}, small site:\n{listed(small)}"
    assert len(large) == len(small), f"{page} grew:\n{what_grew(small, large)}"


def test_no_page_may_run_more_than_12_queries():
    # The search's planning on PostgreSQL aside: search/backends.py is beyond this budget.
    budgets = {**BUDGET, "search": BUDGET["search"] - SEARCH_PLANNING}
    assert max(budgets.values()) <= MOST_QUERIES


def test_home_page(client, site):
    grow_to(10)
    give_awards(2)
    small = counted(client, "/")
    grow_to(200)
    give_awards(20)
    assert_budget("home", small, counted(client, "/"))


def test_story_index_pages(client, site):
    grow_to(10)
    small = {page: counted(client, url) for page, url in index_urls().items()}
    grow_to(200)
    large = {page: counted(client, url) for page, url in index_urls().items()}
    for page in INDEX_PAGES:
        assert_budget(page, small[page], large[page])


def test_story_page(client, site):
    story = middle_demo_story()
    grow_to(10)
    small = counted(client, story.url)
    grow_to(200)
    assert_budget("story", small, counted(client, story.url))


def test_story_page_with_images_in_its_body(client, site):
    story = middle_demo_story()

    def illustrate(count):
        story.body = body_with_images(count)
        story.save_revision().publish()
        return counted(client, story.url)

    grow_to(10)
    small = illustrate(1)
    grow_to(200)
    assert_budget("story, images in its body", small, illustrate(4))


def test_accolades_page(client, site):
    url = "/rankings-and-accolades/"
    give_awards(2)
    small = counted(client, url)
    give_awards(20)
    assert_budget("accolades", small, counted(client, url))


def test_content_page(client, site):
    about = ContentPage(title="About", slug="about", show_in_menus=True)
    site.add_child(instance=about)
    history = ContentPage(title="History", slug="history", show_in_menus=True)
    about.add_child(instance=history)
    history.save_revision().publish()

    def illustrate(count):
        about.body = body_with_images(count)
        about.save_revision().publish()
        return counted(client, about.url)

    small = illustrate(1)
    assert_budget("content page", small, illustrate(4))


def test_search_page(client, site):
    # A word of synthetic bodies only: every hit is a story, at either size. Searched once
    # before counting: a search's first hit of the day logs it in a few more queries.
    url = "/search/?q=methodology"
    grow_to(10)
    client.get(url)
    small = cold_queries(client, url)
    grow_to(200)
    assert_budget("search", small, cold_queries(client, url))


def test_a_private_page_anywhere_adds_wagtails_own_check(client, site):
    """Once some page is private, serving a page reads its restrictions as Wagtail does:
    its ancestors, then their restrictions, after the reading of every restriction."""
    grow_to(10)
    urls = {"home": "/", "index": "/news/", "story": middle_demo_story().url}
    before = {page: len(counted(client, url)) for page, url in urls.items()}
    members = ContentPage(title="Members", slug="members")
    site.add_child(instance=members)
    members.save_revision().publish()
    PageViewRestriction.objects.create(
        page=members, restriction_type=PageViewRestriction.PASSWORD, password="secret"
    )
    after = {page: len(counted(client, url)) for page, url in urls.items()}
    # The home page read every restriction already, for its own check.
    assert {page: after[page] - before[page] for page in urls} == {
        "home": 2,
        "index": 3,
        "story": 3,
    }
