"""axe-core, run in the real browser, finds nothing serious or critical on the pages a
visitor reads: home, a story, the stories' index, the accolades page and search results.

axe-core comes from npm (tests/browser/package.json, installed by `make test`). Where
Chromium is installed but axe-core is not, these tests fail rather than skip: a missing
check must not pass for a passing one.
"""

import pytest

from .conftest import BROWSER_TESTS_DIR
from .wagtail_admin import visit

pytestmark = pytest.mark.browser

AXE_SCRIPT = BROWSER_TESTS_DIR / "node_modules" / "axe-core" / "axe.min.js"
# axe's own levels are minor, moderate, serious and critical.
BLOCKING_IMPACTS = {"serious", "critical"}


def page_paths():
    """The address of each page to check, read from the demo site."""
    from accolades.models import AccoladesPage
    from stories.models import StoryIndexPage, StoryPage

    return {
        "home": "/",
        "story": StoryPage.objects.live().first().url,
        "index": StoryIndexPage.objects.live().get().url,
        "accolades": AccoladesPage.objects.live().get().url,
        # A word of every demo story, so that the page shows results and their filters.
        "search": "/search/?q=HKUST",
    }


def describe(violation):
    # A target is a list of selectors: more than one where the node is in a frame.
    nodes = "\n".join(f"    {' '.join(map(str, node['target']))}" for node in violation["nodes"])
    return f"{violation['id']} ({violation['impact']}): {violation['help']}\n{nodes}"


@pytest.mark.parametrize("name", ["home", "story", "index", "accolades", "search"])
def test_no_serious_accessibility_violations(
    name, live_server, live_demo_site, page, screenshot_on_failure
):
    if not AXE_SCRIPT.exists():
        pytest.fail(f"axe-core is missing at {AXE_SCRIPT}: run `make test` (it runs npm ci)")
    page.set_default_timeout(15_000)
    screenshot_on_failure(page)

    # An init script, not a <script> tag: the pages' Content-Security-Policy refuses inline
    # scripts, and rightly so; the browser runs init scripts outside the page's policy.
    page.add_init_script(path=str(AXE_SCRIPT))
    visit(page, live_server.url + page_paths()[name])
    results = page.evaluate("axe.run(document)")

    blocking = [v for v in results["violations"] if v["impact"] in BLOCKING_IMPACTS]
    assert not blocking, "\n".join(describe(violation) for violation in blocking)
    assert results["passes"], "axe checked nothing"
