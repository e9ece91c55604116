"""What the browser tests do in the Wagtail admin, as an editor does it: log in, wait for
the autosave, fill StreamField blocks, publish.
"""

import re
from urllib.parse import quote

from playwright.sync_api import expect

# Wagtail 8 autosaves the editor's form: it takes a snapshot of the form about two
# seconds after the page loads (the w-unsaved controller connects twice, so two snapshots
# land a few tens of milliseconds apart; anything typed before the last one counts as the
# initial state and is never autosaved), then polls the form every 500 ms and posts any
# change in the background. The first autosave of a new page creates a draft and switches
# the form to that page's edit view. A person sees this through the "Saved" indicator;
# the tests listen to the same DOM events so that they never click while a save is on its
# way, and never mistake an earlier "Saved" for the save of their latest edit.
EDITOR_EVENTS_SCRIPT = """
window.__editor = {watchedAt: 0, editedAt: 0, saveStartedAt: 0, savedAt: 0, pending: 0};
const editor = window.__editor;
document.addEventListener("w-unsaved:watch-edits", () => { editor.watchedAt = performance.now(); });
document.addEventListener("input", () => { editor.editedAt = performance.now(); }, true);
document.addEventListener("change", () => { editor.editedAt = performance.now(); }, true);
document.addEventListener("w-autosave:save", () => {
    editor.saveStartedAt = performance.now();
    editor.pending += 1;
});
document.addEventListener("w-autosave:success", () => {
    editor.savedAt = performance.now();
    editor.pending -= 1;
});
document.addEventListener("w-autosave:error", () => { editor.pending -= 1; });
"""

EDITOR_WATCHING = (
    "window.__editor.watchedAt > 0 && performance.now() - window.__editor.watchedAt > 1000"
)

# The autosave has nothing left to do: no save is under way, the last one succeeded, and
# either it read the form after the last change or the form was taken as saved after the
# last change. Wagtail 8.0.1 does the latter when a save succeeds: it takes the form as it
# is then for saved, so a change made while a save was under way is not autosaved (the
# indicator says "Saved") until the next change; publishing posts the whole form anyway.
# `since` stands for a change that fires no input event (a block moved, a record chosen).
EVERYTHING_AUTOSAVED = """since => {
    const editor = window.__editor;
    const lastChange = Math.max(editor.editedAt, since);
    return editor.pending === 0
        && editor.savedAt > editor.saveStartedAt
        && Math.max(editor.saveStartedAt, editor.watchedAt) > lastChange;
}"""


def log_in(page, base_url, username, password, then="/admin/"):
    """Sign in through Wagtail's login form, which then leads to `then`.

    From here on every page the browser loads records the editor's events
    (EDITOR_EVENTS_SCRIPT), for wait_for_editor and wait_until_autosaved."""
    page.add_init_script(EDITOR_EVENTS_SCRIPT)
    page.goto(f"{base_url}/admin/login/?next={quote(then)}")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(base_url + then)


def wait_for_editor(page):
    """Wait until the edit form's autosave watches for edits: typing earlier is lost to it."""
    page.wait_for_function(EDITOR_WATCHING)


def open_editor(page, url):
    page.goto(url)
    wait_for_editor(page)


def editor_clock(page):
    """The page's clock, to wait for the save of a change that fires no input event (a
    block moved or chosen): read it before the change, pass it to wait_until_autosaved."""
    return page.evaluate("performance.now()")


def wait_until_autosaved(page, since=0):
    page.wait_for_function(EVERYTHING_AUTOSAVED, arg=since)
    expect(page.locator("#w-autosave-indicator").get_by_text("Saved", exact=True)).to_be_visible()


def publish(page, title):
    """Publish from the edit form's footer, where Publish sits under "More actions"."""
    page.get_by_role("button", name="More actions").click()
    page.get_by_role("button", name="Publish", exact=True).click()
    expect(page.get_by_text(f"Page '{title}' has been published.")).to_be_visible()


# StreamField blocks. Each block of a stream (or item of a list) is a
# [data-streamfield-child] whose hidden "-type" input names its kind; its header holds a
# toggle and the move, duplicate and delete buttons.


def stream_children(page, field_name="body"):
    """The top-level blocks of a page's StreamField, in the form's order."""
    return page.locator(f"#{field_name}-root > [data-streamfield-stream-container]").locator(
        ":scope > [data-streamfield-child]"
    )


def pin(block):
    """A locator of this very block wherever it moves: locators such as `.last` are
    resolved again at each use, and would find another block after an insert or a move."""
    return block.page.locator(f"[data-contentpath='{block.get_attribute('data-contentpath')}']")


def blocks_of_type(container, block_type):
    """Blocks of one kind anywhere inside `container` (a page or a block)."""
    return container.locator(
        f"[data-streamfield-child]:has(> input[name$='-type'][value='{block_type}'])"
    )


def list_items(block, list_name):
    """The items of one of the block's lists (a ListBlock's items have no type)."""
    return block.locator(f"[data-contentpath='{list_name}'] [data-streamfield-child]")


def added_block(container, add):
    """Call `add` (which adds a block inside `container`) and return the new block, once
    it is there: the first new one, as a block comes before the blocks inside it."""
    blocks = container.locator("[data-streamfield-child]")
    ids_of = "blocks => blocks.map(block => block.dataset.contentpath)"
    before = set(blocks.evaluate_all(ids_of))
    add()
    expect(blocks).not_to_have_count(len(before))
    new_id = next(id for id in blocks.evaluate_all(ids_of) if id not in before)
    return container.page.locator(f"[data-contentpath='{new_id}']")


def add_list_item(block, list_name):
    """Add an item at the end of one of the block's lists; return it."""
    add_button = block.locator(f"[data-contentpath='{list_name}']").get_by_role(
        "button", name="Add", exact=True
    )
    return added_block(block, lambda: add_button.last.click())


def insert_block(page, container, label):
    """Insert a block at the end of the stream inside `container` through the block
    picker; return it.

    The last "Insert a block" button in a block is the one after its stream's last child;
    for a page's StreamField, pass the field's root (#body-root)."""

    def insert():
        container.get_by_role("button", name="Insert a block").last.click()
        page.get_by_role("option", name=label, exact=True).click()

    return added_block(container, insert)


def expand(block):
    """Open a block that the editor shows collapsed (one line with its title)."""
    toggle = block.locator(":scope > section > .w-panel__header > .w-panel__toggle")
    if toggle.get_attribute("aria-expanded") == "false":
        toggle.click()
    expect(toggle).to_have_attribute("aria-expanded", "true")


def block_action(block, title):
    """A button of the block's own header: "Move up", "Move down", "Delete" …"""
    return block.locator(":scope > section > .w-panel__header").get_by_role(
        "button", name=title, exact=True
    )


def field(container, label):
    """An input by its label ("Heading", "Rank" …) inside a page or a block, whether the
    label carries the required mark (and the white space of its template) or not."""
    # Wagtail's panels and their anchors are labelled by their heading too.
    return container.get_by_label(re.compile(rf"^\s*{re.escape(label)}\s*\*?\s*$")).and_(
        container.locator("input, select, textarea")
    )


def fresh_page(new_context, screenshot_on_failure):
    """A page in a new browser context (a visitor, or another user), saved on failure."""
    page = new_context().new_page()
    page.set_default_timeout(15_000)
    screenshot_on_failure(page)
    return page


def visit(page, url):
    """Open the address and check that it answered normally."""
    response = page.goto(url)
    assert response is not None and response.ok, response and response.status
