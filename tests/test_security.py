"""Security headers on every answer, and the admin login's lockout (issue 6).

Visitors' pages load only the site's own files (Content-Security-Policy without inline
scripts or styles), refuse framing and browser features they do not use; the admin has a
policy that lets Wagtail run. Repeated failed logins to one account from one address are
refused for a while, with a page that says so; other accounts and addresses log in.
"""

import datetime

import pytest
from axes.models import AccessAttempt
from bs4 import BeautifulSoup
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse

from site_config.security import SecurityHeadersMiddleware, client_address

pytestmark = pytest.mark.django_db

STORY = "/news/hkust-prepares-new-medical-school/"
PUBLIC_ADDRESSES = [
    "/",
    "/news/",
    STORY,
    "/rankings-and-accolades/",
    "/news/feed/rss/",
    "/news/feed/atom/",
    "/search/?q=medical",
    "/search/?q=zzzznothing",
    "/search/suggest/?q=med",
    "/sitemap.xml",
    "/robots.txt",
    "/no-such-page/",
    "/news/no-such-story/",
]
PUBLIC_POLICY = {
    "default-src": {"'self'"},
    "img-src": {"'self'"},
    "frame-src": {"'self'", "https://www.youtube.com", "https://player.vimeo.com"},
    "object-src": {"'none'"},
    "base-uri": {"'self'"},
    "form-action": {"'self'"},
    "frame-ancestors": {"'none'"},
}
SAME_EVERYWHERE = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}
REFUSED_FEATURES = ["camera", "microphone", "geolocation", "payment", "usb", "browsing-topics"]

LOGIN = "/admin/login/"
PASSWORD = "correct-horse-battery-staple"
HOME = "10.0.0.1"
ELSEWHERE = "10.0.0.2"
LOCKED_OUT = "Too many failed log-ins for this account from your address."


def policy(response):
    directives = [part.split() for part in response["Content-Security-Policy"].split(";")]
    return {name: set(sources) for name, *sources in directives}


def permissions(response):
    return dict(part.strip().split("=") for part in response["Permissions-Policy"].split(","))


@pytest.mark.parametrize("address", PUBLIC_ADDRESSES)
def test_public_answers_carry_the_security_headers(client, demo_site, address):
    for attempt in ("first", "from the page cache"):
        response = client.get(address)
        assert response.status_code in (200, 404), (address, attempt)
        assert policy(response) == PUBLIC_POLICY, attempt
        assert response["X-Frame-Options"] == "DENY"
        for header, value in SAME_EVERYWHERE.items():
            assert response[header] == value, header
        for feature in REFUSED_FEATURES:
            assert permissions(response)[feature] == "()", feature


def test_public_pages_have_no_inline_script_or_style(client, demo_site):
    """What the policy refuses is not on the pages: every script is a file of the site or
    JSON-LD data, and nothing is styled inline."""
    for address in [*PUBLIC_ADDRESSES[:4], "/search/?q=medical", "/no-such-page/"]:
        soup = BeautifulSoup(client.get(address).content, "html.parser")
        for script in soup.find_all("script"):
            if script.get("src"):
                assert script["src"].startswith("/static/"), script
            else:
                assert script.get("type") == "application/ld+json", script
        assert not soup.find_all("style"), address
        for element in soup.find_all(True):
            assert "style" not in element.attrs, (address, element.name)
            assert not [name for name in element.attrs if name.startswith("on")], element


def test_the_search_suggestions_script_is_allowed(client, demo_site):
    soup = BeautifulSoup(client.get("/").content, "html.parser")
    script = soup.find("script", src=lambda src: src and "suggest" in src)
    assert script["src"] == "/static/search/suggest.js"
    # It is a file of the site's own origin, which script-src (default-src) allows, and it
    # fetches from the site's own origin, which connect-src (default-src) allows.
    assert policy(client.get("/"))["default-src"] == {"'self'"}
    suggestions = client.get("/search/suggest/?q=med")
    assert suggestions["Content-Type"] == "application/json"


def test_the_admin_has_its_own_policy_and_still_works(client, demo_site, django_user_model):
    django_user_model.objects.create_superuser("admin", "", PASSWORD)
    login_page = client.get(LOGIN)
    assert login_page.status_code == 200
    admin_policy = policy(login_page)
    # Wagtail needs inline scripts and styles: not restricted here, but no plugins, no
    # <base>, no forms posted elsewhere, framed only by the admin (its previews).
    assert "default-src" not in admin_policy and "script-src" not in admin_policy
    assert admin_policy == {
        "object-src": {"'none'"},
        "base-uri": {"'self'"},
        "form-action": {"'self'"},
        "frame-ancestors": {"'self'"},
    }

    response = client.post(LOGIN, {"username": "admin", "password": PASSWORD})
    assert response.status_code == 302
    editor = client.get(reverse("wagtailadmin_pages:edit", args=[demo_site.pk]))
    assert editor.status_code == 200
    assert policy(editor) == admin_policy
    preview = client.get(reverse("wagtailadmin_pages:preview_on_edit", args=[demo_site.pk]))
    assert preview.status_code == 200
    assert policy(preview) == admin_policy


