"""An editor adds rankings and facts to the home page, puts the facts first, publishes;
a visitor sees both sections in that order.

Runs the system Chromium against Django's live_server; see conftest.py.
"""

import pytest
from playwright.sync_api import expect

from .conftest import EDITOR_PASSWORD, EDITOR_USERNAME, save_screenshot
from .wagtail_admin import (
    add_list_item,
    block_action,
    editor_clock,
    expand,
    field,
    fresh_page,
    insert_block,
    list_items,
    log_in,
    publish,
    stream_children,
    visit,
    wait_for_editor,
    wait_until_autosaved,
)

pytestmark = pytest.mark.browser

# Made up for the test: no claim about a real university or ranking.
RANKINGS_HEADING = "Quokka league tables"
RANKINGS = [
    ("Quokka Campus Survey", 2025, [(3, "Globally"), (1, "on Rottnest Island")]),
    ("Numbat Teaching Index", 2026, [(12, "in Asia"), (2, "in the survey's region")]),
]
FACTS_HEADING = "Quokka facts"
FACT = {"Figure": "42", "Label": "Quokkas counted", "Source": "Quokka census", "Year": "2025"}


def test_editor_moves_new_facts_above_new_rankings(
    live_server, live_demo_site, editor, page, new_context, screenshot_on_failure
):
    from home.models import HomePage

    home = HomePage.objects.get(pk=live_demo_site.root_page_id)
    sections_before = [block.block_type for block in home.body]
    page.set_default_timeout(15_000)
    screenshot_on_failure(page)

    edit_path = f"/admin/pages/{home.pk}/edit/"
    log_in(page, live_server.url, EDITOR_USERNAME, EDITOR_PASSWORD, then=edit_path)
    wait_for_editor(page)
    body = page.locator("#body-root")

    # A rankings section at the end of the page, with two rankings of two positions.
    rankings = insert_block(page, body, "Rankings")
    field(rankings, "Heading").fill(RANKINGS_HEADING)
    for name, year, positions in RANKINGS:
        ranking = insert_block(page, rankings, "Ranking")
        expand(ranking)
        field(ranking, "Name").fill(name)
        field(ranking, "Edition").fill(str(year))
        # A new ranking comes with one empty position (a ranking needs at least one).
        add_list_item(ranking, "positions")
        expect(list_items(ranking, "positions")).to_have_count(len(positions))
        for position, (rank, scope) in zip(
            list_items(ranking, "positions").all(), positions, strict=True
        ):
            expand(position)
            field(position, "Rank").fill(str(rank))
            field(position, "Scope").fill(scope)

    # A facts section after it; a new one comes with one empty fact.
    facts = insert_block(page, body, "Facts and figures")
    field(facts, "Heading").fill(FACTS_HEADING)
    fact = list_items(facts, "facts").first
    expand(fact)
    for label, value in FACT.items():
        field(fact, label).fill(value)

    # The editor moves the facts up, above the rankings.
    before_move = editor_clock(page)
    block_action(facts, "Move up").click()
    expect(stream_children(page).last).to_have_attribute(
        "data-contentpath", rankings.get_attribute("data-contentpath")
    )
    wait_until_autosaved(page, since=before_move)

    publish(page, home.title)

    home.refresh_from_db()
    assert not home.has_unpublished_changes
    assert [block.block_type for block in home.body] == [*sections_before, "facts", "rankings"]
    published_rankings = [
        (ranking["name"], ranking["year"], [(p["rank"], p["scope"]) for p in ranking["positions"]])
        for ranking in (item.value for item in home.body[-1].value["items"])
    ]
    assert published_rankings == RANKINGS

    # A visitor, not logged in, sees the facts, then the rankings, at the end of the page.
    visitor = fresh_page(new_context, screenshot_on_failure)
    visit(visitor, live_server.url + "/")
    main = visitor.get_by_role("main")
    headings = main.get_by_role("heading", level=2).all_inner_texts()
    assert headings[-2:] == [FACTS_HEADING, RANKINGS_HEADING], headings

    facts_section = main.get_by_role("region", name=FACTS_HEADING)
    expect(facts_section).to_contain_text(FACT["Figure"])
    expect(facts_section).to_contain_text(FACT["Label"])
    expect(facts_section).to_contain_text(f"{FACT['Source']} {FACT['Year']}")
    rankings_section = main.get_by_role("region", name=RANKINGS_HEADING)
    for name, year, positions in RANKINGS:
        ranking = rankings_section.get_by_role("article").filter(
            has=visitor.get_by_role("heading", name=f"{name} {year}")
        )
        expect(ranking.get_by_role("listitem")).to_have_text(
            [f"No. {rank} {scope}" for rank, scope in positions]
        )
    save_screenshot(visitor, "home-sections-visitor")
