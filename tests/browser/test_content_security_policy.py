"""The security headers in the real browser: nothing the site needs is refused.

Chromium reports each thing its Content-Security-Policy refuses as a
`securitypolicyviolation` event on the document (and a console error); an init script,
which runs outside the page's policy, records the events. What the Permissions-Policy
refuses is read back from Chromium's document.featurePolicy.
"""

import pytest
from django.conf import settings
from playwright.sync_api import expect

from .conftest import EDITOR_PASSWORD, EDITOR_USERNAME
from .wagtail_admin import log_in, visit

pytestmark = pytest.mark.browser

RECORD_VIOLATIONS = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (event) => {
    window.__violations.push(`${event.effectiveDirective} refused ${event.blockedURI}`);
});
"""


def story_path():
    from stories.models import StoryPage

    return StoryPage.objects.live().first().url


@pytest.fixture
def watched_page(page, screenshot_on_failure):
    """The test's page, recording refusals and the console's errors and warnings."""
    page.set_default_timeout(15_000)
    screenshot_on_failure(page)
    page.add_init_script(RECORD_VIOLATIONS)
    page.console_problems = []

    def note(message):
        if message.type in ("error", "warning"):
            page.console_problems.append(message.text)

    page.on("console", note)
    return page


def refusals(page):
    return page.evaluate("window.__violations")


def test_visitors_pages_work_under_the_policy(live_server, live_demo_site, watched_page):
    page = watched_page
    for path in ["/", story_path(), "/news/", "/rankings-and-accolades/", "/search/?q=HKUST"]:
        visit(page, live_server.url + path)
        assert refusals(page) == [], path
        # The site's stylesheet applies.
        assert page.evaluate("document.styleSheets[0].cssRules.length") > 10, path

    # The story's JSON-LD is data: the browser neither runs nor refuses it.
    visit(page, live_server.url + story_path())
    assert page.locator('script[type="application/ld+json"]').count() == 1
    assert refusals(page) == []

    # The search suggestions script runs and fetches its suggestions.
    page.get_by_role("combobox", name="Search the site").fill("medical")
    expect(page.get_by_role("option").first).to_be_visible()
    assert refusals(page) == []

    assert not [text for text in page.console_problems if "Content Security Policy" in text]

    # Every feature the Permissions-Policy names is one Chromium knows, and refuses.
    known = set(page.evaluate("document.featurePolicy.features()"))
    allowed = set(page.evaluate("document.featurePolicy.allowedFeatures()"))
    assert set(settings.PERMISSIONS_POLICY) <= known
    assert not set(settings.PERMISSIONS_POLICY) & allowed
    assert {"fullscreen", "autoplay"} <= allowed

    # What the policy is for: a script injected into the page does not run (and the
    # recorder above sees refusals).
    page.evaluate(
        """() => {
            const script = document.createElement("script");
            script.textContent = "window.__injected = true";
            document.body.append(script);
        }"""
    )
    assert page.evaluate("window.__injected") is None
    assert refusals(page) == ["script-src-elem refused inline"]


def test_an_editor_browses_the_site_and_the_admin_without_refusals(
    live_server, live_demo_site, editor, watched_page
):
    page = watched_page
    log_in(page, live_server.url, EDITOR_USERNAME, EDITOR_PASSWORD)
    assert refusals(page) == []
    # Wagtail's user bar on a live page: its scripts and styles are files of the site.
    visit(page, live_server.url + story_path())
    expect(page.locator("wagtail-userbar")).to_be_attached()
    page.get_by_role("button", name="View Wagtail quick actions").click()
    expect(page.get_by_role("menuitem", name="Edit this page")).to_be_visible()
    assert refusals(page) == []
