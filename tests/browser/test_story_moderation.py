"""A member of Editors writes a story and submits it for review; visitors do not see it
until a member of Moderators approves it, and then they find it everywhere.

The groups and the stories' workflow come from `manage.py ensure_roles`, which
load_demo_content runs. Runs the system Chromium against Django's live_server; see
conftest.py.
"""

import re

import pytest
from playwright.sync_api import expect

from .conftest import save_screenshot
from .wagtail_admin import field, fresh_page, log_in, wait_for_editor, wait_until_autosaved

pytestmark = pytest.mark.browser

PASSWORD = "correct-horse-battery-staple"
STORY_TITLE = "Wombatcam films a night on the campus lawn"
STORY_INTRO = "A camera trap set by students caught a wombat grazing by the library."
# A word no demo content uses: the search finds the story by it alone, or finds nothing.
SEARCH_WORD = "wombatcam"


def member_of(group_name, username):
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    user = get_user_model().objects.create_user(username, password=PASSWORD)
    user.groups.add(Group.objects.get(name=group_name))
    return user


def visitor_sees(visitor, base_url, story_path, news):
    """Where a visitor may meet the story: its own page, the index, the home page's latest
    stories, the search. Answers each with True or False."""
    response = visitor.goto(base_url + story_path)
    assert response is not None and response.status in (200, 404), response and response.status
    seen = {"story page": response.status == 200}

    link = visitor.get_by_role("main").get_by_role("link", name=STORY_TITLE)
    visitor.goto(base_url + news.url)
    seen["index"] = link.count() > 0
    visitor.goto(base_url + "/")
    latest = visitor.get_by_role("region", name=news.title)
    expect(latest).to_be_visible()
    seen["home"] = latest.get_by_role("link", name=STORY_TITLE).count() > 0
    visitor.goto(f"{base_url}/search/?q={SEARCH_WORD}")
    expect(visitor.get_by_role("status")).to_contain_text(SEARCH_WORD)
    seen["search"] = link.count() > 0
    return seen


def test_moderator_approves_editors_story(
    live_server, live_demo_site, page, new_context, screenshot_on_failure
):
    from stories.models import StoryIndexPage, StoryPage

    news = StoryIndexPage.objects.get(slug="news")
    member_of("Editors", "writer")
    member_of("Moderators", "moderator")
    page.set_default_timeout(15_000)
    screenshot_on_failure(page)

    # The editor writes the story; the first autosave makes it a draft.
    add_path = f"/admin/pages/add/stories/storypage/{news.pk}/"
    log_in(page, live_server.url, "writer", PASSWORD, then=add_path)
    wait_for_editor(page)
    title = field(page, "Title")
    title.fill(STORY_TITLE)
    title.press("Tab")  # the slug follows the title when the field is left
    wait_until_autosaved(page)
    expect(page).to_have_url(re.compile(r"/admin/pages/\d+/edit/$"))
    story_id = int(re.search(r"/admin/pages/(\d+)/edit/", page.url).group(1))
    field(page, "Intro").fill(STORY_INTRO)
    wait_until_autosaved(page)

    # An editor cannot publish: they submit the story to the stories' workflow.
    page.get_by_role("button", name="More actions").click()
    expect(page.get_by_role("button", name="Publish", exact=True)).to_have_count(0)
    page.get_by_role("button", name="Submit to Story review").click()
    expect(
        page.get_by_text(f"Page '{STORY_TITLE}' has been submitted for moderation.")
    ).to_be_visible()

    story = StoryPage.objects.get(pk=story_id)
    assert not story.live
    assert story.current_workflow_state.status == "in_progress"
    story_path = story.url

    visitor = fresh_page(new_context, screenshot_on_failure)
    hidden = dict.fromkeys(["story page", "index", "home", "search"], False)
    assert visitor_sees(visitor, live_server.url, story_path, news) == hidden

    # A moderator finds it awaiting their review and approves it, which publishes it.
    moderator = fresh_page(new_context, screenshot_on_failure)
    log_in(moderator, live_server.url, "moderator", PASSWORD)
    awaiting = moderator.get_by_role("region", name="Awaiting your review")
    awaiting.get_by_role("link", name=STORY_TITLE).click()
    expect(moderator).to_have_url(f"{live_server.url}/admin/pages/{story_id}/edit/")
    moderator.get_by_role("button", name="More actions").click()
    moderator.get_by_role("button", name="Approve and Publish", exact=True).click()
    expect(moderator).to_have_url(f"{live_server.url}/admin/pages/{news.pk}/")
    expect(moderator.get_by_text(f"Page '{STORY_TITLE}' has been updated.")).to_be_visible()

    story.refresh_from_db()
    assert story.live and not story.has_unpublished_changes
    assert (story.title, story.intro) == (STORY_TITLE, STORY_INTRO)
    assert story.current_workflow_state is None

    shown = dict.fromkeys(["story page", "index", "home", "search"], True)
    assert visitor_sees(visitor, live_server.url, story_path, news) == shown
    expect(visitor.get_by_role("status")).to_have_text(f"1 result for “{SEARCH_WORD}”")
    save_screenshot(visitor, "moderated-story-visitor")
