"""An editor leaves a position of a new ranking without its rank and publishes: nothing
is published, the error shows at the position, and everything typed is still there.

Runs the system Chromium against Django's live_server; see conftest.py.
"""

import pytest
from playwright.sync_api import expect

from .conftest import EDITOR_PASSWORD, EDITOR_USERNAME, save_screenshot
from .wagtail_admin import (
    blocks_of_type,
    expand,
    field,
    fresh_page,
    insert_block,
    list_items,
    log_in,
    pin,
    visit,
    wait_for_editor,
    wait_until_autosaved,
)

pytestmark = pytest.mark.browser

LATEST_HEADING = "Stories from the quokkas"
RANKINGS_HEADING = "Quokka league tables"
RANKING_NAME = "Quokka Campus Survey"


def test_block_error_keeps_page_unpublished_and_form_filled(
    live_server, live_demo_site, editor, page, new_context, screenshot_on_failure
):
    from home.models import HomePage

    home = HomePage.objects.get(pk=live_demo_site.root_page_id)
    live_revision_id = home.live_revision_id
    live_body = list(home.body.raw_data)
    page.set_default_timeout(15_000)
    screenshot_on_failure(page)

    edit_path = f"/admin/pages/{home.pk}/edit/"
    log_in(page, live_server.url, EDITOR_USERNAME, EDITOR_PASSWORD, then=edit_path)
    wait_for_editor(page)

    # A new heading for the latest stories, and a new rankings section whose one
    # position has a scope but no rank.
    latest = pin(blocks_of_type(page, "latest_stories").first)
    expand(latest)
    field(latest, "Heading").fill(LATEST_HEADING)
    rankings = insert_block(page, page.locator("#body-root"), "Rankings")
    field(rankings, "Heading").fill(RANKINGS_HEADING)
    ranking = insert_block(page, rankings, "Ranking")
    field(ranking, "Name").fill(RANKING_NAME)
    field(ranking, "Edition").fill("2025")
    position = pin(list_items(ranking, "positions").first)
    field(position, "Scope").fill("Globally")

    wait_until_autosaved(page)
    page.get_by_role("button", name="More actions").click()
    page.get_by_role("button", name="Publish", exact=True).click()
    expect(
        page.get_by_text("The page could not be saved due to validation errors.")
    ).to_be_visible()
    expect(page).to_have_url(live_server.url + edit_path)

    # Nothing was published. Wagtail 8 keeps the editor's work as a draft instead: a draft
    # may be incomplete (required fields are checked on publishing), and the form shown
    # again with its errors is autosaved at once, so each refused publication adds a
    # draft revision.
    wait_until_autosaved(page)
    home.refresh_from_db()
    assert home.live_revision_id == live_revision_id
    assert list(home.body.raw_data) == live_body
    draft = home.get_latest_revision_as_object()
    assert home.has_unpublished_changes
    draft_latest = next(block for block in draft.body if block.block_type == "latest_stories")
    assert draft_latest.value["heading"] == LATEST_HEADING
    assert draft.body[-1].block_type == "rankings"
    [draft_ranking] = draft.body[-1].value["items"]
    assert draft_ranking.value["name"] == RANKING_NAME
    assert [(p["rank"], p["scope"]) for p in draft_ranking.value["positions"]] == [
        (None, "Globally")
    ]

    # The error is on the rank of that very position, and "Go to the first error" leads
    # there.
    rank = field(position, "Rank")
    expect(rank).to_have_attribute("aria-invalid", "true")
    rank_error = position.locator("[data-field-errors]").filter(has=page.locator(".error-message"))
    expect(rank_error).to_have_text("This field is required.")
    expect(rank_error).to_have_attribute("id", f"{rank.get_attribute('id')}-errors")
    page.get_by_role("button", name="Go to the first error").click()
    expect(rank_error.locator(".error-message")).to_be_focused()
    expect(rank_error).to_be_in_viewport()

    # Everything else the editor typed is still in the form.
    expect(field(latest, "Heading")).to_have_value(LATEST_HEADING)
    expect(field(rankings, "Heading")).to_have_value(RANKINGS_HEADING)
    expect(field(ranking, "Name")).to_have_value(RANKING_NAME)
    expect(field(ranking, "Edition")).to_have_value("2025")
    expect(field(position, "Scope")).to_have_value("Globally")
    expect(rank).to_have_value("")
    save_screenshot(page, "block-error-editor")
    # The editor leaves: Wagtail ends the editing session now, not when the browser
    # closes while the database is being flushed.
    page.goto(live_server.url + "/admin/")

    # A visitor still sees the home page as it was.
    visitor = fresh_page(new_context, screenshot_on_failure)
    visit(visitor, live_server.url + "/")
    main = visitor.get_by_role("main")
    expect(main.get_by_role("heading", name="News & Stories", exact=True)).to_be_visible()
    expect(main).not_to_contain_text(LATEST_HEADING)
    expect(main).not_to_contain_text(RANKING_NAME)
    save_screenshot(visitor, "block-error-visitor")