def test_a_view_that_sets_its_own_policy_keeps_it():
    """Wagtail serves documents with "default-src 'none'" (tests/test_uploads.py): the
    middleware adds its policy only where there is none."""

    def view(request):
        return HttpResponse(headers={"Content-Security-Policy": "default-src 'none'"})

    response = SecurityHeadersMiddleware(view)(RequestFactory().get("/documents/1/x.pdf"))
    assert response["Content-Security-Policy"] == "default-src 'none'"


# Logins


@pytest.fixture
def editor(db, django_user_model):
    return django_user_model.objects.create_superuser("editor", "", PASSWORD)


@pytest.fixture
def other_editor(db, django_user_model):
    return django_user_model.objects.create_superuser("other", "", PASSWORD)


def log_in(client, username="editor", password=PASSWORD, address=HOME, **meta):
    client.cookies.clear()
    return client.post(
        LOGIN, {"username": username, "password": password}, REMOTE_ADDR=address, **meta
    )


def fail(client, times, **kwargs):
    return [log_in(client, password="wrong", **kwargs).status_code for _ in range(times)]


def assert_logged_in(response):
    assert response.status_code == 302, response.status_code
    assert response["Location"] == reverse("wagtailadmin_home")


def assert_locked_out(response, username="editor"):
    assert response.status_code == 429
    assert LOCKED_OUT in response.content.decode()
    assert "15 minutes" in response.content.decode()
    # The login page again, with what was typed, not a bare error.
    assert response.context["form"]["username"].value() == username
    assert "sessionid" not in response.cookies


def test_five_failures_lock_the_account_from_that_address(client, editor, settings):
    assert settings.AXES_FAILURE_LIMIT == 5
    statuses = fail(client, 5)
    # Four ordinary refusals, then the lockout at the fifth.
    assert statuses == [200, 200, 200, 200, 429]
    assert_locked_out(log_in(client))  # the right password too


def test_the_lockout_page_says_why_on_the_login_page(client, editor):
    fail(client, 4)
    response = log_in(client, password="wrong")
    assert_locked_out(response)
    html = response.content.decode()
    assert "Please enter a correct username and password" not in html
    assert 'name="password"' in html


def test_a_lockout_holds_one_account_at_one_address(client, editor, other_editor):
    fail(client, 5)
    assert_locked_out(log_in(client))
    # The same editor from another address, and another editor from this one.
    assert_logged_in(log_in(client, address=ELSEWHERE))
    assert_logged_in(log_in(client, username="other"))


def test_a_success_before_the_limit_starts_the_count_again(client, editor):
    fail(client, 4)
    assert_logged_in(log_in(client))
    assert fail(client, 4) == [200] * 4
    assert_logged_in(log_in(client))


def test_after_the_cool_off_the_right_password_works_again(client, editor, settings):
    fail(client, 5)
    assert_locked_out(log_in(client))
    # As if the cool-off had passed since the last attempt.
    passed = settings.AXES_COOLOFF_TIME + datetime.timedelta(seconds=1)
    for attempt in AccessAttempt.objects.all():
        attempt.attempt_time -= passed
        attempt.save()
    assert_logged_in(log_in(client))


def test_a_forged_forwarded_address_does_not_escape_the_lockout(client, editor):
    fail(client, 5)
    response = log_in(client, HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert_locked_out(response)


def test_behind_a_proxy_the_forwarded_address_counts(client, editor, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    proxy = "10.0.0.254"
    fail(client, 5, address=proxy, HTTP_X_FORWARDED_FOR="198.51.100.7")
    assert_locked_out(log_in(client, address=proxy, HTTP_X_FORWARDED_FOR="198.51.100.7"))
    # Another visitor through the same proxy is not locked out.
    assert_logged_in(log_in(client, address=proxy, HTTP_X_FORWARDED_FOR="198.51.100.8"))


@pytest.mark.parametrize(
    "proxies, forwarded, expected",
    [
        (0, "198.51.100.7", "10.0.0.254"),  # no proxy configured: the header is ignored
        (1, "198.51.100.7", "198.51.100.7"),
        (1, "1.2.3.4, 198.51.100.7", "198.51.100.7"),  # the left entry is the client's own
        (2, "1.2.3.4, 198.51.100.7, 10.0.0.9", "198.51.100.7"),
        (2, "198.51.100.7", "10.0.0.254"),  # fewer entries than proxies: went round them
        (1, "not an address", "10.0.0.254"),
        (1, "", "10.0.0.254"),
    ],
)
def test_client_address(settings, proxies, forwarded, expected):
    settings.TRUSTED_PROXY_COUNT = proxies
    request = RequestFactory().post(LOGIN, REMOTE_ADDR="10.0.0.254", HTTP_X_FORWARDED_FOR=forwarded)
    assert client_address(request) == expected


def test_logins_by_code_are_not_counted_and_still_work(client, editor):
    """Django's test client logs in without a request (as tests/test_page_tree.py does)."""
    assert client.login(username="editor", password=PASSWORD)
    assert not client.login(username="editor", password="wrong")
    assert not AccessAttempt.objects.exists()
