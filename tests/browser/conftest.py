"""Fixtures for the real-browser tests: the system Chromium, a demo site, an editor.

These tests drive /usr/bin/chromium (Debian's package) through pytest-playwright against
Django's live_server. Playwright's own browser downloads are never used.
"""

import io
import os
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_MISSING = f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

BROWSER_TESTS_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BROWSER_TESTS_DIR.parents[1]
SCREENSHOTS_DIR = PROJECT_DIR / "test-results"

EDITOR_USERNAME = "editor"
EDITOR_PASSWORD = "correct-horse-battery-staple"


def _is_browser_test(item):
    return BROWSER_TESTS_DIR in Path(item.path).resolve().parents


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config, items):
    browser_tests = [
        item for item in items if _is_browser_test(item) or item.get_closest_marker("browser")
    ]
    # Run the browser tests last (after pytest-django's own ordering): from the first one
    # on, Playwright's event loop runs in this thread until the session ends, and
    # DJANGO_ALLOW_ASYNC_UNSAFE is set (see below); no other test should run under either.
    others = [item for item in items if item not in browser_tests]
    items[:] = others + browser_tests

    # Skip at collection time, before the session-scoped browser fixtures try to launch.
    if not CHROMIUM.exists():
        skip = pytest.mark.skip(reason=CHROMIUM_MISSING)
        for item in browser_tests:
            item.add_marker(skip)


@pytest.fixture(scope="session", autouse=True)
def allow_django_orm_beside_playwright():
    """Playwright's sync API runs an asyncio event loop in this thread from its start to
    the end of the session; Django's ORM refuses to run while one runs
    (SynchronousOnlyOperation) unless DJANGO_ALLOW_ASYNC_UNSAFE is set.

    Set here rather than when this file is imported: subprocesses inherit the variable,
    and `manage.py check --deploy` (tests/test_site.py) fails on it (async.E001).
    Session-scoped and autouse, so it is set before the database and browser fixtures.
    """
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    yield
    if previous is None:
        del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """pytest-playwright's launch options, pointed at the system Chromium."""
    if not CHROMIUM.exists():
        pytest.skip(CHROMIUM_MISSING)
    return {
        **browser_type_launch_args,
        "executable_path": str(CHROMIUM),
        "args": [*browser_type_launch_args.get("args", []), *CHROMIUM_ARGS],
    }


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    # Keep each phase's report on the test item (item.rep_setup, item.rep_call, ...) so
    # that fixtures can tell in their teardown whether the test failed.
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


@pytest.fixture
def screenshot_on_failure(request):
    """Register pages; if the test fails, save a screenshot of each one.

    The last registered page is saved as test-results/<test name>.png, earlier ones
    get a numbered suffix. Teardown runs before pytest-playwright closes the contexts.
    """
    pages = []
    yield pages.append
    report = getattr(request.node, "rep_call", None)
    if report is None or not report.failed:
        return
    SCREENSHOTS_DIR.mkdir(parents=True, exist_ok=True)
    name = request.node.name.replace("/", "_")
    for number, page in enumerate(reversed(pages)):
        path = SCREENSHOTS_DIR / (f"{name}.png" if number == 0 else f"{name}-{number}.png")
        try:
            page.screenshot(path=str(path), full_page=True)
        except Exception as error:  # the page may already be closed or crashed
            print(f"\nCould not save a screenshot to {path}: {error}")
        else:
            print(f"\nScreenshot of the failed browser test: {path}")


def save_screenshot(page, name):
    """Keep a screenshot of what a flow ends on, as test-results/<name>.png, to look at."""
    SCREENSHOTS_DIR.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS_DIR / f"{name}.png"), full_page=True)


@pytest.fixture
def live_demo_site(transactional_db):
    """The demo site, built fresh: live_server tests flush the database afterwards,
    which removes even the root page and Site that migrations create."""
    from django.core.management import call_command
    from wagtail.models import Site

    call_command("load_demo_content", stdout=io.StringIO())
    return Site.objects.get(is_default_site=True)


@pytest.fixture
def editor(transactional_db):
    """A superuser with a known password, to log in to the Wagtail admin."""
    from django.contrib.auth import get_user_model

    return get_user_model().objects.create_superuser(
        username=EDITOR_USERNAME, email="editor@example.com", password=EDITOR_PASSWORD
    )
