"""An editor publishes a story in the real Wagtail editor; a visitor then finds it.

Runs the system Chromium against Django's live_server; see conftest.py.
"""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from .conftest import EDITOR_PASSWORD, EDITOR_USERNAME
from .wagtail_admin import (
    EDITOR_EVENTS_SCRIPT,
    EDITOR_WATCHING,
    fresh_page,
    visit,
    wait_until_autosaved,
)

pytestmark = pytest.mark.browser

STORY_TITLE = "Quokkabot rover wins the campus robotics challenge"
STORY_INTRO = "A student-built rover mapped the whole Clear Water Bay campus in one night."
# A word no demo content uses: the search must find the new story by it alone.
SEARCH_WORD = "quokkabot"


def test_editor_publishes_story_and_visitor_finds_it(
    live_server, live_demo_site, editor, page, new_context, screenshot_on_failure
):
    from stories.models import StoryIndexPage, StoryPage

    news = StoryIndexPage.objects.get(slug="news")
    page.set_default_timeout(15_000)
    screenshot_on_failure(page)

    # The home page answers at the live server's address whatever the Site's hostname.
    visit(page, live_server.url + "/")

    # The editor logs in.
    page.goto(live_server.url + "/admin/login/")
    page.get_by_label("Username").fill(EDITOR_USERNAME)
    page.get_by_label("Password").fill(EDITOR_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/admin/$"))

    # From News & Stories in the page explorer, they add a child page: a story, the
    # only type allowed there, so the editor opens at once.
    page.add_init_script(EDITOR_EVENTS_SCRIPT)
    page.goto(f"{live_server.url}/admin/pages/{news.pk}/")
    page.get_by_role("link", name="Add child page").first.click()
    expect(page).to_have_url(re.compile(rf"/admin/pages/add/stories/storypage/{news.pk}/$"))
    page.wait_for_function(EDITOR_WATCHING)

    # The title, then Tab: leaving the field fills in the slug from it (the autosave of a
    # new page without a slug fails validation). Wagtail autosaves a draft and switches
    # the form to the new page's edit view; wait for that before going on.
    title = page.get_by_role("textbox", name=re.compile(r"^Title"))
    title.fill(STORY_TITLE)
    title.press("Tab")
    wait_until_autosaved(page)
    expect(page).to_have_url(re.compile(r"/admin/pages/\d+/edit/$"))
    story_id = int(re.search(r"/admin/pages/(\d+)/edit/", page.url).group(1))

    # The intro is autosaved into the draft too; the publication date keeps its default.
    intro = page.get_by_role("textbox", name=re.compile(r"^Intro"))
    intro.fill(STORY_INTRO)
    intro.press("Tab")
    wait_until_autosaved(page)

    # Publish is in the footer's "More actions" dropdown.
    page.get_by_role("button", name="More actions").click()
    page.get_by_role("button", name="Publish", exact=True).click()
    expect(page).to_have_url(re.compile(rf"/admin/pages/{news.pk}/$"))
    expect(page.get_by_text(f"Page '{STORY_TITLE}' has been published.")).to_be_visible()

    story = StoryPage.objects.get(pk=story_id)
    assert story.live and not story.has_unpublished_changes
    assert story.get_parent().pk == news.pk
    assert (story.title, story.intro) == (STORY_TITLE, STORY_INTRO)
    assert story.date == timezone.localdate()  # the field's default, in the site's time zone

    # A visitor, not logged in, sees it first among the latest stories on the home page...
    visitor = fresh_page(new_context, screenshot_on_failure)
    visit(visitor, live_server.url + "/")
    latest = visitor.get_by_role("region", name=news.title)
    expect(latest.get_by_role("listitem").first).to_contain_text(STORY_TITLE)
    expect(latest.get_by_role("link", name=STORY_TITLE)).to_be_visible()

    # ...and finds it by a word of its title in the site search.
    visit(visitor, f"{live_server.url}/search/?q={SEARCH_WORD}")
    expect(visitor.get_by_role("status")).to_have_text(f"1 result for “{SEARCH_WORD}”")
    result = visitor.get_by_role("link", name=STORY_TITLE)
    expect(result).to_be_visible()

    # The result leads to the story itself.
    result.click()
    expect(visitor).to_have_url(f"{live_server.url}{story.url}")
    expect(visitor.get_by_role("heading", level=1)).to_have_text(STORY_TITLE)
