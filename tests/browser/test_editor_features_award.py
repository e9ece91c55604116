"""An editor records a person and their award, features the award on the home page and
publishes; a visitor sees it there with the person's name.

Runs the system Chromium against Django's live_server; see conftest.py.
"""

import re

import pytest
from playwright.sync_api import expect

from .conftest import EDITOR_PASSWORD, EDITOR_USERNAME, save_screenshot
from .wagtail_admin import (
    add_list_item,
    blocks_of_type,
    editor_clock,
    expand,
    field,
    fresh_page,
    log_in,
    open_editor,
    pin,
    publish,
    visit,
    wait_until_autosaved,
)

pytestmark = pytest.mark.browser

# Made up for the test: no real person or award.
PERSON = {"Honorific": "Dr.", "Name": "Quinn QUOKKA", "Role": "Lecturer in Marsupial Studies"}
PERSON_NAME = "Dr. Quinn QUOKKA"
AWARD = {"Award": "Golden Quokka Teaching Prize", "Awarding body": "Quokka Society", "Year": "2025"}


def open_accolades_menu_item(page, label):
    """The sidebar's Accolades menu, then one of its items."""
    page.get_by_role("button", name="Accolades", exact=True).click()
    page.get_by_role("link", name=label, exact=True).click()


def test_editor_features_new_award_on_home_page(
    live_server, live_demo_site, editor, page, new_context, screenshot_on_failure
):
    from accolades.models import Award
    from home.models import HomePage

    home = HomePage.objects.get(pk=live_demo_site.root_page_id)
    page.set_default_timeout(15_000)
    screenshot_on_failure(page)
    log_in(page, live_server.url, EDITOR_USERNAME, EDITOR_PASSWORD)

    # Accolades › People › Add person.
    open_accolades_menu_item(page, "People")
    page.get_by_role("link", name="Add person").click()
    for label, value in PERSON.items():
        field(page, label).fill(value)
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page).to_have_url(f"{live_server.url}/admin/accolades/person/")
    expect(page.get_by_role("link", name=PERSON["Name"])).to_be_visible()

    # Accolades › Awards › Add award, for that person.
    open_accolades_menu_item(page, "Awards")
    page.get_by_role("link", name="Add award").click()
    field(page, "Person").select_option(label=PERSON_NAME)
    for label, value in AWARD.items():
        field(page, label).fill(value)
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page).to_have_url(f"{live_server.url}/admin/accolades/award/")
    expect(page.get_by_role("link", name=AWARD["Award"])).to_be_visible()
    award = Award.objects.get(title=AWARD["Award"])
    assert (award.person.display_name, award.awarding_body, award.year) == (
        PERSON_NAME,
        AWARD["Awarding body"],
        int(AWARD["Year"]),
    )

    # On the home page, the accolades section gets one more award: the award chooser
    # finds it by a word of its person's name.
    open_editor(page, f"{live_server.url}/admin/pages/{home.pk}/edit/")
    accolades = pin(blocks_of_type(page, "accolades").first)
    expand(accolades)
    new_item = add_list_item(accolades, "awards")
    new_item.get_by_role("button", name="Choose an award").click()
    chooser = page.get_by_role("dialog")
    chooser.get_by_label("Search term").fill("Quokka")
    choice = chooser.get_by_role("link", name=f"{PERSON_NAME}: {AWARD['Award']}")
    expect(chooser.get_by_role("link", name=re.compile(r":"))).to_have_count(1)
    before_choice = editor_clock(page)
    choice.click()
    expect(chooser).to_be_hidden()
    expect(new_item).to_contain_text(f"{PERSON_NAME}: {AWARD['Award']}")
    wait_until_autosaved(page, since=before_choice)

    publish(page, home.title)

    home.refresh_from_db()
    assert not home.has_unpublished_changes
    featured = next(block for block in home.body if block.block_type == "accolades")
    assert featured.value["awards"][-1] == award

    # A visitor, not logged in, sees the award with the person's name and role.
    visitor = fresh_page(new_context, screenshot_on_failure)
    visit(visitor, live_server.url + "/")
    section = visitor.get_by_role("main").get_by_role("region", name="People's accolades")
    card = section.get_by_role("article").filter(
        has=visitor.get_by_role("heading", name=PERSON_NAME, exact=True)
    )
    expect(card).to_be_visible()
    expect(card).to_contain_text(PERSON["Role"])
    expect(card).to_contain_text(f"{AWARD['Award']} {AWARD['Year']} by {AWARD['Awarding body']}")
    expect(section.get_by_role("listitem").last).to_contain_text(PERSON_NAME)
    save_screenshot(visitor, "featured-award-visitor")
